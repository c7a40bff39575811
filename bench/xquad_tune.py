"""Tune the cross-lingual similarity bar on XQuAD's *tuning* articles only.

    python bench/xquad.py --split tuning     # builds bench/work/xquad-tuning first
    python bench/xquad_tune.py --bars 0.79,0.77,0.75

Reuses the index bench/xquad.py built, asks each language's questions once per bar, and
prints gold-in-answer and answered shares; the held-out articles are never touched here.
XQuAD has no unanswerable questions, so each bar is also run on the real corpus (index and
mirror built once under bench/work/corpus-default) with bench/multilingual.jsonl (answerable
and two off-topic) and bench/multilingual-unanswerable.jsonl (on-topic, not in the sources),
whose declines the XQuAD numbers cannot show.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def add_tuning_arguments(parser: argparse.ArgumentParser) -> None:
    """The options every sweep over XQuAD's tuning articles takes (this one and the grid)."""
    parser.add_argument("--languages", default="ru,es,de,ar,tr,zh")
    parser.add_argument("--sample", type=int, default=30)
    parser.add_argument("--work", type=Path, default=HERE / "work")


class TuningSet:
    """The tuning-half index bench/xquad.py built, and one answerer over it for every point."""

    def __init__(self, work: Path) -> None:
        from retrieval.answering.answerer import Answerer
        from retrieval.settings import Settings

        root = work / "xquad-tuning"
        self.settings = Settings(data_dir=root / "data", corpus_dir=root / "corpus",
                                 _env_file=None)
        self.answerer = Answerer(self.settings)

    def languages(self, languages: str, sample: int) -> list[dict]:
        """Per-language rows (answer_rate, answered_rate) of one pass over the tuning half."""
        from retrieval.evaluation import crosslingual

        report = crosslingual.evaluate(self.settings, crosslingual.DEFAULT_XQUAD, "tuning",
                                       tuple(languages.split(",")), sample,
                                       answerer=self.answerer)
        return report.to_json_dict()["languages"]


def cells(rows: list[dict]) -> str:
    return "  ".join(f"{m['language']} {m['answer_rate']:.2f}/{m['answered_rate']:.2f}"
                     for m in rows)


def main() -> None:
    from retrieval.answering.answerer import Answerer
    from retrieval.index.embeddings import E5Embeddings
    from retrieval.settings import Settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bars", default="0.79,0.77,0.75")
    parser.add_argument("--judge", type=Path, default=None,
                        help="weights of a learned judge of the quotes for cross_lingual.py "
                             "(python -m retrieval.train.cross_lingual_judge fit)")
    add_tuning_arguments(parser)
    args = parser.parse_args()
    tuning = TuningSet(args.work)
    from retrieval.evaluation.harness import load_questions, run_eval
    from retrieval.index.ingest import ingest

    corpus = Settings(data_dir=args.work / "corpus-default", corpus_dir=HERE.parent / "corpus",
                      _env_file=None)
    on_corpus = Answerer(corpus)
    if args.judge:
        from retrieval.answering.cross_lingual_judge import Judge

        on_corpus.other_languages.judge = tuning.answerer.other_languages.judge = \
            Judge.from_file(args.judge)
    if on_corpus.store.count() == 0:
        ingest(on_corpus.store)
    on_corpus.other_languages.build_index()
    checks = {name: load_questions(HERE / name) for name in
              ("multilingual.jsonl", "multilingual-unanswerable.jsonl")}
    for bar in (float(b) for b in args.bars.split(",")):
        E5Embeddings.cross_lingual_min_similarity = bar
        for name, items in checks.items():
            rows = run_eval(on_corpus, items, corpus.k, name=name).results
            right = [r.id for r in rows if r.passed]
            print(f"bar {bar:.2f}: {name}: {len(right)}/{len(rows)} right; wrong: "
                  f"{' '.join(r.id for r in rows if not r.passed)}", flush=True)
        if not args.languages:
            continue
        print(f"bar {bar:.2f}: " + cells(tuning.languages(args.languages, args.sample)),
              flush=True)


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parent))
    main()
