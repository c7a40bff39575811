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
    from retrieval.answering import cross_lingual
    from retrieval.answering.answerer import Answerer
    from retrieval.evaluation import crosslingual
    from retrieval.settings import Settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grid", default="0.02,0.05 0.15,0.05 0.15,0")
    parser.add_argument("--languages", default="ru,es,de,ar,tr,zh")
    parser.add_argument("--sample", type=int, default=30)
    parser.add_argument("--work", type=Path, default=HERE / "work")
    args = parser.parse_args()
    root = args.work / "xquad-tuning"
    settings = Settings(data_dir=root / "data", corpus_dir=root / "corpus", _env_file=None)
    answerer = Answerer(settings)
    for point in args.grid.split():
        prior, literal, passage, most = (
            float(x) for x in (point.split(",") + ["0", "24"][point.count(",") - 1:])[:4])
        cross_lingual.RANK_PRIOR, cross_lingual.LITERAL_WEIGHT = prior, literal
        cross_lingual.PASSAGE_WEIGHT, cross_lingual.MAX_SENTENCES = passage, int(most)
        report = crosslingual.evaluate(settings, crosslingual.DEFAULT_XQUAD, "tuning",
                                       tuple(args.languages.split(",")), args.sample,
                                       answerer=answerer).to_json_dict()["languages"]
        cells = [f"{m['language']} {m['answer_rate']:.2f}/{m['answered_rate']:.2f}"
                 for m in report]
        mean = sum(m["answer_rate"] for m in report) / len(report)
        print(f"prior {prior} literal {literal} passage {passage} sentences {most}: mean {mean:.3f}  " + "  ".join(cells),
              flush=True)


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parent))
    main()
