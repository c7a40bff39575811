"""One measurement in a fresh process (so its peak RSS is its own); prints one JSON object.

python bench/worker.py ingest --corpus DIR --data DIR [--vectors FILE]
python bench/worker.py bulk --corpus DIR --data DIR --vectors FILE
python bench/worker.py query --corpus DIR --data DIR --questions FILE [--repeats N]
python bench/worker.py embed --corpus DIR [--limit N]
python bench/worker.py one --corpus DIR --data DIR    # ingest one new note into the index
python bench/worker.py bulk ... --no-lexical; python bench/worker.py lexical --corpus DIR --data DIR
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import synth

from retrieval.index.embeddings import make_embedder
from retrieval.settings import Settings

WARMUP_QUESTION = "What is the article about?"
BULK_BATCH = 2000  # passages per Chroma upsert in the bulk loader


def settings_for(corpus: Path, data: Path) -> Settings:
    # Everything else (embedder, threads, k) comes from the environment, as for a user.
    return Settings(corpus_dir=corpus.resolve(), data_dir=data.resolve())


class Timer:
    """Adds up the wall time of calls to one method of one object."""

    def __init__(self, obj, name: str) -> None:
        self.seconds = 0.0
        self.calls = 0
        inner = getattr(obj, name)

        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - started
                self.calls += 1

        setattr(obj, name, timed)


def ingest_task(args) -> dict:
    from retrieval.index.ingest import ingest
    from retrieval.index.store import Store

    settings = settings_for(args.corpus, args.data)
    real = make_embedder(settings)
    embedder = (
        synth.CachedEmbedder(real, args.vectors) if args.vectors else synth.TimedEmbedder(real)
    )
    real.embed_query("load the model before the clock starts")
    store = Store(settings, embedder)
    lexical = Timer(type(store.lexical()), "replace_document")
    chroma_add = Timer(store.vectorstore, "add_documents")
    started = time.perf_counter()
    report = ingest(store)
    seconds = time.perf_counter() - started
    passages = store.count()
    result = {
        "passages": passages,
        "embedded": report.embedded,
        "docs": len(report.docs_added),
        "seconds": round(seconds, 2),
        "chunks_per_s": round(passages / seconds, 1),
        "embed_seconds": round(embedder.seconds, 2),
        "embed_share": round(embedder.seconds / seconds, 3),
        "chroma_add_seconds": round(chroma_add.seconds - embedder.seconds, 2),
        "bm25_seconds": round(lexical.seconds, 2),
        "cached_vectors": bool(args.vectors),
    }
    if args.vectors:
        result["vector_misses"] = embedder.misses
        other = seconds - embedder.seconds
        result["chunks_per_s_without_embedding"] = round(passages / other, 1)
    else:
        result["embedder_chunks_per_s"] = round(embedder.texts / embedder.seconds, 1)
    return result


def rss_mb() -> float:
    """This process's resident memory now (Linux), in MB."""
    with open("/proc/self/statm") as fh:
        return round(int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20, 1)


def cpu_s() -> float:
    """CPU seconds this process has used, all threads (on a shared machine, the work done;
    wall time also counts the waits for a core)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return round(usage.ru_utime + usage.ru_stime, 1)


def passages_of(docs, settings):
    from retrieval.index.chunking import chunk_document, to_documents

    for doc in docs:
        yield from to_documents(doc, chunk_document(doc, settings.chunk_chars,
                                                    settings.chunk_overlap))


def produce_batches(corpus: Path, data: Path, vectors: Path, size: int, out) -> None:
    """Read the corpus, cut its passages and look up their vectors, a batch at a time, in
    a process of its own: chromadb's upsert holds the GIL the whole call (measured: a
    Python thread ran 0.15% of its speed beside it), so reading and chunking in the same
    process (55% of the loader's main thread at 100k) ran strictly between upserts."""
    settings = settings_for(corpus, data)
    embedder = synth.CachedEmbedder(make_embedder(settings), vectors)
    batch: list = []

    def send() -> None:
        out.put(([d.id for d in batch], [d.page_content for d in batch],
                 [d.metadata for d in batch], embedder.vectors_for([d.page_content
                                                                    for d in batch])))
        batch.clear()

    for passage in passages_of(synth.iter_docs(corpus), settings):
        batch.append(passage)
        if len(batch) >= size:
            send()
    if batch:
        send()
    out.put({"misses": embedder.misses, "peak_rss_mb": round(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1), "cpu_s": cpu_s()})


def bulk_task(args) -> dict:
    """Load an index straight into Chroma in big batches (for sizes where the per-document
    ingest pipeline takes too long); the index answers queries like any other.

    A second process reads the corpus a few hundred files at a time and sends ready batches
    (vectors from a memory map), so this one holds one or two batches beyond Chroma's own
    index and spends its time in Chroma. The producer's own peak RSS is reported apart.
    """
    import multiprocessing

    from retrieval.index import store as store_module
    from retrieval.index.store import Store

    if args.hnsw:
        store_module.HNSW_SETTINGS = {**store_module.HNSW_SETTINGS, **json.loads(args.hnsw)}
    settings = settings_for(args.corpus, args.data)
    store = Store(settings, make_embedder(settings))
    write = store.collection.add if args.add else store.collection.upsert
    started = time.perf_counter()
    # spawn, not fork: this process already runs Chroma's native threads.
    context = multiprocessing.get_context("spawn")
    queue = context.Queue(maxsize=2)
    producer = context.Process(target=produce_batches, daemon=True, args=(
        args.corpus, args.data, args.vectors, args.batch, queue))
    producer.start()
    upsert_s = wait_s = 0.0
    done = 0
    # (passages, seconds, RSS MB, seconds of the last call, CPU seconds): where time and
    # memory go as the index grows
    curve = []
    while True:
        t0 = time.perf_counter()
        item = queue.get()
        wait_s += time.perf_counter() - t0
        if isinstance(item, dict):
            produced = item
            break
        ids, documents, metadatas, vectors = item
        t0 = time.perf_counter()
        write(ids=ids, documents=documents, metadatas=metadatas, embeddings=vectors)
        took = time.perf_counter() - t0
        upsert_s += took
        done += len(ids)
        if done % args.curve_every < len(ids):
            curve.append((done, round(time.perf_counter() - started, 1), rss_mb(),
                          round(took, 2), cpu_s()))
            print(json.dumps({"curve": curve[-1]}), file=sys.stderr, flush=True)
    producer.join()
    bm25_s = 0.0
    if args.lexical:
        t0 = time.perf_counter()
        lexical_from_texts(store, synth.iter_docs(args.corpus), settings)
        bm25_s = time.perf_counter() - t0
    seconds = time.perf_counter() - started
    passages = store.collection.count()
    return {
        "passages": passages,
        "seconds": round(seconds, 2),
        "chunks_per_s": round(passages / seconds, 1),
        "chroma_add_seconds": round(upsert_s, 2),
        "waited_for_producer_s": round(wait_s, 2),
        "bm25_seconds": round(bm25_s, 2),
        "vector_misses": produced["misses"],
        "producer_peak_rss_mb": produced["peak_rss_mb"],
        "producer_cpu_s": produced["cpu_s"],
        "cached_vectors": True,
        "bulk": True,
        "batch": args.batch,
        "write": "add" if args.add else "upsert",
        "collection_metadata": store.collection.metadata,
        "rss_end_mb": rss_mb(),
        "cpu_s": cpu_s(),
        "curve": curve,
    }


def lexical_from_texts(store, docs, settings) -> int:
    """Build the store's lexical index from the passages' texts (as a bulk load has them),
    not by paging them back out of Chroma (397 s at 100k, mostly Chroma's offset paging)."""
    from retrieval.index.fts import COMPLETE, FtsIndex

    index = FtsIndex(store.lexical_path)
    rows: list = []
    for d in passages_of(docs, settings):
        rows.append((d.id, d.metadata["doc_id"], d.metadata["position"], d.page_content))
        if len(rows) >= BULK_BATCH * 5:
            index.put(rows)
            rows.clear()
    index.put(rows)
    index.set_mark(COMPLETE, "1")
    return len(index)


def lexical_task(args) -> dict:
    """Build the lexical index of a bulk-loaded data dir from the corpus's texts."""
    from retrieval.index.store import Store

    settings = settings_for(args.corpus, args.data)
    store = Store(settings, make_embedder(settings))
    started = time.perf_counter()
    passages = lexical_from_texts(store, synth.iter_docs(args.corpus), settings)
    # Chroma is not opened: this may run beside the bulk load that writes it.
    return {"passages": passages, "seconds": round(time.perf_counter() - started, 2),
            "rss_end_mb": rss_mb(), "cpu_s": cpu_s()}


def one_task(args) -> dict:
    """`ingest FILE` of one new note into an existing index: what adding a document costs."""
    from retrieval.index.ingest import ingest
    from retrieval.index.store import Store

    settings = settings_for(args.corpus, args.data)
    real = make_embedder(settings)
    embedder = synth.TimedEmbedder(real)
    real.embed_query("load the model before the clock starts")
    note = args.corpus / "background" / f"bench-note-{time.time_ns()}.md"
    note.write_text("---\ntitle: Bench note\nkind: background\n---\n\n"
                    + " ".join(f"In {1980 + i} the Zorblatt pass road was closed for {i + 2} "
                               "weeks by snow." for i in range(40)) + "\n")
    # Imports and opening the index are a process's start-up, not the document's cost
    # (chromadb and langchain_classic alone took 15 s to import on a loaded machine).
    opened = time.perf_counter()
    store = Store(settings, embedder)
    store.collection, store.record_manager, store.lexical()
    from langchain_core.indexing import index  # noqa: F401
    started = time.perf_counter()
    report = ingest(store, [str(note)])
    seconds = time.perf_counter() - started
    return {"passages": store.count(), "added": report.added, "seconds": round(seconds, 2),
            "open_seconds": round(started - opened, 2),
            "embed_seconds": round(embedder.seconds, 2),
            "beyond_embedding_s": round(seconds - embedder.seconds, 2)}


def embed_task(args) -> dict:
    """The embedder alone on the corpus's passages, in its own batches."""
    from retrieval.answering.extractive import embed_array
    from retrieval.index.chunking import chunk_document, to_documents

    settings = settings_for(args.corpus, args.corpus)
    embedder = make_embedder(settings)
    texts = [
        d.page_content
        for doc in synth.real_docs(args.corpus)
        for d in to_documents(
            doc, chunk_document(doc, settings.chunk_chars, settings.chunk_overlap)
        )
    ][: args.limit]
    embed_array(embedder, texts[:8])  # load the model
    started = time.perf_counter()
    embed_array(embedder, texts)
    seconds = time.perf_counter() - started
    return {
        "passages": len(texts),
        "seconds": round(seconds, 2),
        "chunks_per_s": round(len(texts) / seconds, 1),
        "mean_chars": round(float(np.mean([len(t) for t in texts]))),
    }


def query_task(args) -> dict:
    from retrieval.answering import extractive
    from retrieval.answering.answerer import Answerer
    from retrieval.answering.retriever import hybrid_search
    from retrieval.evaluation.harness import load_questions
    from retrieval.index.store import Store

    settings = settings_for(args.corpus, args.data)
    items = load_questions(args.questions)
    # An even spread over the file (it is grouped by kind), not its first lines.
    step = max(1, len(items) // args.limit) if args.limit else 1
    questions = [item.questions[-1] for item in items[::step]][: args.limit]
    started = time.perf_counter()
    store = Store(settings, make_embedder(settings))
    first = hybrid_search(store, WARMUP_QUESTION, settings.k)
    first_query_s = time.perf_counter() - started
    assert first, "the index is empty"
    answerer = Answerer(settings, store=store)
    answerer.answer(WARMUP_QUESTION)

    parts = {
        "embed_query": Timer(store.embedder, "embed_query"),
        "dense": Timer(store, "dense_search"),
        "bm25": Timer(store.lexical(), "search"),
        "fetch": Timer(store, "get_passages"),
    }
    runs = []
    queries = getattr(store.embedder, "_queries", None)
    for _ in range(args.repeats):
        for timer in parts.values():
            timer.seconds, timer.calls = 0.0, 0
        retrieval = []
        for q in questions:
            if queries is not None:
                queries.clear()  # so "retrieval" includes embedding the question, every repeat
            t0 = time.perf_counter()
            hybrid_search(store, q, settings.k)
            retrieval.append((time.perf_counter() - t0) * 1000)
        breakdown = {name: round(t.seconds * 1000 / len(questions), 2) for name, t in parts.items()}
        # Each repeat starts with no sentence vectors remembered, as after a restart.
        answerer.sentence_vectors = extractive.SentenceVectors(answerer.embedder)
        answers, generate, again = [], [], []
        for q in questions:
            answer = answerer.answer(q)
            answers.append(answer.timings_ms["total"])
            generate.append(answer.timings_ms["generate"])
        # The same questions again: their passages' sentence vectors are now remembered.
        for q in questions:
            again.append(answerer.answer(q).timings_ms["total"])
        runs.append(
            {
                "retrieval_p50": _pct(retrieval, 50),
                "retrieval_p95": _pct(retrieval, 95),
                "answer_p50": _pct(answers, 50),
                "answer_p95": _pct(answers, 95),
                "generate_p50": _pct(generate, 50),
                "answer_cached_p50": _pct(again, 50),
                "answer_cached_p95": _pct(again, 95),
                "retrieval_breakdown_ms": breakdown,
            }
        )
    med = {
        key: round(float(np.median([r[key] for r in runs])), 1)
        for key in runs[0]
        if key != "retrieval_breakdown_ms"
    }
    med["retrieval_breakdown_ms"] = {
        name: round(float(np.median([r["retrieval_breakdown_ms"][name] for r in runs])), 2)
        for name in parts
    }
    return {
        "passages": store.count(),
        "questions": len(questions),
        "repeats": args.repeats,
        "open_and_first_query_s": round(first_query_s, 2),
        **med,
        "runs": runs,
    }


def recall_task(args) -> dict:
    """How many of the exact k nearest passages Chroma's HNSW returns, per question.

    Exact neighbours come from the same precomputed vectors the bulk load wrote (streamed,
    each question's dot product with every passage), so HNSW settings that save build time
    can be checked for what they cost in retrieval before they ship.
    """
    from retrieval.evaluation.harness import load_questions
    from retrieval.index.store import Store

    settings = settings_for(args.corpus, args.data)
    real = make_embedder(settings)
    embedder = synth.CachedEmbedder(real, args.vectors)
    questions = [item.questions[-1] for f in str(args.questions).split(",")
                 for item in load_questions(Path(f))]
    queries = np.array([real.embed_query(q) for q in questions], dtype=np.float32)
    k = args.k
    best_ids = np.full((len(questions), k), "", dtype=object)
    best = np.full((len(questions), k), -np.inf, dtype=np.float32)
    batch: list = []

    def score() -> None:
        nonlocal best, best_ids
        vectors = embedder.vectors_for([d.page_content for d in batch])
        sims = queries @ vectors.T
        ids = np.array([d.id for d in batch], dtype=object)
        both = np.concatenate([best, sims], axis=1)
        both_ids = np.concatenate([best_ids, np.broadcast_to(ids, sims.shape)], axis=1)
        top = np.argsort(-both, axis=1)[:, :k]
        best = np.take_along_axis(both, top, axis=1)
        best_ids = np.take_along_axis(both_ids, top, axis=1)
        batch.clear()

    for passage in passages_of(synth.iter_docs(args.corpus), settings):
        batch.append(passage)
        if len(batch) >= 5000:
            score()
    if batch:
        score()
    store = Store(settings, real)
    found, near = [], []
    for q, exact, sims in zip(queries, best_ids, best):
        # Straight to the collection: Store.dense_search asks the lexical index for the
        # count, which a Chroma-only bulk load has not built.
        got = store.collection.query(query_embeddings=[q], n_results=k, include=["distances"])
        found.append(len(set(got["ids"][0]) & set(exact)) / k)
        # Many generated passages share sentences, so near-ties are common: also count a
        # returned passage as found when it is as close as the exact k-th (within 0.001).
        near.append(sum(1.0 - d >= sims[-1] - 1e-3 for d in got["distances"][0]) / k)
    return {"questions": len(questions), "k": k, "recall_mean": round(float(np.mean(found)), 4),
            "recall_min": round(float(np.min(found)), 3),
            "all_found_share": round(float(np.mean([f == 1.0 for f in found])), 3),
            "recall_with_ties_mean": round(float(np.mean(near)), 4),
            "recall_with_ties_min": round(float(np.min(near)), 3),
            "worst": sorted(zip(near, questions))[:3],
            "collection_metadata": store.collection.metadata}


def _pct(values: list[float], q: int) -> float:
    return round(float(np.percentile(values, q)), 1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("task", choices=["ingest", "bulk", "query", "embed", "one", "lexical",
                                           "recall"])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--data", type=Path)
    parser.add_argument("--vectors", type=Path)
    parser.add_argument("--questions", type=Path)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--k", type=int, default=20, help="recall: neighbours compared")
    parser.add_argument("--batch", type=int, default=BULK_BATCH,
                        help="bulk: passages per Chroma call")
    parser.add_argument("--add", action="store_true",
                        help="bulk: collection.add instead of upsert (a new index has no ids)")
    parser.add_argument("--hnsw", default="",
                        help='bulk: JSON merged into a new collection\'s metadata, e.g. '
                             '\'{"hnsw:construction_ef": 64}\'')
    parser.add_argument("--curve-every", type=int, default=50_000,
                        help="bulk: record time and RSS every this many passages")
    parser.add_argument("--no-lexical", dest="lexical", action="store_false",
                        help="bulk: Chroma only (build the lexical index later with `lexical`)")
    args = parser.parse_args()
    task = {"ingest": ingest_task, "bulk": bulk_task, "query": query_task, "embed": embed_task,
            "one": one_task, "lexical": lexical_task, "recall": recall_task}[args.task]
    print(json.dumps(task(args)))


if __name__ == "__main__":
    main()
