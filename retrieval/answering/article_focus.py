"""Questions about the article itself are answered from the article.

"How many peacekeepers does *the piece* say are in Karabakh?" asks what the article says,
not what a background note says on the same subject: the notes' 1,960 is a right number but
a wrong answer. The reader names the article ("the article", "the piece", "this story"),
points at it ("here", "any of this" with no earlier turn to point at), or quotes from it
("according to the article"). For such a question the article's passages are searched for
and put first, and the reader ranks the article's sentences above the notes'.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache

from retrieval.answering.retriever import hybrid_search
from retrieval.index.lexical import tokenize
from retrieval.models import Retrieved

logger = logging.getLogger(__name__)

# The article as the source of what is asked: "according to the article", "per the piece",
# "what does the Sputnik report say", "... in this story?". Not the article as where a
# name was seen ("the agreement the article brings up", "Tarasov, quoted in the article"):
# those ask about the thing, which the notes explain better than the article does.
_PIECE = r"(?:the|this|that)\s+(?:\w+\s+)?(?:article|piece|story|report|text)"
_NAMES_ARTICLE = re.compile(
    rf"\b(?:according\s+to|per|as\s+told\s+by)\s+{_PIECE}\b|"
    rf"\b{_PIECE}\s+(?:say|says|said|claim|claims|state|states|report|reports|allege|"
    r"alleges|call|calls|describe|describes|suggest|suggests|give|gives|mention|mentions)\b|"
    rf"(?<!quoted )(?<!mentioned )(?<!named )(?<!cited )\b(?:in|from)\s+{_PIECE}\W*$",
    re.IGNORECASE)
# "why is it called a capital here?", "did Washington respond to any of this?": with no
# earlier turn, "here" and a bare "this" can only point at what the reader came with.
_POINTS_AT_IT = re.compile(r"\bhere\W*$|\b(of|about|to|on)\s+(all\s+)?this\W*$", re.IGNORECASE)
ARTICLE_FOCUS = True  # switch for the ablation and the tests
# Article passages placed first in what the reader sees, at most: the article is short
# (a news piece is 4-8 passages) and the rest of the slots stay with the background.
MAX_ARTICLE_PASSAGES = 3
# How much an article sentence's score is raised over a note's for such a question: more
# than the retrieval-rank prior (0.15), so that a note sentence on the same fact does not
# lead, less than the gap between a sentence that answers and one that does not.
ARTICLE_BONUS = 0.2
# For any other question the article still leads when its sentence answers about as well
# as a note's: it is what the reader came with, and the note's sentence would be a second
# source on the same fact ("deployed a 2,000 troop-strong contingent" over a note's
# "contingent of 1,960 servicemen", 0.996 against 1.015 before this).
ARTICLE_TIE = 0.05
# The evidence an article sentence holding the asked kind of thing (a date for "when does
# the article say ...") needs for such a question, below the reader's usual 0.45.
ARTICLE_MIN_SCORE = 0.35
# Asked what the article says, its sentence leads without the cross-encoder's veto, and
# needs only ARTICLE_MIN_SCORE, whatever is asked, not only for a name, number or date: it
# vetoed "according to the article what was Pashinyan willing to do" (0.20) and "which blocs
# does the article say Armenia is being pulled out of" (0.19), and "does the article give any
# death toll" fell below the bar (0.42); the article's own sentence answers each (session 8).
UNTYPED_NO_VETO = True


# The article's outlet as its voice: "how many does Sputnik say were killed?", "according to
# Sputnik". (The outlet as a subject, "when did Sputnik start up?", asks about the outlet.)
OUTLET_AS_ARTICLE = True


@lru_cache(maxsize=64)
def _outlet_pattern(outlets: tuple[str, ...]) -> re.Pattern | None:
    names = "|".join(re.escape(o) for o in outlets if o)
    if not names:
        return None
    return re.compile(
        rf"\b(?:according\s+to|per)\s+(?:{names})\b|"
        rf"\b(?:does|did|do)\s+(?:{names})\s+(?:\w+\s+)?(?:say|claim|report|state|describe|"
        rf"call|suggest|allege|write|put)\b|\b(?:{names})\s+(?:says|said|claims|reports|"
        r"reported|writes|wrote)\b", re.IGNORECASE)


def asks_about_article(question: str, first_turn: bool = True,
                       outlets: tuple[str, ...] = ()) -> bool:
    """Does the question ask what the article itself says? `outlets`: the indexed articles'
    outlets, which stand for the article when they "say" something."""
    if not ARTICLE_FOCUS:
        return False
    outlet = _outlet_pattern(tuple(sorted(set(outlets)))) if OUTLET_AS_ARTICLE else None
    return bool(_NAMES_ARTICLE.search(question)
                or (outlet is not None and outlet.search(question))
                or (first_turn and _POINTS_AT_IT.search(question.strip())))


# "Who was the president when this article came out?": the answer is the one that held
# at the article's date, so sentences speaking of its month lead.
_AT_ITS_TIME = re.compile(
    rf"\bwhen\s+{_PIECE}\s+(?:came\s+out|was\s+(?:published|written|released)|appeared|"
    rf"ran)\b|\b(?:at\s+the\s+time\s+of|as\s+of)\s+{_PIECE}\b", re.IGNORECASE)
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")
# As much as the whole retrieval-rank prior (0.15): the question names the time, so a
# sentence about that time outranks one about another time found first, unless it answers
# clearly worse (0.1 left "its last president ... on 28 September 2023" ahead of "In June
# 2023 ... the NKR president was Arayik Harutyunyan" when that note was retrieved first).
ARTICLE_TIME_BONUS = 0.15


def article_month(question: str, passages: list[Retrieved]) -> str | None:
    """ "June 2023" when the question asks how things stood when the article came out (and
    an article among `passages` gives its date), else None."""
    if not ARTICLE_FOCUS or not _AT_ITS_TIME.search(question):
        return None
    # The article need not be among the passages retrieved: the indexed articles' passages
    # were read by `search` for this question (their outlets), and are kept.
    known = [p for _, cached in _CACHE.values() for p in cached]
    for passage in [*passages, *known]:
        published = str(passage.metadata.get("published") or "")
        if is_article(passage) and re.match(r"\d{4}-\d\d", published):
            return f"{_MONTHS[int(published[5:7]) - 1]} {published[:4]}"
    return None


def speaks_of(month: str | None, sentence: str) -> bool:
    """Does the sentence name that month ("In June 2023, when Sputnik reported ...")?"""
    return bool(month) and re.search(rf"\b{month.split()[0]}\s+(?:\d{{1,2}},?\s+)?"
                                     rf"{month.split()[1]}\b", sentence) is not None


def topic(question: str, outlets: tuple[str, ...] = ()) -> str:
    """The question without the words naming the article as its source: the article never
    names itself, so "article", "says" and "Sputnik" only dilute what its sentences share."""
    outlet = _outlet_pattern(tuple(sorted(set(outlets)))) if OUTLET_AS_ARTICLE else None
    text = _NAMES_ARTICLE.sub(" ", question)
    if outlet is not None:
        text = outlet.sub(" ", text)
    return _POINTS_AT_IT.sub(" ", text)


def outlets_of(passages: list[Retrieved]) -> tuple[str, ...]:
    """The outlets of the articles among `passages`."""
    return tuple(sorted({str(p.metadata.get("outlet") or "") for p in passages
                         if is_article(p)} - {""}))


def is_article(passage: Retrieved) -> bool:
    return passage.metadata.get("kind") == "article"


def search(store, query: str, k: int, context: str = "", question: str = "",
           first_turn: bool = True) -> list[Retrieved]:
    """The k best passages; for a question about the article, its best passages first."""
    retrieved = hybrid_search(store, query, k, context=context)
    if not ARTICLE_FOCUS:
        return retrieved
    outlets = outlets_of(_article_passages(store))
    if not asks_about_article(question or query, first_turn, outlets):
        return retrieved
    # The article's own passages, ranked by the question's words without those naming the
    # article: the notes name it ("the Sputnik article of 15 June 2023 says") far more often
    # than it names itself, so a search for the question buries the article under them.
    query_topic = topic(query, outlets)
    words = set(tokenize(query_topic))
    lexical = store.lexical()
    ranked = sorted(_article_passages(store), key=lambda r: -sum(
        lexical.idf(w) for w in words & set(tokenize(r.text))))
    found = [r for r in hybrid_search(store, query_topic, store_k(k), context=context)
             if is_article(r)]
    # The search's own order first (it also weighs meaning); shared rare words fill up.
    articles = list({r.chunk_id: r for r in found + ranked}.values())[:MAX_ARTICLE_PASSAGES]
    if not articles:
        return retrieved
    ids = {r.chunk_id for r in articles}
    rest = [r for r in retrieved if r.chunk_id not in ids]
    logger.debug("article question: %d article passages first", len(articles))
    return (articles + rest)[:max(k, len(articles))]


# The indexed articles' passages, read once per index state: (passage count, passages).
_CACHE: dict[int, tuple[int, list[Retrieved]]] = {}


def _article_passages(store) -> list[Retrieved]:
    count = store.count()
    cached = _CACHE.get(id(store))
    if cached is not None and cached[0] == count:
        return cached[1]
    doc_ids = sorted({str(m.get("doc_id")) for m in store.article_openings() if m})
    ids = [i for doc_id in doc_ids for i in store.lexical().ids_of(doc_id)]
    found = store.get_passages(ids) if ids else {}
    passages = [Retrieved(chunk_id=i, doc_id=meta.get("doc_id", ""), text=text, score=0.0,
                          metadata={**meta, "dense_similarity": 0.0})
                for i, (text, meta) in found.items()]
    _CACHE[id(store)] = (count, passages)
    return passages


def store_k(k: int) -> int:
    """How many passages the wider search for the article's passages returns."""
    return 5 * k
