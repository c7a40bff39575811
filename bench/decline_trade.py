"""The trade-off of declines that act on the reader's chosen lead, from a decline_dump file.

    python bench/decline_trade.py /tmp/squad-val.jsonl

Each row is one rule (retrieval/answering/unmet.py) applied to the answers the reader gave:
gold answer in the answer, decline recall and precision over the dump's questions. Exact for
rules that only turn an answer into a decline, which is all these do. Choose on the tuning
(val) split only.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from retrieval.answering import unmet


def _held(level: str, row: dict) -> str:
    if level == "sentence, no fallback":
        title = row["passage"].split("\n\n", 1)[0] if "\n\n" in row["passage"] else ""
        return " ".join([title, *row["quotes"]])
    return " ".join([unmet.constraint_text(level, row["lead"], row["passage"]), *row["quotes"]])


def _needed(kind: str, question: str) -> tuple[str, ...]:
    names = unmet.constraints(question)
    if kind == "names+numbers":
        return names
    digits = tuple(n for n in names if any(ch.isdigit() for ch in n))
    if kind == "numbers":
        return digits
    return tuple(n for n in names if n not in digits)


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
    print(f"{'rule':50} gold   recall precision declined")

    def show(name, declines):
        s = _score(rows, declines)
        print(f"{name:50} {s['gold']:.3f}  {s['recall']:.3f}  {s['precision']}  {s['declined']}")

    show("as dumped (the reader alone)", lambda r: False)
    show("negated question, lead negates nothing", lambda r: bool(
        r.get("lead") and not r["abstained"] and unmet._negation_unmet(r["question"], r["lead"])))
    shipped = unmet.ANSWER_CONSTRAINTS, unmet.MISSING_NOUNS
    for nouns in (0, 1, 2, 3):
        for scope in (None, "sentence", "paragraph", "passage"):
            unmet.ANSWER_CONSTRAINTS, unmet.MISSING_NOUNS = scope, nouns
            show(f"unmet.py: names in {scope}, {nouns or 'no'} nouns missing", lambda r: bool(
                r.get("lead") and not r["abstained"] and not r.get("near_miss")
                and unmet.unmet(r["question"], r["lead"], r["passage"],
                                tuple(r["quotes"][1:]))))
    unmet.ANSWER_CONSTRAINTS, unmet.MISSING_NOUNS = None, 0
    for kind in ("names+numbers", "names", "numbers"):
        for level in ("sentence, no fallback", "sentence", "paragraph", "passage"):
            show(f"constraints {kind} in {level}", lambda r, k=kind, lv=level: bool(
                r.get("lead") and not r["abstained"]
                and unmet.missing_from(_needed(k, r["question"]), _held(lv, r))))


if __name__ == "__main__":
    main()
