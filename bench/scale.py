"""The issue-26 measurements at one large size (1,000,000 passages by default).

    python bench/scale.py --size 1000000            # ~1-1.5 h on 2 cores; ~12 GB in bench/work
    python bench/scale.py --size 1000000 --steps query,ask   # again, on the index already built
    python bench/scale.py --size 1000000 --steps chroma+lexical   # the two builds side by side
    python bench/scale.py --size 1000000 --work NEW --source OLD  # OLD's corpus and vectors

Steps, each in a fresh process (so each peak RSS is its own), each with the load average
before and after it (the machine is shared; absolute times move with its load):

- `chroma`: the generated passages into Chroma with their precomputed vectors (bench/synth.py),
- `lexical`: the lexical index built from the same passages' texts,
- `query`: retrieval (including the query embedding) and whole offline answers, warm,
- `ask`: a fresh `backstory ask` process, from start to its first answer,
- `one`: `ingest FILE` of one new note into the index, beyond embedding its own passages,
- `recall`: how many of the exact 20 nearest passages Chroma's HNSW returns (eval questions).

Steps joined by "+" run at the same time (each in its own process); the json then has a
`whole` entry: their wall time together and the sum of their peak RSS (what the machine
had to hold at worst).

Writes bench/results/scale-<size>.json (every number, with the command of each step).
`--clean` deletes the index afterwards (1M passages take ~9 GB).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import startup
import synth

STEPS = ("chroma", "lexical", "query", "ask", "one")
QUESTION = "Who is Stanislav Tarasov?"


def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def run_step(cmd: list[str], env: dict | None = None) -> dict:
    before = load()
    run = startup.run_measured(cmd, REPO, env)
    if run.returncode:
        return {"error": run.stderr.strip()[-2000:], "command": " ".join(cmd)}
    result = json.loads(run.stdout.strip().splitlines()[-1])
    return {**result, "wall_s": round(run.seconds, 2), "peak_rss_mb": run.peak_rss_mb,
            "load_before": before, "load_after": load(), "command": " ".join(cmd)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--steps", default=",".join(STEPS))
    parser.add_argument("--work", type=Path, default=HERE / "work")
    parser.add_argument("--out", type=Path, default=HERE / "results")
    parser.add_argument("--limit", type=int, default=30, help="questions per latency run")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--source", type=Path, default=None,
                        help="read the corpus and vectors from this work folder (read only)")
    parser.add_argument("--batch", type=int, default=5000, help="chroma: passages per call")
    parser.add_argument("--add", action="store_true", help="chroma: add instead of upsert")
    parser.add_argument("--hnsw", default="", help="chroma: JSON of HNSW settings to try")
    parser.add_argument("--clean", action="store_true", help="delete the index afterwards")
    args = parser.parse_args()
    work = args.work.resolve()
    source = (args.source or work).resolve() / f"c-{args.size}"
    corpus = source / "corpus"
    vectors = source / "vectors.npz"
    data = work / f"d-{args.size}"
    if args.source and "one" in args.steps.replace("+", ",").split(","):
        raise SystemExit("the `one` step writes a note into the corpus; not with --source")
    out = args.out / f"scale-{args.size}.json"
    results = json.loads(out.read_text()) if out.exists() else {}
    results.setdefault("size", args.size)
    results.setdefault("machine", {"nproc": os.cpu_count()})
    worker = [sys.executable, str(HERE / "worker.py")]
    paths = ["--corpus", str(corpus), "--data", str(data)]
    log = lambda msg: print(f"{time.strftime('%H:%M:%S')} load {load()} {msg}", flush=True)

    if not (source / "manifest.npz").exists():
        log("generating the corpus")
        from retrieval.index.embeddings import make_embedder
        from retrieval.settings import Settings

        results["corpus"] = synth.generate(REPO / "corpus", source, args.size,
                                           make_embedder(Settings()), work / "cache")
    def command(step: str) -> list[str]:
        if step == "chroma":
            return worker + ["bulk", *paths, "--vectors", str(vectors), "--no-lexical",
                             "--batch", str(args.batch), *(["--add"] if args.add else []),
                             *(["--hnsw", args.hnsw] if args.hnsw else [])]
        if step == "lexical":
            return worker + ["lexical", *paths]
        if step == "query":
            return worker + ["query", *paths, "--questions",
                             str(REPO / "tests/eval/questions.jsonl"),
                             "--repeats", str(args.repeats), "--limit", str(args.limit)]
        if step == "one":
            return worker + ["one", *paths]
        if step == "recall":  # HNSW's top 20 against the exact top 20, both eval sets
            return worker + ["recall", *paths, "--vectors", str(vectors), "--questions",
                             f"{REPO / 'tests/eval/questions.jsonl'},"
                             f"{REPO / 'tests/eval/heldout.jsonl'}"]
        raise SystemExit(f"unknown step {step}")

    def save(step: str, result: dict) -> None:
        results[step] = result
        log(json.dumps({k: v for k, v in result.items() if k not in ("runs", "curve")})[:600])
        args.out.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(results, indent=1))

    for group in args.steps.split(","):
        steps = group.split("+")
        log(group)
        if "chroma" in steps:
            shutil.rmtree(data, ignore_errors=True)
        if len(steps) > 1:
            started, before = time.perf_counter(), load()
            with ThreadPoolExecutor(len(steps)) as pool:
                done = list(pool.map(lambda st: run_step(command(st)), steps))
            for step, result in zip(steps, done):
                save(step, result)
            save("whole", {"steps": steps, "wall_s": round(time.perf_counter() - started, 2),
                           # the bulk load's producer process reports its own peak
                           "peak_rss_sum_mb": round(sum((r.get("peak_rss_mb") or 0)
                                                        + r.get("producer_peak_rss_mb", 0)
                                                        for r in done), 1),
                           "load_before": before, "load_after": load()})
        elif group == "ask":
            cmd = startup.backstory_cmd() + ["ask", QUESTION, "--json"]
            before = load()
            run = startup.run_measured(cmd, REPO, startup.index_env(data, corpus))
            result = {"wall_s": round(run.seconds, 2), "peak_rss_mb": run.peak_rss_mb,
                      "load_before": before, "load_after": load(),
                      "command": f"BACKSTORY_DATA_DIR={data} BACKSTORY_CORPUS_DIR={corpus} "
                                 + " ".join(cmd)}
            if run.returncode:
                result["error"] = run.stderr.strip()[-2000:]
            else:
                result["answer_total_ms"] = json.loads(run.stdout)["timings_ms"]["total"]
            save(group, result)
        else:
            save(group, run_step(command(group)))
    if args.clean:
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
