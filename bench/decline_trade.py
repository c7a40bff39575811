"""The trade-off of declines that act on the reader's chosen lead, from a decline_dump file.

    python bench/decline_trade.py /tmp/squad-val.jsonl

Each row is one rule (retrieval/answering/unmet.py) applied to the answers the reader gave:
gold answer in the answer, decline recall and precision over the dump's questions. Exact for
rules that only turn an answer into a decline, which is all these do. Choose on the tuning
splits only (val, train); the test split is for reporting.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from retrieval.answering import unmet


def _score(rows: list[dict], declines) -> dict:
    answerable = [r for r in rows if not r["unanswerable"]]
    impossible = [r for r in rows if r["unanswerable"]]
    declined = [r for r in rows if r["abstained"] or declines(r)]
    right = sum(1 for r in impossible if r in declined)
    gold = sum(1 for r in answerable if r["gold_in_answer"] and r not in declined)
    return {"gold": round(gold / len(answerable), 3),
            "recall": round(right / len(impossible), 3),
            "precision": round(right / len(declined), 3) if declined else None,
            "declined": len(declined)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("dump", type=Path)
    args = parser.parse_args()
    rows = [json.loads(line) for line in args.dump.read_text().splitlines()]
    print("| rule (retrieval/answering/unmet.py) | gold in answer | decline recall | "
          "decline precision | declined |\n|---|---|---|---|---|")

    def show(name, declines):
        s = _score(rows, declines)
        print(f"| {name} | {s['gold']:.3f} | {s['recall']:.3f} | {s['precision']} | "
              f"{s['declined']} |")

    def answered(r):
        return r.get("lead") and not r["abstained"] and not r.get("near_miss")

    show("the reader alone (as dumped)", lambda r: False)
    show("slot checks only (which X / stranded preposition)", lambda r: bool(answered(r) and (
        unmet._indefinite_head(r["question"], r["lead"])
        or unmet._stranded_preposition(r["question"], r["lead"]))))
    show("negated question only", lambda r: bool(
        answered(r) and unmet._negation_unmet(r["question"], r["lead"])))
    shipped = unmet.ANSWER_CONSTRAINTS, unmet.MISSING_NOUNS
    for scope, nouns in ((None, 0), ("sentence", 0), ("paragraph", 0), ("passage", 0),
                         ("sentence", 2)):
        unmet.ANSWER_CONSTRAINTS, unmet.MISSING_NOUNS = scope, nouns
        name = "all checks" + (f", names in the {scope}" if scope else " (shipped)") + (
            f", {nouns} content nouns missing from the passage" if nouns else "")
        show(name, lambda r: bool(answered(r) and unmet.unmet(
            r["question"], r["lead"], r["passage"], tuple(r["quotes"][1:]))))
    unmet.ANSWER_CONSTRAINTS, unmet.MISSING_NOUNS = shipped


if __name__ == "__main__":
    main()
