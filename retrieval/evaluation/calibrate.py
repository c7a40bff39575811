"""Choose the offline reader's decline threshold on third-party and our own questions.

    python -m retrieval.evaluation.calibrate [--sample N]

Two sets, neither used to train the scorer nor to evaluate it: SQuAD 2.0's validation
articles (retrieval/train/squad.py; CC BY-SA 4.0) asked over an index of those articles, and
our calibration questions (tests/calibration/questions.jsonl) over the corpus. For each
question it takes the learned reader's best probability for the quotes the answerer would
give and whether the quote that would lead is right (holds the SQuAD gold answer; for our
set, any answer to an answerable question), then
prints, per threshold, how many unanswerable questions are declined (recall), how many
declines were right (precision), and how many right answers are lost. It only reports: the
constant lives in retrieval/answering/extractive.py.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path

from retrieval.answering import extractive
from retrieval.evaluation.harness import normalize
from retrieval.evaluation.squad import items_for, prepare_index, squad_settings
from retrieval.settings import Settings
from retrieval.train import squad

DEFAULT_SET = Path("tests/calibration/questions.jsonl")
THRESHOLDS = [round(0.05 * i, 2) for i in range(1, 16)] + [round(0.76 + 0.01 * i, 2)
                                                            for i in range(14)]


@dataclass(frozen=True)
class Scored:
    best: float
    answerable: bool
    right: bool  # the sentence that would lead the answer holds the answer
    question: str


def _best(answerer, question: str) -> tuple[float, str]:
    """The reader's best probability for the quotes the answerer would give (-1 when the
    first-stage threshold already declines), and the quote that would lead."""
    prepared = answerer.prepare(question)
    saved, extractive.MIN_READER_PROBABILITY = extractive.MIN_READER_PROBABILITY, 0.0
    try:
        extract = extractive.choose(prepared.question, prepared.retrieved,
                                    answerer.sentence_vectors, lexicon=answerer.store.lexical(),
                                    scorer=answerer.scorer)
    finally:
        extractive.MIN_READER_PROBABILITY = saved
    if not extract.picks:
        return -1.0, ""
    return float(extract.reader_probability if extract.reader_probability is not None
                 else 1.0), extract.picks[0].quote


def squad_scores(settings: Settings, sample: int | None) -> list[Scored]:
    articles = squad.split_articles(squad.load_articles())["val"]
    answerer = prepare_index(squad_settings(settings, "val"), articles)
    out = []
    for item in items_for(articles, sample, seed=5):
        best, lead = _best(answerer, item.q or "")
        golds = item.answer_any[0] if item.answer_any else []
        out.append(Scored(best, not item.abstain,
                          any(normalize(g) in normalize(lead) for g in golds), item.q or ""))
    return out


def own_scores(settings: Settings, path: Path) -> list[Scored]:
    from retrieval.answering.answerer import Answerer

    answerer = Answerer(settings)
    answerer.ensure_index()
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]
    out = []
    for row in rows:
        best, _ = _best(answerer, row["q"])
        out.append(Scored(best, bool(row["answerable"]), bool(row["answerable"]), row["q"]))
    return out


def table(scores: list[Scored]) -> list[dict]:
    rows = []
    impossible = [s for s in scores if not s.answerable]
    right = [s for s in scores if s.answerable and s.right]
    for cut in THRESHOLDS:
        declined = [s for s in scores if s.best < cut]
        declined_right = sum(1 for s in declined if not s.answerable)
        rows.append({
            "threshold": cut,
            "recall": round(declined_right / max(1, len(impossible)), 3),
            "precision": round(declined_right / max(1, len(declined)), 3),
            "right_answers_kept": round(
                sum(1 for s in right if s.best >= cut) / max(1, len(right)), 3),
            "errors": sum(1 for s in scores if s.best >= cut and not s.answerable)
                      + sum(1 for s in right if s.best < cut),
        })
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("own", nargs="?", type=Path, default=DEFAULT_SET)
    parser.add_argument("--sample", type=int, default=400,
                        help="SQuAD validation questions to ask (default 400)")
    args = parser.parse_args(argv)
    settings = Settings()
    sets = {"squad-val": squad_scores(settings, args.sample),
            "own": own_scores(settings, args.own)}
    sets["both"] = sets["squad-val"] + sets["own"]
    print(f"current MIN_READER_PROBABILITY {extractive.MIN_READER_PROBABILITY}")
    for name, scores in sets.items():
        print(f"\n{name}: {len(scores)} questions, "
              f"{sum(not s.answerable for s in scores)} unanswerable")
        print("threshold  decline-recall  decline-precision  right-answers-kept  errors")
        for row in table(scores):
            print(f"{row['threshold']:9.2f}  {row['recall']:14.3f}  {row['precision']:17.3f}  "
                  f"{row['right_answers_kept']:18.3f}  {row['errors']:6d}")


if __name__ == "__main__":
    main()
