"""PDF text as paragraphs: a PDF stores lines, not paragraphs.

pypdf gives each printed line with a hard line break, so answers and quotes read "opened on
7⏎March 1981", words hyphenated at a line end stay split, and a running header or page number
lands in the middle of a sentence. Here: repeated headers and footers are dropped, a
hyphenated line end is joined, and the lines of a paragraph become one line.
"""

from __future__ import annotations

import re
import statistics

# A line ending a sentence; a short one of these ends its paragraph.
_SENTENCE_END = re.compile(r"[.!?:;\"”’)]$")
# A line's digits do not matter for recognising a running header ("Page 3 of 12").
_DIGITS = re.compile(r"\d+")
# How much of a typical line a line must fill to be taken as running on into the next.
FULL_LINE = 0.75


def reflow_pages(pages: list[str]) -> str:
    """The pages' text as paragraphs separated by blank lines."""
    lines_by_page = [[line.strip() for line in page.splitlines()] for page in pages]
    lines_by_page = _without_running_lines(lines_by_page)
    lines = [line for page in lines_by_page for line in page]
    lengths = [len(line) for line in lines if line]
    if not lengths:
        return ""
    typical = statistics.median(lengths)
    paragraphs: list[str] = []
    current = ""
    for line in lines:
        if not line:
            paragraphs.append(current)
            current = ""
            continue
        if current.endswith("-") and line[:1].islower() and current[-2:-1].isalpha():
            current = current[:-1] + line  # "recon-" + "struction"
        else:
            current = f"{current} {line}" if current else line
        if _SENTENCE_END.search(line) and len(line) < FULL_LINE * typical:
            paragraphs.append(current)
            current = ""
    paragraphs.append(current)
    return "\n\n".join(p for p in paragraphs if p.strip())


def _without_running_lines(pages: list[list[str]]) -> list[list[str]]:
    """Drop a first or last line that recurs (digits aside) on most pages."""
    if len(pages) < 2:
        return pages
    needed = max(2, round(0.6 * len(pages)))
    for position in (0, -1):
        ends = [_key(_content(page)[position]) for page in pages if _content(page)]
        running = {key for key in set(ends) if ends.count(key) >= needed}
        if running:
            pages = [_drop_at(page, position, running) for page in pages]
    return pages


def _content(page: list[str]) -> list[str]:
    return [line for line in page if line]


def _key(line: str) -> str:
    return _DIGITS.sub("#", line.lower())


def _drop_at(page: list[str], position: int, running: set[str]) -> list[str]:
    indexes = [i for i, line in enumerate(page) if line]
    if indexes and _key(page[indexes[position]]) in running:
        return page[: indexes[position]] + page[indexes[position] + 1 :]
    return page
