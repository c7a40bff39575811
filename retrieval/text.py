"""Sentence splitting with character offsets, so quotes can be checked against passages."""

from __future__ import annotations

import re

# Words that end in a period without ending a sentence.
_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "gen", "col", "lt", "sgt", "st", "jr", "sr", "vs", "etc",
    "no", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "e.g", "i.e", "u.s", "u.k", "u.n", "approx", "est", "fig", "km", "inc", "ltd", "co",
}
_BOUNDARY = re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9А-ЯЁ])|\n\s*\n|\n(?=\s*[-*#>]|\s*\d+\.)")


def split_sentences(text: str) -> list[tuple[int, int, str]]:
    """(start, end, sentence) for each sentence; text[start:end] == sentence."""
    spans: list[tuple[int, int, str]] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        candidate = text[start : match.start()]
        last_word = candidate.rstrip("\"'”’)]").rsplit(None, 1)[-1].lower() if candidate.strip() else ""
        if last_word.rstrip(".") in _ABBREVIATIONS or re.fullmatch(r"[a-z]\.", last_word):
            continue
        _append(spans, text, start, match.start())
        start = match.end()
    _append(spans, text, start, len(text))
    return spans


def _append(spans: list[tuple[int, int, str]], text: str, start: int, end: int) -> None:
    piece = text[start:end]
    stripped = piece.strip()
    if not stripped:
        return
    # Drop list bullets and heading marks from the front; keep the offset exact.
    lead = len(piece) - len(piece.lstrip())
    body = stripped
    marker = re.match(r"^(?:[-*>]+|#{1,6}|\d+\.)\s+", body)
    if marker:
        lead += marker.end()
        body = body[marker.end():]
    if body:
        spans.append((start + lead, start + lead + len(body), body))
