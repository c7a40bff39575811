"""Names in a question or answer that a follow-up's pronoun may stand for, and agreement.

"he" wants a person, "it" a thing, "they" a group: what kind of thing a name is comes from
its words (followup.py's first design) and, where the shared parse labels it, from spaCy's
entity label ("June 2023" is a date, never "he"). Split out of followup.py, which resolves
the pronouns; this module only finds and classifies the names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from retrieval.index.lexical import STOPWORDS

# Pronouns by what they can stand for. "that", "this", "then" point at the last turn's
# subject or event, whatever it is.
_PERSON = {"he", "him", "his", "she", "her", "hers", "himself", "herself"}
_THING = {"it", "its", "itself"}
_GROUP = {"they", "them", "their", "theirs", "themselves"}
_PLACE = {"there"}
_ANY = {"that", "this", "then", "these", "those"}

# Words that open a sentence with a capital without naming anything.
_OPENERS = {
    "who", "what", "when", "where", "why", "how", "which", "whom", "whose", "is", "are",
    "was", "were", "do", "does", "did", "can", "could", "will", "would", "should", "has",
    "have", "had", "the", "a", "an", "and", "but", "or", "so", "tell", "in", "on", "at",
    "after", "before", "during", "since", "according", "apart", "then", "please", "give",
    "list", "name", "describe", "explain", "summarise", "summarize", "he", "she", "it",
    "they", "this", "that", "these", "those", "there", "his", "her", "its", "their", "i",
    "we", "you", "also", "yes", "no", "for", "from", "to", "with", "by", "as",
    "if", "about", "over", "under", "between", "among", "today", "now", "later", "earlier",
}
# A name is capitalised words, with "of", "the", "and", "for" inside longer ones
# ("Collective Security Treaty Organization") and years ("November 2020").
_CAP = r"(?:[A-Z][\w'’-]*|[A-Z]{2,})"
_NAME = re.compile(rf"{_CAP}(?:\s+(?:(?:of|the|and|for|de|al|ul|von|van)\s+)*(?:{_CAP}|\d{{4}}))*")
_MONTHS = {"january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december"}
# After "the", "many", "which" a name can go on in lower case: "the Lachin corridor", "the
# November 2020 trilateral statement", "many Russian peacekeepers". After "did" or "will"
# the next word is a verb ("did Aliyev visit"), so nothing is added there.
_DETERMINERS = {"the", "a", "an", "many", "few", "several", "some", "all", "of", "which",
                "what", "whose", "these", "those", "its", "their", "his", "her", "this", "that"}
_TAIL_WORD = re.compile(r"\s+([a-z][a-z-]{2,})\b")
# Words in a name that make it an organisation, place or thing rather than a person.
_NOT_PERSON = re.compile(
    r"\b(?:Organi[sz]ation|Treaty|Group|Ministry|Council|Union|States|Republic|Kingdom|"
    r"Mission|Corridor|Committee|Agency|Party|Army|Forces?|Bank|Fund|Court|Assembly|"
    r"Parliament|Government|Office|Service|Statement|Agreement|Declaration|Accords?|War|"
    r"Oblast|Region|Province|County|City|Railway|Road|Bridge|Base|Airport|Port|Sea|Ocean|"
    r"Lake|River|Mountains?|Valley|Island|Institute|University|School|Company|"
    r"Corporation|News|Press|Times|Post|Federation|Alliance|Movement|Front|Church|"
    r"North|South|East|West|Central|Upper|Lower|Northern|Southern|Eastern|Western)\b")
_AUXILIARIES = {"did", "does", "do", "will", "would", "can", "could", "should", "shall",
                "may", "might", "must", "has", "have", "had"}


@dataclass(frozen=True)
class _Entity:
    text: str
    kind: str  # "person", "thing", "group" or "unknown"


def _kind_of_name(name: str, asked_with: str) -> str:
    """"person", "thing" or "unknown"; `asked_with` is "who" or "what" when the name came
    right after "Who is" or "What is" (a strong hint either way)."""
    words = name.split()
    if name.isupper() or _NOT_PERSON.search(name) or asked_with == "what":
        return "thing"
    if asked_with == "who" or len([w for w in words if w[0].isupper()]) >= 2:
        return "person"
    return "unknown"


def _tail(text: str, start: int, after_determiner: bool, verb_pending: bool) -> str:
    """Lower-case words that finish a name's noun phrase ("corridor", "peacekeepers")."""
    words = []
    for _ in range(2):
        match = _TAIL_WORD.match(text, start)
        if not match:
            break
        word = match.group(1)
        if word in STOPWORDS or word.endswith("ly"):
            break
        if word.endswith(("ed", "ing")):
            # "the Russian peacekeeping mission": a modifier only when a noun follows it;
            # otherwise a verb ("the Lachin corridor blockaded").
            noun = _TAIL_WORD.match(text, match.end())
            if not (after_determiner and noun and noun.group(1) not in STOPWORDS
                    and not noun.group(1).endswith(("ed", "ing", "ly"))):
                break
            words.append(word)
            start = match.end()
            continue
        if not after_determiner and not word.endswith("s"):
            break  # sentence-initial "Russian peacekeepers" yes, "Putin meet" no
        if verb_pending and re.match(r"\s*[?.!]", text[match.end():]):
            break  # "When did the Lachin corridor begin?": the last word is did's verb
        words.append(word)
        start = match.end()
        if word.endswith("s"):
            break  # a plural noun ends the phrase: "peacekeepers began" is a verb after it
    return " ".join(words)


# "the blockade of the Lachin corridor": the thing is the blockade, the name only its place.
_HEAD_OF = re.compile(r"\bthe\s+([a-z][a-z-]{2,})\s+of\s+(?:the\s+)?$")


def entities(text: str) -> list[_Entity]:
    """Named things in `text` in the order they appear, with a guess at what they are."""
    found: list[_Entity] = []
    for match in _NAME.finditer(text):
        words = match.group(0).split()
        before = text[: match.start()].split()
        while words and words[0].lower() in _OPENERS:
            before.append(words.pop(0))  # "The", "Did": capitalised only as the first word
        if not words or (len(words) == 1 and words[0].lower() in _MONTHS):
            continue
        name = re.sub(r"[’']s$", "", " ".join(words))
        after_determiner = bool(before) and before[-1].lower() in _DETERMINERS
        after_auxiliary = bool(before) and before[-1].lower() in _AUXILIARIES
        verb_pending = bool(re.search(r"\b(?:did|does|do|will|would|can|could|should)\b",
                                      text[: match.start()], re.IGNORECASE))
        # After "did" only a plural noun can follow a name ("did Russian peacekeepers leave");
        # any other word is did's verb ("did Aliyev visit").
        tail = "" if name != " ".join(words) else \
            _tail(text, match.end(), after_determiner and not after_auxiliary, verb_pending)
        # "the Lachin corridor", "the CSTO": the article stays, so the rewritten question reads.
        the = "the " if before and before[-1].lower() == "the" else ""
        head = _HEAD_OF.search(text[: match.start()])
        if head and head.group(1) not in STOPWORDS:
            found.append(_Entity(f"{head.group(0)}{name}{' ' + tail if tail else ''}", "thing"))
        elif tail:
            kind = "group" if tail.endswith("s") else "thing"
            found.append(_Entity(f"{the}{name} {tail}", kind))
        else:
            asked = [w.lower() for w in before[-2:]]
            asked_with = asked[0] if len(asked) == 2 and asked[1] in {"is", "was", "are",
                                                                       "were"} else ""
            kind = _kind_of_name(name, asked_with if asked_with in ("who", "what") else "")
            found.append(_Entity(f"{the if kind != 'person' else ''}{name}", kind))
    return found


def _agrees(entity: _Entity, pronoun: str) -> bool:
    if pronoun in _PERSON:
        return entity.kind in ("person", "unknown")
    if pronoun in _THING or pronoun in _PLACE:
        return entity.kind in ("thing", "unknown")
    if pronoun in _GROUP:
        return entity.kind in ("group", "thing", "unknown")
    return True


# What the shared parse's entity labels say a name is. A date, number or amount is nothing a
# pronoun stands for ("he" after "In June 2023, ... the state minister was Gurgen Nersisyan"
# was read as "June 2023"); a place or body is a thing, never "he" or "she".
_NO_REFERENT_LABELS = frozenset(["DATE", "TIME", "CARDINAL", "ORDINAL", "QUANTITY", "MONEY",
                                 "PERCENT"])
_THING_LABELS = frozenset(["GPE", "LOC", "ORG", "FAC", "LAW", "EVENT", "PRODUCT", "LANGUAGE"])
# Nouns naming a body of people, which "they" stands for in the singular ("how big was the
# peacekeeping force ..." -> "are they still there?"). The parse marks plurals, not these.
COLLECTIVE_NOUNS = frozenset(["force", "forces", "contingent", "army", "troops", "mission",
                              "government", "delegation", "team", "police", "military",
                              "alliance", "bloc", "battalion", "brigade", "unit"])
PARSED_KINDS = True  # switch for the tests: the parse's labels correct the guessed kinds


def parsed_kind(name: str, text: str) -> str | None:
    """What the parse of `text` labels `name`: "person", "person?" (one word labelled a
    person: perhaps), "thing", "none" (a date or number: no pronoun's referent) or None when
    it does not label it."""
    from retrieval.linguistics import parse

    if not PARSED_KINDS:
        return None
    for ent in parse(text).ents:
        if ent.text == name or (name in ent.text and len(name) * 2 >= len(ent.text)):
            if ent.label_ == "PERSON":
                # the small parse labels single words PERSON freely ("Azerbaijan" in "Who
                # leads Azerbaijan?", "Yerevan", "Sputnik"): only a full name is taken
                return "person" if len(ent.text.split()) >= 2 else "person?"
            if ent.label_ in _NO_REFERENT_LABELS:
                return "none"
            if ent.label_ in _THING_LABELS:
                return "thing"
    return None


def relabelled(found: list[_Entity], text: str, pronoun: str = "") -> list[_Entity]:
    """`found` (names in `text`) with the kinds the parse gives them; dates and numbers out,
    and for "it" or "there" a name the parse may take for a person ("Novak said ...": "has
    construction started on it?" is not about Novak). A name ending in a plural noun
    ("Russian peacekeepers") stays a group."""
    out = []
    for entity in found:
        entity = _without_verb_tail(entity, text)
        kind = parsed_kind(entity.text, text) if entity.kind != "group" else None
        # (a one-word "person" is dropped for "it" only when nothing else said what it is:
        # "What is Sputnik?" says Sputnik is a thing, whatever the parse labels it)
        if kind == "none" or (kind == "person?" and entity.kind == "unknown"
                              and pronoun in _THING | _PLACE):
            continue
        out.append(entity if kind in (None, "person?") else _Entity(entity.text, kind))
    return out


def _without_verb_tail(entity: _Entity, text: str) -> _Entity:
    """ "the Gyumri base operates" -> "the Gyumri base": the word-shape guess took a verb in
    -s for a plural noun ending the name (and the name for a group); the parse knows."""
    from retrieval.linguistics import parse

    words = entity.text.split()
    if not PARSED_KINDS or entity.kind != "group" or len(words) < 2:
        return entity
    verbs = {t.text for t in parse(text) if t.pos_ in ("VERB", "AUX")}
    if words[-1] not in verbs:
        return entity
    return _Entity(" ".join(words[:-1]), "thing" if not words[-2].endswith("s") else "group")


def persons(text: str, question: str) -> list[_Entity]:
    """The people the parse finds in `text` (an answer), the one the question asked about
    first: a name sharing a word with the question ("pashinyan"), then the one nearest a
    question word ("the state minister was Gurgen Nersisyan" for "who was the state
    minister"). Single words the question does not hold are left out: the small parse
    labels "Sputnik" and "Azerbaijani" PERSON."""
    from retrieval.linguistics import parse

    if not PARSED_KINDS:
        return []
    asked = {w.lower() for w in re.findall(r"[\w'-]+", question)} - STOPWORDS
    found = []
    for ent in parse(text).ents:
        if ent.label_ != "PERSON":
            continue
        named = {w.lower() for w in ent.text.split()} & asked
        if len(ent.text.split()) < 2 and not named:
            continue
        # The small parse does not reliably split "the president was A and the state
        # minister was B" into clauses, so the nearest question word decides.
        near = min((min(abs(t.i - ent.start), abs(t.i - ent.end + 1)) for t in ent.doc
                    if t.lemma_.lower() in asked and not ent.start <= t.i < ent.end),
                   default=len(ent.doc))
        found.append((not named, near, ent.start, ent.text))
    return [_Entity(text, "person") for *_, text in sorted(found)]


def collective_nouns(question: str) -> list[_Entity]:
    """The question's noun phrases headed by a noun for a body of people, as groups."""
    from retrieval.linguistics import parse

    if not PARSED_KINDS:
        return []
    return [_Entity(" ".join(t.text for t in chunk if t.dep_ != "det"
                             and t.lower_ not in ("how", "many", "much", "which", "what")), "group")
            for chunk in parse(question).noun_chunks if chunk.root.lower_ in COLLECTIVE_NOUNS]


# Which of a question's nouns "it" most likely stands for: what the question did something
# to ("keep its gyumri base") before what did it ("russia").
_THING_ROLES = ("dobj", "nsubjpass", "attr", "nsubj", "pobj")


def asked_things(question: str) -> list[_Entity]:
    """The common-noun phrases a question asked about, for "it": "how much is the
    rasht-astara railway supposed to cost" -> "the rasht-astara railway" (its lower-case name
    escapes the capitalised-word reading; the answer's subject, "Novak said ...", is not it).
    Proper names are left to `entities`; pronouns and question words are no phrases."""
    from retrieval.linguistics import parse

    if not PARSED_KINDS:
        return []
    chunks = [c for c in parse(question).noun_chunks
              if c.root.pos_ == "NOUN" and c.root.tag_ == "NN" and c.root.dep_ in _THING_ROLES]
    chunks.sort(key=lambda c: _THING_ROLES.index(c.root.dep_))
    return [_Entity((c[1:] if c[0].dep_ == "poss" and c[0].pos_ == "PRON" else c).text, "thing")
            for c in chunks]
