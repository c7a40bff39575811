"""Record, for each SQuAD question, the sentences the offline reader chose and the passage they
came from, so decline rules that act on the chosen lead (retrieval/answering/unmet.py) can be
measured offline against many settings without asking every question again.

    python bench/decline_dump.py --split val --out /tmp/squad-val.jsonl      # tuning articles
    python bench/decline_trade.py /tmp/squad-val.jsonl                        # the trade-off table

One JSON object a line: question, unanswerable, answered, gold in the answer, the lead quote,
its passage's text and the other quotes. Only the SQuAD tuning (val) split is for choosing.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SQUAD_FILE = REPO.parent / "shared" / "eval" / "squad" / "dev-v2.0-cs224n.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--split", default="val")
    parser.add_argument("--sample", type=int, default=300)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--no-unmet", action="store_true",
                        help="record the reader without the unmet-slot declines (the baseline)")
    parser.add_argument("--constraints-in", default=None, choices=("sentence", "paragraph", "passage"))
    args = parser.parse_args()

    from retrieval.answering import extractive, unmet
    from retrieval.evaluation.squad import evaluate
    from retrieval.settings import Settings

    if args.no_unmet:
        unmet.UNMET_DECLINES = False
    if args.constraints_in:
        unmet.ANSWER_CONSTRAINTS = args.constraints_in
    chosen: dict[str, dict] = {}
    real_choose = extractive.choose

    def recording_choose(question, retrieved, *rest, **kwargs):
        extract = real_choose(question, retrieved, *rest, **kwargs)
        picks = extract.picks or ([extract.near_miss] if extract.near_miss else [])
        chosen[" ".join(question.split())] = {
            "lead": picks[0].quote if picks else None,
            "passage": retrieved[picks[0].passage].text if picks else None,
            "quotes": [p.quote for p in picks],
            "near_miss": bool(extract.near_miss and not extract.picks),
        }
        return extract

    extractive.choose = recording_choose
    report = evaluate(Settings(), SQUAD_FILE, args.split, sample=args.sample)
    with args.out.open("w") as out:
        for row in report.run.results:
            seen = chosen.get(" ".join(row.question.split()), {})
            out.write(json.dumps({
                "question": row.question, "unanswerable": row.kind == "squad-unanswerable",
                "abstained": row.abstained, "gold_in_answer": row.answer_pass,
                "answer": row.answer, **seen}) + "\n")
    print(json.dumps({k: v for k, v in report.to_json_dict().items() if k != "articles"}))


if __name__ == "__main__":
    main()
