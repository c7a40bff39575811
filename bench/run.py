"""Run the benchmarks and write bench/results/ (results.json, results.md, PNG plots).

    python bench/run.py                      # sizes 1000,10000,100000 (~15-20 min on 2 cores)
    python bench/run.py --quick              # 1000 passages, one repeat (~3 min)
    python bench/run.py --sizes 1000,10000 --repeats 5
    python bench/run.py --sizes 1000000 --repeats 1   # ~1.5 h on 2 quiet cores, ~12 GB of
                                                     # bench/work (bench/scale.py: step by step)

Every measurement runs in a fresh subprocess, so peak RSS is that step's own. Repeated
measurements are reported as medians; the machine is shared, so absolute times are noisy.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import report
import startup
import synth

EMBED_SAMPLE = 96  # passages the embedder alone is timed on
ASK_QUESTION = "Who is Stanislav Tarasov?"


def worker(*args: str) -> dict:
    """Run bench/worker.py in a fresh process; its JSON plus its peak RSS in MB."""
    run = startup.run_measured([sys.executable, str(HERE / "worker.py"), *args], cwd=REPO)
    if run.returncode:
        raise SystemExit(f"worker {args[0]} failed:\n{run.stderr[-3000:]}")
    return {**json.loads(run.stdout.strip().splitlines()[-1]), "peak_rss_mb": run.peak_rss_mb}


def machine() -> dict:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    import chromadb
    import onnxruntime

    return {
        "cpu": cpu,
        "nproc": os.cpu_count(),
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "os": platform.platform(terse=True),
        "chromadb": chromadb.__version__,
        "onnxruntime": onnxruntime.__version__,
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "env": {
            k: v
            for k, v in os.environ.items()
            if k.startswith("BACKSTORY_")
            and "KEY" not in k
            and "TOKEN" not in k
            or k in ("OMP_WAIT_POLICY", "OMP_NUM_THREADS")
        },
    }


def median_of(runs: list[dict]) -> dict:
    """Medians of numeric fields over repeated runs; other fields from the first run."""
    out = dict(runs[0])
    for key, value in runs[0].items():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            med = float(np.median([r[key] for r in runs if r.get(key) is not None]))
            out[key] = int(med) if isinstance(value, int) and med.is_integer() else round(med, 3)
    out["repeats"] = len(runs)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--quick", action="store_true", help="1000 passages, one repeat")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--questions", type=Path, default=REPO / "tests/eval/questions.jsonl")
    parser.add_argument("--limit", type=int, default=30, help="questions per latency run")
    parser.add_argument(
        "--pipeline-max",
        type=int,
        default=10_000,
        help="larger sizes are bulk-loaded instead of run through ingest",
    )
    parser.add_argument("--work", type=Path, default=HERE / "work")
    parser.add_argument("--out", type=Path, default=HERE / "results")
    parser.add_argument("--fresh", action="store_true", help="regenerate cached corpora")
    args = parser.parse_args()
    if args.quick:
        args.sizes, args.repeats, args.limit = "1000", 1, 20
    sizes = [int(s) for s in args.sizes.split(",") if s]
    started = time.perf_counter()
    if args.fresh:
        shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True, exist_ok=True)
    results: dict = {
        "machine": machine(),
        "sizes": sizes,
        "repeats": args.repeats,
        "started": time.strftime("%Y-%m-%d %H:%M:%S"),
        "ingest": [],
        "query": [],
    }
    log = lambda msg: print(f"[{time.perf_counter() - started:6.0f} s] {msg}", flush=True)

    from retrieval.index.embeddings import make_embedder
    from retrieval.settings import Settings

    settings = Settings()
    results["settings"] = {
        "embedder": settings.embedder,
        "embed_threads": settings.embed_threads,
        "k": settings.k,
        "chunk_chars": settings.chunk_chars,
    }
    embedder = make_embedder(settings)
    cache = args.work / "cache"

    # The real corpus alone: the end-to-end ingest with the real model, and `ask` cold starts.
    log("real corpus: preparing")
    real = synth.generate(REPO / "corpus", args.work / "c-real", 0, embedder, cache)
    real_corpus = args.work / "c-real" / "corpus"
    log(f"embedder alone on {EMBED_SAMPLE} passages x{args.repeats}")
    results["embedder"] = median_of(
        [
            worker("embed", "--corpus", str(real_corpus), "--limit", str(EMBED_SAMPLE))
            for _ in range(args.repeats)
        ]
    )
    runs = []
    for i in range(args.repeats):
        log(f"real corpus: ingest with the model ({real['passages']} passages), run {i + 1}")
        data = args.work / "d-real"
        shutil.rmtree(data, ignore_errors=True)
        runs.append(worker("ingest", "--corpus", str(real_corpus), "--data", str(data)))
    results["ingest"].append(
        {
            "size": runs[0]["passages"],
            "label": "real corpus",
            "mode": "ingest, real model",
            **median_of(runs),
        }
    )

    for size in sizes:
        log(f"{size}: generating the corpus")
        manifest = synth.generate(REPO / "corpus", args.work / f"c-{size}", size, embedder, cache)
        corpus = args.work / f"c-{size}" / "corpus"
        vectors = args.work / f"c-{size}" / "vectors.npz"
        data = args.work / f"d-{size}"
        paths = ["--corpus", str(corpus), "--data", str(data), "--vectors", str(vectors)]
        if size <= args.pipeline_max:
            runs = []
            for i in range(args.repeats if size <= 1000 else 1):
                log(f"{size}: ingest with cached vectors, run {i + 1}")
                shutil.rmtree(data, ignore_errors=True)
                runs.append(worker("ingest", *paths))
            entry = {"mode": "ingest, cached vectors", **median_of(runs)}
        else:
            done = data / "bulk.json"
            if done.exists():
                log(f"{size}: reusing the bulk-loaded index")
                entry = {**json.loads(done.read_text()), "reused": True}
            else:
                log(f"{size}: bulk load with cached vectors")
                shutil.rmtree(data, ignore_errors=True)
                entry = {
                    "mode": "bulk load, cached vectors",
                    **worker("bulk", *paths),
                }
                done.write_text(json.dumps(entry))
        results["ingest"].append(
            {"size": size, "label": f"{size:,}", "corpus_seconds": manifest["seconds"], **entry}
        )
        log(f"{size}: query latency, {args.repeats} repeats of {args.limit} questions")
        results["query"].append(
            {
                "size": size,
                **worker(
                    "query",
                    "--corpus",
                    str(corpus),
                    "--data",
                    str(data),
                    "--questions",
                    str(args.questions),
                    "--repeats",
                    str(args.repeats),
                    "--limit",
                    str(args.limit),
                ),
            }
        )

    log("start-up: backstory --help, ask, chat")
    results["startup"] = startup.measure(
        REPO,
        real_index=args.work / "d-real",
        real_corpus=real_corpus,
        large_index=args.work / f"d-{sizes[-1]}" if sizes else None,
        large_corpus=args.work / f"c-{sizes[-1]}" / "corpus" if sizes else None,
        large_size=sizes[-1] if sizes else None,
        repeats=max(3, args.repeats),
        question=ASK_QUESTION,
    )
    results["minutes"] = round((time.perf_counter() - started) / 60, 1)
    results["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(results, indent=1))
    report.write(results, args.out)
    log(f"done in {results['minutes']} min: {args.out / 'results.md'}")


if __name__ == "__main__":
    main()
