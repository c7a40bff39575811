"""The shipped corpus: every document loads with the metadata its citations show."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from retrieval.index.corpus import iter_corpus_files, load_file
from retrieval.index.outlets import load_policy
from tests.conftest import CORPUS

BACKGROUND = sorted((CORPUS / "background").glob("*.md"))

# The source policy (retrieval/index/outlets.yaml) holds the denylist of mirrors, farms and
# aggregators and the label of every outlet; tests/test_sources_policy.py checks every URL.
POLICY = load_policy()
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
DATE = re.compile(rf"\b(?:(\d{{1,2}})(?:[–-]\d{{1,2}})?\s+)?({'|'.join(MONTHS)})\s+(\d{{4}})\b"
                  r"|\b(?:in|since|of|early|late|mid-)\s+((?:19|20)\d\d)\b")
# A date after these words is a deadline or a plan, not an event that happened: the first
# kind a few words back ("expected to start after the holiday in March 2026"), the second
# right before it ("runs to 19 February 2027", "by the end of 2028").
PLAN_WORDS = re.compile(r"\b(until|due|expir\w*|scheduled|planned|expected|would|will|"
                        r"deadline|mandate)\W+(?:\w+\W+){0,8}$", re.IGNORECASE)
DEADLINE_WORDS = re.compile(r"\b(to|by|before|end)\W+(?:the\W+)?$", re.IGNORECASE)


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


def mirror_domain(url: str) -> str | None:
    return POLICY.denied_reason(url)


def test_the_mirror_check_recognises_mirrors_and_their_subdomains():
    assert mirror_domain("https://wikimili.com/en/Battle_of_Kalbajar").startswith("wikimili.com")
    assert mirror_domain("https://italy.news-pravda.com/russia/2025/08/10/1.html")
    assert mirror_domain("https://sco.m.wikipedia.org/wiki/Nagorno-Karabakh")
    assert mirror_domain("https://en.wikipedia.org/wiki/Nagorno-Karabakh") is None
    assert mirror_domain("https://www.pravda.com.ua/eng/news/2024/10/8/7478780/") is None


@pytest.mark.parametrize("path", BACKGROUND, ids=lambda p: p.stem)
def test_background_note_sources_are_not_mirrors(path):
    doc = load_file(path, CORPUS, max_bytes=1_000_000)
    mirrors = [url for url in doc.sources if mirror_domain(url)]
    assert not mirrors, f"replace with the original publisher: {mirrors}"


@pytest.mark.parametrize("path", BACKGROUND, ids=lambda p: p.stem)
def test_sources_that_speak_for_a_side_are_labelled(path):
    """A source that gives one side's account carries its label as a YAML comment, exactly as
    readers see it, so a maintainer reading the note sees whose voice it is; others carry none."""
    front = path.read_text(encoding="utf-8").split("\n---\n", 1)[0]
    wrong = []
    for line in front.splitlines():
        if not line.startswith("  - "):
            continue
        url, _, comment = line.removeprefix("  - ").partition("  # ")
        outlet = POLICY.outlet_for_url(url.strip())
        expected = outlet.display if outlet and outlet.side else ""
        if comment.strip() != expected:
            url = url.strip()
            wrong.append(f"{url}  # {expected}" if expected else f"{url} (no label)")
    assert not wrong, f"write these lines as: {wrong}"


def event_dates(text: str) -> list[tuple[dt.date, str]]:
    """Every date the text gives an event: '14 May 2025', 'May 2025', 'in 2024' (as its
    first day), leaving out deadlines and plans ('runs to 19 February 2027')."""
    found = []
    for m in DATE.finditer(text):
        before = text[max(0, m.start() - 60) : m.start()]
        if PLAN_WORDS.search(before) or DEADLINE_WORDS.search(before):
            continue
        if m.group(4):
            found.append((dt.date(int(m.group(4)), 1, 1), m.group(0)))
        else:
            day, month = int(m.group(1) or 1), MONTHS.index(m.group(2)) + 1
            found.append((dt.date(int(m.group(3)), month, day), m.group(0)))
    return found


def test_event_dates_leave_out_deadlines_and_plans():
    text = ("It began on 1 April 2016 and was reported in 2024. Its mandate runs to 19 February "
            "2027 and a vote is due in June 2026; the line should open by the end of 2028.")
    assert [d for d, _ in event_dates(text)] == [dt.date(2016, 4, 1), dt.date(2024, 1, 1)]


@pytest.mark.parametrize("path", BACKGROUND, ids=lambda p: p.stem)
def test_background_note_as_of_is_not_before_the_newest_event_it_dates(path):
    doc = load_file(path, CORPUS, max_bytes=1_000_000)
    newest = max(event_dates(doc.text), default=None)
    assert newest is None or newest[0] <= doc.as_of, (
        f"as_of {doc.as_of} is before '{newest[1]}', which the note mentions")


def test_every_corpus_file_loads():
    files = list(iter_corpus_files(CORPUS))
    docs = [load_file(path, CORPUS, max_bytes=5_000_000) for path in files]
    articles = [d for d in docs if d.kind == "article"]
    assert articles and all(d.url and d.published and d.outlet for d in articles)
