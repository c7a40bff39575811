"""Declines of questions in other languages on the real corpus: precision and recall.

    python bench/xquad_tune.py --languages "" --bars 0.75    # builds bench/work/corpus-default
    python bench/multilingual_declines.py

bench/multilingual.jsonl holds 10 answerable and 2 off-topic questions in Russian and Spanish,
bench/multilingual-unanswerable.jsonl 20 on-topic ones the sources do not answer. A decline is
right when the question is not answerable; recall is over the 22 that are not.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    from retrieval.answering import other_languages
    from retrieval.answering.answerer import Answerer
    from retrieval.evaluation.harness import load_questions
    from retrieval.settings import Settings

    answerer = Answerer(Settings(data_dir=HERE / "work" / "corpus-default",
                                 corpus_dir=HERE.parent / "corpus", _env_file=None))
    items = [i for name in ("multilingual.jsonl", "multilingual-unanswerable.jsonl")
             for i in load_questions(HERE / name)]
    for own in (False, True):
        other_languages.OWN_READER = own
        print("reader:", "cross_lingual.py" if own else "before it (similarity alone)")
        declines(answerer, items)


def declines(answerer, items) -> None:
    declined_right = declined_wrong = 0
    for item in items:
        answer = answerer.answer(item.q)
        unanswerable = bool(item.abstain)
        if answer.abstained:
            declined_right += unanswerable
            declined_wrong += not unanswerable
        print(f"{item.id}: {'declined' if answer.abstained else 'answered'}"
              f"{' (should decline)' if unanswerable else ''}", flush=True)
    should = sum(1 for i in items if i.abstain)
    declines = declined_right + declined_wrong
    print(f"declined {declines}: {declined_right} of {should} that should be, "
          f"{declined_wrong} answerable; precision "
          f"{declined_right / declines if declines else float('nan'):.2f}, "
          f"recall {declined_right / should:.2f}")


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parent))
    main()
