"""What kind of thing a question asks for, and whether a sentence holds one.

"How much did the bridge cost?" is answered only by a sentence with an amount of money,
however closely another sentence about the bridge matches its words. Checking the
expected answer type is what lets the extractive answerer decline on-topic questions the
sources cannot answer, instead of quoting something nearby.
"""

from __future__ import annotations

import re

from retrieval.index.lexical import STOPWORDS

_MONTHS = (r"january|february|march|april|may|june|july|august|september|october|november|"
           r"december")
_YEAR_OR_DATE = re.compile(rf"\b(1[0-9]\d\d|20\d\d)s?\b|\b({_MONTHS})\b|\bcentur(y|ies)\b",
                           re.IGNORECASE)
# "one of the parties" counts nothing.
_NUMBER = re.compile(
    r"\d|\bone\b(?!\s+of\b)|\b(two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"dozens?|hundreds?|thousands?|millions?|billions?|half|several|few)\b", re.IGNORECASE)
_MONEY = re.compile(
    r"[$€£₽¥]|\b(dollars?|euros?|roubles?|rubles?|manats?|drams?|rials?|usd|eur|budget|loan|"
    r"lira|lire|pounds?|francs?|yen|yuan|rupees?|pesos?|shillings?|guilders?|"
    r"cost|costs|worth|paid|priced?)\b", re.IGNORECASE)
# Two capitalised words in a row ("Nikol Pashinyan", "Foreign Ministry") name someone.
_NAME = re.compile(r"\b[A-Z][a-zà-ÿ'’-]+(?:\s+(?:[A-Z]\.|[A-Z][a-zà-ÿ'’-]+))+")

_AUXILIARY = (r"(?:did|does|do|was|is|were|are|will|would|has|have|had|could|can|should|"
              r"might|may|must)\b")
_MEASURE = (r"(speed|population|length|height|area|size|number|percentage|share|rate|gdp|"
            r"age|distance|capacity|budget|toll|turnout|strength)\b")
_ASKS = [
    # Lending, funding and investing are amounts of money too ("how much did Russia agree to
    # lend Iran"), and a "how much money" needs no verb.
    ("money", re.compile(r"\bhow much\b.*\b(cost|pay|paid|spend|spent|worth|price|budget|"
                         r"lend|lent|loan|borrow|borrowed|fund|funded|finance|financed|invest|"
                         r"invested|money)|"
                         r"\b(what|which) (was|is) the (price|cost)\b|"
                         r"\b(salary|salaries|wages?|income|net worth|fortune)\b", re.IGNORECASE)),
    # "What is the population / top speed / length of X?" asks for a number as surely as
    # "how many" does.
    ("number", re.compile(rf"\bwhat(?:'s| is| was| are| were)\s+(?:the |its |his |her |their |"
                          rf"\w+'s? )?(?:\w+ )?{_MEASURE}", re.IGNORECASE)),
    # "How long has he ruled?" is answered by a span ("since 2003", "until 2044") as often
    # as by a count ("49 years").
    ("duration", re.compile(r"\bhow long\b(?! ago)", re.IGNORECASE)),
    # English, with the Russian and Spanish words for the same questions (the multilingual
    # embedder serves readers asking in those languages).
    ("number", re.compile(r"\bhow (many|much|large|big|far|tall|old)\b|"
                          r"\bwhat (number|size|share|percentage|proportion)\b|"
                          r"сколько|cu[aá]nt[oa]s?\b", re.IGNORECASE)),
    # "When" asks for a date as a question word ("when did", "and when was"), not as a
    # conjunction ("how did Washington respond when Azerbaijan attacked?").
    ("date", re.compile(rf"\bwhen\s+{_AUXILIARY}|^\W*when\b|"
                        r"\b(what year|which year|what date|since when|how long ago)\b|"
                        r"когда|в каком году|cu[aá]ndo|en qu[eé] a[nñ]o", re.IGNORECASE)),
    ("place", re.compile(rf"\bwhere\s+{_AUXILIARY}|^\W*where\b|"
                         r"\b(in )?(what|which) (\w+ )?(city|cities|country|countries|town|"
                         r"towns|village|villages|capital|capitals|region|regions|states)\b",
                         re.IGNORECASE)),
    ("person", re.compile(r"\b(who|whom)\b|\bname of the\b|\bwhat (was|is) (his|her|the) name\b",
                          re.IGNORECASE)),
]
_CHECKS = {"money": _MONEY, "number": _NUMBER, "date": _YEAR_OR_DATE}
# Dates hold digits but answer no "how many": "on 27 September 2020" is not a count.
_DATES = re.compile(rf"\b(\d{{1,2}}(\s*[–-]\s*\d{{1,2}})?\s+({_MONTHS})|({_MONTHS})\s+\d{{1,2}}\b|"
                    rf"\b(1[0-9]\d\d|20\d\d)s?\b)", re.IGNORECASE)
# Nor are spans of time a count of anything else: "for five years" does not say how many
# peacekeepers were sent, unless years are what the question counts.
_UNITS_OF_TIME = r"(years?|months?|weeks?|days?|hours?|minutes?|decades?|centur(?:y|ies))"
_SPANS = re.compile(rf"\b(\d[\d,.]*|one|two|three|four|five|six|seven|eight|nine|ten|eleven|"
                    rf"twelve|\w+teen|\w+ty|several|few)[\s-]+{_UNITS_OF_TIME}\b", re.IGNORECASE)
_CLOCK = re.compile(r"\b\d{1,2}:\d\d\b")  # "at 07:00" is a time of day, not a count
# Nor is a rank: "the 102nd military base" does not say how many troops it holds.
_ORDINAL = re.compile(r"\b\d+(?:st|nd|rd|th)\b", re.IGNORECASE)
_COUNTS_TIME = re.compile(rf"\b{_UNITS_OF_TIME}\b|\bhow long\b", re.IGNORECASE)


def names_in(sentence: str) -> list[str]:
    """Runs of capitalised words, less a leading function word ("The Kremlin" -> no name)."""
    found = []
    for match in _NAME.finditer(sentence):
        words = match.group(0).split()
        while words and words[0].lower() in STOPWORDS:
            words = words[1:]
        if len(words) >= 2:
            found.append(" ".join(words))
    return found


_WHO_IS = re.compile(r"^\W*(who|whom)\s+(is|was|are|were)\s+(?P<rest>[^?]*)", re.IGNORECASE)
_CAPITALISED = re.compile(r"^[\"'“]?[A-Z]")


def _asks_for_description(question: str) -> bool:
    """"Who is Ilham Aliyev?" wants a description; "who is the Armenian prime minister?" and
    "who signed it?" want a name. A capitalised or short (name-length) subject tells them
    apart, in lower-case chat too."""
    match = _WHO_IS.match(question.strip())
    if not match:
        return False
    rest = match.group("rest").strip()
    return bool(_CAPITALISED.match(rest)) or 0 < len(rest.split()) <= 3 and not rest.lower(
    ).startswith(("the ", "a ", "an "))


def expected_type(question: str) -> str | None:
    """money, number, duration, date, place or person; None when a description is wanted."""
    for name, pattern in _ASKS:
        if pattern.search(question):
            if name == "person" and _asks_for_description(question):
                return None
            return name
    return None


def holds(kind: str | None, sentence: str, question: str = "") -> bool:
    """True when the sentence contains something of the kind the question asks for."""
    if kind is None:
        return True
    if kind in ("person", "place"):
        # Any proper name the question does not already contain: a person ("Nikol Pashinyan"),
        # a body that acted ("Russia brokered the ceasefire") or a place ("in Bishkek").
        asked = question.lower()
        words = [w.strip("\"'“”’(),.;:") for w in sentence.split()[1:]]
        proper = [w for w in words if w[:1].isupper() and w.lower() not in STOPWORDS]
        return any(n.lower() not in asked for n in names_in(sentence) + proper)
    if kind == "duration":
        return bool(_YEAR_OR_DATE.search(sentence) or _NUMBER.search(sentence))
    if kind == "number":
        sentence = _ORDINAL.sub(" ", _CLOCK.sub(" ", _DATES.sub(" ", sentence)))
        if not _COUNTS_TIME.search(question):
            sentence = _SPANS.sub(" ", sentence)
    return bool(_CHECKS[kind].search(sentence))


# "Who will win the next election?" asks about what has not happened. Sources record the
# past, so only a sentence that itself looks ahead (a plan, a schedule, an expectation) can
# answer it; a sentence about the last election cannot.
_ASKS_FUTURE = re.compile(r"\b(who|what|which|when|where|how)\b[^?]*\bwill\b|"
                          r"\bwill\b[^?]*\b(happen|win|become|succeed|replace)\b|"
                          r"\b(is|are) (going|expected|likely) to\b", re.IGNORECASE)
_LOOKS_AHEAD = re.compile(r"\b(will|would|shall|plans?|planned|planning|expects?|expected|"
                          r"due|scheduled|intends?|intended|aims?|aimed|forecasts?|predicts?|"
                          r"predicted|projected|proposed|until|by 20\d\d)\b",
                          re.IGNORECASE)


def asks_about_future(question: str) -> bool:
    return bool(_ASKS_FUTURE.search(question))


def looks_ahead(sentence: str) -> bool:
    return bool(_LOOKS_AHEAD.search(sentence))


# The words that say what is asked for: "which football club", "how many languages", "what
# is his salary". A sentence about the right person that lacks them answers something else.
_FOCUS = [
    re.compile(r"\bname of the\s+((?:[\w'-]+\s+)?[\w'-]+)", re.IGNORECASE),
    re.compile(rf"^\W*(?:which|what)\s+((?:[\w'-]+\s+){{1,3}}?){_AUXILIARY}", re.IGNORECASE),
    # two words, as the noun may come second ("how many Russian troops"); stop words drop out
    re.compile(r"\bhow (?:many|much)\s+((?:[\w'-]+\s+)?[\w'-]+)", re.IGNORECASE),
    re.compile(rf"\bwhat(?:'s|\s+{_AUXILIARY})\s+(?:the|its|his|her|their|(?:[\w-]+\s+)?[\w-]+['’]s)"
               r"\s+([\w'-]+(?:\s+[\w'-]+)?)\s*(?:\bof\b|\bin\b|\bfor\b|\?|$)", re.IGNORECASE),
]


def focus_phrase(question: str) -> str:
    """The words naming what the question asks for, or "" when it names no such thing."""
    for pattern in _FOCUS:
        match = pattern.search(question)
        if match:
            return match.group(1).strip()
    return ""
