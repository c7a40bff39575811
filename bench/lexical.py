"""The lexical index alone: bm25s (before issue 26), SQLite FTS5 (session 5) and its cheap
fixes, tantivy alone, and the shipped index (SQLite passage table + tantivy ranking).

    python bench/lexical.py --size 100000      # needs bench/work/c-100000 (bench/run.py or
                                               # synth.generate makes it); ~10-20 min on 2 cores
    python bench/lexical.py --size 1000000 --engines tantivy,shipped,fts5

Each step runs in a fresh process (`python bench/lexical.py step ...`), so its peak RSS is
its own. Writes bench/results/lexical-<size>.json.
Measured: build time and peak RSS from the passages' texts, size on disk, open + first
query in a fresh process, query p50/p95 over the eval questions (top 20), adding one
document of 10 passages (bm25s: the whole rebuild and save that `refresh_lexical` did;
the others: `replace_document`), and how much of each top 20 the exact BM25 top 20
(bm25s, or tantivy when bm25s did not run) also holds.
Engines: `fts5` is bench/fts5_before.py (the session-5 index, every match ranked within a
budget of 10,000 postings of the rarest words); `fts5-opt` is the same file after FTS5's
'optimize', memory-mapped, with a 200 MB page cache; `fts5-opt-bN` also a budget of N.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO))

NEW_DOC_PASSAGES = 10


def passages(corpus: Path, cache: Path) -> list[tuple[str, str, int, str]]:
    """(chunk_id, doc_id, position, text) of every passage, chunked once and cached."""
    if cache.exists():
        return [tuple(r) for r in json.loads(cache.read_text())]
    import synth

    from retrieval.index.chunking import chunk_document, to_documents
    from retrieval.settings import Settings

    settings = Settings(_env_file=None)
    rows = [(d.id, d.metadata["doc_id"], d.metadata["position"], d.page_content)
            for doc in synth.real_docs(corpus)
            for d in to_documents(doc, chunk_document(doc, settings.chunk_chars,
                                                      settings.chunk_overlap))]
    cache.write_text(json.dumps(rows))
    return rows


def new_document() -> list[tuple[str, str, int, str]]:
    return [(f"new-{i}", "background/new.md", i,
             f"The Zorblatt pass section {i} closed in {2000 + i} after the talks in Bishkek.")
            for i in range(NEW_DOC_PASSAGES)]


class Bm25sIndex:
    """The pre-issue-26 index (retrieval/index/lexical.py before it): bm25s over the
    project's tokens, saved as files, rebuilt whole after every change."""

    def __init__(self, ids, model) -> None:
        self.ids, self.model = ids, model

    @classmethod
    def build(cls, ids, texts):
        import bm25s

        from retrieval.index.lexical import tokenize

        model = bm25s.BM25()
        model.index([tokenize(t) or ["\u2205"] for t in texts], show_progress=False)
        return cls(list(ids), model)

    def save(self, folder: Path) -> None:
        shutil.rmtree(folder, ignore_errors=True)
        self.model.save(str(folder))
        (folder / "ids.json").write_text(json.dumps(self.ids))

    @classmethod
    def load(cls, folder: Path):
        import bm25s

        return cls(json.loads((folder / "ids.json").read_text()),
                   bm25s.BM25.load(str(folder), mmap=False))

    def search(self, query: str, k: int):
        from retrieval.index.lexical import tokenize

        known = [t for t in tokenize(query) if t in self.model.vocab_dict]
        if not known:
            return []
        scores = self.model.get_scores(known)
        top = np.argpartition(-scores, k - 1)[:k]
        return [(self.ids[i], float(scores[i])) for i in top[np.argsort(-scores[top])]]


class TantivyIndex:
    """tantivy over the same project tokens (whitespace-split, so ranking sees exactly the
    tokens FTS5 and bm25s see); BM25 k1 = 1.2, b = 0.75, Lucene's idf; top-k by block-max
    WAND instead of scoring every match."""

    def __init__(self, index) -> None:
        self.index = index
        self.schema = index.schema

    @staticmethod
    def schema():
        import tantivy

        builder = tantivy.SchemaBuilder()
        builder.add_text_field("chunk_id", stored=True, tokenizer_name="raw")
        builder.add_text_field("doc_id", tokenizer_name="raw")
        builder.add_text_field("tokens", tokenizer_name="whitespace", index_option="freq")
        return builder.build()

    @classmethod
    def build(cls, rows, folder: Path):
        import tantivy

        from retrieval.index.lexical import tokenize

        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        index = tantivy.Index(cls.schema(), path=str(folder))
        writer = index.writer(heap_size=200_000_000, num_threads=1)
        for chunk_id, doc_id, _, text in rows:
            writer.add_document(tantivy.Document(chunk_id=chunk_id, doc_id=doc_id,
                                                 tokens=" ".join(tokenize(text))))
        writer.commit()
        writer.wait_merging_threads()
        index.reload()
        return cls(index)

    @classmethod
    def load(cls, folder: Path):
        import tantivy

        return cls(tantivy.Index.open(str(folder)))

    def search(self, query: str, k: int):
        import tantivy

        from retrieval.index.lexical import tokenize

        terms = list(dict.fromkeys(tokenize(query)))
        if not terms:
            return []
        q = tantivy.Query.boolean_query(
            [(tantivy.Occur.Should,
              tantivy.Query.term_query(self.schema, "tokens", t, index_option="freq"))
             for t in terms])
        searcher = self.index.searcher()
        hits = searcher.search(q, k, count=False).hits
        return [(searcher.doc(addr)["chunk_id"][0], score) for score, addr in hits]

    def replace_document(self, doc_id: str, passages) -> None:
        import tantivy

        from retrieval.index.lexical import tokenize

        writer = self.index.writer(heap_size=15_000_000, num_threads=1)
        writer.delete_documents_by_term("doc_id", doc_id)
        for chunk_id, _, text in passages:
            writer.add_document(tantivy.Document(chunk_id=chunk_id, doc_id=doc_id,
                                                 tokens=" ".join(tokenize(text))))
        writer.commit()
        writer.wait_merging_threads()
        self.index.reload()


def peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def step_build(engine: str, rows, out: Path) -> dict:
    base = peak_mb()
    started = time.perf_counter()
    if engine == "bm25s":
        Bm25sIndex.build([r[0] for r in rows], [r[3] for r in rows]).save(out)
    elif engine == "tantivy":
        TantivyIndex.build(rows, out)
    elif engine == "fts5":
        from fts5_before import FtsIndex

        for suffix in ("", "-wal", "-shm"):
            Path(f"{out}{suffix}").unlink(missing_ok=True)
        FtsIndex.build([r[0] for r in rows], [r[3] for r in rows], [r[1] for r in rows],
                       path=out).close()
    else:  # the shipped index: SQLite passage table + tantivy ranking
        from retrieval.index.fts import FtsIndex, text_path

        for suffix in ("", "-wal", "-shm"):
            Path(f"{out}{suffix}").unlink(missing_ok=True)
        shutil.rmtree(text_path(out), ignore_errors=True)
        FtsIndex.build([r[0] for r in rows], [r[3] for r in rows], [r[1] for r in rows],
                       path=out).close()
    seconds = time.perf_counter() - started
    size = (sum(f.stat().st_size for f in out.rglob("*")) if out.is_dir() else
            sum(Path(f"{out}{s}").stat().st_size for s in ("", "-wal", "-shm")
                if Path(f"{out}{s}").exists()))
    beside = out.with_suffix(".tantivy")  # the shipped index's ranking folder
    if not out.is_dir() and beside.is_dir():
        size += sum(f.stat().st_size for f in beside.rglob("*"))
    return {"build_s": round(seconds, 2), "rss_before_build_mb": base, "peak_rss_mb": peak_mb(),
            "disk_mb": round(size / 2**20, 1)}


def open_index(engine: str, out: Path):
    if engine == "bm25s":
        return Bm25sIndex.load(out)
    if engine == "tantivy":
        return TantivyIndex.load(out)
    if engine == "shipped":
        from retrieval.index.fts import FtsIndex

        return FtsIndex(out)
    import fts5_before as fts

    index = fts.FtsIndex(out)
    if engine.startswith("fts5-opt"):
        # The cheap fixes: one merged b-tree per term ('optimize'), the file memory-mapped
        # and a larger page cache, and (fts5-opt-bN) a smaller ranking budget.
        db = index._db
        db.execute("PRAGMA mmap_size = 2000000000")
        db.execute("PRAGMA cache_size = -200000")
        if "-b" in engine:
            fts.RANKING_BUDGET = int(engine.rsplit("-b", 1)[1])
    return index


def optimize_fts(out: Path) -> float:
    """FTS5's 'optimize': merge every b-tree segment into one (after a bulk build)."""
    import sqlite3

    started = time.perf_counter()
    db = sqlite3.connect(out, isolation_level=None)
    db.execute("INSERT INTO passage_text(passage_text) VALUES ('optimize')")
    db.close()
    return round(time.perf_counter() - started, 2)


def step_query(engine: str, out: Path, questions: list[str], repeats: int) -> dict:
    started = time.perf_counter()
    index = open_index(engine, out)
    index.search(questions[0], 20)
    first = time.perf_counter() - started
    times = []
    top: dict[str, list[str]] = {}
    for _ in range(repeats):
        for q in questions:
            t0 = time.perf_counter()
            hits = index.search(q, 20)
            times.append((time.perf_counter() - t0) * 1000)
            top[q] = [i for i, _ in hits]
    (out.parent / f"top20-{engine}-{out.name.split('-')[-1].split('.')[0]}.json").write_text(
        json.dumps(top))
    return {"open_and_first_query_s": round(first, 3),
            "query_p50_ms": round(float(np.percentile(times, 50)), 2),
            "query_p95_ms": round(float(np.percentile(times, 95)), 2),
            "queries": len(times), "peak_rss_mb": peak_mb()}


def step_update(engine: str, rows, out: Path) -> dict:
    """Add one document of NEW_DOC_PASSAGES passages, as an ingest of one note would."""
    new = new_document()
    started = time.perf_counter()
    if engine == "bm25s":
        both = rows + new
        Bm25sIndex.build([r[0] for r in both], [r[3] for r in both]).save(out)
    else:
        index = open_index(engine, out)
        index.replace_document("background/new.md", [(i, p, t) for i, _, p, t in new])
    seconds = time.perf_counter() - started
    return {"one_document_update_s": round(seconds, 3), "peak_rss_mb": peak_mb()}


def child(argv: list[str]) -> dict:
    """One step in a fresh process, started by bench/launch.py: a child forked from this
    process (which holds every passage) would inherit this process's peak RSS."""
    import startup

    run = startup.run_measured([sys.executable, __file__, "step", *argv], REPO)
    if run.returncode:
        raise SystemExit(f"step {argv} failed:\n{run.stderr[-3000:]}")
    return {**json.loads(run.stdout.strip().splitlines()[-1]), "peak_rss_mb": run.peak_rss_mb}


def save(out: Path, size: str, results: dict) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / f"lexical-{size}.json").write_text(json.dumps(results, indent=1))


def overlap(work: Path, size: str, engines: list[str]) -> dict:
    """Mean share of each engine's top 20 that the exact BM25 top 20 also holds (bm25s when
    it ran, else tantivy, whose top-k pruning is exact)."""
    exact = "bm25s" if "bm25s" in engines else "tantivy"
    reference = json.loads((work / f"top20-{exact}-{size}.json").read_text())
    out = {"reference": exact}
    for engine in engines:
        got = json.loads((work / f"top20-{engine}-{size}.json").read_text())
        shares = [len(set(got[q]) & set(ids)) / len(ids) for q, ids in reference.items() if ids]
        out[engine] = round(float(np.mean(shares)), 3)
    return out


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "step":
        step, engine, size, work = sys.argv[2], sys.argv[3], int(sys.argv[4]), Path(sys.argv[5])
        # Queries need no passages (loading 1M of them costs ~2 GB and a minute).
        rows = [] if step == "query" else passages(work / f"c-{size}" / "corpus",
                                                   work / f"passages-{size}.json")
        out = (work / f"lexical-{engine}-{size}" if engine in ("bm25s", "tantivy") else
               work / f"lexical-shipped-{size}.sqlite" if engine == "shipped" else
               work / f"lexical-fts5-{size}.sqlite")
        if step == "build" and engine.startswith("fts5-opt"):
            result = {"optimize_s": optimize_fts(out)}  # on the fts5 build
        elif step == "build":
            result = step_build(engine, rows, out)
        elif step == "query":
            from retrieval.evaluation.harness import load_questions

            items = load_questions(REPO / "tests/eval/questions.jsonl")
            result = step_query(engine, out, [i.questions[-1] for i in items], 3)
        else:
            result = step_update(engine, rows, out)
        print(json.dumps(result))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--engines", default="bm25s,fts5,fts5-opt,fts5-opt-b2000,tantivy,shipped")
    parser.add_argument("--work", type=Path, default=HERE / "work")
    parser.add_argument("--out", type=Path, default=HERE / "results")
    args = parser.parse_args()
    size, work = str(args.size), args.work.resolve()
    passages(work / f"c-{size}" / "corpus", work / f"passages-{size}.json")  # chunk once
    results = {"size": args.size, "started": time.strftime("%Y-%m-%d %H:%M:%S"),
               "load_average_at_start": [round(x, 2) for x in __import__("os").getloadavg()]}
    for engine in args.engines.split(","):
        entry = {}
        # fts5-opt* reuse the fts5 file (their "build" optimizes it), so fts5 runs first.
        for step in ("build", "query") if engine.startswith("fts5-opt") else (
                "build", "query", "update"):
            print(f"{engine}: {step}", flush=True)
            entry[step] = child([step, engine, size, str(work)])
            entry[f"{step}_load_average"] = [round(x, 2) for x in __import__("os").getloadavg()]
            results[engine] = entry
            save(args.out, size, results)  # as it goes: a long run stopped keeps its steps
    results["top20_overlap"] = overlap(work, size, args.engines.split(","))
    results["load_average_at_end"] = [round(x, 2) for x in __import__("os").getloadavg()]
    save(args.out, size, results)
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
