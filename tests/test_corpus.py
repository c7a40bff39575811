"""The shipped corpus: every document loads with the metadata its citations show."""

from __future__ import annotations

import re

import pytest

from retrieval.corpus import iter_corpus_files, load_file
from tests.conftest import CORPUS

BACKGROUND = sorted((CORPUS / "background").glob("*.md"))


def test_there_are_at_least_twenty_background_notes():
    assert len(BACKGROUND) >= 20


@pytest.mark.parametrize("path", BACKGROUND, ids=lambda p: p.stem)
def test_background_note_front_matter_and_length(path):
    doc = load_file(path, CORPUS, max_bytes=1_000_000)
    assert doc.kind == "background" and doc.title
    assert doc.published and doc.as_of, "published and as_of dates are shown with answers"
    assert len(doc.sources) >= 2 and all(re.match(r"https?://", s) for s in doc.sources)
    words = len(doc.text.split())
    assert 300 <= words <= 1200, f"{words} words"
    assert "\n## " in f"\n{doc.text}", "headings split the note into passages"


def test_every_corpus_file_loads():
    files = list(iter_corpus_files(CORPUS))
    docs = [load_file(path, CORPUS, max_bytes=5_000_000) for path in files]
    articles = [d for d in docs if d.kind == "article"]
    assert articles and all(d.url and d.published and d.outlet for d in articles)
