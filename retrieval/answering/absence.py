"""Sentences in which the sources say that something was not said or not done.

"Did the US government respond to any of this?" is answered by the article's "US officials
have yet to comment", which shares no word with the question but "US"; "Does the piece say
who that person was?" by a note's "the article does not say who gave that comment"; "Who won
Armenia's June 2026 election?" by "These notes give no results of that election". Word
coverage cannot see these, and the reader declined or quoted something nearby. Each is a
negated verb of telling or responding whose subject, clause or object matches what the
question asks; the parse (retrieval/linguistics) shows which.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

from retrieval.answering.lexicon import state_of, stems_and_states
from retrieval.answering.picks import Candidate
from retrieval.answering.quotes import passage_body, passage_quotes
from retrieval.linguistics import is_negated, parse
from retrieval.linguistics.questions import TELLING_VERBS

if TYPE_CHECKING:
    from spacy.tokens import Token

    from retrieval.models import Retrieved

logger = logging.getLogger(__name__)

ABSENCE_LEADS = True  # switch (tests and bench/reader_ablation.py turn it off)
# Verbs by which someone answers or reacts: "Did Washington respond?" is answered by "US
# officials have yet to comment".
RESPONDING_VERBS = frozenset(["respond", "comment", "react", "reply", "answer", "confirm",
                              "deny", "acknowledge", "speak", "announce"])
_WH = frozenset(["who", "whom", "whose", "what", "which", "when", "where", "why", "how"])
# A sentence saying something was not told must share this many words with the question,
# its earlier turns and its passage's title: the grammar says it states an absence, this
# says it is about the same thing.
MIN_SHARED_WORDS = 2
# The words `is_negated` reads a negation from; a sentence without any is not parsed.
_NEGATION = re.compile(r"\b(?:not|n't|no|never|neither|nor|none|nobody|nothing|yet|fail\w*|"
                       r"refus\w*|declin\w*|den(?:y|ied|ies))\b|n't\b", re.IGNORECASE)


def find(question: str, retrieved: list[Retrieved], context: str = "") -> Candidate | None:
    """The retrieved sentence that says the asked thing was not said or done, or None."""
    if not ABSENCE_LEADS or not retrieved:
        return None
    asked = parse(question.strip())
    root = next((t for t in asked if t.dep_ == "ROOT"), None)
    if root is None:
        return None
    wanted = stems_and_states(f"{question} {context}")
    for i, passage in enumerate(retrieved):
        title = stems_and_states(passage_body(passage.text)[0])
        for quote, lead, parts in passage_quotes(passage.text,
                                                 passage.metadata.get("position") == 0):
            if parts:
                continue
            if not _NEGATION.search(quote):
                continue  # (checked before parsing: most sentences state, not deny)
            shared = wanted & (stems_and_states(quote) | title)
            if says_not_given(asked, root, quote, len(shared) >= MIN_SHARED_WORDS):
                logger.debug("absence statement answers %r: %s", question, quote)
                return Candidate(i, quote, 1.0, 1.0, lead, (), True)
    return None


def says_not_given(asked, root: Token, sentence: str, same_subject: bool = True) -> bool:
    """Does `sentence` say that what the parsed question `asked` asks was not said or done?
    `same_subject`: it shares enough words with the question to be about the same thing (a
    response by the same actor needs no more than that actor)."""
    question_lemmas = {t.lemma_.lower() for t in asked if t.pos_ in ("NOUN", "PROPN")}
    subject = _subject_words(root)
    asks_which = any(t.lower_ in _WH for t in asked)
    for verb in parse(sentence):
        if verb.pos_ not in ("VERB", "AUX") or not is_negated(verb):
            continue
        lemma = verb.lemma_.lower()
        # "Did the US respond?" / "US officials have yet to comment": the same actor.
        if root.lemma_.lower() in RESPONDING_VERBS and lemma in RESPONDING_VERBS and \
                subject & _subject_words(verb):
            return True
        if lemma not in TELLING_VERBS or not same_subject:
            continue
        # "Does the piece say who that person was?" / "the article does not say who gave it";
        # not "... say how many peacekeepers were sent?" / "did not say how many died".
        if root.lemma_.lower() in TELLING_VERBS and asks_which and _opens_a_question(verb) \
                and _same_question(asked, root, verb):
            return True
        # "Who won the election?" / "These notes give no results of that election"
        if asks_which and _object_lemmas(verb) & question_lemmas:
            return True
    return False


def _subject_words(verb: Token) -> set[str]:
    """The words of a verb's subject, with the state a capital or adjective stands for
    ("Washington" -> "us"); the subject of the clause it completes for "yet to comment"."""
    node = verb
    while node.dep_ == "xcomp" and node.head.i != node.i:
        node = node.head
    words = set()
    for child in node.children:
        if child.dep_ in ("nsubj", "nsubjpass"):
            for token in child.subtree:
                if token.pos_ in ("PROPN", "NOUN"):  # "US officials"; not "Russian"
                    words.update({token.lower_, state_of(token.lower_)})
    return words - {"officials", "official", "government", "authorities"}


def _opens_a_question(verb: Token) -> bool:
    """ "does not say *who* gave that comment": the verb's clause opens with a wh-word."""
    return any(t.lower_ in _WH for c in _told(verb) for t in c.subtree)


def _told(verb: Token) -> list[Token]:
    """The clauses or objects a telling verb tells, after it ("does not say *who gave that
    comment*"); a clause before it is another statement the parser hung on it ("The
    article quotes ...; the article does not say who ...")."""
    return [c for c in verb.children if c.dep_ in ("ccomp", "dobj", "xcomp") and c.i > verb.i]


# Words that say where something is told or who, not what is asked.
_SOURCES = frozenset(["article", "piece", "story", "report", "note", "source", "text",
                      "person", "people", "one", "thing", "anyone", "someone", "be", "do",
                      "have"])


def _same_question(asked, root: Token, verb: Token) -> bool:
    """The clause the sources do not tell asks what the question's clause asks: the
    question's words besides the telling verb and the source (nothing left in "who that
    person was") are among the clause's."""
    wanted = {t.lemma_.lower() for t in asked if t.i != root.i
              and t.pos_ in ("NOUN", "PROPN", "VERB")} - _SOURCES
    if not wanted:
        return True
    told = {t.lemma_.lower() for c in _told(verb) for t in c.subtree
            if t.pos_ in ("NOUN", "PROPN", "VERB")}
    return bool(wanted & told)


def _object_lemmas(verb: Token) -> set[str]:
    """The nouns of what a telling verb gives or names: "give no *results* of that
    *election*"."""
    return {t.lemma_.lower() for c in verb.children if c.dep_ in ("dobj", "nsubjpass")
            for t in c.subtree if t.pos_ in ("NOUN", "PROPN")}
