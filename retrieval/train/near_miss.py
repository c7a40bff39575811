"""Synthetic near-miss questions: an answerable question changed so its gold sentence no
longer answers it.

SQuAD 2.0's unanswerable questions were written as near-misses of a paragraph (an entity
swapped, a negation, roles reversed; Rajpurkar, Jia and Liang 2018 list these kinds). The
reader rates the sentence such a question was written against almost as high as a true
answer (docs/evaluation.md). Making more of them from every answerable question gives the
cross-encoder pairs that differ from a positive only in the detail that matters:

- **swap**: a name, number or date of the question replaced by another of the same kind
  (spaCy's entity label) from the same article, one the gold sentence does not hold;
- **negate**: "not" after the main verb's auxiliary ("When did X not ...");
- **roles**: two names of the question that the gold sentence both holds trade places
  ("Why did France declare war on Britain?" -> "... Britain ... on France?").

The parse is the shared one (`retrieval.linguistics`): entities, auxiliaries and their heads.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass

from retrieval.linguistics import parse_all

# Entity kinds worth swapping: a question that names another person, place, body, date or
# number than the sentence does is not answered by it.
SWAPPABLE = frozenset(["PERSON", "NORP", "FAC", "ORG", "GPE", "LOC", "PRODUCT", "EVENT",
                       "WORK_OF_ART", "LAW", "LANGUAGE", "DATE", "TIME", "PERCENT", "MONEY",
                       "QUANTITY", "CARDINAL", "ORDINAL"])
KINDS = ("swap", "negate", "roles")
# Parts of speech an entity span cannot end on ("Central and", "the Treaty of").
_DANGLING = frozenset(["CCONJ", "ADP", "DET", "PUNCT", "PART", "SCONJ"])


@dataclass(frozen=True)
class NearMiss:
    question: str  # the changed question
    original: str
    kind: str  # one of KINDS


def _clean(entity) -> bool:
    # The small model's spans sometimes end on a function word or punctuation ("Central
    # and"); such a span would make the changed question ungrammatical, not a near-miss.
    return entity[-1].pos_ not in _DANGLING and entity.text[:1].isalnum()


def article_entities(paragraph_texts: list[str]) -> dict[str, list[str]]:
    """Entity label -> the distinct entity texts of an article, in order of appearance."""
    found: dict[str, dict[str, None]] = defaultdict(dict)
    for doc in parse_all(paragraph_texts):
        for entity in doc.ents:
            if entity.label_ in SWAPPABLE and _clean(entity):
                found[entity.label_][entity.text] = None
    return {label: list(texts) for label, texts in found.items()}


def _replace(text: str, start: int, end: int, new: str) -> str:
    return text[:start] + new + text[end:]


def swap_entity(question: str, gold: str, entities: dict[str, list[str]],
                rng: random.Random) -> str | None:
    doc = parse_all([question])[0]
    # Only an entity the gold sentence holds: then the sentence visibly speaks of the other
    # one, and the changed question is not answered by it.
    candidates = [e for e in doc.ents if e.label_ in SWAPPABLE and _clean(e) and e.text in gold]
    rng.shuffle(candidates)
    for entity in candidates:
        others = [t for t in entities.get(entity.label_, ())
                  if t not in gold and t.lower() != entity.text.lower()
                  and t.lower() not in question.lower()]
        if others:
            return _replace(question, entity.start_char, entity.end_char, rng.choice(others))
    return None


def negate(question: str) -> str | None:
    doc = parse_all([question])[0]
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    if root is None or any(c.dep_ == "neg" for c in root.children):
        return None
    # "did X found", "was X built", "has X been": "not" after the auxiliary; a copula root
    # ("Where was the treaty?") takes it after itself.
    aux = [c for c in root.children if c.dep_ in ("aux", "auxpass") and c.i < root.i]
    anchor = aux[0] if aux else (root if root.lemma_ == "be" else None)
    if anchor is None:
        return None
    insert_at = anchor.idx + len(anchor.text)
    # In a question the subject often sits between the auxiliary and the verb
    # ("When did Tesla move ...?"): "not" then follows the subject ("did Tesla not move").
    subject = next((c for c in root.children if c.dep_ in ("nsubj", "nsubjpass")
                    and anchor.i < c.i < root.i), None)
    if subject is not None:
        last = doc[subject.right_edge.i]
        insert_at = last.idx + len(last.text)
    return question[:insert_at] + " not" + question[insert_at:]


def swap_roles(question: str, gold: str) -> str | None:
    doc = parse_all([question])[0]
    named = [e for e in doc.ents if e.label_ in ("PERSON", "NORP", "ORG", "GPE", "LOC", "FAC")
             and e.text in gold]
    for i, first in enumerate(named):
        for second in named[i + 1:]:
            if first.text.lower() == second.text.lower():
                continue
            text = _replace(question, second.start_char, second.end_char, first.text)
            return _replace(text, first.start_char, first.end_char, second.text)
    return None


def make(question: str, gold: str, entities: dict[str, list[str]],
         rng: random.Random) -> NearMiss | None:
    """One near-miss of an answerable question, of the first kind (in random order, roles
    and swaps preferred to negation) that applies; None when none does."""
    kinds = ["swap", "roles"]
    rng.shuffle(kinds)
    for kind in [*kinds, "negate"]:
        if kind == "swap":
            changed = swap_entity(question, gold, entities, rng)
        elif kind == "roles":
            changed = swap_roles(question, gold)
        else:
            changed = negate(question)
        if changed and changed != question:
            return NearMiss(changed, question, kind)
    return None
