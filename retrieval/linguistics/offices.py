"""Who holds which office: "X is/became ROLE", "appointed X (as) ROLE", "X, ROLE",
"ROLE X". Read from the parse for the claim check (retrieval/answering/speakers.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span, Token


# Nouns that name an office a person holds, and the words that rank it. A claim moving an
# office to another person ("Simonyan is director general" where Kiselyov is) or changing
# its rank ("deputy director" where the source says "director") says something else.
TITLE_NOUNS = frozenset([
    "director", "general", "editor", "chief", "president", "minister", "head", "spokesman",
    "spokeswoman", "spokesperson", "chairman", "chairwoman", "chair", "leader", "commander",
    "ambassador", "secretary", "governor", "mayor", "founder", "presenter", "envoy",
    "premier", "deputy", "prosecutor", "speaker", "ombudsman", "representative"])
RANK_WORDS = frozenset(["deputy", "vice", "acting", "former", "first", "assistant", "interim",
                        "co", "senior", "late"])
_APPOINTING = frozenset(["appoint", "name", "make", "elect", "nominate", "choose", "install"])
_BEING = frozenset(["be", "become", "remain", "serve", "work", "act"])


@dataclass(frozen=True)
class Office:
    holder: frozenset[str]  # the lemmas of the person's name
    title: frozenset[str]  # "director general" -> {director, general}; ranks left out
    rank: frozenset[str]  # {deputy}, {former}, ...


def _title_words(role: Token) -> tuple[frozenset[str], frozenset[str]]:
    words = {role.lemma_.lower()}
    for child in role.children:
        if child.dep_ in ("compound", "amod", "nmod") and child.pos_ in ("NOUN", "ADJ") \
                and child.text.islower():
            words.add(child.lemma_.lower())
        # "editor-in-chief": the hyphenated prepositional part belongs to the title
        if child.dep_ == "prep" and child.i + 1 < len(role.doc) and role.doc[child.i - 1].text == "-":
            words.update(g.lemma_.lower() for g in child.children if g.dep_ == "pobj")
    return frozenset(words - RANK_WORDS), frozenset(words & RANK_WORDS)


def _is_title(token: Token) -> bool:
    return token.pos_ == "NOUN" and token.lemma_.lower() in TITLE_NOUNS


def _holder(token: Token) -> frozenset[str]:
    """The name a token is, with its compound parts ("Dmitry Kiselyov"); empty if not a name;
    "who" in a relative clause is the noun it hangs from."""
    if token.lower_ in ("who", "that") and token.head.dep_ == "relcl":
        token = token.head.head
    if token.pos_ != "PROPN":
        return frozenset()
    return frozenset(t.lemma_.lower() for t in [token, *token.children]
                     if t.pos_ == "PROPN" and (t is token or t.dep_ in ("compound", "flat")))


def offices(span: Span | Doc) -> list[Office]:
    """Who holds which office: "X is/became ROLE", "appointed X (as) ROLE", "X, ROLE",
    "ROLE X" ("director general Dmitry Kiselyov")."""
    found = []

    def add(name: Token, role: Token) -> None:
        holder = _holder(name)
        if holder and _is_title(role):
            title, rank = _title_words(role)
            found.append(Office(holder, title, rank))

    for token in span:
        children = list(token.children)
        lemma = token.lemma_.lower()
        roles = [c for c in children if c.dep_ in ("attr", "oprd")] + [
            g for c in children if c.dep_ == "prep" and c.lower_ == "as"
            for g in c.children if g.dep_ == "pobj"]
        if lemma in _BEING:
            for name in (c for c in children if c.dep_ == "nsubj"):
                for role in roles:
                    add(name, role)
        if lemma in _APPOINTING:
            for name in (c for c in children if c.dep_ in ("dobj", "nsubjpass")):
                for role in roles:
                    add(name, role)
        if token.pos_ == "PROPN":
            for child in children:
                if child.dep_ == "appos":
                    add(token, child)
                if child.dep_ == "compound" and _is_title(child):
                    add(token, child)
        if _is_title(token):
            for child in children:
                if child.dep_ == "appos" and child.pos_ == "PROPN":
                    add(child, token)
    return found
