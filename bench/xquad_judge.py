"""The learned judge against the hand-weighted sum, on the same questions and passages.

    python bench/xquad.py --split held-out --languages ru --sample 1   # builds the index
    python -m retrieval.train.cross_lingual_judge fit      # bench/work/cross-lingual-judge.npz
    python bench/xquad_judge.py --split held-out --sample 0

Each question of the split (a seeded sample, the same ids in every language) is searched
once on the index bench/xquad.py built (remembered in bench/work/xquad-judge-SPLIT-*.pkl);
then retrieval/answering/cross_lingual.py reads the same passages twice, with the learned
judge given (--judge) and with its hand-weighted sum alone. Prints gold answer in the
answer per language for both, and the questions only one of them got (a paired count: the
difference that is not noise shows there). Nothing is fitted or chosen here.
"""

from __future__ import annotations

import argparse
import pickle
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    from retrieval.answering.answerer import Answerer
    from retrieval.evaluation import crosslingual
    from retrieval.settings import Settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=crosslingual.SPLITS, default="held-out")
    parser.add_argument("--languages", default="ru,es,de,ar,tr,zh")
    parser.add_argument("--sample", type=int, default=200, help="questions a language; 0: all")
    parser.add_argument("--work", type=Path, default=HERE / "work")
    parser.add_argument("--judge", type=Path, default=HERE / "work" / "cross-lingual-judge.npz")
    args = parser.parse_args()
    from retrieval.answering.cross_lingual_judge import Judge

    judge = Judge.from_file(args.judge)
    root = args.work / f"xquad-{args.split}"
    settings = Settings(data_dir=root / "data", corpus_dir=root / "corpus", _env_file=None)
    answerer = Answerer(settings)
    others = answerer.other_languages
    folder = crosslingual.DEFAULT_XQUAD
    documents = crosslingual.split_articles(crosslingual.load(folder / "xquad.en.json"))[
        args.split]
    titles = {a["title"] for a in documents}
    remembered = args.work / f"xquad-judge-{args.split}-{args.sample}-k{settings.k}.pkl"
    searched = pickle.loads(remembered.read_bytes()) if remembered.exists() else {}
    rates = {True: [], False: []}
    for language in args.languages.split(","):
        questions = [a for a in crosslingual.load(folder / f"xquad.{language}.json")
                     if a["title"] in titles]
        items = crosslingual.items(documents, questions, args.sample or None, 7, language)
        got = {True: set(), False: set()}
        for item in items:
            if (language, item.id) not in searched:
                searched[(language, item.id)] = others.retrieve(item.q, [], settings.k)[1]
            passages = searched[(language, item.id)]
            gold = [g.lower() for g in item.answer_any[0]]
            for learned in (False, True):
                others.judge = judge if learned else None
                said = " ".join(c.quote for c in others.choose(item.q, passages).picks).lower()
                if any(g in said for g in gold):
                    got[learned].add(item.id)
        remembered.write_bytes(pickle.dumps(searched))
        n = len(items)
        for learned in (False, True):
            rates[learned].append(len(got[learned]) / n)
        print(f"{language} (n={n}): hand-weighted {len(got[False]) / n:.3f}, "
              f"learned judge {len(got[True]) / n:.3f}; only the judge right "
              f"{len(got[True] - got[False])}, only the sum right {len(got[False] - got[True])}",
              flush=True)
    print(f"mean: hand-weighted {sum(rates[False]) / len(rates[False]):.3f}, "
          f"learned judge {sum(rates[True]) / len(rates[True]):.3f}")


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parent))
    main()
