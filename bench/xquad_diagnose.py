"""Where answers to questions in other languages miss the gold, on XQuAD's tuning articles.

    python bench/xquad.py --split tuning --sample 30     # builds bench/work/xquad-tuning
    python bench/xquad_diagnose.py --sample 60

For each question: is the gold answer in a retrieved passage (retrieval), and if so, where
does the best gold-holding sentence rank among the retrieved sentences by e5 similarity to
the question (the choice of sentences), and was it on the reader's shortlist? Prints a table
of where each language's misses fall; the labels in parentheses count the same misses again
by the e5 rank of the gold passage and by whether the lead quote came from it. Only the
tuning half is read.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def main() -> None:
    from retrieval.answering.answerer import Answerer
    from retrieval.evaluation import crosslingual
    from retrieval.settings import Settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--languages", default="ru,es,de,ar,tr,zh")
    parser.add_argument("--sample", type=int, default=60)
    parser.add_argument("--work", type=Path, default=HERE / "work")
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--reader", choices=("before", "now", "both"), default="both")
    args = parser.parse_args()
    root = args.work / "xquad-tuning"
    settings = Settings(data_dir=root / "data", corpus_dir=root / "corpus", _env_file=None)
    answerer = Answerer(settings)
    folder = crosslingual.DEFAULT_XQUAD
    documents = crosslingual.split_articles(crosslingual.load(folder / "xquad.en.json"))["tuning"]
    titles = {a["title"] for a in documents}
    from retrieval.answering import other_languages

    for own in {"before": (False,), "now": (True,), "both": (False, True)}[args.reader]:
        other_languages.OWN_READER = own
        print(f"reader: {'cross_lingual.py' if own else 'before (similarity alone)'}")
        diagnose(answerer, documents, titles, args)


def diagnose(answerer, documents, titles, args) -> None:
    from retrieval.answering import extractive
    from retrieval.evaluation import crosslingual

    folder = crosslingual.DEFAULT_XQUAD
    for language in args.languages.split(","):
        asked = [a for a in crosslingual.load(folder / f"xquad.{language}.json")
                 if a["title"] in titles]
        items = crosslingual.items(documents, asked, args.sample, 7, language)
        where = Counter()
        for item in items:
            gold = [g.lower() for g in item.answer_any[0]]
            answer = answerer.answer(item.q)
            said = answer.answer.lower()
            if any(g in said for g in gold):
                where["right"] += 1
                continue
            retrieved = answer.retrieved
            holding = [i for i, r in enumerate(retrieved) if any(g in r.text.lower() for g in gold)]
            if not holding:
                where["not retrieved"] += 1
                continue
            pool = [c for c in extractive.candidates(retrieved) if not c.parts]
            vectors = answerer.other_languages.sentence_vectors()
            q = np.asarray(vectors.embedder.embed_query(item.q), dtype=np.float32)
            sims = vectors.get([c.quote for c in pool]) @ q
            order = np.argsort(-sims)
            gold_ranks = [int(np.where(order == j)[0][0]) for j, c in enumerate(pool)
                          if any(g in c.quote.lower() for g in gold)]
            if not gold_ranks:
                where["gold across sentences"] += 1
                continue
            rank = min(gold_ranks)
            # Is the gold passage the one e5 puts closest, and did the lead quote come from it?
            dense = [r.metadata.get("dense_similarity", 0.0) for r in retrieved]
            passage_rank = sorted(range(len(dense)), key=lambda i: -dense[i]).index(holding[0])
            where[f"(gold passage e5 rank {min(passage_rank + 1, 4)}"
                  f"{'+' if passage_rank >= 3 else ''})"] += 1
            lead = answer.citations[0].chunk_id if answer.citations else None
            where["(quoted another passage)" if lead not in {retrieved[i].chunk_id for i in holding}
                  else "(quoted the gold passage)"] += 1
            position = min(j for j, c in enumerate(pool) if any(g in c.quote.lower() for g in gold))
            from retrieval.answering import cross_lingual, other_languages

            shortlisted = position < (cross_lingual.MAX_SENTENCES if other_languages.OWN_READER
                                      else 2 * extractive.SEMANTIC_SHORTLIST)
            label = ("abstained; " if answer.abstained else "") + \
                (f"gold sentence e5 rank {rank + 1 if rank < 3 else '4+'}") + \
                ("" if shortlisted else ", off the shortlist")
            where[label] += 1
            if args.verbose:
                print(f"  [{language}] {item.q} | gold {gold[0]!r} | rank {rank + 1} pos {position}"
                      f" | said: {answer.answer[:150]!r}")
        print(f"{language}: right {where['right'] / len(items):.2f}; " + ", ".join(f"{k} {v}" for k, v in where.most_common()), flush=True)


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parent))
    main()
