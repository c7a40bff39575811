"""Print answers in full (question, answer, quoted sources) for a person to read and judge.

    python bench/read_answers.py QUESTIONS.txt [--data-dir DIR]

One question a line; a line starting with "> " is a follow-up in the same conversation as
the line before, any other line starts a new one. Keyword scores flatter; this is for
reading.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from retrieval.answering.answerer import Answerer
from retrieval.answering.followup import Turn
from retrieval.settings import Settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("questions", type=Path)
    parser.add_argument("--data-dir", type=Path, default=None)
    args = parser.parse_args()
    settings = Settings(**({"data_dir": args.data_dir} if args.data_dir else {}))
    answerer = Answerer(settings)
    answerer.ensure_index()
    history: list[Turn] = []
    for number, line in enumerate(args.questions.read_text().splitlines(), 1):
        if not line.strip():
            continue
        follow_up = line.startswith("> ")
        question = line[2:] if follow_up else line
        if not follow_up:
            history = []
        answer = answerer.answer(question, history)
        if not answer.abstained:
            history.append(Turn(question, answer.answer))
        print(f"### {number}. {'(follow-up) ' if follow_up else ''}{question}")
        print(answer.answer)
        for c in answer.citations:
            print(f"  [{c.n}] {c.title} ({c.outlet}, {c.published})")
        print(f"  ({len(answer.answer.split())} words, {answer.timings_ms.get('total')} ms)\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
