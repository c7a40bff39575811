"""Hybrid retrieval: dense (Chroma) + BM25, fused by reciprocal rank, near-duplicates collapsed."""

from __future__ import annotations

import logging
from collections import defaultdict

from retrieval.index.lexical import tokenize
from retrieval.index.store import Store
from retrieval.models import Retrieved

logger = logging.getLogger(__name__)

RRF_K = 60  # the constant from Cormack et al. (2009); damps the weight of top ranks
MIN_CANDIDATES = 20
DUPLICATE_JACCARD = 0.8
# At most this many passages of one document: a question's answer is often a sentence in a
# document that ranks second, and six passages of the same background note crowd it out.
MAX_PER_DOCUMENT = 3
# The article is what readers came with; its passages get this share more fused score.
ARTICLE_BOOST = 1.15


def rrf(rankings: list[tuple[list[str], float]]) -> dict[str, float]:
    """Weighted reciprocal rank fusion of several ranked id lists."""
    fused: dict[str, float] = defaultdict(float)
    for ids, weight in rankings:
        for rank, chunk_id in enumerate(ids):
            fused[chunk_id] += weight / (RRF_K + rank + 1)
    return fused


def hybrid_search(store: Store, query: str, k: int, context: str = "",
                  dense_store: Store | None = None) -> list[Retrieved]:
    """The k best passages for a question; `context` carries earlier turns' key terms.

    `dense_store` holds the vectors to search when they are not the main store's own (the
    multilingual mirror, same passage ids); texts and BM25 always come from `store`."""
    dense_store = dense_store or store
    if store.count() == 0:
        return []
    n = max(MIN_CANDIDATES, 3 * k)
    lexical = store.lexical()
    rankings: list[tuple[list[str], float]] = []
    dense_sim: dict[str, float] = {}
    queries = [(query, 1.0)]
    if context:
        # The new question counts more than what is carried over from earlier turns.
        queries = [(query, 1.0), (f"{query} {context}", 0.8)]
    for text, weight in queries:
        dense = dense_store.dense_search(dense_store.embedder.embed_query(text), n)
        for chunk_id, sim in dense:
            dense_sim[chunk_id] = max(dense_sim.get(chunk_id, -1.0), sim)
        rankings.append(([i for i, _ in dense], weight))
        rankings.append(([i for i, _ in lexical.search(text, n)], weight))
    fused = rrf(rankings)
    candidates = sorted(fused, key=fused.get, reverse=True)[:n]
    passages = store.get_passages(candidates)
    for chunk_id, (_, meta) in passages.items():
        if meta.get("kind") == "article":
            fused[chunk_id] *= ARTICLE_BOOST
    ordered = sorted(passages, key=fused.get, reverse=True)
    results: list[Retrieved] = []
    kept_tokens: list[set[str]] = []
    per_doc: dict[str, int] = defaultdict(int)
    for chunk_id in ordered:
        text, meta = passages[chunk_id]
        doc_id = meta.get("doc_id", "")
        if per_doc[doc_id] >= MAX_PER_DOCUMENT:
            continue
        tokens = set(tokenize(text))
        if any(_jaccard(tokens, other) >= DUPLICATE_JACCARD for other in kept_tokens):
            continue
        kept_tokens.append(tokens)
        per_doc[doc_id] += 1
        results.append(
            Retrieved(
                chunk_id=chunk_id,
                doc_id=doc_id,
                text=text,
                score=round(fused[chunk_id], 6),
                metadata={**meta, "dense_similarity": round(dense_sim.get(chunk_id, 0.0), 4)},
            )
        )
        if len(results) == k:
            break
    return results


def with_lead_passage(store: Store, results: list[Retrieved]) -> list[Retrieved]:
    """Put the top document's opening passage second, for "who/what is X?" questions.

    Documents open with a summary of their subject; for a definition question that summary
    is the answer, even when passages deeper in the document match the words better.
    """
    if not results or results[0].metadata.get("position") == 0:
        return results
    doc_id = results[0].doc_id
    if any(r.doc_id == doc_id and r.metadata.get("position") == 0 for r in results):
        return results
    # An indexed lookup in the lexical index's passage table, then a get by id: a `where`
    # filter on Chroma scanned every passage's metadata (370 ms at 1M passages).
    lead_id = store.lexical().lead_id(doc_id)
    found = store.get_passages([lead_id]) if lead_id else {}
    if lead_id not in found or found[lead_id][1].get("position") != 0:
        return results
    text, meta = found[lead_id]
    lead = Retrieved(chunk_id=lead_id, doc_id=doc_id, text=text, score=results[0].score,
                     metadata={**meta, "dense_similarity": 0.0})
    return [results[0], lead, *results[1:-1]] if len(results) > 1 else [results[0], lead]


def _jaccard(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)
