"""The BM25 ranking folder (tantivy) is derived from the passage table and comes back
from it when lost."""

from __future__ import annotations

import shutil


def test_a_lost_ranking_folder_is_rebuilt_by_the_next_ingest(ready_settings):
    from retrieval.index.embeddings import make_embedder
    from retrieval.index.fts import text_path
    from retrieval.index.ingest import ingest
    from tests.index_invariants import assert_index_matches, expected_ids, fresh_store

    embedder = make_embedder(ready_settings)
    store = fresh_store(ready_settings, embedder)
    before = store.lexical().search("Karabakh", 5)
    assert before
    shutil.rmtree(text_path(store.lexical_path))

    store = fresh_store(ready_settings, embedder)
    assert store.lexical().search("Karabakh", 5) == []  # the table alone ranks nothing
    report = ingest(store)
    assert report.embedded == 0  # nothing changed in the corpus: only the ranking is rebuilt
    assert store.lexical().search("Karabakh", 5) == before
    assert_index_matches(fresh_store(ready_settings, embedder), expected_ids(ready_settings))


def test_ranking_is_exact_bm25_over_the_project_tokens():
    """tantivy's BM25 (k1 1.2, b 0.75, Lucene idf) over stemmed, stop-worded tokens."""
    import math

    from retrieval.index.fts import FtsIndex

    texts = ["The Kalbajar road was closed.", "Kalbajar pass and Kalbajar village.",
             "A road in Lachin.", "Nothing here."]
    index = FtsIndex.build(["a", "b", "c", "d"], texts)
    hits = index.search("roads of Kalbajar", 10)
    assert [i for i, _ in hits] == ["a", "b", "c"]
    # Tokens: kalbajar road close | kalbajar pass kalbajar villag | road lachin | noth,
    # so "a" holds both stems once in 3 tokens and the mean length is 10 / 4.
    idf = {t: math.log(1 + (4 - n + 0.5) / (n + 0.5)) for t, n in (("kalbajar", 2), ("road", 2))}
    norm = 1.2 * (1 - 0.75 + 0.75 * 3 / (10 / 4))
    expected = sum(idf[t] * 2.2 / (1 + norm) for t in idf)
    assert abs(hits[0][1] - expected) < 0.02 * expected
