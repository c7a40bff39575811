"""Levers of the reader for other languages, on XQuAD's tuning articles, retrieval done once.

    python bench/xquad.py --split tuning --sample 60       # builds bench/work/xquad-tuning
    python bench/xquad_levers.py --sample 120 "" "cross_lingual.PASSAGE_WEIGHT=1.0"

Each point is a space-free list of MODULE.NAME=VALUE settings (modules of
retrieval/answering; "" is today's reader). Retrieval does not depend on the reader, so each
question is searched once (remembered in bench/work/xquad-levers-*.pkl) and every point only
re-reads the same passages; sentence vectors are remembered too. Prints, per language, gold
in the answer, and (r) gold in a retrieved passage and (t) in the first one. Only the tuning
half is read. Session 7's experiments (bench/results/xquad-s7-levers.txt) ran levers that
were not kept; bench/results/xquad-s7-levers.patch puts them back for a re-run.
"""

from __future__ import annotations

import argparse
import importlib
import pickle
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    from xquad_tune import TuningSet

    from retrieval.evaluation import crosslingual

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("points", nargs="*", default=[""])
    parser.add_argument("--languages", default="ru,es,de,ar,tr,zh")
    parser.add_argument("--sample", type=int, default=120)
    parser.add_argument("--work", type=Path, default=HERE / "work")
    args = parser.parse_args()
    tuning = TuningSet(args.work)
    others = tuning.answerer.other_languages
    folder = crosslingual.DEFAULT_XQUAD
    documents = crosslingual.split_articles(crosslingual.load(folder / "xquad.en.json"))["tuning"]
    titles = {a["title"] for a in documents}
    remembered = args.work / f"xquad-levers-{args.sample}-k{tuning.settings.k}.pkl"
    searched = pickle.loads(remembered.read_bytes()) if remembered.exists() else {}
    asked = {}
    for language in args.languages.split(","):
        questions = [a for a in crosslingual.load(folder / f"xquad.{language}.json")
                     if a["title"] in titles]
        items = crosslingual.items(documents, questions, args.sample, 7, language)
        for item in items:
            if (language, item.id) not in searched:
                searched[(language, item.id)] = others.retrieve(item.q, [], tuning.settings.k)[1]
        asked[language] = [(item, searched[(language, item.id)]) for item in items]
    remembered.write_bytes(pickle.dumps(searched))
    for point in args.points:
        for setting in filter(None, point.split(",")):
            name, value = setting.split("=")
            module, attribute = name.rsplit(".", 1)
            target = importlib.import_module(f"retrieval.answering.{module}")
            current = getattr(target, attribute)
            setattr(target, attribute, type(current)(value) if not isinstance(current, bool)
                    else value == "True")
        cells, rates = [], []
        for language, rows in asked.items():
            right = retrieved = first = 0
            for item, passages in rows:
                gold = [g.lower() for g in item.answer_any[0]]
                holding = [i for i, r in enumerate(passages)
                           if any(g in r.text.lower() for g in gold)]
                retrieved += bool(holding)
                first += bool(holding and holding[0] == 0)
                said = " ".join(c.quote for c in others.choose(item.q, passages).picks).lower()
                right += any(g in said for g in gold)
            n = len(rows)
            rates.append(right / n)
            cells.append(f"{language} {right / n:.2f} (r{retrieved / n:.2f} t{first / n:.2f})")
        print(f"{point or 'today'}: mean {sum(rates) / len(rates):.3f}  " + "  ".join(cells),
              flush=True)


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    sys.path.insert(0, str(HERE.parent))
    main()
