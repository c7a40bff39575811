"""A new index gets the HNSW settings of store.HNSW_SETTINGS; an index built before keeps its own.

chromadb reads a collection's HNSW settings only when it creates the collection (and
ignores the metadata get_or_create_collection passes for one that exists), so changing the
settings must not stop an existing index from opening or answering.
"""

from __future__ import annotations

import numpy as np
from langchain_core.embeddings import DeterministicFakeEmbedding

from retrieval.index import store as store_module
from retrieval.index.store import EMBEDDER_KEY, Store
from retrieval.settings import Settings

# chromadb's legacy metadata keys and the configuration field each one sets.
CONFIG_FIELD = {"hnsw:space": "space", "hnsw:construction_ef": "ef_construction",
                "hnsw:M": "max_neighbors", "hnsw:search_ef": "ef_search",
                "hnsw:sync_threshold": "sync_threshold"}
BEFORE_SESSION_8 = {"hnsw:space": "cosine"}  # what every index was created with until now


def _store(tmp_path) -> Store:
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=tmp_path, _env_file=None)
    return Store(settings, DeterministicFakeEmbedding(size=8))


def _fill(collection, n: int = 40) -> np.ndarray:
    vectors = np.random.default_rng(8).standard_normal((n, 8)).astype(np.float32)
    collection.add(ids=[f"doc.md#{i}" for i in range(n)], embeddings=vectors,
                   documents=[f"passage {i}" for i in range(n)],
                   metadatas=[{"doc_id": "doc.md", "position": i} for i in range(n)])
    return vectors


def test_a_new_index_is_created_with_the_settings(tmp_path):
    store = _store(tmp_path)
    hnsw = store.collection.configuration["hnsw"]
    for key, value in store_module.HNSW_SETTINGS.items():
        assert hnsw[CONFIG_FIELD[key]] == value, key
    # Store.dense_search reads 1 - distance as a cosine similarity; chromadb's default
    # distance is l2.
    assert hnsw["space"] == "cosine"


def test_an_index_built_before_still_opens_and_answers(tmp_path):
    old = _store(tmp_path)
    # Created as every version before session 8 created it.
    collection = old.client.create_collection(
        old.settings.collection, metadata={EMBEDDER_KEY: old.embedder_name, **BEFORE_SESSION_8},
        embedding_function=None)
    vectors = _fill(collection)

    store = _store(tmp_path)
    store._client = old.client  # one PersistentClient per path in a process
    hits = store.dense_search(vectors[7].tolist(), 3)
    assert hits[0][0] == "doc.md#7" and hits[0][1] > 0.99
    hnsw = store.collection.configuration["hnsw"]
    assert hnsw["ef_construction"] == 100  # chromadb's default, as it was built
    assert store.count() == 40
