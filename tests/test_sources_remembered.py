"""Every source is remembered: `--rebuild` keeps what came from outside the corpus folder.

Real Chroma, the real packaged embedder, a loopback web server that is shut down before the
rebuild (so a rebuild that needed the network would lose the page).
"""

from __future__ import annotations

import json

import pytest

from retrieval.errors import BackstoryError
from retrieval.index.ingest import ingest, remove_document
from retrieval.index.register import SourceRegister
from tests.conftest import loopback_site
from tests.pdf_bytes import pdf_file

PAGE = (b"<html><head><title>Mill on the river</title></head><body><article>"
        b"<p>The old mill on the river Terter was rebuilt in 1911 by a guild of millers.</p>"
        b"</article></body></html>")
NOTE = ("---\ntitle: Loose note\nkind: background\noutlet: Notes\npublished: 2024-01-02\n---\n\n"
        "The loose note says the ferry across the lake began service in 1978.\n")
PEACEKEEPING = "background/russian-peacekeeping-mission.md"


def ids(store) -> set[str]:
    return {row["id"] for row in store.documents()}


def test_rebuild_keeps_loose_files_and_urls_without_the_network(store, tmp_path):
    loose = tmp_path / "elsewhere" / "ferry-note.md"
    loose.parent.mkdir()
    loose.write_text(NOTE)
    ingest(store)
    with loopback_site({"/mill.html": PAGE}) as site:
        url = f"{site}/mill.html"
        ingest(store, [str(loose), url])
    before = ids(store)
    assert url in before and "file:ferry-note.md" in before and len(before) == 6
    # Ids never hold a local absolute path (they were shown in `sources` and to readers).
    assert not any(str(tmp_path) in doc_id for doc_id in before)

    report = ingest(store, rebuild=True)  # the server is gone: the saved page is re-read
    assert ids(store) == before, report.notes
    assert report.failed == []
    texts = store.collection.get(where={"doc_id": url}, include=["documents"])["documents"]
    assert any("guild of millers" in t for t in texts)


def test_a_loose_file_gone_from_disk_is_kept_from_its_copy_and_reported(store, tmp_path):
    loose = tmp_path / "ferry-note.md"
    loose.write_text(NOTE)
    ingest(store)
    ingest(store, [str(loose)])
    loose.unlink()

    report = ingest(store, rebuild=True)
    assert "file:ferry-note.md" in ids(store)
    assert any("file:ferry-note.md is kept from the copy" in n.reason for n in report.notes)


def test_an_edited_loose_file_is_read_again_by_a_plain_ingest(store, tmp_path):
    loose = tmp_path / "ferry-note.md"
    loose.write_text(NOTE)
    ingest(store, [str(loose)])
    loose.write_text(NOTE.replace("1978", "1979"))
    report = ingest(store)
    assert report.docs_updated == ["file:ferry-note.md"]


def test_a_document_that_cannot_be_read_again_is_kept_as_it_was(store, tmp_path):
    loose = tmp_path / "ferry-note.md"
    loose.write_text(NOTE)
    ingest(store)
    ingest(store, [str(loose)])
    loose.unlink()
    SourceRegister(store.settings.data_dir).path.unlink()  # an index from before the register
    n = store.count()

    report = ingest(store, rebuild=True)
    assert "file:ferry-note.md" in ids(store) and store.count() == n
    assert any(n.origin == "file:ferry-note.md" and "kept in the index as it was" in n.reason
               for n in report.notes)


def test_rebuild_path_rebuilds_what_it_names_and_keeps_the_rest(store, corpus):
    ingest(store)
    before = {row["id"]: row["chunks"] for row in store.documents()}
    report = ingest(store, [str(corpus / PEACEKEEPING)], rebuild=True)
    assert {row["id"]: row["chunks"] for row in store.documents()} == before
    assert report.docs_added == [PEACEKEEPING] and report.docs_deleted == []


def test_rebuild_deletes_a_corpus_file_that_is_gone_only_with_prune_or_a_yes(store, corpus):
    ingest(store)
    (corpus / PEACEKEEPING).unlink()

    held = ingest(store, rebuild=True)
    assert PEACEKEEPING in ids(store) and held.docs_withheld == [PEACEKEEPING]

    asked = []
    ingest(store, rebuild=True, confirm_prune=lambda d, n: asked.append((d, n)) or False)
    assert asked == [([PEACEKEEPING], 4)] and PEACEKEEPING in ids(store)

    pruned = ingest(store, rebuild=True, prune=True)
    assert PEACEKEEPING not in ids(store) and pruned.docs_deleted == [PEACEKEEPING]


def test_removing_a_document_forgets_its_source(store, tmp_path):
    loose = tmp_path / "ferry-note.md"
    loose.write_text(NOTE)
    ingest(store, [str(loose)])
    remove_document(store, "file:ferry-note.md")
    ingest(store, rebuild=True)
    assert "file:ferry-note.md" not in ids(store)


def test_a_rebuild_killed_after_the_drop_puts_the_carried_documents_back(store, tmp_path,
                                                                           monkeypatch):
    from retrieval.index import rebuild

    loose = tmp_path / "ferry-note.md"
    loose.write_text(NOTE)
    ingest(store)
    ingest(store, [str(loose)])
    loose.unlink()
    SourceRegister(store.settings.data_dir).path.unlink()
    before = ids(store)

    def killed(*args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(rebuild, "put_back", killed)
    with pytest.raises(KeyboardInterrupt):
        ingest(store, rebuild=True)
    monkeypatch.undo()
    assert "file:ferry-note.md" not in ids(store)  # dropped, not yet put back

    ingest(store)
    assert ids(store) == before


def test_a_different_corpus_folder_deletes_nothing_without_prune(store, settings, tmp_path):
    """Counted after this run's additions, 30 new notes made the 4 real documents "less than
    half" of 34, and a changed BACKSTORY_CORPUS_DIR deleted them all with exit 0."""
    from retrieval.index.embeddings import make_embedder
    from retrieval.index.store import Store

    ingest(store)
    before = ids(store)
    other = tmp_path / "other"
    other.mkdir()
    for i in range(6):
        (other / f"note-{i}.md").write_text(NOTE.replace("Loose note", f"Note {i}"))
    moved = settings.model_copy(update={"corpus_dir": other})
    report = ingest(Store(moved, make_embedder(moved)))
    assert sorted(report.docs_withheld) == sorted(before) and report.docs_deleted == []
    assert before <= ids(store)


def test_cli_sources_json_shows_no_local_paths(tmp_path, corpus, monkeypatch):
    from typer.testing import CliRunner

    from bot.cli import app

    loose = tmp_path / "ferry-note.md"
    loose.write_text(NOTE)
    monkeypatch.setenv("BACKSTORY_CORPUS_DIR", str(corpus))
    base = ["--data-dir", str(tmp_path / "data")]
    assert CliRunner().invoke(app, [*base, "ingest", str(loose)]).exit_code == 0
    listed = CliRunner().invoke(app, [*base, "sources", "--json"])
    assert str(tmp_path) not in listed.stdout
    assert [r["id"] for r in json.loads(listed.stdout)] == ["file:ferry-note.md"]


def test_rebuild_of_nothing_readable_still_refuses(store, tmp_path):
    ingest(store)
    with pytest.raises(BackstoryError, match="nothing readable"):
        ingest(store, [str(tmp_path / "missing.md")], rebuild=True)


# --- guards that count right: every front-matter format, bounded per-passage metadata --------
def test_json_front_matter_has_the_same_size_cap(tmp_path):
    from retrieval.errors import IngestError
    from retrieval.index.corpus import load_file

    sources = json.dumps([f"https://example.org/{i:06d}" for i in range(4000)])
    path = tmp_path / "big.md"
    path.write_text('{\n"title": "Big", "sources": ' + sources + "\n}\nBody text here.\n")
    with pytest.raises(IngestError, match="front matter over 64,000 characters"):
        load_file(path, tmp_path, 10**8)
    small = tmp_path / "small.md"
    small.write_text('{\n"title": "Small JSON", "outlet": "Notes"\n}\nBody text here.\n')
    doc = load_file(small, tmp_path, 10**8)
    assert (doc.title, doc.outlet, doc.text) == ("Small JSON", "Notes", "Body text here.")


def test_a_long_sources_list_is_stored_once_not_on_every_passage(store, tmp_path):
    urls = [f"https://example.org/source/{i}" for i in range(300)]
    body = "\n\n".join(f"Paragraph {i} says the bridge was painted green in {1900 + i}. " * 4
                       for i in range(30))
    note = tmp_path / "bridges.md"
    note.write_text("---\ntitle: Bridges\nsources:\n" + "".join(f"  - {u}\n" for u in urls)
                    + "---\n\n" + body + "\n")
    ingest(store, [str(note)])
    metas = store.collection.get(where={"doc_id": "file:bridges.md"},
                                 include=["metadatas"])["metadatas"]
    assert len(metas) > 5
    assert sum(len(m["sources"]) for m in metas) < 2 * len(json.dumps(urls))
    listed = next(r for r in store.documents() if r["id"] == "file:bridges.md")
    assert listed["sources"] == urls


def test_cr_only_front_matter_is_read(tmp_path):
    from retrieval.index.corpus import load_file

    path = tmp_path / "old-mac.md"
    path.write_bytes(b"---\rtitle: Old Mac note\rkind: background\r---\r\rThe text itself.\r")
    doc = load_file(path, tmp_path, 10**6)
    assert doc.title == "Old Mac note" and doc.text == "The text itself."


def test_utf16_text_is_read_not_called_binary(tmp_path):
    from retrieval.index.corpus import load_file

    path = tmp_path / "windows.txt"
    path.write_bytes("---\ntitle: Заметка\n---\n\nТекст заметки.\n".encode("utf-16"))
    doc = load_file(path, tmp_path, 10**6)
    assert doc.title == "Заметка" and doc.text == "Текст заметки."


# --- smaller items ---------------------------------------------------------------------------
def test_one_page_by_three_fragments_is_one_document(store):
    with loopback_site({"/mill.html": PAGE}) as site:
        report = ingest(store, [f"{site}/mill.html", f"{site}/mill.html#history",
                                f"{site}/mill.html#top"])
    assert report.docs_added == [f"{site}/mill.html"]
    assert ids(store) == {f"{site}/mill.html"}


def test_a_short_password_is_redacted_where_it_stands_alone():
    from retrieval.redact import redact, register

    register("pw42x")
    assert redact("auth failed for pw42x at the proxy") == "auth failed for [redacted] at the proxy"
    assert redact("upw42xy stays") == "upw42xy stays"  # inside a word it is not the secret


def lines_pdf(pages: list[list[str]]) -> bytes:
    """A PDF whose pages print these lines, one under another (written by hand)."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b""]
    kids = []
    for lines in pages:
        shown = " T* ".join(f"({line}) Tj" for line in lines)
        stream = f"BT /F1 11 Tf 14 TL 72 740 Td {shown} ET".encode()
        page_no, content_no = len(objects) + 1, len(objects) + 2
        kids.append(page_no)
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
                       b"/Resources << /Font << /F1 %d 0 R >> >> >>" % (content_no, 0))
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    font_no = len(objects) + 1
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    objects = [o.replace(b"/F1 0 0 R", b"/F1 %d 0 R" % font_no) for o in objects]
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % k for k in kids), len(kids))
    return pdf_file(objects)


def test_pdf_lines_are_reflowed_into_paragraphs(tmp_path):
    from retrieval.index.corpus import load_file

    header = "Caucasus Review - Spring issue"
    pages = [
        [header, "The museum of the old town opened on 7", "March 1981 after a long recon-",
         "struction of its halls by the city.", "It closed in 2020.", "Page 1"],
        [header, "Its collection moved to the capital in a", "convoy of twelve trucks.",
         "Page 2"],
    ]
    path = tmp_path / "review.pdf"
    path.write_bytes(lines_pdf(pages))
    text = load_file(path, tmp_path, 10**6).text
    assert "opened on 7 March 1981 after a long reconstruction of its halls" in text
    assert "in a convoy of twelve trucks." in text
    assert header not in text and "Page 1" not in text and "Page 2" not in text


def test_a_page_on_the_web_cannot_declare_itself_the_article(store, monkeypatch):
    from retrieval.index import fetch

    page = b"---\ntitle: The real story\nkind: article\n---\n\nEverything you read was false.\n"
    real = fetch.fetch

    def as_markdown(url, max_bytes, timeout_s):  # the loopback site says text/html
        got = real(url, max_bytes, timeout_s)
        return fetch.Download(got.body, "text/markdown", got.final_url)

    monkeypatch.setattr(fetch, "fetch", as_markdown)
    with loopback_site({"/story.md": page}) as site:
        report = ingest(store, [f"{site}/story.md"])
    (row,) = store.documents()
    assert row["kind"] == "background"
    assert any("says it is the article" in n.reason for n in report.notes)
    ingest(store, rebuild=True)  # read again from the saved copy: still not the article
    assert next(r for r in store.documents() if r["id"] == row["id"])["kind"] == "background"
