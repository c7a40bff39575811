"""HTML parsing is bounded: text is taken once however blocks nest (nested paragraphs made
text that grew with the square of their depth, 1.6-2.0 GB for a 1.35 MB page), and a page of
too many tags is refused with one line. Peak memory is measured in bench/html_memory.py."""

from __future__ import annotations

import pytest

from retrieval.errors import IngestError
from retrieval.index.corpus import parse_bytes
from retrieval.index.html_shape import MAX_HTML_TAGS


def parse(html: str):
    return parse_bytes(html.encode(), ".html", doc_id="x", origin="page.html", name="page")


def test_nested_paragraphs_give_their_text_once():
    depth, blocks = 300, 20
    html = "<html><body>" + ("<p>word " * depth + "</p>" * depth) * blocks + "</body></html>"
    doc = parse(html)
    assert doc.text.count("word") == depth * blocks  # was depth * (depth + 1) / 2 * blocks
    assert len(doc.text) < len(html)


def test_a_nested_list_item_is_not_repeated_in_its_parent():
    doc = parse("<html><body><h1>Title line</h1><ul><li>Item one<ul><li>Sub item</li></ul></li>"
                "<li>Item two</li></ul><p>After the list.</p></body></html>")
    assert doc.text.count("Sub item") == 1
    assert doc.text.index("Title line") < doc.text.index("Item one") < doc.text.index(
        "Item two") < doc.text.index("After the list.")


def test_a_page_of_too_many_tags_is_refused_in_one_line():
    assert MAX_HTML_TAGS <= 100_000  # 200,000 small tags peaked near 300 MB
    html = "<html><body>" + "<p><b>w</b></p>" * (MAX_HTML_TAGS // 2 + 1) + "</body></html>"
    with pytest.raises(IngestError) as err:
        parse(html)
    assert err.value.reason == (f"HTML refused: more than {MAX_HTML_TAGS:,} tags (a page of "
                                "text has far fewer)")
    assert "\n" not in str(err.value)
