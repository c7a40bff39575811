"""One document per text: the same text reached by a second route (a corpus note and a loose
copy of it, a page by URL and as a saved file) is indexed once, with a `note:`; a changed
copy under the same title is indexed and reported. Real Chroma, the packaged embedder."""

from __future__ import annotations

import pytest

from retrieval.index.ingest import ingest
from retrieval.index.register import SourceRegister
from tests.conftest import loopback_site

NOTE = ("---\ntitle: Ferry note\nkind: background\noutlet: Notes\npublished: 2024-01-02\n---\n\n"
        "The Zangilan ferry across the lake began regular service in 1978.\n")
PAGE = (b"<html><head><title>Mill on the river</title></head><body><article>"
        b"<p>The old mill on the river Terter was rebuilt in 1911 by a guild of millers.</p>"
        b"</article></body></html>")


@pytest.fixture
def small_store(tmp_path):
    from retrieval.index.embeddings import make_embedder
    from retrieval.index.store import Store
    from retrieval.settings import Settings

    (tmp_path / "corpus" / "background").mkdir(parents=True)
    (tmp_path / "corpus" / "background" / "ferry.md").write_text(NOTE)
    (tmp_path / "loose").mkdir()
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=tmp_path / "corpus",
                        _env_file=None)
    store = Store(settings, make_embedder(settings))
    ingest(store)
    return store


def ids(store) -> set[str]:
    return {row["id"] for row in store.documents()}


def reasons(report) -> list[str]:
    return [n.reason for n in report.notes]


def test_a_loose_copy_of_a_corpus_note_is_not_indexed_twice(small_store, tmp_path):
    copy = tmp_path / "loose" / "ferry-copy.md"
    copy.write_text(NOTE.replace("\n\n", "\n\n\n"))  # whitespace aside, the same text
    report = ingest(small_store, [str(copy)])
    assert report.docs_added == []
    assert reasons(report) == [("same text as background/ferry.md, which is indexed already; "
                               "not indexed a second time")]
    assert ids(small_store) == {"background/ferry.md"}
    # A later plain ingest does not bring the copy in by another door (it was not remembered).
    assert ingest(small_store).docs_added == []
    assert ids(small_store) == {"background/ferry.md"}


def test_a_page_by_url_and_as_a_saved_file_is_one_document(small_store, tmp_path):
    with loopback_site({"/mill.html": PAGE}) as site:
        assert ingest(small_store, [f"{site}/mill.html"]).docs_added == [f"{site}/mill.html"]
    saved = tmp_path / "loose" / "Mill on the river.html"
    saved.write_bytes(PAGE)
    report = ingest(small_store, [str(saved)])
    assert report.docs_added == []
    assert reasons(report) == [(f"same text as {site}/mill.html, which is indexed already; "
                               "not indexed a second time")]
    assert ids(small_store) == {"background/ferry.md", f"{site}/mill.html"}


def test_a_changed_copy_under_the_same_title_is_reported(small_store, tmp_path):
    edited = tmp_path / "loose" / "ferry.md"
    edited.write_text(NOTE.replace("1978", "1979"))
    report = ingest(small_store, [str(edited)])
    assert report.docs_added == ["file:ferry.md"]
    assert reasons(report) == [("same title as background/ferry.md but a different text; indexed "
                               "as another document (if one is an edited copy, `backstory "
                               "sources remove` the stale one)")]


def test_the_document_already_indexed_keeps_its_id_through_a_rebuild(small_store, tmp_path):
    with loopback_site({"/mill.html": PAGE}) as site:
        ingest(small_store, [f"{site}/mill.html"])
    # The same page saved into the corpus folder: the URL was there first, and stays.
    (small_store.settings.corpus_dir / "background" / "mill.html").write_bytes(PAGE)
    assert ingest(small_store).docs_added == []
    ingest(small_store, rebuild=True)
    assert ids(small_store) == {"background/ferry.md", f"{site}/mill.html"}
    records = SourceRegister(small_store.settings.data_dir).load()
    assert records[f"{site}/mill.html"].content  # its key is remembered for the next run


def test_a_renamed_corpus_file_is_not_taken_for_a_copy_of_itself(small_store):
    """Renamed in the folder: the old id is gone and the new one is the same text. Left out
    as a copy of a document deleted in the same run, it would be lost."""
    background = small_store.settings.corpus_dir / "background"
    (background / "ferry.md").rename(background / "ferry-renamed.md")
    report = ingest(small_store, prune=True)
    assert report.docs_added == ["background/ferry-renamed.md"]
    assert report.docs_deleted == ["background/ferry.md"]
    assert ids(small_store) == {"background/ferry-renamed.md"}


def test_a_document_edited_into_a_copy_of_another_is_kept_and_reported(small_store, tmp_path):
    loose = tmp_path / "loose" / "other.md"
    loose.write_text(NOTE.replace("Ferry note", "Other note").replace("1978", "1990"))
    assert ingest(small_store, [str(loose)]).docs_added == ["file:other.md"]
    loose.write_text(NOTE)  # now word for word the corpus note
    report = ingest(small_store)
    assert "file:other.md" in report.docs_updated  # ids stay: nothing indexed disappears
    assert ("now the same text as background/ferry.md; both stay indexed (`backstory sources "
            "remove` one)") in reasons(report)
