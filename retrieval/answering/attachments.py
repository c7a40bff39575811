"""The claim check's attachment rules: a number counts the same thing, a date belongs to the
same event (see meaning.py)."""

from __future__ import annotations

import re
from functools import lru_cache

from retrieval.answering.lexicon import LIGHT_VERBS, may_stand_for, same_predicate
from retrieval.answering.support import extract_dates, extract_numbers


def numbers_disagree(claim_doc, docs) -> str | None:
    from retrieval.linguistics import number_attachments

    theirs = [(_value(a.text), a) for d in docs for a in number_attachments(d)]
    text = " ".join(d.text for d in docs)
    for mine in number_attachments(claim_doc):
        value = _value(mine.text)
        if value is None:
            continue
        same_value = [a for v, a in theirs if v == value]
        fits = [a for a in same_value if _counts_same(mine, a, text)]
        if same_value and not fits:
            return f"its source counts {mine.text} {same_value[0].head}, not {mine.head}"
        # The unit counts the claim's very noun ("380 motor vehicles") with another number,
        # and the claim's number only something the noun may stand for ("90 APCs"): the
        # claim moved the number ("90 motor vehicles").
        exact = [a for v, a in theirs if v != value and _counts_exactly(mine, a)]
        if fits and exact and not any(_counts_exactly(mine, a) for a in fits):
            return f"its source gives {exact[0].text} {exact[0].head}"
        if not same_value:
            same_noun = [a for v, a in theirs if _counts_same(mine, a, text)]
            if same_noun:
                return f"its source gives {same_noun[0].text} {same_noun[0].head}"
    return None


def _value(written: str) -> float | None:
    values = extract_numbers(written, words_too=True)
    return next(iter(values)) if len(values) == 1 else None


def _counts_same(mine, theirs, unit_text: str) -> bool:
    """Does the unit's number count what the claim's does (or something the claim's noun
    may stand for: "troops" for a "contingent" of servicemen, "vehicles" for carriers)?"""
    if mine.head == theirs.head or mine.head in theirs.context:
        return True
    if may_stand_for(mine.head, theirs.head) or any(may_stand_for(mine.head, w)
                                                     for w in theirs.context):
        return True
    return _is_acronym_of(mine.head, unit_text)


def _counts_exactly(mine, theirs) -> bool:
    """The same counted noun ("vehicles" in "380 other vehicles" for "motor vehicles")."""
    return mine.head == theirs.head


def _is_acronym_of(word: str, text: str) -> bool:
    """ "APCs" for "armoured personnel carriers"."""
    letters = word.rstrip("s").lower()
    if not 2 <= len(letters) <= 5:
        return False
    words = re.findall(r"[A-Za-z]+", text)
    initials = "".join(w[0].lower() for w in words)
    return letters in initials and any(
        "".join(w[0].lower() for w in words[i:i + len(letters)]) == letters
        for i in range(len(words)))


def dates_disagree(claim_doc, docs) -> str | None:
    from retrieval.linguistics import date_attachments

    theirs = [(d, a) for doc in docs for a in date_attachments(doc) for d in _dates_of(a.text)]
    unit_lemmas = {t.lemma_.lower() for d in docs for t in d}
    for mine in date_attachments(claim_doc):
        event = next(iter(mine.context), mine.head)  # the verb with its particle
        if event in LIGHT_VERBS or _dates_a_noun(claim_doc, mine.text):
            continue
        for date in _dates_of(mine.text):
            at = [a for d, a in theirs if _same_date(date, d)]
            if not at or any(next(iter(a.context), a.head) in LIGHT_VERBS
                             or same_predicate(event, next(iter(a.context), a.head))
                             for a in at):
                continue
            elsewhere = any(same_predicate(event, lemma) for lemma in unit_lemmas)
            return (f"its source dates '{at[0].head}' {mine.text}"
                    + (f", not '{mine.head}'" if elsewhere else f"; it does not say "
                       f"'{mine.head}' then"))
    return None


def _dates_a_noun(doc, written: str) -> bool:
    """ "the referendum of 10 December 1991": the date names which referendum; it does not
    date the verb ("boycotted") the noun hangs from."""
    for entity in doc.ents:
        if entity.text != written:
            continue
        root = entity.root
        if root.dep_ == "pobj" and root.head.lower_ == "of" and root.head.head.pos_ == "NOUN":
            return True
        if root.dep_ in ("compound", "nmod") and root.head.pos_ == "NOUN":
            return True
    return False


@lru_cache(maxsize=4096)
def _dates_of(written: str) -> tuple[tuple[int | None, int | None, int | None], ...]:
    dates = extract_dates(written)
    if dates:
        return tuple(sorted(dates, key=str))
    years = re.findall(r"\b(1[89]\d\d|20\d\d)\b", written)
    return tuple((int(y), None, None) for y in years)


def _same_date(a, b) -> bool:
    return all(x is None or y is None or x == y for x, y in zip(a, b, strict=True)) and \
        a[0] == b[0]
