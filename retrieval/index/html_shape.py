"""Refuse HTML whose shape would make the real parse slow: very deep or very many tags.

BeautifulSoup took 78 s on a page nested a million elements deep (issue 13). This pre-scan uses the
standard library's tokenizer, keeps only a stack of open tag names, and stops at the first
limit it crosses, so a hostile page costs a fraction of a second before it is refused.
"""

from __future__ import annotations

from html.parser import HTMLParser

from retrieval.errors import IngestError

MAX_HTML_DEPTH = 1_000
MAX_HTML_TAGS = 200_000
# Elements that never hold others. Everything else nests, as in BeautifulSoup's
# html.parser tree: it does not close an open <p> at the next one, so a page of unclosed
# paragraphs is as deep as it has paragraphs, and extracting their text costs the square
# (3,000 of them: 16 s on this busy 2-core machine).
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
        "source", "track", "wbr"}


class _TooBig(Exception):
    pass


class _ShapeScanner(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []
        self.tags = 0

    def handle_starttag(self, tag, attrs):
        self.tags += 1
        if self.tags > MAX_HTML_TAGS:
            raise _TooBig(f"more than {MAX_HTML_TAGS:,} tags")
        if tag in VOID:
            return
        self.stack.append(tag)
        if len(self.stack) > MAX_HTML_DEPTH:
            raise _TooBig(f"elements nested more than {MAX_HTML_DEPTH:,} deep")

    def handle_endtag(self, tag):
        if tag in self.stack:
            while self.stack.pop() != tag:
                pass


def check_html_shape(text: str, origin: str) -> None:
    scanner = _ShapeScanner()
    try:
        scanner.feed(text)
        scanner.close()
    except _TooBig as err:
        raise IngestError(origin, f"HTML refused: {err}") from None
