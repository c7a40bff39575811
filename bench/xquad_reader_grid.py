"""Try settings of the reader for questions in other languages on XQuAD's tuning articles.

    python bench/xquad.py --split tuning --sample 30     # builds bench/work/xquad-tuning
    python bench/xquad_reader_grid.py --grid "0.02,0.05 0.15,0.05 0.15,0"

Each grid point is RANK_PRIOR,LITERAL_WEIGHT[,PASSAGE_WEIGHT[,MAX_SENTENCES]] of retrieval/answering/cross_lingual.py; prints
the share of questions whose gold answer is in the answer, per language, and the share
answered. Sentence vectors are remembered, so points after the first cost little. Only the
tuning half is read.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    from xquad_tune import TuningSet, add_tuning_arguments, cells

    from retrieval.answering import cross_lingual

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grid", default="0.02,0.05 0.15,0.05 0.15,0")
    add_tuning_arguments(parser)
    args = parser.parse_args()
    tuning = TuningSet(args.work)
    for point in args.grid.split():
        prior, literal, passage, most = (
            float(x) for x in (point.split(",") + ["0", "24"][point.count(",") - 1:])[:4])
        cross_lingual.RANK_PRIOR, cross_lingual.LITERAL_WEIGHT = prior, literal
        cross_lingual.PASSAGE_WEIGHT, cross_lingual.MAX_SENTENCES = passage, int(most)
        rows = tuning.languages(args.languages, args.sample)
        mean = sum(m["answer_rate"] for m in rows) / len(rows)
        print(f"prior {prior} literal {literal} passage {passage} sentences {most}: "
              f"mean {mean:.3f}  " + cells(rows), flush=True)


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parent))
    main()
