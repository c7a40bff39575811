"""Follow-up questions without an LLM: "he", "it", "they" stand for the last turn's subject.

"What happened to him after that?" after "Who is Stanislav Tarasov?" is searched with
"Stanislav Tarasov" as its context (and reads "What happened to Stanislav Tarasov after
that?" standing alone). The subject is the main entity of the previous
turn: a name in its question first, else the subject its answer opens with, checked for
cheap agreement (he/she want a person's name, it a thing, they a group). Follow-ups that
point back without a pronoun ("And the peacekeepers?") borrow the earlier questions'
words as context instead, as before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from retrieval.answering.followup_names import (
    _ANY,
    _AUXILIARIES,
    _GROUP,
    _PERSON,
    _PLACE,
    _THING,
    _agrees,
    _Entity,
    _kind_of_name,
    asked_things,
    collective_nouns,
    entities,
    persons,
    relabelled,
)
from retrieval.index.lexical import STOPWORDS, tokenize
from retrieval.linguistics import points_with_demonstrative, subject_name

MIN_SELF_CONTAINED_TOKENS = 3


@dataclass(frozen=True)
class Turn:
    question: str
    answer: str


@dataclass(frozen=True)
class FollowUp:
    """How to search for a question asked after earlier turns."""

    search_query: str  # what offline retrieval searches for: the question as asked
    context: str = ""  # what its pronouns mean, or earlier questions' words without one
    entity: str | None = None  # what the (first) pronoun was taken to mean
    # The question with its pronouns replaced ("What happened to Stanislav Tarasov after
    # that?"): how a chain of follow-ups is read, and what the offline reader scores
    # sentences against. Retrieval searches the question as asked with the name as context.
    standalone: str = ""

    def __post_init__(self) -> None:
        if not self.standalone:
            object.__setattr__(self, "standalone", self.search_query)
    # "What happened to him?" with no earlier turn, or none it could mean: a question about
    # nobody in particular, which is declined rather than answered about whatever matches.
    refers_to_nothing: bool = False


# Pronouns that may stand for a name earlier in the same question ("Did Tarasov change his
# mind?", "When did Pashinyan say he would resign?"); "him" and "them" there mean someone
# else ("Did Putin meet him?").
_CAN_BE_BOUND = (_PERSON | _THING | _GROUP) - {"him", "them"}
_PRONOUN = re.compile(r"\b(" + "|".join(sorted(_PERSON | _THING | _GROUP | _PLACE | _ANY))
                      + r")\b", re.IGNORECASE)
# Uses of those words that point at nothing: "is there", "there are", a relative "that"
# ("the agreement that ended the war"), "it" in "is it true", "that" after "so".
_NOT_ANAPHORIC = re.compile(
    r"^\s*(?:is|are|was|were)\s+there\b|\b(?:is|are|was|were|be|been)\s+there\s+(?:a|an|any|"
    r"some|no|many|more|still|\d)|\bthere\s+(?:is|are|was|were|be|been|has|have)\b"
    r"|\bso\s+that\b|\bis\s+it\s+(?:true|possible|likely)\b|\b(?:now|such)\s+that\b",
    re.IGNORECASE)
# Other words that say "as before" without a pronoun.
_POINTS_BACK = re.compile(r"\b(the same|such|former|latter|what about|how about|and the)\b|"
                          r"^\s*and\b", re.IGNORECASE)

def _anaphors(question: str) -> list[re.Match]:
    """Each word of `question` that points back at an earlier turn, in order."""
    # Blank out the uses that point at nothing, keeping every other character's position.
    cleaned = _NOT_ANAPHORIC.sub(lambda m: " " * len(m.group(0)), question)
    return [m for m in _PRONOUN.finditer(cleaned)
            if m.group(1).lower() != "that" or _that_points_back(cleaned, m)]


def anaphor(question: str) -> str | None:
    """The first word of `question` that points back at an earlier turn, lower-cased."""
    found = _anaphors(question)
    return found[0].group(1).lower() if found else None


def _that_points_back(text: str, match: re.Match) -> bool:
    """ "after that?", "Why was that?" point back; "the deal that ended the war" does not."""
    before = text[: match.start()].split()
    after = text[match.end():].lstrip()
    if not after or after[0] in "?.!,;":
        return True
    return bool(before) and before[-1].lower() in {"after", "before", "since", "about", "of",
                                                   "like", "than", "with", "from", "did",
                                                   "does", "was", "is", "by", "for"}


def _best(candidates: list[_Entity], pronoun: str, exclude: set[str],
          exact_only: bool) -> str | None:
    """The first candidate of the pronoun's own kind (or, unless `exact_only`, the first
    that may be it)."""
    fitting = [e for e in candidates if _agrees(e, pronoun) and e.text not in exclude]
    exact = [e for e in fitting if e.kind != "unknown"]
    if exact:
        return exact[0].text
    return fitting[0].text if fitting and not exact_only else None


def main_entity(history: list[Turn], pronoun: str, exclude: set[str] | None = None) -> str | None:
    """What `pronoun` stands for: the latest turn's question's name, else its answer's subject.

    A name of the pronoun's own kind wins over one that merely might be it, even a turn
    further back ("he" after a question about the CSTO is the person asked about before).
    A turn whose question was itself a follow-up ("When was it founded?") is read as it was
    resolved ("When was the CSTO founded?"), so a chain of follow-ups keeps its subject.
    """
    exclude = exclude or set()
    turns = []
    for i in range(len(history) - 1, -1, -1):
        question = history[i].question
        if anaphor(question) is not None:
            question = resolve(question, history[:i]).standalone
        opening = re.split(r"(?<=[.!?])\s", history[i].answer.strip(), maxsplit=1)[0]
        # The answer's subject from the parse: "Veteran ... expert Stanislav Tarasov told".
        name = subject_name(opening)
        named = [_Entity(name, _kind_of_name(name, ""))] if name else entities(opening)[:1]
        asked = relabelled(entities(question), question, pronoun) + _plural_nouns(question,
                                                                                  pronoun)
        if pronoun in _GROUP:
            asked += collective_nouns(question)
        if pronoun in _THING:
            asked += asked_things(question)
        # "who was the state minister?" -> "..., the state minister was Gurgen Nersisyan": the
        # person the answer names for what was asked, after its subject (when that is one).
        answered = relabelled(named, opening, pronoun) + (persons(opening, question)
                                                 if pronoun in _PERSON else [])
        turns.append((asked, answered))
    # "Who leads Azerbaijan?" -> "Ilham Aliyev has been ...": "he" is Aliyev, not Azerbaijan.
    for exact_only in (True, False):
        for asked, answered in turns:
            for candidates in (asked, answered):
                found = _best(candidates, pronoun, exclude, exact_only)
                if found is not None:
                    return found
    return None


def _plural_nouns(question: str, pronoun: str) -> list[_Entity]:
    """For "they": the plural things a question asked about, named or not ("how many
    russian peacekeepers ..." -> "russian peacekeepers"); for "there", the place it put
    them in ("... are in karabakh" -> "karabakh"). From the shared parse."""
    from retrieval.linguistics import parse

    if pronoun in _PLACE:  # "there": the place the question put things in, at or sent them to
        return [_Entity(t.text, "thing") for t in parse(question)
                if t.dep_ == "pobj" and t.head.lower_ in ("in", "at", "into", "to")
                and t.pos_ in ("PROPN", "NOUN") and t.lower_ not in STOPWORDS]
    if pronoun not in _GROUP:
        return []
    return [_Entity(" ".join(t.text for t in chunk if t.dep_ != "det"
                             and t.lower_ not in ("how", "many", "much", "which", "what")), "group")
            for chunk in parse(question).noun_chunks
            if chunk.root.tag_ == "NNS" and chunk.root.lower_ not in STOPWORDS]


def _family(pronoun: str) -> set[str]:
    return next(f for f in (_PERSON, _THING, _GROUP, _PLACE, _ANY) if pronoun in f)


def _replacement(word: str, entity: str) -> str:
    if word.lower() in {"his", "hers", "its", "their", "theirs"}:
        return f"{entity}’s"
    if word.lower() == "there":
        return f"in {entity}"
    if word.lower() in _ANY:
        return f"{word} ({entity})"  # "after that (the Lachin blockade)"
    return entity


def needs_context(question: str) -> bool:
    """A question that refers back, or is short and names nothing, borrows context.

    "What is the CSTO?" is short but names its subject; "And the peacekeepers?" is not.
    """
    if anaphor(question) or _POINTS_BACK.search(question) or points_with_demonstrative(question):
        return True
    if entities(question):
        return False
    return len(tokenize(question)) < MIN_SELF_CONTAINED_TOKENS


def carried_context(question: str, history: list[Turn], turns: int = 2) -> str:
    """Earlier questions (most recent first) whose subject a follow-up refers to."""
    if not history or not needs_context(question):
        return ""
    recent = [turn.question for turn in reversed(history[-turns:])]
    return " ".join(recent)


# Words after which "it", "he", "they" start a clause of their own, so they may mean a name
# said before them ("Did Armenia say it would leave?"); after a verb or preposition they are
# its object and mean someone else ("Has Armenia left it?").
_CLAUSE_OPENERS = _AUXILIARIES | {
    "is", "are", "was", "were", "be", "been", "when", "where", "why", "how", "what", "who",
    "which", "that", "and", "but", "if", "because", "while", "after", "before", "since",
    "said", "say", "says", "think", "thinks", "thought", "whether", "unless", "until"}
_POSSESSIVE_OR_REFLEXIVE = {"his", "her", "hers", "its", "their", "theirs", "himself",
                            "herself", "itself", "themselves"}


def _bound_in_question(question: str, match: re.Match) -> bool:
    """True when the pronoun at `match` stands for a name earlier in the same question."""
    pronoun = match.group(1).lower()
    if pronoun not in _CAN_BE_BOUND:
        return False
    before = question[: match.start()]
    if pronoun not in _POSSESSIVE_OR_REFLEXIVE:
        previous = before.split()[-1].lower().strip(",;:") if before.split() else ""
        if previous not in _CLAUSE_OPENERS:
            return False
    return any(_agrees(e, pronoun) for e in entities(before))


def resolve(question: str, history: list[Turn]) -> FollowUp:
    """How to search for `question` given the earlier turns (most recent last)."""
    if not needs_context(question):
        return FollowUp(question)
    if not history:
        return FollowUp(question, refers_to_nothing=_only_a_pronoun(question))
    found = _anaphors(question)
    meanings: dict[frozenset[str], str] = {}
    for match in found:
        pronoun = match.group(1).lower()
        family = frozenset(_family(pronoun))
        if family in meanings or (family == _ANY and meanings):
            continue  # "after that" needs no name once "him" has one
        if _bound_in_question(question, match):
            continue  # "Did Tarasov change his mind?": the name is in the question itself
        entity = main_entity(history, pronoun, set(meanings.values()))
        if entity is not None:
            meanings[family] = entity
    if meanings:
        out = question
        for match in reversed(found):
            entity = meanings.get(frozenset(_family(match.group(1).lower())))
            if entity is not None:
                out = out[: match.start()] + _replacement(match.group(1), entity) + \
                    out[match.end():]
        # The names go along as context, which the offline answerer weighs below the
        # question's own words, so "blockaded" still decides which sentence answers.
        named = " ".join(dict.fromkeys(meanings.values()))
        return FollowUp(question, context=named, entity=next(iter(meanings.values())),
                        standalone=out)
    if found and not _POINTS_BACK.search(question) and all(
            _bound_in_question(question, m) for m in found):
        return FollowUp(question)
    context = carried_context(question, history)
    return FollowUp(question, context=context,
                    refers_to_nothing=not context and _only_a_pronoun(question))


# Personal pronouns: "that" or "then" alone ("What happened after that?") may be general.
_PERSONAL = _PERSON | _THING | _GROUP
MIN_CONTENT_WORDS = 2


def _only_a_pronoun(question: str) -> bool:
    """True when a personal pronoun is the question's only subject: no name, and fewer than
    two content words besides ("What did he say?", "When did they leave?")."""
    if not any(m.group(1).lower() in _PERSONAL for m in _anaphors(question)):
        return False
    return not entities(question) and len(tokenize(question)) < MIN_CONTENT_WORDS


def history_text(history: list[Turn]) -> str:
    return "\n".join(f"User: {t.question}\nAssistant: {t.answer}" for t in history)
