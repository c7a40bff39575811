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
