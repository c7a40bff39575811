"""Questions in Russian and Spanish about English sources: the default vs e5, side by side.

    python bench/multilingual.py            # ~6-10 min on 2 cores (e5 ingest is the slow part)
    python bench/multilingual.py --no-english

For each embedder: ingest the real corpus into its own index (timed), then run the eval
harness on bench/multilingual.jsonl and, unless --no-english, on the English eval set, so
the trade-off is visible. The default (minilm) also builds its multilingual mirror (timed
apart), which answers the Russian and Spanish questions. Writes
bench/results/multilingual.{md,json}.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
EMBEDDERS = ("minilm", "e5")


def run_one(embedder: str, work: Path, files: dict[str, Path], k: int) -> dict:
    from retrieval.answering.answerer import Answerer
    from retrieval.evaluation.harness import load_questions, run_eval
    from retrieval.index.ingest import ingest
    from retrieval.settings import Settings

    data = work / f"ml-{embedder}"
    shutil.rmtree(data, ignore_errors=True)
    settings = Settings(embedder=embedder, data_dir=data, corpus_dir=(REPO / "corpus").resolve())
    answerer = Answerer(settings)
    answerer.embedder.embed_query("load the model before the clock starts")
    started = time.perf_counter()
    report = ingest(answerer.store)
    seconds = time.perf_counter() - started
    passages = answerer.store.count()
    mirror_seconds = None
    if answerer.other_languages.reads_english_only:
        answerer.other_languages.index.embedder.embed_query("load the model first")
        started = time.perf_counter()
        answerer.other_languages.build_index()
        mirror_seconds = round(time.perf_counter() - started, 1)
    result = {
        "embedder": embedder,
        "model": getattr(answerer.embedder, "name", embedder),
        "passages": passages,
        "ingest_seconds": round(seconds, 1),
        "ingest_chunks_per_s": round(passages / seconds, 2),
        "mirror_seconds": mirror_seconds,
        "failed": [f.origin for f in report.failed],
        "sets": {},
    }
    for name, path in files.items():
        run = run_eval(answerer, load_questions(path), k, name=embedder)
        result["sets"][name] = {
            **run.summary()["overall"],
            "failures": [r.id for r in run.results if not r.passed],
        }
    return result


def pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.0f}%"


def markdown(results: list[dict], k: int) -> str:
    intro = (
        "Questions in Russian and Spanish about the English article "
        "(`bench/multilingual.jsonl`), and the English eval set for the trade-off. "
        f"Extractive answers, k={k}, one index per embedder built from the real corpus; "
        "minilm (the default) answers the Russian and Spanish ones from its e5 mirror."
    )
    header = (
        "| embedder | question set | n | answer | citation | abstention | R@5 | MRR | "
        "p50 ms | p95 ms | failures |"
    )
    lines = [
        "# Multilingual questions: minilm vs e5",
        "",
        intro,
        "",
        header,
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        for name, m in r["sets"].items():
            pct = lambda v: "–" if v is None else f"{100 * v:.0f}%"
            lines.append(
                f"| {r['embedder']} ({r['model']}) | {name} | {m['n']} | {pct(m['answer_pass'])} | "
                f"{pct(m['citation_pass'])} | {pct(m['abstention_accuracy'])} | "
                f"{pct(m['recall'].get('5'))} | {m['mrr']} | {m['latency_ms']['p50']} | "
                f"{m['latency_ms']['p95']} | {' '.join(m['failures']) or '-'} |"
            )
    lines += ["", "| embedder | passages | ingest s | passages/s | multilingual mirror s |",
              "|---|---|---|---|---|"]
    for r in results:
        lines.append(
            f"| {r['embedder']} | {r['passages']} | {r['ingest_seconds']} | "
            f"{r['ingest_chunks_per_s']} | {r.get('mirror_seconds') or '-'} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=Path, default=HERE / "multilingual.jsonl")
    parser.add_argument("--english", type=Path, default=REPO / "tests/eval/questions.jsonl")
    parser.add_argument("--no-english", action="store_true")
    parser.add_argument("--embedders", default=",".join(EMBEDDERS),
                        help="comma-separated: minilm (default, with its mirror), e5")
    parser.add_argument("-k", type=int, default=6)
    parser.add_argument("--work", type=Path, default=HERE / "work")
    parser.add_argument("--out", type=Path, default=HERE / "results")
    args = parser.parse_args()
    files = {"multilingual": args.questions}
    if not args.no_english:
        files["english"] = args.english
    started = time.perf_counter()
    results = []
    for embedder in args.embedders.split(","):
        print(f"[{time.perf_counter() - started:5.0f} s] {embedder}: ingest and eval", flush=True)
        results.append(run_one(embedder, args.work, files, args.k))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "multilingual.json").write_text(
        json.dumps(
            {
                "minutes": round((time.perf_counter() - started) / 60, 1),
                "k": args.k,
                "results": results,
            },
            indent=1,
        )
    )
    text = markdown(results, args.k)
    (args.out / "multilingual.md").write_text(text)
    print(text)


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    main()
