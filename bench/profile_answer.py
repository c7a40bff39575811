"""Where a warm offline answer spends its time: cProfile over eval questions.

    python bench/profile_answer.py [--data DIR] [--limit 40]   # default: the real-corpus index

Writes bench/results/profile-answer.txt (top functions by cumulative and own time).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
TOP = 35


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=HERE / "work" / "d-real")
    parser.add_argument("--corpus", type=Path, default=HERE / "work" / "c-real" / "corpus")
    parser.add_argument("--questions", type=Path, default=REPO / "tests/eval/questions.jsonl")
    parser.add_argument("--limit", type=int, default=40)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "profile-answer.txt")
    args = parser.parse_args()
    if not args.data.exists():
        sys.exit(f"no index at {args.data}; run `python bench/run.py --quick` first")

    from retrieval.answering.answerer import Answerer
    from retrieval.evaluation.harness import load_questions
    from retrieval.settings import Settings

    settings = Settings(data_dir=args.data.resolve(), corpus_dir=args.corpus.resolve())
    items = load_questions(args.questions)
    step = max(1, len(items) // args.limit)
    questions = [item.questions[-1] for item in items[::step]][: args.limit]
    answerer = Answerer(settings)
    answerer.answer("What is the article about?")  # load the model, open the index
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    # The sync path of aanswer (prepare, then the extractive generator): cProfile sees only
    # the thread it runs in, and aanswer runs both steps in worker threads.
    timings = []
    for q in questions:
        t0 = time.perf_counter()
        prepared = answerer.prepare(q)
        t1 = time.perf_counter()
        answerer._extractive_answer(prepared)
        t2 = time.perf_counter()
        timings.append(
            {"retrieve": 1000 * (t1 - t0), "generate": 1000 * (t2 - t1), "total": 1000 * (t2 - t0)}
        )
    profiler.disable()
    seconds = time.perf_counter() - started
    out = io.StringIO()
    out.write(
        f"{len(questions)} questions in {seconds:.2f} s under cProfile "
        f"({1000 * seconds / len(questions):.0f} ms each; profiling adds overhead)\n"
    )
    for key in ("retrieve", "generate", "total"):
        values = sorted(t[key] for t in timings)
        out.write(f"{key}: median {values[len(values) // 2]:.1f} ms\n")
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    out.write("\n== by cumulative time ==\n")
    stats.sort_stats("cumulative").print_stats(TOP)
    out.write("\n== by own time ==\n")
    stats.sort_stats("tottime").print_stats(TOP)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(out.getvalue())
    print(out.getvalue()[:4000])


if __name__ == "__main__":
    main()
