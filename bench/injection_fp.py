"""False alarms of the instruction filter on text nobody here wrote: SQuAD's paragraphs.

    python bench/injection_fp.py            # counts, and every flagged sentence
    python bench/injection_fp.py --quiet    # counts only

Every sentence of every paragraph of ../shared/eval/squad/dev-v2.0-cs224n.json (Wikipedia
articles, SQuAD 2.0, CC BY-SA 4.0) goes through `retrieval.index.safety.is_instruction`. None of
them is addressed to an assistant, so each flag is a false positive: a sentence the offline
answerer will never quote and ingest reports as planted. It also checks, as a reminder, that
the real injections of tests/test_hostile_text.py are still flagged.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from retrieval.index.safety import is_instruction  # noqa: E402
from retrieval.text import split_sentences  # noqa: E402

SQUAD = REPO.parent / "shared" / "eval" / "squad" / "dev-v2.0-cs224n.json"
# XQuAD (CC BY-SA 4.0): the same Wikipedia paragraphs translated, for the Russian and Spanish
# phrasings and the look-alike mapping (a Cyrillic word must not turn into Latin orders).
XQUAD = REPO.parent / "shared" / "eval" / "xquad"


def xquad_sentences(language: str) -> list[str]:
    data = json.loads((XQUAD / f"xquad.{language}.json").read_text(encoding="utf-8"))["data"]
    return [sentence for article in data for paragraph in article["paragraphs"]
            for _, _, sentence in split_sentences(paragraph["context"])]


def squad_sentences() -> list[str]:
    data = json.loads(SQUAD.read_text(encoding="utf-8"))["data"]
    return [sentence for article in data for paragraph in article["paragraphs"]
            for _, _, sentence in split_sentences(paragraph["context"])]


def corpus_sentences() -> list[str]:
    """The project's own article and notes: also descriptive text, also never orders."""
    from retrieval.index.corpus import iter_corpus_files, load_file

    corpus = REPO / "corpus"
    return [sentence for path in iter_corpus_files(corpus)
            for _, _, sentence in split_sentences(load_file(path, corpus, 10**8).text)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args()
    from tests.test_hostile_text import KNOWN_INJECTIONS

    flagged = []
    for name, sentences in [("SQuAD 2.0 dev paragraphs", squad_sentences()),
                            ("XQuAD paragraphs, Russian", xquad_sentences("ru")),
                            ("XQuAD paragraphs, Spanish", xquad_sentences("es")),
                            ("corpus/ article and background notes", corpus_sentences())]:
        hits = [s for s in sentences if is_instruction(s)]
        flagged += hits
        print(f"{name}: {len(sentences)} sentences, {len(hits)} flagged "
              f"({100 * len(hits) / len(sentences):.2f}%)")
    missed = [s for s in KNOWN_INJECTIONS if not is_instruction(s)]
    print(f"known injections (tests/test_hostile_text.py): {len(KNOWN_INJECTIONS)}, "
          f"missed {len(missed)}")
    if not args.quiet:
        for sentence in flagged:
            print(f"  flagged: {sentence[:160]}")
        for sentence in missed:
            print(f"  missed: {sentence}")


if __name__ == "__main__":
    main()
