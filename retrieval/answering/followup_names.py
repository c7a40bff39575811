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
