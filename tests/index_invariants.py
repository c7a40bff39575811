"""The index equals what the files say: one check shared by the crash and property tests."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from retrieval.index.chunking import chunk_document, to_documents
from retrieval.index.corpus import iter_corpus_files, load_file
from retrieval.settings import Settings


def expected_ids(settings: Settings, corpus_dir: Path | None = None) -> dict[str, set[str]]:
    """doc_id -> the passage ids chunking the corpus files gives now."""
    corpus_dir = corpus_dir or settings.corpus_dir
    out: dict[str, set[str]] = {}
    for path in iter_corpus_files(corpus_dir):
        doc = load_file(path, settings.corpus_dir, settings.max_file_bytes)
        ids = [d.id for d in to_documents(doc, chunk_document(doc, settings.chunk_chars,
                                                               settings.chunk_overlap))]
        assert len(ids) == len(set(ids)), f"chunking gave {doc.doc_id} duplicate ids"
        out[doc.doc_id] = set(ids)
    return out


def fresh_store(settings: Settings, embedder):
    """A Store as a new process would open it: Chroma's per-path client cache dropped."""
    from chromadb.api.client import SharedSystemClient

    from retrieval.index.store import Store

    SharedSystemClient.clear_system_cache()
    return Store(settings, embedder)


def index_state(store) -> dict:
    """What the index holds: Chroma ids by document, record keys by group, BM25 ids."""
    got = store.collection.get(include=["metadatas"]) if store.collection_exists() else {
        "ids": [], "metadatas": []}
    chroma: dict[str, set[str]] = defaultdict(set)
    for chunk_id, meta in zip(got["ids"], got["metadatas"]):
        chroma[(meta or {}).get("doc_id", "?")].add(chunk_id)
    manager = store.record_manager
    keys = manager.list_keys()
    groups = {doc_id: set(manager.list_keys(group_ids=[doc_id])) for doc_id in chroma}
    return {"ids": list(got["ids"]), "chroma": dict(chroma), "keys": keys, "groups": groups,
            "lexical": store.lexical().passage_ids(), "ranked": store.lexical().text.ids()}


def assert_index_matches(store, expected: dict[str, set[str]]) -> None:
    """Exactly one complete copy of every document: no orphans, duplicates or strays."""
    state = index_state(store)
    ids, chroma = state["ids"], state["chroma"]
    assert len(ids) == len(set(ids)), "duplicate ids in Chroma"
    assert set(chroma) == set(expected), (
        f"documents differ: orphans {sorted(set(chroma) - set(expected))}, "
        f"missing {sorted(set(expected) - set(chroma))}")
    for doc_id, want in expected.items():
        have = chroma[doc_id]
        assert have == want, (f"{doc_id}: {len(have - want)} stale or duplicate passages, "
                              f"{len(want - have)} missing")
        assert state["groups"][doc_id] == want, f"{doc_id}: record group != its passages"
    keys = state["keys"]
    assert len(keys) == len(set(keys)), "duplicate record keys"
    assert set(keys) == set(ids), "record manager keys != Chroma ids"
    assert sorted(state["lexical"]) == sorted(ids), "lexical passage table ids != Chroma ids"
    assert sorted(state["ranked"]) == sorted(ids), "BM25 (tantivy) ids != Chroma ids"
    if ids:
        # Every vector is searchable, not only listed: an interrupted flush must not have
        # left the dense index short of what the metadata says.
        probe = store.embedder.embed_query("probe")
        found = store.collection.query(query_embeddings=[probe], n_results=len(ids),
                                       include=[])
        assert set(found["ids"][0]) == set(ids), "dense search does not reach every passage"
