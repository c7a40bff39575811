"""Answer latency, English vs other languages, on the default settings over the real corpus.

    python bench/xquad_tune.py --languages ""    # builds bench/work/corpus-default (+ mirror)
    python bench/language_latency.py

Asks 30 English questions (tests/eval/questions.jsonl) and the 32 Russian and Spanish ones
(bench/multilingual*.jsonl) twice, after one warm-up question each: the first pass pays for
embedding the candidate sentences, the second finds them remembered (SentenceVectors).
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    from retrieval.answering.answerer import Answerer
    from retrieval.evaluation.harness import load_questions
    from retrieval.settings import Settings

    answerer = Answerer(Settings(data_dir=HERE / "work" / "corpus-default",
                                 corpus_dir=HERE.parent / "corpus", _env_file=None))
    answerer.answer("Who is Stanislav Tarasov?")
    answerer.answer("Кто такой Пашинян?")

    def timed(questions: list[str]) -> tuple[int, int]:
        times = []
        for question in questions:
            started = time.perf_counter()
            answerer.answer(question)
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        return round(statistics.median(times)), round(times[int(0.95 * (len(times) - 1))])

    english = [i.q for i in load_questions(HERE.parent / "tests/eval/questions.jsonl") if i.q][:30]
    other = [i.q for name in ("multilingual.jsonl", "multilingual-unanswerable.jsonl")
             for i in load_questions(HERE / name)]
    for label, questions in (("English", english), ("other languages", other)):
        print(f"{label}, first pass: p50/p95 ms {timed(questions)}", flush=True)
    for label, questions in (("English", english), ("other languages", other)):
        print(f"{label}, sentences remembered: p50/p95 ms {timed(questions)}", flush=True)


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parent))
    main()
