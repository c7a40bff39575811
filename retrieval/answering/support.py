"""Does a cited passage support an LLM's sentence? Hard facts first, then content.

A sentence is supported by the passages it cites when

1. every number, date and proper name in it occurs in one of those passages (numbers
   normalised: "2,000" = "2000" = "2 thousand"; dates at the precision the sentence gives:
   "September 2023" needs a September 2023 date in the passage), and
2. its content scores at least MIN_CONTENT against the passages, by a pluggable scorer.

Why both: the old check (half the sentence's words in the passage) let "the population of
Stepanakert is about 120,000 [3]" through, since every word but the number was there.
Inventions by small models are mostly wrong numbers, dates and names; the hard check
catches those exactly, and the content score catches a sentence about something else.

The content scorer has the shape of the reader's learned scorer
(`score_pairs(queries, sentences) -> list[float]` in 0..1): pass one as
`Answerer(support_scorer=...)` (or `scorer=` to `verify_generated`) to replace the lexical
default, then re-run `python -m bench.support_measure` and set MIN_CONTENT from it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from retrieval.answering.acronyms import spells_acronym
from retrieval.index.lexical import tokenize

ContentScorer = Callable[[Sequence[str], Sequence[str]], list[float]]
IdfLookup = Callable[[str], float]

# Share of a sentence's content words that the cited passages must hold. Chosen on the 32
# hand-written sentences of tests/eval/support_claims.jsonl (`python -m bench.support_measure
# --embed`): paraphrases there score 0.75-1.0, inventions that pass the fact check
# 0.29-0.71. Facts + this share at 0.6 kept 18/18 paraphrases and let 2/14 inventions
# through; the old 50% overlap let 7/14 through, MiniLM cosine (0.59-0.90 for both kinds)
# cannot tell them apart, and IDF weighting did no better (16/18 kept, 1/14 through).
# A small set written by one person: re-measure when the reader's learned scorer lands.
MIN_CONTENT = 0.6

MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}
_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>1[89]\d\d|20\d\d)"
_DATE_FORMS = [
    re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_MONTH}(?:,?\s+{_YEAR})?\b", re.I),  # 19 September 2023
    re.compile(rf"\b{_MONTH}\s+{_DAY}\b(?:,?\s+{_YEAR})?", re.I),  # September 19, 2023
    re.compile(rf"\b{_MONTH}(?:\s+of)?\s+{_YEAR}\b", re.I),  # September 2023
    re.compile(r"\b(?P<year>1[89]\d\d|20\d\d)-(?P<month>[01]\d)-(?P<day>[0-3]\d)\b"),  # ISO
]
_SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
_NUMBER = re.compile(
    r"(?<![\w.])(\d{1,3}(?:[ ,\u00a0\u202f]\d{3})+|\d+(?:\.\d+)?)(?:st|nd|rd|th)?"
    r"(?:\s*(thousand|million|billion|trillion)\b)?", re.I)
_WORD_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "twenty": 20, "thirty": 30,
    "forty": 40, "fifty": 50, "hundred": 100, "dozen": 12,
}
# Capitalised words that open sentences or name no one; a name must occur in its passage.
# Sentence openers are capitalised whatever they are, so this is a list of English words
# that open sentences (function words, connectives, hedges), not of words seen in one answer.
_NOT_NAMES = frozenset("""
a about according actually additionally afterwards again against all almost also although
after among an and another answer any approximately are around as at based because before
besides between both but by can certainly consequently could currently despite did do
does during each earlier either even eventually every finally first following for from
furthermore generally given had has have he hence her here his however i if in indeed
initially instead into is it its just later likewise many may meanwhile might more moreover
most much my nearly neither nevertheless no nonetheless nor not notably now of on once one
only or originally other otherwise our over overall per previously rather recently
regarding reportedly roughly several she should similarly since so some soon source
sources specifically still subsequently such sure than that the their then there therefore
these they this those though through throughout thus to today under unlike until upon
ultimately was we were what when where whether which while who whom whose why will with
within without would yes yet you article articles background note notes
""".split())
# Demonyms are written from the place name plus one of these endings, once the name's own
# final vowels are dropped: Armenia/Armenian, Ukraine/Ukrainian, Azerbaijan/Azerbaijani,
# Iran/Iranian, Turkey/Turkish, China/Chinese. A sentence's "Russian" is found in a passage
# that says "Russia" (and the other way round); a name the passages lack is still missing.
_DEMONYM_ENDINGS = frozenset(["", "a", "e", "y", "n", "ns", "an", "ans", "ian", "ians", "i",
                              "is", "ese", "ish", "s"])
# The few that do not follow the pattern, both ways.
_IRREGULAR_DEMONYMS = dict(pair.split(":") for pair in """british:britain french:france
    dutch:netherlands swiss:switzerland welsh:wales greek:greece polish:poland finnish:finland
    irish:ireland scottish:scotland danish:denmark spanish:spain norwegian:norway""".split())
_CONNECTIVES = frozenset(["of", "for", "and", "the", "in", "on", "de"])
_NAME_WORD = re.compile(r"\b[A-Z][\w'’\-]*[\w]|\b[A-Z]\b")


@dataclass(frozen=True)
class Facts:
    numbers: frozenset[float]
    dates: frozenset[tuple[int | None, int, int | None]]  # (year, month, day)
    names: frozenset[str]  # lower-cased words of capitalised names


def _number_value(digits: str, scale: str | None) -> float:
    value = float(re.sub(r"[ ,\u00a0\u202f]", "", digits))
    return value * _SCALES[scale.lower()] if scale else value


def _date_matches_in(text: str):
    for form in _DATE_FORMS:
        for m in form.finditer(text):
            month = m.group("month")
            month_n = int(month) if month.isdigit() else MONTHS[month.lower()]
            day = m.groupdict().get("day")
            year = m.groupdict().get("year")
            if day and not 1 <= int(day) <= 31:
                continue
            yield m, (int(year) if year else None, month_n, int(day) if day else None)


def extract_dates(text: str) -> set[tuple[int | None, int, int | None]]:
    return {date for _, date in _date_matches_in(text)}


# In a range the year is written once, at the end: "27 September – 10 November 2020",
# "between April and June 2024", "27–30 September 2020". A passage's first date of such a
# range holds that year too, so a sentence's "27 September 2020" or "April 2024" is found.
_MONTH_WORD = "(?:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_ORD = r"(?:st|nd|rd|th)?"
_DAY_RANGE = re.compile(  # 27–30 September 2020
    rf"\b(?P<d1>[0-3]?\d){_ORD}\s*(?:[-–—]|to|and)\s*(?P<d2>[0-3]?\d){_ORD}\s+"
    rf"(?P<month>{_MONTH_WORD}),?\s+{_YEAR}\b", re.I)
_SPAN = re.compile(  # 27 September – 10 November 2020; between April and June 2024
    rf"(?:\b(?P<d1>[0-3]?\d){_ORD}\s+)?\b(?P<month>{_MONTH_WORD})(?:\s+(?P<d2>[0-3]?\d)\b)?"
    rf"\s*(?:[-–—]|\s(?:to|and|until|till|through|or)\s)\s*(?:[0-3]?\d{_ORD}\s+)?"
    rf"(?:{_MONTH_WORD}(?:\s+[0-3]?\d\b)?)?,?\s*{_YEAR}\b", re.I)


def range_dates(text: str) -> set[tuple[int | None, int, int | None]]:
    """The dates a range's start stands for, with the year written at its end."""
    found = set()
    for m in _DAY_RANGE.finditer(text):
        month = MONTHS[m.group("month").rstrip(".").lower()]
        for day in (int(m.group("d1")), int(m.group("d2"))):
            if 1 <= day <= 31:
                found.add((int(m.group("year")), month, day))
    for m in _SPAN.finditer(text):
        year, month = int(m.group("year")), MONTHS[m.group("month").rstrip(".").lower()]
        found.add((year, month, None))
        day = m.group("d1") or m.group("d2")
        if day and 1 <= int(day) <= 31:
            found.add((year, month, int(day)))
    return found


def extract_numbers(text: str, words_too: bool = False) -> set[float]:
    numbers = {_number_value(m.group(1), m.group(2)) for m in _NUMBER.finditer(text)}
    if words_too:  # a passage's "three" supports a sentence's "3"
        for word in re.findall(r"[a-z]+", text.lower()):
            if word in _WORD_NUMBERS:
                numbers.add(float(_WORD_NUMBERS[word]))
    return numbers


def extract_names(sentence: str) -> set[str]:
    """Capitalised Latin-script words that are not sentence openers or function words."""
    names = set()
    for m in _NAME_WORD.finditer(sentence):
        # Of "Armenian-populated" or "US-backed" only the capitalised part names something.
        word = "-".join(p for p in m.group(0).strip("'’-").split("-") if p[:1].isupper())
        low = word.lower()
        if low in _NOT_NAMES or low in MONTHS or len(word) < 2 or word.isdigit():
            continue
        if not word.isascii() and not re.fullmatch(r"[A-Za-zÀ-ɏ'’\-]+", word):
            continue  # another script: a translated name cannot be matched letter by letter
        names.add(re.sub(r"['’]s$", "", low))
    return names


# Mentions, channel links and URLs are not claims about the world (output sanitising
# neutralises them); their digits must not count as invented numbers.
_NOT_CLAIMS = re.compile(r"<[@#][!&]?\d+>|https?://\S+|www\.\S+", re.I)


def strip_non_claims(sentence: str) -> str:
    return " ".join(_NOT_CLAIMS.sub(" ", sentence).replace("@everyone", " ")
                    .replace("@here", " ").split())


# Small models space thousands separators ("120, 000"); read as the number it is. A false
# join ("of 44, 300 ...") can only make a number missing, never supply one.
_SPACED_THOUSANDS = re.compile(r"(?<![\d.,])(\d{1,3})((?:, \d{3})+)(?!\d)")


def claim_text(sentence: str) -> str:
    """The sentence as the checks read it: no mentions or links, thousands rejoined."""
    return _SPACED_THOUSANDS.sub(lambda m: m.group(1) + m.group(2).replace(" ", ""),
                                 strip_non_claims(sentence))


@lru_cache(maxsize=8192)
def facts_of(sentence: str) -> Facts:
    sentence = claim_text(sentence)
    dates = list(_date_matches_in(sentence))
    # A date's digits are checked as that date, at the precision written ("2023-09-19"
    # must not also need a 9 among the passage's numbers).
    undated = sentence
    for m, _ in dates:
        undated = undated.replace(m.group(0), " ")
    return Facts(frozenset(extract_numbers(undated)), frozenset(d for _, d in dates),
                 frozenset(extract_names(sentence)))


class _PassageNames:
    """The words of some passages, looked up as names are written in sentences."""

    def __init__(self, joined: str) -> None:
        words = {re.sub(r"['’]s$", "", w) for w in re.findall(r"[\w'’\-]+", joined.lower())}
        self.words = words | {part for w in words for part in w.split("-")}
        self.by_prefix: dict[str, set[str]] = {}
        for word in self.words:
            self.by_prefix.setdefault(word[:4], set()).add(word)
        # "US", "U.S.", "CSTO" as written; and the initials of capitalised runs, so a
        # sentence's "US" is found in "the United States" (and "OSCE" in "Organization
        # for Security and Co-operation in Europe").
        self.acronyms = {a.replace(".", "").lower() for a in
                         re.findall(r"\b(?:[A-Z]\.){2,}|\b[A-Z]{2,6}\b", joined)}
        self.initials = set()
        for run in capitalised_runs(joined):
            letters = "".join(w[0] for w in run).lower()
            self.initials |= {letters[i:j] for i in range(len(letters))
                              for j in range(i + 2, min(len(letters), i + 6) + 1)}

    def holds(self, name: str, as_acronym: bool = False) -> bool:
        if name in self.words or (as_acronym and name in self.initials):
            return True
        parts = [p for p in name.split("-") if p]
        if len(parts) > 1:  # "Nagorno-Karabakh" as its parts, "Armenian-populated" too
            return all(self.holds(p) for p in parts)
        if any(name in p and (set(p) - {name}) & self.words for p in _IRREGULAR_DEMONYMS.items()):
            return True
        return any(_same_place(name, word) for word in self.by_prefix.get(name[:4], ()))


def _same_place(a: str, b: str) -> bool:
    """One word is the other's place name with a demonym ending (Russia, Russian, Russians),
    or one of the irregular pairs (Polish, Poland)."""
    for x, y in ((a, b), (b, a)):
        root = x.rstrip("aeiouy")
        if _IRREGULAR_DEMONYMS.get(x) == y or len(root) >= 4 and y.startswith(root) and \
                y[len(root):] in _DEMONYM_ENDINGS:
            return True
    return False


def capitalised_runs(text: str) -> list[list[str]]:
    """Runs of capitalised words, with "of", "for", "and"... allowed inside (not counted)."""
    runs: list[list[str]] = []
    current: list[str] = []
    for word in re.findall(r"[\w'’\-]+|[^\w\s]", text):
        if word[:1].isupper() and word[:1].isalpha():
            current.append(word)
        elif current and word.lower() in _CONNECTIVES:
            continue
        else:
            if len(current) > 1:
                runs.append(current)
            current = []
    if len(current) > 1:
        runs.append(current)
    return runs


def missing_facts(sentence: str, passages: Sequence[str]) -> list[str]:
    """The sentence's numbers, dates and names that none of the passages contains."""
    facts = facts_of(sentence)
    joined = "\n".join(passages)
    missing: list[str] = []
    passage_numbers, passage_dates, names = _passage_facts(joined)
    for n in sorted(facts.numbers):
        if n not in passage_numbers:
            missing.append(f"{n:g}")
    for year, month, day in sorted(facts.dates, key=str):
        if not any(_date_matches((year, month, day), d) for d in passage_dates):
            missing.append(f"date {year or ''}-{month}-{day or ''}")
    written = claim_text(sentence)
    # "the United States" is found in a passage that writes "US" or "U.S.".
    spelled_out = {w.lower() for run in capitalised_runs(written)
                   for i in range(len(run)) for j in range(i + 2, len(run) + 1)
                   if "".join(w[0] for w in run[i:j]).lower() in names.acronyms
                   for w in run[i:j]}
    for name in sorted(facts.names):
        if name in spelled_out:
            continue
        as_acronym = re.search(rf"\b{re.escape(name.upper())}\b", written) is not None
        # "90 APCs" for "90 armoured personnel carriers": an acronym (plural or not) whose
        # letters begin consecutive words of the passage.
        plural_acronym = re.search(rf"\b{re.escape(name[:-1].upper())}s\b", written)
        if (as_acronym or plural_acronym) and spells_acronym(name, joined):
            continue
        if not names.holds(name, as_acronym):
            missing.append(name)
    return missing


@lru_cache(maxsize=8192)
def _passage_facts(joined: str) -> tuple[set[float], set, _PassageNames]:
    """A passage text's numbers, dates and names, read once: the claim check asks the same
    sentences and passages about many claims."""
    passage_numbers = extract_numbers(joined, words_too=True)
    # Day and month numbers of a passage's dates count as its numbers ("on the 19th").
    passage_dates = extract_dates(joined) | range_dates(joined) | extract_dates(fill_years(joined))
    passage_numbers |= {float(d) for _, _, d in passage_dates if d} | \
        {float(y) for y, _, _ in passage_dates if y}
    return passage_numbers, passage_dates, _PassageNames(joined)


_ANY_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")


def fill_years(text: str) -> str:
    """The text with each day-and-month date that has no year given the year written last
    before it: news prose writes "On 8 November 2020 ... Also on 9 November, ..." and means
    9 November 2020. Used for fact checks only; quotes keep the passage's own words."""
    inserts = []
    for m, (year, _month, day) in _date_matches_in(text):
        if year is not None or day is None:
            continue
        before = _ANY_YEAR.findall(text, 0, m.start())
        if before:
            inserts.append((m.end(), before[-1]))
    for end, year in sorted(set(inserts), reverse=True):
        text = f"{text[:end]} {year}{text[end:]}"
    return text


def _date_matches(claimed, stated) -> bool:
    year, month, day = claimed
    s_year, s_month, s_day = stated
    return month == s_month and (year is None or year == s_year) and \
        (day is None or day == s_day)


# --- content scorers --------------------------------------------------------------------
def lexical_scorer(idf: IdfLookup | None = None) -> ContentScorer:
    """Share of the sentence's content words found in the passage, each word weighted by
    how rare it is in the corpus (a rare word the passage lacks costs more than "said")."""

    def weight(token: str) -> float:
        return max(idf(token), 0.1) if idf else 1.0

    def score(claims: Sequence[str], passages: Sequence[str]) -> list[float]:
        scores = []
        for claim, passage in zip(claims, passages, strict=True):
            tokens = set(tokenize(claim))
            if not tokens:
                scores.append(0.0)
                continue
            held = set(tokenize(passage))
            total = sum(weight(t) for t in tokens)
            scores.append(sum(weight(t) for t in tokens if t in held) / total)
        return scores

    return score


def embedding_scorer(embed_documents: Callable[[list[str]], list[list[float]]]) -> ContentScorer:
    """Cosine similarity of sentence and passage embeddings, mapped from [-1, 1] to [0, 1].
    Kept for comparison: it rates an on-topic invention as highly as a paraphrase."""

    def score(claims: Sequence[str], passages: Sequence[str]) -> list[float]:
        vectors = embed_documents(list(claims) + list(passages))
        half = len(claims)
        out = []
        for a, b in zip(vectors[:half], vectors[half:], strict=True):
            norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b)) or 1.0
            out.append((sum(x * y for x, y in zip(a, b, strict=True)) / norm + 1) / 2)
        return out

    return score


def content_support(claim: str, passages: Sequence[str], scorer: ContentScorer) -> float:
    """The best score of the claim against each cited passage, all of them together (a
    sentence may join facts from two sources), and each of their sentences (what a
    sentence-level scorer such as the reader's is trained on)."""
    from retrieval.text import split_sentences

    claim = claim_text(claim)
    candidates = list(passages)
    if len(passages) > 1:
        candidates.append("\n".join(passages))
    for passage in passages:
        sentences = [s for _, _, s in split_sentences(passage)]
        if len(sentences) > 1:
            candidates.extend(sentences)
    return max(scorer([claim] * len(candidates), candidates), default=0.0)
