"""The lexical index alone, old (bm25s, rebuilt whole) against new (SQLite FTS5, by document).

    python bench/lexical.py --size 100000      # needs bench/work/c-100000 (bench/run.py or
                                               # synth.generate makes it); ~10 min on 2 cores

Each step runs in a fresh process (`python bench/lexical.py step ...`), so its peak RSS is
its own. Writes bench/results/lexical-<size>.json and prints a Markdown table.
Measured: build time and peak RSS from the passages' texts, size on disk, open + first
query in a fresh process, query p50/p95 over the eval questions, and adding one document
of 10 passages (bm25s: the whole rebuild and save that `refresh_lexical` did, not counting
its read of every document from Chroma; FTS5: `replace_document`, one transaction).
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
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


def peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def step_build(engine: str, rows, out: Path) -> dict:
    base = peak_mb()
    started = time.perf_counter()
    if engine == "bm25s":
        Bm25sIndex.build([r[0] for r in rows], [r[3] for r in rows]).save(out)
    else:
        from retrieval.index.fts import FtsIndex

        for suffix in ("", "-wal", "-shm"):
            Path(f"{out}{suffix}").unlink(missing_ok=True)
        FtsIndex.build([r[0] for r in rows], [r[3] for r in rows], [r[1] for r in rows],
                       path=out).close()
    seconds = time.perf_counter() - started
    size = (sum(f.stat().st_size for f in out.rglob("*")) if out.is_dir() else
            sum(Path(f"{out}{s}").stat().st_size for s in ("", "-wal", "-shm")
                if Path(f"{out}{s}").exists()))
    return {"build_s": round(seconds, 2), "rss_before_build_mb": base, "peak_rss_mb": peak_mb(),
            "disk_mb": round(size / 2**20, 1)}


def open_index(engine: str, out: Path):
    if engine == "bm25s":
        return Bm25sIndex.load(out)
    from retrieval.index.fts import FtsIndex

    return FtsIndex(out)


def step_query(engine: str, out: Path, questions: list[str], repeats: int) -> dict:
    started = time.perf_counter()
    index = open_index(engine, out)
    index.search(questions[0], 20)
    first = time.perf_counter() - started
    times = []
    for _ in range(repeats):
        for q in questions:
            t0 = time.perf_counter()
            index.search(q, 20)
            times.append((time.perf_counter() - t0) * 1000)
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
    run = subprocess.run([sys.executable, __file__, "step", *argv], capture_output=True,
                         text=True, cwd=REPO, check=False)
    if run.returncode:
        raise SystemExit(f"step {argv} failed:\n{run.stderr[-3000:]}")
    return json.loads(run.stdout.strip().splitlines()[-1])


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "step":
        step, engine, size, work = sys.argv[2], sys.argv[3], int(sys.argv[4]), Path(sys.argv[5])
        rows = passages(work / f"c-{size}" / "corpus", work / f"passages-{size}.json")
        out = work / f"lexical-{engine}-{size}" if engine == "bm25s" else \
            work / f"lexical-fts5-{size}.sqlite"
        if step == "build":
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
    parser.add_argument("--engines", default="bm25s,fts5")
    parser.add_argument("--work", type=Path, default=HERE / "work")
    parser.add_argument("--out", type=Path, default=HERE / "results")
    args = parser.parse_args()
    size, work = str(args.size), args.work.resolve()
    passages(work / f"c-{size}" / "corpus", work / f"passages-{size}.json")  # chunk once
    results = {"size": args.size, "started": time.strftime("%Y-%m-%d %H:%M:%S"),
               "load_average_at_start": [round(x, 2) for x in __import__("os").getloadavg()]}
    for engine in args.engines.split(","):
        entry = {}
        for step in ("build", "query", "update"):
            print(f"{engine}: {step}", flush=True)
            entry[step] = child([step, engine, size, str(work)])
        results[engine] = entry
    results["load_average_at_end"] = [round(x, 2) for x in __import__("os").getloadavg()]
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"lexical-{size}.json").write_text(json.dumps(results, indent=1))
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
