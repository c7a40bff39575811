"""Calibrate the extractive answerer's abstention threshold on our own question set.

    python -m retrieval.calibrate [tests/calibration/questions.jsonl]

The set holds questions the corpus answers and questions it does not (off-topic, and
on-topic but unknowable), written for calibration and kept apart from every evaluation
set. For each question it prints the best sentence score, then the threshold that
separates the two groups best. It only reports; the constant lives in extractive.py.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from retrieval import extractive
from retrieval.answer import Answerer
from retrieval.settings import Settings

DEFAULT_SET = Path("tests/calibration/questions.jsonl")


def best_scores(answerer: Answerer, rows: list[dict]) -> list[tuple[float, bool, str]]:
    scores = []
    for row in rows:
        prepared = answerer.prepare(row["q"])
        extract = extractive.choose(prepared.question, prepared.retrieved,
                                    answerer.sentence_vectors,
                                    lexicon=answerer.store.lexical())
        scores.append((extract.best_score, bool(row["answerable"]), row["q"]))
    return scores


def best_threshold(scores: list[tuple[float, bool, str]]) -> tuple[float, int]:
    """The cut with the fewest errors, put midway between the scores on either side."""
    values = sorted({s for s, _, _ in scores})
    best = (values[0], len(scores) + 1)
    for low, high in zip(values, values[1:]):
        cut = (low + high) / 2
        errors = sum((s >= cut) != answerable for s, answerable, _ in scores)
        if errors < best[1]:
            best = (cut, errors)
    return best


def main(argv: list[str]) -> None:
    path = Path(argv[0]) if argv else DEFAULT_SET
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    answerer = Answerer(Settings())
    answerer.ensure_index()
    scores = best_scores(answerer, rows)
    for score, answerable, question in sorted(scores):
        print(f"{score:.3f}  {'answerable  ' if answerable else 'unanswerable'}  {question}")
    cut, errors = best_threshold(scores)
    print(f"\nbest threshold {cut:.3f}: {errors} of {len(scores)} on the wrong side "
          f"(current MIN_SCORE {extractive.MIN_SCORE})")


if __name__ == "__main__":
    main(sys.argv[1:])
