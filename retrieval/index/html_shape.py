"""Keep HTML parsing bounded in time and memory: refuse very deep or very many tags before
the real parse, and take each piece of text once when extracting it.

BeautifulSoup took 78 s on a page nested a million elements deep (issue 13). This pre-scan uses the
standard library's tokenizer, keeps only a stack of open tag names, and stops at the first
limit it crosses, so a hostile page costs a fraction of a second before it is refused.
A 1.35 MB page of many tags took 1.6-2.0 GB (issue 22): its paragraphs were nested, and the
text of every paragraph was taken with all the paragraphs inside it, so the text grew with
the square of the depth. `block_texts` takes the outermost blocks only; see bench/html_memory.py.
"""

from __future__ import annotations

from html.parser import HTMLParser

from retrieval.errors import IngestError

MAX_HTML_DEPTH = 1_000
# BeautifulSoup's tree costs about 1 KB per tag: 100,000 tags is ~150 MB at the peak
# (bench/html_memory.py). A long news page has a few thousand.
MAX_HTML_TAGS = 100_000
# Blocks whose text becomes one paragraph of the document.
BLOCKS = ("h1", "h2", "h3", "p", "li")
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
            raise _TooBig(f"more than {MAX_HTML_TAGS:,} tags (a page of text has far fewer)")
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


def block_texts(root) -> list[str]:
    """The text of each outermost heading, paragraph or list item under `root`, in order.

    Each piece of text is taken once: a block inside another is part of the outer one's
    text, not a paragraph of its own again (which made nested blocks' text grow with the
    square of their depth). One pass over the tree, no recursion (the depth may be 1,000).
    """
    from bs4 import Tag

    texts: list[str] = []
    stack = [root]
    while stack:
        node = stack.pop()
        if node is not root and node.name in BLOCKS:
            text = node.get_text(" ", strip=True)
            if text:
                texts.append(text)
            continue
        stack.extend(reversed([child for child in node.children if isinstance(child, Tag)]))
    return texts
