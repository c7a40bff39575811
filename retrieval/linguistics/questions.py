"""Grammar of questions: the asked slot, the noun asked about, the predicate and the names."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from retrieval.linguistics.clauses import is_negated, names
from retrieval.linguistics.pipeline import parse

if TYPE_CHECKING:
    from spacy.tokens import Token


# --- what a question asks ------------------------------------------------------------------

# The asked slot, by the question word that opens the question (or follows a preposition:
# "In which year ...").
_SLOT_BY_WORD = {"who": "who", "whom": "who", "whose": "who", "when": "when",
                 "where": "where", "why": "why", "what": "what", "which": "which",
                 "how": "how"}
_QUANTITY_WORDS = frozenset(["many", "much", "long", "old", "far", "large", "big"])
_YES_NO_OPENERS = frozenset(["is", "are", "was", "were", "do", "does", "did", "has", "have",
                             "had", "can", "could", "will", "would", "should", "isn't",
                             "aren't", "wasn't", "weren't", "don't", "doesn't", "didn't",
                             "hasn't", "haven't"])


@dataclass(frozen=True)
class QuestionParse:
    """What a question asks for, and what an answer to it must be about."""

    slot: str  # who, what, which, when, where, why, how, how many, how much, yes/no, other
    head: str | None  # the noun asked about: "how many *peacekeepers*", "which *official*"
    predicate: str | None  # the main verb's lemma ("deliver"), None for "be"
    names: tuple[str, ...]
    content: frozenset[str]  # content lemmas outside the question words
    negated: bool


def parse_question(text: str) -> QuestionParse:
    """Read the asked slot, its head noun, the predicate and the names of a question."""
    doc = parse(text.strip())
    tokens = [t for t in doc if not t.is_punct]
    slot, head = "other", None
    wh = next((t for t in tokens[:4] if t.lower_ in _SLOT_BY_WORD), None)
    if wh is not None:
        slot = _SLOT_BY_WORD[wh.lower_]
        after = doc[wh.i + 1] if wh.i + 1 < len(doc) else None
        if slot == "how" and after is not None and after.lower_ in _QUANTITY_WORDS:
            slot = "how many" if after.lower_ == "many" else "how much"
            head = _noun_after(after)
        elif slot in ("what", "which", "whose") or wh.dep_ == "det":
            noun = wh.head if wh.dep_ in ("det", "poss") and wh.head.pos_ in (
                "NOUN", "PROPN") else None
            head = noun.lemma_.lower() if noun is not None else None
    elif tokens and tokens[0].lower_ in _YES_NO_OPENERS:
        slot = "yes/no"
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    predicate = None
    if root is not None and root.lemma_ not in ("be", "do", "have"):
        predicate = root.lemma_.lower()
    question_words = {"who", "whom", "whose", "what", "which", "when", "where", "why", "how",
                      "many", "much"}
    content = frozenset(t.lemma_.lower() for t in tokens
                        if t.pos_ in ("NOUN", "PROPN", "VERB", "ADJ", "NUM")
                        and t.lower_ not in question_words and not t.is_stop)
    return QuestionParse(
        slot=slot, head=head, predicate=predicate, names=tuple(names(doc)), content=content,
        negated=root is not None and is_negated(root))


def _noun_after(quantity: Token) -> str | None:
    """The noun a "how many" / "how much" counts: the head of "many", or the next noun."""
    head = quantity.head
    # Only a noun right after the quantity word is what it counts ("how many troops"); the
    # small model sometimes tags the question's verb as a noun ("how much did it cost").
    if head.pos_ in ("NOUN", "PROPN") and 0 < head.i - quantity.i <= 3:
        return head.lemma_.lower()
    for token in quantity.doc[quantity.i + 1:]:
        if token.pos_ in ("NOUN", "PROPN"):
            return token.lemma_.lower()
        if token.pos_ in ("VERB", "AUX"):
            break
    return None


# --- does a sentence fill the asked slot ---------------------------------------------------

# Two words name the same kind of thing when they share a stem this long: "peacekeepers" and
# "peacekeeping", "students" and "student". Shorter prefixes join unrelated words.
_MIN_STEM = 6


def _same_word(a: str, b: str) -> bool:
    if a == b:
        return True
    n = min(len(a), len(b))
    return n >= _MIN_STEM and a[:_MIN_STEM] == b[:_MIN_STEM] and (
        a.startswith(b[:n - 2]) or b.startswith(a[:n - 2]))


same_word = _same_word  # public: the reader's other checks compare nouns the same way


# Verbs that say how many the subject is ("the contingent would number 1,960 servicemen",
# "the mission was a force of 1,960 troops"): their object's count counts the subject too.
# Other verbs relate two different things ("the peacekeepers evacuated 5,000 civilians").
_MEASURING_VERBS = frozenset(["be", "number", "total", "comprise", "include", "reach", "consist",
                              "grow", "rise", "fall", "count", "stand", "become", "remain"])


def _phrase(token: Token) -> list[Token]:
    """A noun's own phrase: its modifiers, with relative and participle clauses left out."""
    found, stack = [], [token]
    while stack:
        node = stack.pop()
        found.append(node)
        stack.extend(c for c in node.children if c.dep_ not in ("relcl", "acl", "advcl"))
    return found


def _noun_phrase(noun: Token) -> list[Token]:
    """The counted noun's phrase: its own modifiers and the nouns it hangs from up to the
    clause's verb ("a force of 1,960 troops": troops, force and force's modifiers); when
    that verb measures its subject ("the contingent would number 1,960"), the subject too."""
    found = _phrase(noun)
    node = noun
    # By index: spaCy makes a new Token object on each access, so `node.head is not node`
    # never ends at a root, and a noun-rooted fragment ("Over 5,000 troops.") looped forever.
    while node.head.i != node.i and node.head.pos_ in ("NOUN", "PROPN", "ADP", "NUM"):
        node = node.head
        if node.pos_ in ("NOUN", "PROPN"):
            found.extend(c for c in node.children if c.dep_ in ("amod", "compound", "nmod"))
            found.append(node)
    verb = node.head
    if node.dep_ in ("dobj", "attr", "oprd") and verb.lemma_.lower() in _MEASURING_VERBS:
        for subject in (c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")):
            found.extend(_phrase(subject))
    return found


def count_fills(head: str, sentence: str) -> bool | None:
    """Does a number in `sentence` count the `head` of a "how many <head>" question?

    True: a number counts the head, or a noun whose phrase names it ("a peacekeeping force
    of 1,960 troops" for peacekeepers). False: the head is named in the sentence but every
    number counts something else ("the peacekeepers had evacuated about 5,000 civilians").
    None: the sentence does not name the head at all (it may count it under another word,
    "1,960 servicemen"), so the parse cannot tell.
    """
    doc = parse(sentence)
    named = [t for t in doc if t.pos_ in ("NOUN", "PROPN", "ADJ", "VERB")
             and _same_word(t.lemma_.lower(), head)]
    counted = _counted_nouns(doc, head)
    for noun in counted:
        if any(_same_word(t.lemma_.lower(), head) for t in _noun_phrase(noun)):
            return True
    if named and counted:
        return False
    return None


# Numbers written as plural nouns ("thousands of people", "hundreds of thousands").
_NUMBER_NOUNS = frozenset(["dozen", "hundred", "thousand", "million", "billion"])
# "in three decades" is a span of time, not a count of what the question counts.
_UNITS_OF_TIME = frozenset(["second", "minute", "hour", "day", "week", "month", "year",
                            "decade", "century"])


def _counted_nouns(doc, head: str = "") -> list[Token]:
    """The noun each cardinal number counts (as `number_attachments` reads it); spans of
    time left out unless time is what is counted."""
    numbers = [t for t in doc if t.ent_type_ not in ("DATE", "TIME") and (
        t.tag_ == "CD" or (t.tag_ == "NNS" and t.lemma_.lower() in _NUMBER_NOUNS))]
    nouns = (_counted_noun(t) for t in numbers)
    counts_time = head in _UNITS_OF_TIME
    return [n for n in nouns if n is not None
            and (counts_time or n.lemma_.lower() not in _UNITS_OF_TIME)]


def _counted_noun(number: Token) -> Token | None:
    head = number.head
    if number.tag_ == "NNS":  # "thousands of people"; a bare "thousands" counts what is unsaid
        of = [c for c in number.children if c.dep_ == "prep" and c.lower_ == "of"]
        nouns = [g for p in of for g in p.children if g.dep_ == "pobj"
                 and g.lemma_.lower() not in _NUMBER_NOUNS]
        return nouns[0] if nouns else None
    if number.dep_ in ("nummod", "quantmod", "compound") and head.pos_ in ("NOUN", "PROPN"):
        return head
    if number.dep_ == "nummod" and head.pos_ == "NUM":
        return head.head  # "about 5,000": quantmod chains
    of = [c for c in number.children if c.dep_ == "prep" and c.lower_ == "of"]
    nouns = [g for p in of for g in p.children if g.dep_ == "pobj"]
    return nouns[0] if nouns else None


def answer_span(question: str, sentence: str) -> str | None:
    """The words of `sentence` that fill the question's slot, for the eye to find: the number
    that counts a "how many" head, the date of a "when", a name the question does not hold
    for a "who" or "where". None when the slot is of another kind or nothing fills it."""
    asked = parse_question(question)
    doc = parse(sentence)
    if asked.slot in ("how many", "how much"):
        numbers = [t for t in doc if t.tag_ == "CD" and t.ent_type_ not in ("DATE", "TIME")]
        for number in numbers:
            noun = _counted_noun(number)
            if asked.head and noun is not None and any(
                    _same_word(t.lemma_.lower(), asked.head) for t in _noun_phrase(noun)):
                return number.text
        return numbers[0].text if numbers else None
    if asked.slot == "when":
        dates = [e for e in doc.ents if e.label_ == "DATE"]
        return dates[0].text if dates else None
    if asked.slot in ("who", "where"):
        question_words = {w.lower() for name in asked.names for w in name.split()}
        for name in names(doc):
            if not {w.lower() for w in name.split()} & question_words:
                return name
    return None


# --- a sentence that says the asked thing is not given ----------------------------------------

# Verbs by which a source says what it holds: "the notes give no results", "the report did
# not name the official", "neither report named him".
TELLING_VERBS = frozenset(["give", "name", "say", "report", "mention", "identify", "state",
                            "provide", "publish", "disclose", "reveal", "contain", "hold",
                            "specify", "list", "cite"])


def says_absent(head: str, sentence: str) -> bool:
    """Does `sentence` say that the sources hold no `head` ("These notes give no results of
    that election" for "What was the result of the election?")? Such a sentence is the
    honest answer to a question asking for one."""
    for token in parse(sentence):
        if not (token.pos_ in ("NOUN", "PROPN") and _same_word(token.lemma_.lower(), head)):
            continue
        verb = token.head
        if token.dep_ not in ("dobj", "nsubjpass", "oprd") \
                or verb.lemma_.lower() not in TELLING_VERBS:
            continue
        # "neither the report nor the article named the official": the parser hangs
        # "neither" on the subject, which the verb may itself hang from.
        above = {verb, *verb.ancestors, *(c for c in verb.children if c.dep_ == "nsubj")}
        if any(c.dep_ == "det" and c.lower_ == "no" for c in token.children) or is_negated(verb) \
                or any(t.lower_ == "neither" and t.head in above for t in token.doc):
            return True
    return False


def asked_noun(question: str) -> str | None:
    """The noun a "what / which" question asks for: "which *official*", "what was the final
    *result* of the election"; None for other questions."""
    asked = parse_question(question)
    if asked.slot not in ("what", "which"):
        return None
    if asked.head:
        return asked.head
    doc = parse(question.strip())
    # "which US official ...": the noun run right after the question word, when the parser
    # did not hang "which" on it.
    wh = next((t for t in doc if t.lower_ in ("what", "which")), None)
    run = []
    for token in doc[wh.i + 1:] if wh is not None else []:
        if token.pos_ not in ("NOUN", "PROPN", "ADJ"):
            break
        run.append(token)
    if run and run[-1].pos_ == "NOUN":
        return run[-1].lemma_.lower()
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    if root is None or root.lemma_ != "be":
        return None
    noun = next((c for c in root.children if c.dep_ in ("nsubj", "attr") and c.pos_ == "NOUN"
                 and c.lower_ not in _SLOT_BY_WORD), None)
    return noun.lemma_.lower() if noun is not None else None


# --- a question pointing back -----------------------------------------------------------------

_DEMONSTRATIVES = frozenset(["this", "that", "these", "those"])


def points_with_demonstrative(question: str) -> bool:
    """ "Does the piece say who *that person* was?": a noun pointed at with this / that /
    these / those means one from the turn before (a determiner, not the relative "the deal
    that ended the war")."""
    return any(t.dep_ == "det" and t.lower_ in _DEMONSTRATIVES and t.head.pos_ == "NOUN"
               for t in parse(question))
