"""Does a sentence fill the slot a question asks, and what to say when none does.

"How many Russian peacekeepers were in Karabakh?" is not answered by "the peacekeepers had
evacuated about 5,000 civilians": the number counts civilians. The grammar comes from the
shared parse (retrieval/linguistics); this module only decides what the reader does with it:
a sentence that fails the slot is context at most, and when the best sentences all fail it,
the answer says that the sources do not give what was asked and what they do say.
"""

from __future__ import annotations

import datetime
import logging
import re
from dataclasses import dataclass

from retrieval.answering.answer_types import expected_type
from retrieval.linguistics import QuestionParse, governing_verb, parse, parse_question
from retrieval.linguistics.questions import answer_span, count_fills

logger = logging.getLogger(__name__)

# "Is Armenia still in the CSTO?", "Has Azerbaijan reopened the corridor yet?": the answer
# is whatever the latest source says, and the reader should be told as of when.
_NOW = re.compile(r"\b(still|yet|now|today|currently|at present|any ?more|any longer|"
                  r"these days|so far)\b", re.IGNORECASE)
_LEAVE = re.compile(r"^\W*(did|has|have|is|are)\b.*\b(leave|left|quit|withdraw|withdrawn|"
                    r"exit|exited|suspend|suspended|freeze|frozen|froze|rejoin|rejoined)\b",
                    re.IGNORECASE)
_MONTHS = ("january|february|march|april|may|june|july|august|september|october|november|"
           "december")
_DATE = re.compile(rf"\b(?:(\d{{1,2}})(?:\s*[–-]\s*\d{{1,2}})?\s+)?(?:({_MONTHS})\s+)?"
                   r"((?:19|20)\d\d)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Slot:
    """The part of the question parse the reader checks sentences against."""

    kind: str  # the parse's slot: "how many", "who", "when", ...
    head: str | None  # the noun a "how many" counts, the noun a "which" asks for

    def fills(self, sentence: str) -> bool | None:
        """True: the sentence fills the slot; False: it holds the kind of thing asked for,
        but attached to something else; None: the parse cannot tell."""
        if self.kind == "how many" and self.head:
            return count_fills(self.head, sentence)
        return None

    def missing(self) -> str:
        """What the sources do not say, as words for the decline ("how many peacekeepers")."""
        if self.kind == "how many" and self.head:
            return f"how many {_plural(self.head)} there were"
        return "that"


# A name in the question must be in the passage that answers it; a word matches a longer
# or shorter form sharing this many first letters ("Russian" / "Russia").
_NAME_STEM = 5


def constraints(question: str) -> tuple[str, ...]:
    """The names and numbers a question gives, which any passage that answers it must hold
    ("When did *Beyonce* leave *Destiny's Child*?" is not answered about someone else)."""
    from retrieval.linguistics import parse

    numbers = [t.text for t in parse(question) if t.like_num and any(ch.isdigit() for ch in t.text)]
    return tuple(dict.fromkeys([*parse_question(question).names, *numbers]))


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def missing_from(needed: tuple[str, ...], text: str) -> str | None:
    """The first of the question's names or numbers that `text` does not hold, or None."""
    held = set(_words(text))
    for name in needed:
        for word in _words(name):
            if word in held or (len(word) >= _NAME_STEM and any(
                    w.startswith(word[:_NAME_STEM]) for w in held)):
                continue
            return name
    return None


def read_slot(question: str) -> Slot:
    parsed: QuestionParse = parse_question(question)
    return Slot(parsed.slot, parsed.head)


def _plural(noun: str) -> str:
    if noun.endswith(("s", "x", "ch", "sh")):
        return noun + "es"
    if noun.endswith("y") and noun[-2:-1] not in "aeiou":
        return noun[:-1] + "ies"
    return noun + "s"


def asks_now(question: str) -> bool:
    """A question about how things stand now: the latest-dated sentence should answer."""
    return bool(_NOW.search(question) or _LEAVE.search(question))


def latest_date(text: str) -> tuple[int, int, int] | None:
    """The latest date a sentence says something happened on, as (year, month, day); month
    and day 0 when unsaid. Dates of what would or will happen ("would have expired in
    November 2025") say nothing about how things stand, so they are left out, and so is a
    date still to come ("extending the treaty until 2044"): an answer cannot be "as of" it."""
    months = _MONTHS.split("|")
    today = datetime.date.today()
    best = None
    doc = parse(text)
    for entity in doc.ents:
        if entity.label_ != "DATE" or _hypothetical(governing_verb(entity.root)):
            continue
        for match in _DATE.finditer(entity.text):
            day, month, year = match.group(1), match.group(2), match.group(3)
            key = (int(year), months.index(month.lower()) + 1 if month else 0,
                   int(day) if day and month else 0)
            if key > (today.year, today.month, today.day):
                continue
            best = key if best is None or key > best else best
    return best


# "construction was expected to start after the Nowruz holiday in March 2026" dates a plan,
# not how things stand: the verb is the complement of one of these.
_PLANNED = frozenset(("expect", "plan", "schedule", "intend", "aim", "hope", "set", "due",
                      "propose", "promise"))


def _hypothetical(verb) -> bool:
    if verb is None:
        return False
    if any(c.dep_ == "aux" and c.lower_ in ("would", "will", "shall", "could", "might", "may")
           for c in verb.children):
        return True
    return verb.dep_ == "xcomp" and verb.head.lemma_.lower() in _PLANNED


def as_of_words(key: tuple[int, int, int]) -> str:
    """ "17 April 2024", "April 2024" or "2024" from `latest_date`'s key."""
    year, month, day = key
    if not month:
        return str(year)
    name = _MONTHS.split("|")[month - 1].capitalize()
    return f"{day} {name} {year}" if day else f"{name} {year}"


def latest_first(scored: list, ratio: float) -> tuple[list, str]:
    """For a question about now: of the sentences that answer about as well as the best,
    the one speaking of the latest date leads; that date is what the answer is as of."""
    close = [c for c in scored if c.score >= scored[0].score * ratio]
    dated = [(latest_date(c.quote), c) for c in close]
    dated = [(key, c) for key, c in dated if key is not None]
    if not dated:
        return scored, ""
    key, lead = max(dated, key=lambda kc: kc[0])
    return [lead] + [c for c in scored if c is not lead], as_of_words(key)


def emphasis(question: str, lead: str) -> list[str]:
    """The words of the lead that answer the question, for the front ends to show in bold."""
    if expected_type(question) is None:
        return []  # a description ("Who is Antony Blinken?") has no one word that answers
    span = answer_span(question, lead)
    return [span] if span else []
