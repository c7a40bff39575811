"""Ingest is incremental and idempotent, on real Chroma with the real packaged embedder."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from retrieval.index.chunking import chunk_document
from retrieval.index.corpus import load_file
from retrieval.index.ingest import ingest

PEACEKEEPING = "background/russian-peacekeeping-mission.md"


def doc_ids(store) -> dict[str, int]:
    return {row["id"]: row["chunks"] for row in store.documents()}


def test_ingest_twice_adds_and_embeds_nothing(store):
    first = ingest(store)
    assert first.embedded == first.added > 0
    assert len(first.docs_added) == 4
    count = store.count()

    second = ingest(store)
    assert (second.added, second.updated, second.deleted, second.embedded) == (0, 0, 0, 0)
    assert second.unchanged == count
    assert len(second.docs_unchanged) == 4
    assert store.count() == count


def test_editing_a_file_replaces_its_chunks(store, corpus):
    ingest(store)
    path = corpus / PEACEKEEPING
    old_ids = set(store.record_manager.list_keys(group_ids=[PEACEKEEPING]))
    path.write_text(path.read_text() + "\n\n## Added section\n\nA new closing paragraph about "
                    "the mission's legacy was written for this test.\n")

    report = ingest(store)
    assert report.docs_updated == [PEACEKEEPING]
    new_ids = set(store.record_manager.list_keys(group_ids=[PEACEKEEPING]))
    assert new_ids and new_ids != old_ids
    stored = set(store.collection.get(where={"doc_id": PEACEKEEPING}, include=[])["ids"])
    assert stored == new_ids  # old passages gone, no duplicates
    assert 0 < report.embedded < len(new_ids) + 1
    texts = store.collection.get(where={"doc_id": PEACEKEEPING}, include=["documents"])
    assert any("legacy was written for this test" in t for t in texts["documents"])


def test_deleting_a_file_removes_its_chunks(store, corpus):
    ingest(store)
    before = store.count()
    n = doc_ids(store)[PEACEKEEPING]
    (corpus / PEACEKEEPING).unlink()

    report = ingest(store)
    assert report.docs_deleted == [PEACEKEEPING]
    assert report.deleted == n
    assert PEACEKEEPING not in doc_ids(store)
    assert store.count() == before - n
    assert store.record_manager.list_keys(group_ids=[PEACEKEEPING]) == []


def test_ingesting_one_file_leaves_the_others_alone(store, corpus):
    ingest(store)
    before = doc_ids(store)
    report = ingest(store, [str(corpus / PEACEKEEPING)])
    assert report.docs_unchanged == [PEACEKEEPING]
    assert doc_ids(store) == before


def test_remove_document(store):
    from retrieval.index.ingest import remove_document

    ingest(store)
    n = doc_ids(store)[PEACEKEEPING]
    assert remove_document(store, PEACEKEEPING) == n
    assert PEACEKEEPING not in doc_ids(store)


def test_chunks_keep_exact_offsets_and_headings(corpus, settings):
    doc = load_file(corpus / PEACEKEEPING, corpus, settings.max_file_bytes)
    chunks = chunk_document(doc, settings.chunk_chars, settings.chunk_overlap)
    assert len(chunks) > 2
    for chunk in chunks:
        assert doc.text[chunk.start : chunk.end] == chunk.text
        assert len(chunk.text) <= settings.chunk_chars
    assert any(chunk.heading for chunk in chunks)
    assert len({c.chunk_id for c in chunks}) == len(chunks)


def test_front_matter_is_read(corpus, settings):
    from tests.conftest import ARTICLE

    doc = load_file(corpus / "articles" / ARTICLE.name, corpus, settings.max_file_bytes)
    assert doc.kind == "article"
    assert doc.outlet == "Sputnik"
    assert doc.published.isoformat() == "2023-06-15"
    assert doc.url.startswith("https://sputnikglobe.com/")
    assert doc.text.startswith("Reports of Biden administration officials")


def test_ingest_json_contract(tmp_path, corpus, monkeypatch):
    from bot.cli import app

    monkeypatch.setenv("BACKSTORY_CORPUS_DIR", str(corpus))
    runner = CliRunner()
    args = ["--data-dir", str(tmp_path / "d"), "ingest", "--json"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    report = json.loads(first.stdout)
    assert set(report) >= {"added", "updated", "unchanged", "deleted", "embedded", "failed"}
    assert report["added"] == report["embedded"] > 0 and report["failed"] == []

    again = json.loads(runner.invoke(app, args).stdout)
    assert (again["added"], again["updated"], again["deleted"], again["embedded"]) == (0, 0, 0, 0)
    assert again["unchanged"] == report["added"]


def test_sources_lists_documents(tmp_path, corpus, monkeypatch):
    from bot.cli import app

    monkeypatch.setenv("BACKSTORY_CORPUS_DIR", str(corpus))
    runner = CliRunner()
    base = ["--data-dir", str(tmp_path / "d")]
    assert runner.invoke(app, [*base, "ingest"]).exit_code == 0
    rows = json.loads(runner.invoke(app, [*base, "sources", "--json"]).stdout)
    by_id = {r["id"]: r for r in rows}
    article = by_id["articles/2023-06-15-sputnik-moscow-questions-washingtons-sanity.md"]
    assert article["kind"] == "article" and article["published"] == "2023-06-15"
    assert article["outlet"] == "Sputnik" and article["chunks"] > 0
    assert set(article) >= {"id", "title", "kind", "outlet", "published", "url", "chunks"}
    # A background note lists the public URLs its facts rest on, from its front matter.
    note = by_id[PEACEKEEPING]
    assert note["as_of"] and len(note["sources"]) >= 2
    assert all(url.startswith("http") for url in note["sources"])
    listing = runner.invoke(app, [*base, "sources"]).stdout
    assert f"    source: {note['sources'][0]}" in listing

    removed = runner.invoke(app, [*base, "sources", "remove", PEACEKEEPING])
    assert removed.exit_code == 0 and "removed" in removed.stdout
    missing = runner.invoke(app, [*base, "sources", "remove", "no/such.md"])
    assert missing.exit_code == 1
    assert missing.stderr.startswith("error: no indexed document")


# --- deletions need evidence: an emptied folder or most of the index ---------------------
def empty_folder(corpus):
    for path in sorted(corpus.rglob("*.md"), reverse=True):
        path.unlink()


def test_an_empty_corpus_folder_deletes_nothing_and_says_so(store, corpus):
    """The issue's 29 documents deleted with exit 0: without the empty-folder and half-the-
    index checks this report deletes all four documents."""
    ingest(store)
    before = doc_ids(store)
    empty_folder(corpus)
    report = ingest(store)
    assert report.docs_deleted == [] and report.deleted == 0
    assert doc_ids(store) == before
    assert sorted(report.docs_withheld) == sorted(before)
    notes = [n.reason for n in report.notes]
    assert notes[0] == "holds no documents"
    assert notes[1] == ("4 documents indexed from it were kept: an empty folder deletes "
                        "nothing (--prune deletes them)")

    pruned = ingest(store, prune=True)
    assert sorted(pruned.docs_deleted) == sorted(before) and store.count() == 0


def test_deleting_most_of_the_index_needs_prune_or_a_yes(store, corpus):
    ingest(store)
    before = doc_ids(store)
    files = sorted(corpus.rglob("*.md"))
    for path in files[:3]:
        path.unlink()
    gone = sorted(p.relative_to(corpus).as_posix() for p in files[:3])

    held = ingest(store)
    assert held.docs_withheld == gone and held.docs_deleted == []
    assert doc_ids(store) == before
    assert "3 of 4 indexed documents have no file any more; none were deleted" in (
        held.notes[-1].reason)

    asked = []
    declined = ingest(store, confirm_prune=lambda ids, n: asked.append((ids, n)) or False)
    assert asked == [(gone, 4)] and declined.docs_withheld == gone

    accepted = ingest(store, confirm_prune=lambda ids, n: True)
    assert sorted(accepted.docs_deleted) == gone and accepted.docs_withheld == []
    assert set(doc_ids(store)) == set(before) - set(gone)


def test_cli_withheld_deletions_exit_1_and_prune_deletes(tmp_path, corpus, monkeypatch):
    from bot.cli import app

    monkeypatch.setenv("BACKSTORY_CORPUS_DIR", str(corpus))
    runner = CliRunner()
    args = ["--data-dir", str(tmp_path / "d"), "ingest"]
    assert runner.invoke(app, args).exit_code == 0
    empty_folder(corpus)

    held = runner.invoke(app, [*args, "--json"])
    assert held.exit_code == 1
    report = json.loads(held.stdout)
    assert report["deleted"] == 0 and len(report["documents"]["withheld"]) == 4
    assert report["notes"][0] == {"path": str(corpus), "note": "holds no documents"}
    human = runner.invoke(app, args)
    assert human.exit_code == 1
    assert f"note: {corpus}: holds no documents" in human.stderr

    pruned = runner.invoke(app, [*args, "--prune", "--json"])
    assert pruned.exit_code == 0
    assert len(json.loads(pruned.stdout)["documents"]["deleted"]) == 4


def test_rebuild_from_an_empty_folder_keeps_the_index(store, corpus):
    ingest(store)
    before = doc_ids(store)
    empty_folder(corpus)
    import pytest

    from retrieval.errors import BackstoryError

    with pytest.raises(BackstoryError, match="nothing readable to rebuild the index from"):
        ingest(store, rebuild=True)
    assert doc_ids(store) == before


def test_cli_asks_at_a_terminal_before_deleting_most_of_the_index(tmp_path, corpus,
                                                                   monkeypatch):
    from bot.cli import app

    monkeypatch.setenv("BACKSTORY_CORPUS_DIR", str(corpus))
    runner = CliRunner()
    args = ["--data-dir", str(tmp_path / "d"), "ingest"]
    assert runner.invoke(app, args).exit_code == 0
    for path in sorted(corpus.rglob("*.md"))[:3]:
        path.unlink()
    monkeypatch.setattr("bot.commands.index.at_a_terminal", lambda: True)
    kept = runner.invoke(app, args, input="n\n")
    assert kept.exit_code == 1
    assert "3 of 4 indexed documents have no file any more" in kept.stderr
    assert "Delete them from the index? [y/N]" in kept.stderr
    deleted = runner.invoke(app, args, input="y\n")
    assert deleted.exit_code == 0, deleted.output
    assert "3 deleted" in deleted.stdout
