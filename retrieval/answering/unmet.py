"""Does the chosen lead sentence give what the question asks for? When not, say so.

The reader (extractive.py) picks the sentence closest to the question. Close is not enough:
"Which third country was the meeting supposed to happen in?" is nearest to "... to meet
Azerbaijani officials in a third country under US supervision", which names no country;
"What did Stanislav Tarasov die of?" is nearest to "Stanislav Tarasov died in late August
2025", which gives no cause. Quoted bare, such a sentence reads as an answer. These checks
read the question's parse against the lead's parse and, when the lead leaves the asked slot
empty, the answer becomes an honest near-miss: "The sources do not say which country it
was. The closest they come: ... [1]" (a decline that shows what the sources do say).

Each check returns what is missing, in words that follow "The sources do not say", or None
when the lead fills the slot or the parse cannot tell. The grammar comes from the shared
parse (retrieval/linguistics); this module only decides.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

from retrieval.answering import absence
from retrieval.answering.lexicon import entity
from retrieval.answering.picks import Extract
from retrieval.index.lexical import STOPWORDS
from retrieval.linguistics import is_negated, parse, parse_question
from retrieval.linguistics.questions import same_word

if TYPE_CHECKING:
    from spacy.tokens import Token

    from retrieval.models import Retrieved

logger = logging.getLogger(__name__)

# Switches (bench/reader_ablation.py levers; tests switch each off to see it matter).
UNMET_DECLINES = True  # all of the checks below
INDEFINITE_HEAD = True  # "which country" answered by "a third country"
STRANDED_PREPOSITION = True  # "what did he die of" answered by "he died in August"
# "Whose ideas did *not* become radical?" answered by "Qutb's ideas became radical": a
# question asking about what did not happen, and a lead that negates nothing.
NEGATED_QUESTION = True
# "When did *Beyoncé* leave?" answered by a sentence about someone else: the question's
# names and numbers must be in what answers it. None (off), or where they must be
# (`constraint_text`): "sentence", "paragraph" or "passage". Off: on SQuAD's tuning articles
# (validation and train) every scope lifted decline recall by 0.13-0.27 but cost 2.1-2.8
# points of gold answers on the train articles, past the one point allowed (docs/reader.md).
ANSWER_CONSTRAINTS: str | None = None
# "What is a popular strolling destination for *pheasants*?" answered from a passage about a
# garden's *ducks*: when this many of the question's content nouns are nowhere in the lead's
# passage (or the other sentences shown), the passage is about something else. Off (0): two
# cost nothing on SQuAD's validation articles but 3.3 points of gold answers on its test
# articles, and turned a right answer of the development questions into a decline
# ("which russian newspaper ... the story": the notes say "daily" and "reports").
MISSING_NOUNS = 0
MIN_NOUN_LETTERS = 5

# Determiners and modifiers that leave a noun unidentified: "a third country", "an unnamed
# official", "another city".
_INDEFINITE = frozenset(["a", "an", "another", "some", "any", "one", "unnamed",
                         "unidentified", "unspecified", "undisclosed", "anonymous", "certain"])
# Attachments through which a name identifies a noun: "the newspaper Komsomolskaya Pravda"
# (appos, compound), "the city of Gyumri" (of + pobj), "Poland's army" (poss).
_NAMING_DEPS = frozenset(["appos", "compound", "nmod", "poss", "npadvmod"])
# Prepositions that ask the same thing: "die of" / "die from".
_SAME_PREPOSITION = [frozenset(["of", "from"])]


def review(question: str, picked: Extract, retrieved: list[Retrieved], context: str = "") -> Extract:
    """The reader's choice read again: a retrieved sentence saying the asked thing was not
    said or done leads ("US officials have yet to comment" for "Did the US respond?", which
    word coverage cannot see; absence.py); a lead leaving the asked slot empty becomes a
    near-miss ("a third country" for "which country"), which quoted bare reads as the
    answer."""
    said = absence.find(question, retrieved, context)
    if said is not None:
        return picked if picked.picks and picked.picks[0].quote == said.quote else Extract(
            [said], said.evidence)
    if not picked.picks or picked.as_of:
        return picked
    lead = picked.picks[0]
    missing = unmet(question, lead.quote, retrieved[lead.passage].text,
                    tuple(p.quote for p in picked.picks[1:]))
    if not missing:
        return picked
    return Extract([], picked.best_score, picked.reader_probability, near_miss=lead,
                   missing=missing)


def unmet(question: str, lead: str, passage: str = "", shown: tuple[str, ...] = ()) -> str | None:
    """What the question asks for that the `lead` sentence does not give, or None.

    `passage` is the lead's passage, `shown` the other sentences the answer shows: the
    question's names may be there."""
    if not UNMET_DECLINES or not lead:
        return None
    checks = []
    if INDEFINITE_HEAD:
        checks.append(_indefinite_head)
    if STRANDED_PREPOSITION:
        checks.append(_stranded_preposition)
    if NEGATED_QUESTION:
        checks.append(_negation_unmet)
    for check in checks:
        missing = check(question, lead)
        if missing:
            logger.debug("lead leaves the slot empty (%s): %s", check.__name__, missing)
            return missing
    if ANSWER_CONSTRAINTS:
        held = " ".join([constraint_text(ANSWER_CONSTRAINTS, lead, passage), *shown])
        missing = _unmet_constraint(question, held)
        if missing:
            return missing
    if MISSING_NOUNS:
        return _unmet_nouns(question, " ".join([passage or lead, *shown]))
    return None


_PRONOUN = re.compile(r"\b(it|its|they|their|them|he|his|she|her|this|these)\b", re.IGNORECASE)


def constraint_text(scope: str, lead: str, passage: str) -> str:
    """The text whose names a question's names must be among, for the `scope` asked:
    "passage", "sentence" (the lead and the passage's title), or "paragraph" (the lead and
    what its paragraph says before it: "**Khojaly, 25–26 February 1992:** ... Human Rights
    Watch counted at least 161 civilians ..."). A lead that points back with a pronoun is
    checked against its whole passage."""
    if scope == "passage" or _PRONOUN.search(lead):
        return passage or lead
    title = passage.split("\n\n", 1)[0] if "\n\n" in passage else ""
    if scope == "paragraph":
        end = passage.find(lead)
        if end >= 0:
            start = max(passage.rfind("\n", 0, end), 0)
            return f"{title} {passage[start:end]} {lead}"
    return f"{title} {lead}"


# --- "which country": the lead names the kind of thing, but not which one -------------------

def _indefinite_head(question: str, lead: str) -> str | None:
    """ "Which third country ...?" and the lead says only "a third country": missing."""
    head = _determined_head(question)
    if head is None:
        return None
    mentions = [t for t in parse(lead) if t.pos_ in ("NOUN", "PROPN")
                and same_word(t.lemma_.lower(), head)]
    if not mentions or not all(_unidentified(t) for t in mentions):
        return None
    return f"which {head} it was"


def _determined_head(question: str) -> str | None:
    """The noun "which" / "what" determines ("which third *country*", "what *archdiocese*");
    None for other questions ("What are there no limitations on?" asks no kind of thing)."""
    doc = parse(question.strip())
    wh = next((t for t in doc[:4] if t.lower_ in ("which", "what")), None)
    if wh is None or wh.dep_ != "det" or wh.head.pos_ not in ("NOUN", "PROPN"):
        return None
    return wh.head.lemma_.lower()


def _unidentified(noun: Token) -> bool:
    """A mention of the asked noun that no name identifies: "a third country", "an unnamed
    official"; not "the newspaper Komsomolskaya Pravda", "Poland, a country", "the city of
    Gyumri" or "the country" (which points back at a named one)."""
    if noun.pos_ == "PROPN":
        return False
    modifiers = {c.lower_ for c in noun.children if c.dep_ in ("det", "amod", "nummod")}
    if not modifiers & _INDEFINITE:
        return False  # "the country", "this official": may point back at a name
    if any(c.dep_ in ("relcl", "acl") for c in noun.children) or any(
            g.dep_ == "relcl" for c in noun.children if c.dep_ == "prep" for g in c.subtree):
        return False  # "a compromise under which Armenia would return five districts"
    if any(c.dep_ in _NAMING_DEPS and c.pos_ == "PROPN" for c in noun.children):
        return False
    if noun.dep_ == "appos" and noun.head.pos_ == "PROPN":
        return False  # "Poland, a country in central Europe"
    if noun.dep_ == "attr" and any(c.dep_ == "nsubj" and c.pos_ == "PROPN"
                                   for c in noun.head.children):
        return False  # "Poland is a country ..."
    for prep in (c for c in noun.children if c.dep_ == "prep" and c.lower_ in ("of", "like")):
        if any(g.pos_ == "PROPN" for g in prep.children):
            return False  # "a country like Turkey"
    # "a country such as Turkey", "a city, Gyumri": a name right after the noun.
    following = noun.doc[noun.i + 1: noun.i + 4]
    return not any(t.pos_ == "PROPN" and t.head.i in (noun.i, *(w.i for w in following))
                   for t in following if t.dep_ in ("appos", "pobj"))


# --- "what did he die of": the lead has the verb, not the asked preposition's object ---------

def _stranded_preposition(question: str, lead: str) -> str | None:
    """ "What did Stanislav Tarasov die of?" and the lead says only "Tarasov died in late
    August 2025": the verb is there, what it was "of" is not."""
    doc = parse(question.strip())
    # "What did he die *of*?": the question word is what the preposition lacks (not "What
    # army did Warsaw defend itself against?", where it determines a noun).
    wh = next((t for t in doc[:3] if t.lower_ in ("what", "who", "whom", "which")), None)
    verb = next((t for t in doc if t.dep_ == "ROOT" and t.pos_ == "VERB"), None)
    if wh is None or verb is None or wh.dep_ == "det" or wh.head.i != verb.i:
        return None
    stranded = [c for c in verb.children if c.dep_ == "prep" and not list(c.children)
                and c.i > verb.i]
    if not stranded:
        return None
    preposition = stranded[0].lower_
    accepted = next((group for group in _SAME_PREPOSITION if preposition in group),
                    frozenset([preposition]))
    uses = [t for t in parse(lead) if t.pos_ in ("VERB", "NOUN") and
            t.lemma_.lower() == verb.lemma_.lower()]
    if not uses:
        return None  # the lead says it with another word: the parse cannot tell
    if any(c.dep_ in ("prep", "agent") and c.lower_ in accepted and list(c.children)
           for use in uses for c in use.children):
        return None
    subject = _subject_words(verb, lead)
    said = uses[0].text if uses[0].pos_ == "VERB" else verb.text
    return " ".join(w for w in (wh.lower_, subject, said, preposition) if w)


def _subject_words(verb: Token, lead: str) -> str:
    """The question's subject, written as the lead writes it ("stanislav tarasov" ->
    "Stanislav Tarasov")."""
    subject = next((c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")), None)
    if subject is None:
        return ""
    words = " ".join(t.text for t in subject.subtree)
    found = re.search(re.escape(words), lead, re.IGNORECASE)
    return found.group(0) if found else words


# --- "whose ideas did not become radical": the lead says what did happen ------------------

def _negation_unmet(question: str, lead: str) -> str | None:
    """A question asking which / when / who did *not* do something is not answered by a
    lead that negates nothing (it says who did). Yes/no questions are left alone ("Isn't
    Sputnik banned in Europe?" is answered by the ban)."""
    asked = parse_question(question)
    if not asked.negated or asked.slot in ("yes/no", "other", "why"):
        return None
    if any(is_negated(t) for t in parse(lead) if t.pos_ in ("VERB", "AUX")):
        return None
    return "that"


# --- the question's own names, numbers and dates --------------------------------------------

# A name in the question matches a longer or shorter form sharing this many first letters
# ("Russian" / "Russia").
_NAME_STEM = 5


def constraints(question: str) -> tuple[str, ...]:
    """The names and numbers (with years) a question gives, which a sentence answering it
    must hold."""
    doc = parse(question.strip())
    numbers = [t.text for t in doc if t.like_num and any(ch.isdigit() for ch in t.text)]
    # The parse splits "Nagorno-Karabakh" and may keep "Nagorno" as the name: the whole
    # hyphened word is what the question wrote.
    names = [_hyphened(name, question) for name in parse_question(question).names
             if not _in_adverbial_clause(name, doc)]
    return tuple(dict.fromkeys([*names, *numbers]))


def _in_adverbial_clause(name: str, doc) -> bool:
    """ "... left Nagorno-Karabakh *after Baku took full control*": a name in a clause that
    only says when or why is said in other words by the sentence that answers (a date)."""
    first = name.split()[0]
    tokens = [t for t in doc if t.text == first]
    return bool(tokens) and all(any(a.dep_ == "advcl" for a in [t, *t.ancestors])
                                for t in tokens)


def _hyphened(name: str, question: str) -> str:
    found = re.search(rf"[\w'’-]*{re.escape(name)}[\w'’-]*", question)
    return found.group(0) if found and "-" in found.group(0) else name


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def _held_word(word: str, held: set[str]) -> bool:
    """ "West" in "Western", "Iraq" in "Iraqi", "Russian" for "Russia": one is the other's
    beginning, or they share their first `_NAME_STEM` letters."""
    if word in held:
        return True
    if len(word) >= 4 and any(w.startswith(word) for w in held):
        return True
    if len(word) >= _NAME_STEM and any(w.startswith(word[:_NAME_STEM]) for w in held):
        return True
    # A long name mistyped by one letter ("Sigimund" for "Sigismund") is the same name.
    return len(word) >= _TYPO_LENGTH and any(
        abs(len(w) - len(word)) <= 1 and _one_edit(word, w) for w in held)


_TYPO_LENGTH = 7


def _one_edit(a: str, b: str) -> bool:
    """True when one insertion, deletion or substitution turns `a` into `b`."""
    if len(a) > len(b):
        a, b = b, a
    i = next((k for k, (x, y) in enumerate(zip(a, b)) if x != y), len(a))
    return a[i + (len(a) == len(b)):] == b[i + 1:]


def missing_from(needed: tuple[str, ...], text: str) -> str | None:
    """The first of the question's names or numbers that `text` does not hold, or None.
    Function words and the possessive "s" of a name ("the Islamic Group's") are not asked
    for; an acronym is held when the text spells it out ("WWII": "World War II")."""
    held = set(_words(text))
    held |= {entity(w) for w in held}  # "Moscow deployed" speaks for Russia
    spelled = _acronyms(text)
    for name in needed:
        for written in re.findall(r"[\w'’-]+", name):
            # "Nagorno-Karabakh" is held by "Karabakh Armenians": a hyphened name is held
            # when one of its parts is.
            parts = [w for w in re.findall(r"\w+", written)
                     if (len(w) > 2 or w.isdigit()) and w.lower() not in STOPWORDS]
            if parts and not any(_held_word(entity(w.lower()), held) or _held_word(
                    entity(w.lower().removesuffix("s")), held) or (
                    w.isupper() and w in spelled) for w in parts):
                return name
    return None


_ROMAN = re.compile(r"^[IVX]+$")


def _acronyms(text: str) -> set[str]:
    """The acronyms of each run of capitalised words ("Islamic State of Iraq and the Levant"
    -> ISIL, ISI, ...; "World War II" -> WWII): every run's initials from each start, a roman
    numeral kept whole, function words skipped."""
    found: set[str] = set()
    words = re.findall(r"[\w'’-]+", text)
    for start, first in enumerate(words):
        if not first[:1].isupper():
            continue
        letters = ""
        for word in words[start:]:
            if word.lower() in STOPWORDS:
                continue
            if not word[:1].isupper():
                break
            letters += word if _ROMAN.match(word) else word[0]
            found.add(letters)
    return found


def _unmet_nouns(question: str, text: str) -> str | None:
    # Short common nouns ("deal", "land") are the ones a question says in other words
    # ("agreement", "transport links"); a hyphened word's first part is no noun of its own.
    doc = parse(question.strip())
    nouns = [t.text for t in doc if t.pos_ == "NOUN" and not t.is_stop
             and len(t.text) >= MIN_NOUN_LETTERS
             and not (t.i + 1 < len(doc) and doc[t.i + 1].text == "-")]
    missing = [n for n in dict.fromkeys(nouns) if missing_from((n,), text)]
    if len(missing) < MISSING_NOUNS:
        return None
    return f"this about {' and '.join(missing[:2])}"


def _unmet_constraint(question: str, text: str) -> str | None:
    name = missing_from(constraints(question), text)
    return f"this about {name}" if name else None

