"""Every eval question's answer, one JSON line each: to diff the answers of two versions.

    BACKSTORY_DATA_DIR=DIR python bench/cold_answers.py > after.jsonl
    BACKSTORY_DATA_DIR=DIR PYTHONPATH=/tmp/old-checkout python bench/cold_answers.py > before.jsonl
    cmp before.jsonl after.jsonl

Asks the questions of tests/eval/questions.jsonl and heldout.jsonl in one process (the turns
of a multi-turn item as separate questions) and prints each answer's text, cited passage ids
and whether it declined. Used for docs/performance.md ("Session 8: cold start").
"""

from __future__ import annotations

import json
from pathlib import Path

from retrieval.answering.answerer import Answerer
from retrieval.settings import Settings

REPO = Path(__file__).resolve().parent.parent
SETS = ("tests/eval/questions.jsonl", "tests/eval/heldout.jsonl")


def main() -> None:
    answerer = Answerer(Settings())
    for name in SETS:
        for line in (REPO / name).read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            for question in row.get("turns") or [row["q"]]:
                answer = answerer.answer(question)
                print(json.dumps({"q": question, "answer": answer.answer,
                                  "cites": [c.chunk_id for c in answer.citations],
                                  "abstained": answer.abstained}))


if __name__ == "__main__":
    main()
