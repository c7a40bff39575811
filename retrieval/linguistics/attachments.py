"""What a number counts and which event a date belongs to, read from the parse."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from retrieval.linguistics.clauses import phrase_words, predicate_name

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span, Token


@dataclass(frozen=True)
class Attachment:
    """A number or date as written, and the words it is attached to in its sentence."""

    text: str
    head: str  # the lemma of the noun counted, or of the verb dated
    context: frozenset[str]  # lemmas of the head's phrase (modifiers, compounds)
    # For a date: the verbs the dated verb is part of (see `_sharing_verbs`).
    events: frozenset[str] = frozenset()


def number_attachments(span: Span | Doc) -> list[Attachment]:
    """Each cardinal number with the noun it counts.

    "90 armoured personnel carriers and 380 motor vehicles": 90 -> carrier, 380 -> vehicle;
    "a 2,000 troop-strong contingent": 2,000 -> contingent, with "troop" in its context.
    """
    found = []
    for token in span:
        # A cardinal (tag CD), not an ordinal ("Second Karabakh War") or part of a date.
        if token.tag_ != "CD" or token.ent_type_ in ("DATE", "TIME") and not _duration(token):
            continue
        head = token.head
        if token.dep_ in ("nummod", "quantmod", "compound") and head.pos_ in ("NOUN", "PROPN"):
            noun = head
        elif token.dep_ in ("pobj", "dobj", "nsubj", "attr", "appos") and any(
                c.dep_ == "prep" for c in token.children):
            # "1,960 of the troops": the counted noun is the pobj of "of".
            of = [c for c in token.children if c.dep_ == "prep" and c.lower_ == "of"]
            nouns = [g for p in of for g in p.children if g.dep_ == "pobj"]
            if not nouns:
                continue
            noun = nouns[0]
        else:
            continue
        found.append(Attachment(text=token.text, head=noun.lemma_.lower(),
                                context=phrase_words(noun, conjuncts=False) - {token.lemma_.lower()}))
    return found


_TIME_UNITS = frozenset(["second", "minute", "hour", "day", "week", "month", "year",
                         "decade", "century"])


def _duration(token: Token) -> bool:
    """ "after 28 days on the road": a number of days counts them like any noun (spaCy
    labels it a DATE, but no calendar date holds it)."""
    return token.dep_ == "nummod" and token.head.lemma_.lower() in _TIME_UNITS and \
        token.text[:1].isdigit()  # written in figures, as the fact check looks for it


def governing_verb(token: Token) -> Token | None:
    """The nearest verb above a token (the event a date or place belongs to)."""
    node = token
    for _ in range(len(token.doc)):
        if node.pos_ in ("VERB", "AUX") and node is not token:
            return node
        if node.head is node:
            return node if node.pos_ in ("VERB", "AUX") else None
        node = node.head
    return None


def date_attachments(span: Span | Doc) -> list[Attachment]:
    """Each date entity with the verb of the event it dates ("approved on 29 December")."""
    found = []
    for entity in span.ents:
        if entity.label_ != "DATE":
            continue
        verb = governing_verb(entity.root)
        if verb is None:
            continue
        found.append(Attachment(text=entity.text, head=verb.lemma_.lower(),
                                context=frozenset([predicate_name(verb)]),
                                events=frozenset(predicate_name(v)
                                                 for v in _sharing_verbs(verb))))
    return found


def _sharing_verbs(verb: Token) -> list[Token]:
    """The verbs a date on `verb` also dates: the verb a complement completes ("stopped
    paying in May 2024": the stopping), the first of coordinated verbs ("suspended X or
    directed at the EU, on 2 March 2022": the parser hangs the date on the last), and the
    verb whose object a participle modifies ("signed the statement brokered by Russia on
    9-10 November": the parser hangs the date on the participle)."""
    found = [verb]
    node = verb
    for _ in range(4):
        if node.dep_ == "xcomp" and node.head.pos_ in ("VERB", "AUX"):
            node = node.head
        elif node.dep_ == "conj" and node.tag_ in ("VBN", "VBG") and node.head.pos_ in (
                "VERB", "AUX") and not any(c.dep_ in ("nsubj", "nsubjpass", "aux", "auxpass")
                                           for c in node.children):
            # Only a bare participle shares the date: "and was buried on 1 September", "and
            # the town fell on 3 April" or "and declares independence on 23 September" is
            # another event with its own date.
            node = node.head
        elif node.dep_ == "acl" and node.tag_ == "VBN" and node.head.dep_ in (
                "dobj", "nsubjpass") and node.head.head.pos_ == "VERB":
            node = node.head.head
        else:
            break
        found.append(node)
    return found
