"""20 questions at once in one process, against the same 20 one at a time.

    python bench/concurrency.py --corpus DIR --data DIR [--questions FILE] [--n 20]

One warm Answerer (as a bot has). Measured: wall time of N different questions answered
one after another with `aanswer`, and of the same N started together (`asyncio.gather`, as
a busy Discord server would); throughput ratio; per-answer p50/p95 in each mode; and the
event loop's lag: a task that asks to wake every 10 ms records how late it wakes (a lag
over ~100 ms stalls Discord's heartbeat and every other message). Prints one JSON object.
Each mode runs twice (questions in order, then reversed) so sentence vectors remembered
from the first pass help both modes alike; the second pass of each is reported.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

TICK_S = 0.010


async def lag_monitor(samples: list[float], stop: asyncio.Event) -> None:
    while not stop.is_set():
        t0 = time.perf_counter()
        await asyncio.sleep(TICK_S)
        samples.append((time.perf_counter() - t0 - TICK_S) * 1000)


async def timed(answerer, question: str) -> float:
    t0 = time.perf_counter()
    await answerer.aanswer(question)
    return (time.perf_counter() - t0) * 1000


async def run_mode(answerer, questions: list[str], together: bool) -> dict:
    lags: list[float] = []
    stop = asyncio.Event()
    monitor = asyncio.create_task(lag_monitor(lags, stop))
    started = time.perf_counter()
    if together:
        latencies = list(await asyncio.gather(*(timed(answerer, q) for q in questions)))
    else:
        latencies = [await timed(answerer, q) for q in questions]
    wall = time.perf_counter() - started
    stop.set()
    await monitor
    return {"wall_s": round(wall, 2), "per_s": round(len(questions) / wall, 2),
            "latency_p50_ms": round(float(np.percentile(latencies, 50)), 1),
            "latency_p95_ms": round(float(np.percentile(latencies, 95)), 1),
            "loop_lag_p95_ms": round(float(np.percentile(lags, 95)), 1),
            "loop_lag_max_ms": round(max(lags), 1)}


async def main_async(args) -> dict:
    from retrieval.answering.answerer import Answerer
    from retrieval.evaluation.harness import load_questions
    from retrieval.settings import Settings

    settings = Settings(corpus_dir=args.corpus.resolve(), data_dir=args.data.resolve())
    answerer = Answerer(settings)
    items = load_questions(args.questions)
    step = max(1, len(items) // args.n)
    questions = [item.questions[-1] for item in items[::step]][: args.n]
    await answerer.aanswer("What is the article about?")  # models and index loaded
    out = {"questions": len(questions), "passages": answerer.store.count(),
           "load_before": [round(x, 2) for x in os.getloadavg()]}
    for name, together in (("one_at_a_time", False), ("together", True)):
        await run_mode(answerer, questions, together)  # sentence vectors remembered
        out[name] = await run_mode(answerer, questions[::-1], together)
    out["throughput_ratio"] = round(out["together"]["per_s"] / out["one_at_a_time"]["per_s"], 2)
    out["load_after"] = [round(x, 2) for x in os.getloadavg()]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--questions", type=Path,
                        default=HERE.parent / "tests/eval/questions.jsonl")
    parser.add_argument("--n", type=int, default=20)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main_async(args))))


if __name__ == "__main__":
    main()
