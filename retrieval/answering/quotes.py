"""The sentences of a stored passage that may be quoted, alone or two together."""

from __future__ import annotations

from functools import lru_cache

from retrieval.index.safety import is_instruction
from retrieval.text import split_sentences

MIN_SENTENCE_CHARS = 25


def passage_body(text: str) -> tuple[str, str]:
    """Split a stored passage into its label line (title and heading) and its body."""
    label, sep, body = text.partition("\n\n")
    return (label, body) if sep else ("", text)


def _quotable(sentence: str) -> bool:
    if len(sentence) < MIN_SENTENCE_CHARS or is_instruction(sentence):
        return False
    # Headings, captions and list stubs are not answers.
    return sentence.rstrip().endswith((".", "!", "?", "…", '"', "”", ")", ":"))


@lru_cache(maxsize=4096)
def passage_quotes(text: str, opens_document: bool) -> tuple[tuple[str, bool, tuple], ...]:
    # Cached: passages recur across questions, and splitting and screening their sentences
    # is pure Python that holds the GIL while other questions wait.
    _, body = passage_body(text)
    spans = split_sentences(body)
    found = []
    for j, (_, end, sentence) in enumerate(spans):
        if not _quotable(sentence):
            continue
        found.append((sentence, opens_document and j == 0, ()))
        if j and _quotable(spans[j - 1][2]):
            both = body[spans[j - 1][0]:end]
            if "\n" not in both:
                found.append((both, opens_document and j == 1, (spans[j - 1][2], sentence)))
    return tuple(found)
