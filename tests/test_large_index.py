"""An index past 32,766 passages: the listing reads still work, and one ingest stays small.

chromadb 1.5.9 refuses one get() of more metadata than SQLite's 32,766 variables; the
index is built cheaply here (8-dimensional fake vectors straight into Chroma, as
bench/worker.py's bulk loader does) and each front end's whole-collection read runs on it.
"""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pytest

PASSAGES_PER_DOC = 10
DOCS = 3_300  # 33,000 background passages, plus the article's
BATCH = 5_000
ARTICLE = "articles/big-article.md"


def metadata(doc_id: str, position: int, kind: str) -> dict:
    return {"doc_id": doc_id, "origin": f"/nowhere/{doc_id}", "title": f"Title of {doc_id}",
            "kind": kind, "url": "", "outlet": "Outlet" if kind == "article" else "",
            "published": "2023-06-15" if kind == "article" else "", "as_of": "",
            "language": "en", "sources": json.dumps([]), "chunk_id": f"{doc_id}#{position}",
            "heading": "", "start": 0, "end": 0, "position": position}


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    from langchain_core.embeddings import DeterministicFakeEmbedding

    from retrieval.index.store import Store
    from retrieval.settings import Settings

    root = tmp_path_factory.mktemp("big")
    (root / "corpus").mkdir()
    settings = Settings(data_dir=root / "data", corpus_dir=root / "corpus", _env_file=None)
    store = Store(settings, DeterministicFakeEmbedding(size=8))
    rows = [(ARTICLE, p, "article") for p in range(3)] + [
        (f"background/note-{d:04d}.md", p, "background")
        for d in range(DOCS) for p in range(PASSAGES_PER_DOC)]
    rng = np.random.default_rng(26)
    for start in range(0, len(rows), BATCH):
        part = rows[start : start + BATCH]
        ids = [f"{doc_id}#{p}" for doc_id, p, _ in part]
        store.collection.upsert(
            ids=ids,
            documents=[f"Title of {d}\n\nPassage {p} of {d}: the ceasefire line near village "
                       f"{d[-8:-3]}." if d != ARTICLE or p else
                       "Title of article\n\nThe article's opening paragraph about Kalbajar."
                       for d, p, _ in part],
            metadatas=[metadata(d, p, kind) for d, p, kind in part],
            embeddings=rng.standard_normal((len(part), 8)).astype(np.float32))
        # Recorded as ingest records them, so nothing looks orphaned.
        store.record_manager.update(ids, group_ids=[d for d, _, _ in part])
    return store


def test_the_index_is_past_chromas_single_read_limit(big):
    assert big.count() == DOCS * PASSAGES_PER_DOC + 3 > 32_766


def test_sources_lists_every_document(big):
    rows = big.documents()
    assert len(rows) == DOCS + 1
    assert rows[0]["id"] == ARTICLE and rows[0]["chunks"] == 3
    assert {r["chunks"] for r in rows[1:]} == {PASSAGES_PER_DOC}
    ids, metas = big.all_metadata()
    assert len(ids) == len(set(ids)) == big.count() == len(metas)


def test_chat_and_discord_listings(big):
    from bot.chat.commands import about_text
    from bot.discord.cog import QACog
    from bot.discord.render import sources_messages

    text = about_text(big)
    assert "The article's opening paragraph about Kalbajar." in text
    assert f"Background: {DOCS:,}".replace(",", "") in text.replace(",", "")
    listed = "\n".join(sources_messages(big.documents(), limit=10**7))
    assert "big-article.md" in listed and "note-3299.md" in listed
    fake_cog = SimpleNamespace(bot=SimpleNamespace(answerer=SimpleNamespace(store=big)))
    embeds = QACog._about_embeds(fake_cog)
    assert len(embeds) == 1
    assert "opening paragraph about Kalbajar" in embeds[0].description


def test_the_lexical_index_covers_every_passage(big):
    lexical = big.lexical()  # built from Chroma page by page on first use
    assert len(lexical) == big.count()
    assert lexical.lead_id(ARTICLE) == f"{ARTICLE}#0"
    found = [i for i, _ in lexical.search("ceasefire line village note-3299", 5)]
    assert found and all(i.startswith("background/note-") for i in found)


def test_ingesting_one_file_reads_nothing_whole(big, monkeypatch):
    """One new note: no page-by-page read of the collection (it would cost O(index))."""
    from retrieval.index.ingest import ingest
    from retrieval.index.store import Store

    big.lexical()  # built already (previous test) or now, before reads are forbidden

    def whole_read(self, include):
        raise AssertionError("a normal ingest read the whole collection")

    monkeypatch.setattr(Store, "pages", whole_read)
    note = big.settings.corpus_dir / "background" / "new-note.md"
    note.parent.mkdir(exist_ok=True)
    note.write_text("---\ntitle: Zorblatt pass\n---\n\nThe Zorblatt pass closed in 2021.\n")
    report = ingest(big, [str(note)])
    assert report.docs_added == ["background/new-note.md"]
    assert big.count() == DOCS * PASSAGES_PER_DOC + 3 + report.added
    assert [i for i, _ in big.lexical().search("Zorblatt pass", 3)] == \
        big.lexical().ids_of("background/new-note.md")


def test_the_multilingual_mirror_syncs_past_the_single_read_limit(big):
    """Past 32,766 passages the mirror's sync finds the few passages the mirror lacks and
    the few it holds that the main index dropped. (It lists ids page by page, like every
    whole-collection read; a single ids-only get() also passed this test on chromadb 1.5.9:
    the SQLite variable limit bites reads of metadata and documents.)"""
    from langchain_core.embeddings import DeterministicFakeEmbedding

    from retrieval.index.multilingual import MultilingualIndex

    mirror = MultilingualIndex(big, embedder=DeterministicFakeEmbedding(size=8))
    ids = [i for page in big.pages([]) for i in page["ids"]]
    lacking, stale = ids[-5:], ["background/gone.md#0", "background/gone.md#1"]
    rng = np.random.default_rng(25)
    copied = ids[:-5] + stale  # written straight, as a build that stopped would have left it
    for start in range(0, len(copied), BATCH):
        part = copied[start : start + BATCH]
        mirror.store.collection.upsert(
            ids=part, embeddings=rng.standard_normal((len(part), 8)).astype(np.float32))
    assert mirror.store.collection.count() == len(ids) - 5 + 2 > 32_766
    assert mirror.sync() == len(lacking)
    assert mirror.store.collection.count() == len(ids)
    assert mirror.store.collection.get(ids=stale)["ids"] == []
    assert sorted(mirror.store.collection.get(ids=lacking)["ids"]) == sorted(lacking)
