"""The claim check's attachment rules: a number counts the same thing, a date belongs to the
same event (see meaning.py)."""

from __future__ import annotations

import re
from functools import lru_cache

from retrieval.answering.acronyms import spells_acronym
from retrieval.answering.lexicon import LIGHT_VERBS, SPEECH_VERBS, may_stand_for, same_predicate
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


def object_numbers_disagree(claim_doc, docs) -> str | None:
    """A number in the object of the claim's verb is in the object of that verb in the unit,
    when the unit's verb has a number there: "the total cost was 1.6 billion euros, of which
    Russia would lend Iran 1.3 billion euros" does not say Russia would lend 1.6 billion."""
    for verb, numbers in _object_numbers(claim_doc):
        theirs = [n for d in docs for v, n in _object_numbers(d) if v == verb]
        if theirs and not any(numbers & n for n in theirs):
            return f"its source gives '{verb}' another number"
    return None


def _object_numbers(doc) -> list[tuple[str, frozenset[float]]]:
    """(verb lemma, the numbers written in its object) for each verb whose object counts."""
    found = []
    for token in doc:
        if token.pos_ != "VERB":
            continue
        for obj in (c for c in token.children if c.dep_ == "dobj"):
            written = " ".join(t.text for t in obj.subtree if t.ent_type_ not in ("DATE", "TIME"))
            numbers = frozenset(extract_numbers(written, words_too=True))
            if numbers:
                found.append((token.lemma_.lower(), numbers))
    return found


def _value(written: str) -> float | None:
    values = extract_numbers(written, words_too=True)
    return next(iter(values)) if len(values) == 1 else None


def _counts_same(mine, theirs, unit_text: str) -> bool:
    """Does the unit's number count what the claim's does (or something the claim's noun
    may stand for: "troops" for a "contingent" of servicemen, "vehicles" for carriers)?
    A length is not an area: "6.5 square kilometres" does not count a "6.5 km section"."""
    if _dimension(mine.context) != _dimension(theirs.context):
        return False
    if mine.head == theirs.head or mine.head in theirs.context:
        return True
    if may_stand_for(mine.head, theirs.head) or any(may_stand_for(mine.head, w)
                                                     for w in theirs.context):
        return True
    return spells_acronym(mine.head, unit_text)


_DIMENSIONS = frozenset(["square", "sq", "cubic"])


def _dimension(context: frozenset[str]) -> frozenset[str]:
    return context & _DIMENSIONS


def _counts_exactly(mine, theirs) -> bool:
    """The same counted noun ("vehicles" in "380 other vehicles" for "motor vehicles")."""
    return mine.head == theirs.head


def dates_disagree(claim_doc, docs) -> str | None:
    from retrieval.linguistics import date_attachments

    # Each of the unit's dates with its attachment and the sentence it is written in.
    unit_dates = [(d, a, doc) for doc in docs for a in date_attachments(doc)
                  for d in _dates_of(a.text)]
    theirs = [(d, a) for d, a, _ in unit_dates]
    sentence_of = [(d, {t.lemma_.lower() for t in doc}) for d, _, doc in unit_dates]
    unit_lemmas = {t.lemma_.lower() for d in docs for t in d}
    for mine in date_attachments(claim_doc):
        event = next(iter(mine.context), mine.head)  # the verb with its particle
        if event in LIGHT_VERBS:
            # "A closing ceremony was held on 26 April 2024": the light verb's noun is the
            # event, and the unit's sentence giving that date must name it (not the next
            # sentence's "the monitoring centre closed on 26 April 2024").
            nouns = _light_verb_nouns(claim_doc, mine.head)
            dated = [lemmas for date in _dates_of(mine.text) for d, lemmas in sentence_of
                     if _same_date(date, d)]
            if nouns and dated and not any(any(_names_event(n, w) for w in lemmas)
                                           for n in nouns for lemmas in dated):
                return f"its source does not date '{min(nouns)}' {mine.text}"
            continue
        if _dates_a_noun(claim_doc, mine.text):
            continue
        # The days the unit gives the claim's very verb, written as a point in time ("on 23
        # September"): "from 23 April 2023" may be a span, and in a list of such spans the
        # parse hangs dates on the wrong verb.
        own_days = [d for d, a, doc in unit_dates
                    if event in (a.events or a.context) and _on_day(doc.text, a.text)]
        for date in _dates_of(_with_day(claim_doc.text, mine.text)):
            at = [a for d, a in theirs if _same_date(date, d)]
            # The unit gives the claim's very day to an event: a coarser date elsewhere
            # ("in September 2022") does not date the claim's event to that day.
            exact = [a for d, a in theirs if d == date]
            at = exact or at
            events = mine.events or {event}
            # The unit dates the claim's very verb to another day, and this day only to
            # some other verb ("the Treasury sanctioned ... on 4 September; the State
            # Department imposed sanctions on 13 September").
            # Only days: a year or a bound ("until 2044", "from 1995") may date a span.
            days = [d for d in own_days if d[-1] is not None]
            if at and date[-1] is not None and days and _on_day(claim_doc.text, mine.text) and not any(
                    _same_day(date, d) for d in own_days) and not any(
                    event in (a.events or a.context) for a in at):
                return f"its source dates '{mine.head}' on another day, not {mine.text}"
            if not at or any(next(iter(a.context), a.head) in LIGHT_VERBS
                             or any(_same_event(e, t) for e in events
                                    for t in a.events or a.context)
                             for a in at):
                continue
            # "The crash near Aktau on 25 December 2024 killed ...": the claim names the
            # unit's dated event as a noun ("crashed ... on 25 December 2024"), so the date
            # may be that noun's, whatever verb the parse hangs it on.
            if _dated_noun(claim_doc, mine, at):
                continue
            elsewhere = any(same_predicate(event, lemma) for lemma in unit_lemmas)
            return (f"its source dates '{at[0].head}' {mine.text}"
                    + (f", not '{mine.head}'" if elsewhere else f"; it does not say "
                       f"'{mine.head}' then"))
    return None


def _same_event(mine: str, theirs: str) -> bool:
    """The same event, or two verbs of one statement: "Speaking on Sputnik radio on 1 March
    2023, Zakharova said" dates what "Zakharova said on Sputnik radio on 1 March 2023" does."""
    return same_predicate(mine, theirs) or (
        mine.split()[0] in SPEECH_VERBS and theirs.split()[0] in SPEECH_VERBS)


def _light_verb_nouns(claim_doc, lemma: str) -> set[str]:
    """The nouns that a light verb's clause is about ("a ceremony was held": ceremony)."""
    verb = next((t for t in claim_doc if t.lemma_.lower() == lemma and t.pos_ in ("VERB", "AUX")),
                None)
    if verb is None:
        return set()
    # What was held or done (the envoys who held a meeting are not the event); the subject
    # only of a verb with no object ("the referendum took place").
    nouns = [c for c in verb.children if c.dep_ in ("nsubjpass", "dobj") and c.pos_ == "NOUN"]
    if not nouns and not any(c.dep_ == "dobj" for c in verb.children) and lemma not in (
            "be", "have", "become"):
        nouns = [c for c in verb.children if c.dep_ == "nsubj" and c.pos_ == "NOUN"]
    return {c.lemma_.lower() for c in nouns} - _IDIOM_NOUNS


# Nouns that make an idiom with a light verb rather than name an event: "took effect",
# "took part", "took office", "took power".
_IDIOM_NOUNS = frozenset(["effect", "place", "part", "office", "power"])


def _names_event(noun: str, lemma: str) -> bool:
    """Is a sentence's word the noun, or its verb ("meeting": "met", lemma "meet")?"""
    return same_predicate(noun, lemma) or len(lemma) >= 4 and noun.startswith(lemma)


def _dated_noun(claim_doc, mine, at) -> bool:
    """Is the date written inside the claim's subject, after a noun naming the unit's dated
    event ("The crash near Aktau on 25 December 2024 killed ...")?"""
    verb = next((t for t in claim_doc if t.lemma_.lower() == mine.head), None)
    where = next((e.start for e in claim_doc.ents if e.text == mine.text), None)
    if verb is None or where is None:
        return False
    return any(t.pos_ == "NOUN" and t.i < where < verb.i
               and any(same_predicate(t.lemma_.lower(), a.head) for a in at)
               for t in claim_doc)


def _dates_a_noun(doc, written: str) -> bool:
    """ "the referendum of 10 December 1991": the date names which referendum; it does not
    date the verb ("boycotted") the noun hangs from."""
    for entity in doc.ents:
        if entity.text != written:
            continue
        root = entity.root
        if root.dep_ == "pobj" and root.head.lower_ == "of" and root.head.head.pos_ == "NOUN":
            # "A presidential decree of 8 November 2020 declared ...": a dated subject
            # dates what it does.
            return root.head.head.dep_ not in ("nsubj", "nsubjpass")
        if root.dep_ in ("compound", "nmod") and root.head.pos_ == "NOUN":
            return True
    return False


@lru_cache(maxsize=4096)
def _dates_of(written: str) -> tuple[tuple[int | None, int | None, int | None], ...]:
    dates = extract_dates(written)
    # "23 September 1991" is read as that day and as September 1991; the month alone
    # would match any other day of it ("21 September 1991"): keep the most precise.
    dates = {d for d in dates if d[2] is not None or not any(
        o[:2] == d[:2] and o[2] is not None for o in dates)}
    if dates:
        return tuple(sorted(dates, key=str))
    years = re.findall(r"\b(1[89]\d\d|20\d\d)\b", written)
    return tuple((int(y), None, None) for y in years)


def _on_day(text: str, written: str) -> bool:
    """Is the date written as a point in time ("on 4 September 2024")?"""
    return bool(re.search(r"\bon\s+(\d{1,2}\s+)?" + re.escape(written), text))


def _with_day(text: str, written: str) -> str:
    """The date with the day the entity recogniser left out before it ("on 4 September
    2024" read as "September 2024")."""
    found = re.search(r"\b(\d{1,2})\s+" + re.escape(written), text)
    return found.group(0) if found and written[:1].isalpha() else written


def _same_date(a, b) -> bool:
    return all(x is None or y is None or x == y for x, y in zip(a, b, strict=True)) and \
        a[0] == b[0]


def _named_dates(doc) -> list[tuple[tuple, str]]:
    """Each date with the name written just before it in its clause: "the capture of
    Zangilan on 20 October and of Gubadli on 25 October" -> (20 Oct, zangilan), (25 Oct,
    gubadli). The parse of such gapped lists is unreliable; the order of words is not."""
    found = []
    for entity in doc.ents:
        if entity.label_ != "DATE":
            continue
        # Only a name directly before the date's preposition ("Zangilan on 20 October"):
        # in "the Kapan consulate on 29 December" the date is the consulate's, not Kapan's.
        name = None
        for token in reversed(doc[max(0, entity.start - 3):entity.start]):
            if token.pos_ == "PROPN" and token.ent_type_ != "DATE":
                name = token.lemma_.lower()
                break
            if token.pos_ not in ("ADP", "DET"):
                break
        if name:
            found.extend((date, name) for date in _dates_of(entity.text))
    return found


def _same_day(a, b) -> bool:
    return a[1:] == b[1:] and (a[0] is None or b[0] is None or a[0] == b[0])


def listed_dates_disagree(claim_doc, docs) -> str | None:
    """A date given to the wrong item of a list: the unit dates the claim's name to another
    day and the claim's day to another name ("Gubadli on 20 October" where the unit says
    "Zangilan on 20 October and Gubadli on 25 October")."""
    theirs = [pair for d in docs for pair in _named_dates(d)]
    for date, name in _named_dates(claim_doc):
        names_then = {n for d, n in theirs if _same_day(date, d)}
        days_of_name = [d for d, n in theirs if n == name]
        if names_then and name not in names_then and days_of_name and not any(
                _same_day(date, d) for d in days_of_name):
            return f"its source dates {name} otherwise"
    return None


def _named_attachments(doc) -> list[tuple[str, str, frozenset[str]]]:
    """(noun, preposition, name) for each name hanging from a noun by a preposition:
    "its land border with Armenia" -> (border, with, {armenia})."""
    found = []
    for token in doc:
        if token.pos_ != "NOUN":
            continue
        for prep in (c for c in token.children if c.dep_ == "prep"):
            for name in (g for g in prep.children if g.dep_ == "pobj" and g.pos_ == "PROPN"
                         and g.ent_type_ not in ("DATE", "TIME", "CARDINAL", "ORDINAL")):
                words = frozenset(t.lemma_.lower() for t in name.subtree
                                  if t.pos_ == "PROPN" or t.ent_type_)
                found.append((token.lemma_.lower(), prep.lower_, words))
    return found


def named_attachments_disagree(claim_doc, docs) -> str | None:
    """A name moved to another noun's preposition: "its land border with Azerbaijan" where
    the unit says "its land border with Armenia" and has Azerbaijan after no "with". (A
    name the unit puts after the same preposition elsewhere may belong to a list the parse
    split: "the capture of Zangilan ... and of Gubadli".)"""
    from retrieval.answering.role_words import overlap

    theirs = [t for d in docs for t in _named_attachments(d)]
    # prepositions of a coordinated list ("and of Gubadli": a conjunct, not a modifier)
    after = [(p.lower_, frozenset(t.lemma_.lower() for t in g.subtree))
             for d in docs for p in d
             if p.pos_ == "ADP" and (p.dep_ == "conj" or p.head.pos_ == "ADP")
             for g in p.children if g.dep_ == "pobj"]
    for noun, prep, name in _named_attachments(claim_doc):
        others = [n for t_noun, t_prep, n in theirs if t_noun == noun and t_prep == prep]
        if others and not any(overlap(name, n) for n in others) and not any(
                p == prep and overlap(name, n) for p, n in after):
            return f"its source says {noun} {prep} {' '.join(sorted(others[0]))}, not " \
                   f"{' '.join(sorted(name))}"
    return None
