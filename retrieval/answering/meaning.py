"""Does one passage sentence (or two adjacent ones) say what a claim says?

The fact check in support.py finds a claim's numbers, dates and names anywhere in its
passages; this module asks one sentence of a passage, or two adjacent ones (a "unit"), to
hold all of them and to agree with the claim on meaning, read from spaCy's parse
(retrieval/linguistics):

- polarity: a predicate the unit shares with the claim is negated in both or in neither
  ("did not set up", "never produced", "denied sending"); "only" in the claim is in the unit;
- antonyms: a predicate whose opposite the unit states (backed/boycotted, won/lost) must have
  the opposite polarity there ("did not grant" = "rejected");
- roles: the subject, object and recipient of a shared predicate are not swapped, active or
  passive, and a speaker is not replaced by another name the unit holds;
- a name that modifies a noun ("an Azerbaijani victory") modifies it in the unit too;
- attachment: a number counts the same thing (a small table of synonyms and of the general
  words a specific one may stand for); a date belongs to the same event.

Paraphrase passes: a shared predicate is the same lemma, a derived form (restore/restoration)
or a synonym from a short list; a pronoun or "the republic" may stand for a name the passage
gives elsewhere; "Russian"/"Russia", number and date formats are the fact check's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from retrieval.answering.support import claim_text, fill_years, lexical_scorer, missing_facts
from retrieval.text import split_sentences

# Share of the claim's content words (stemmed) that its unit must hold. The passage-level
# share (support.MIN_CONTENT) still applies; this keeps the unit from being any sentence
# that happens to hold the claim's names. Chosen on the tuning split of
# tests/eval/claims_adversarial.jsonl (`python -m bench.support_measure --adversarial`).
UNIT_MIN_CONTENT = 0.5
_PRONOUNS = frozenset(["he", "she", "it", "they", "his", "her", "its", "their", "him",
                       "them", "this", "these"])


@dataclass(frozen=True)
class Unit:
    passage: int  # index into the passages given
    sentences: tuple[str, ...]
    context: str  # where names a pronoun stands for may be found: the passage's tag, or all
    dated: tuple[str, ...] = ()  # the sentences with the passage's years filled in (facts)

    @property
    def text(self) -> str:
        return " ".join(self.sentences)

    @property
    def facts_text(self) -> str:
        return " ".join(self.dated or self.sentences)


def passage_sentences(passage: str) -> tuple[str, list[str]]:
    """A passage as the checker reads it: its tag and label lines, and its sentences."""
    head, sep, body = passage.partition("\n\n")
    if not sep:
        head, _, body = passage.partition("\n")
    sentences = []
    for line in body.split("\n"):
        # A list item's number belongs to its first sentence ("6. **Kalbajar ...**" is
        # what "point 6" refers to).
        item = re.match(r"\s*(\d{1,2})\.\s", line)
        for i, (_, _, sentence) in enumerate(split_sentences(line)):
            sentences.append(f"{item.group(1)}. {sentence}" if item and i == 0 else sentence)
    return head, sentences


def units(passages: Sequence[str]) -> list[Unit]:
    """Each sentence of each passage, and each pair of adjacent ones."""
    found = []
    for n, passage in enumerate(passages):
        head, sentences = passage_sentences(passage)
        dated = fill_years("\n".join(sentences)).split("\n")
        if len(dated) != len(sentences):
            dated = sentences
        for i, sentence in enumerate(sentences):
            found.append(Unit(n, (sentence,), head, (dated[i],)))
            if i + 1 < len(sentences):
                found.append(Unit(n, (sentence, sentences[i + 1]), head,
                                  (dated[i], dated[i + 1])))
    return found


@dataclass
class Verdict:
    """Which passages (indexes) support the claim, or why none does."""

    passages: list[int]
    reason: str | None = None
    # For each supporting passage, the sentence (or pair) that says the claim: its quote.
    said_by: dict[int, tuple[str, ...]] = field(default_factory=dict)


def check(claim: str, passages: Sequence[str]) -> Verdict:
    """The passages holding a unit that says what the claim says; else the best reason."""
    claim = claim_text(claim)
    every = units(passages)
    candidates = [u for u in every if _holds_facts(claim, u, passages)]
    if not candidates:
        return Verdict([], "no single sentence of its sources holds all of it")
    score = lexical_scorer()
    scores = score([claim] * len(candidates), [u.text for u in candidates])
    ranked = [u for s, u in sorted(zip(scores, candidates, strict=True), key=lambda x: -x[0])
              if s >= UNIT_MIN_CONTENT]
    if not ranked:
        return Verdict([], "no sentence of its sources says this")
    reason = None
    said_by: dict[int, tuple[str, ...]] = {}
    for unit in ranked:
        if unit.passage in said_by:
            continue
        why = disagreement(claim, unit.sentences, unit.context)
        if why is None:
            said_by[unit.passage] = unit.sentences
        elif reason is None:
            reason = why
    if said_by:
        return Verdict(sorted(said_by), said_by=said_by)
    return Verdict([], reason)


def check_across(claim: str, passages: Sequence[str]) -> Verdict:
    """For a claim citing several passages: one unit, or one sentence from each of two
    passages that hold all its facts between them (the claim joins them)."""
    verdict = check(claim, passages)
    if verdict.passages or len(passages) < 2:
        return verdict
    claim = claim_text(claim)
    everything = len(missing_facts(claim, []))
    pieces = []
    for n, passage in enumerate(passages):
        head, sentences = passage_sentences(passage)
        for sentence in sentences:
            if len(missing_facts(claim, [sentence])) < everything:
                pieces.append((n, head, sentence))
    for i, (a, head_a, first) in enumerate(pieces):
        for b, head_b, second in pieces[i + 1:]:
            if a == b or missing_facts(claim, [first, second, head_a, head_b]):
                continue
            # Joined from two passages, the claim's main verb must be a verb of one of them:
            # a noun of it ("the ICJ order noted ...") next to another passage's sentence
            # does not say who did it to whom.
            if disagreement(claim, (first, second), f"{head_a}\n{head_b}") is None and \
                    main_verb_stated(claim, (first, second)):
                return Verdict(sorted({a, b}), said_by={a: (first,), b: (second,)})
    return verdict


def _holds_facts(claim: str, unit: Unit, passages: Sequence[str]) -> bool:
    # The source's tag (title, outlet, date) is part of every unit: "Sputnik reported on
    # 15 June 2023 that ..." names what the tag says.
    missing = missing_facts(claim, [unit.facts_text, unit.context])
    if not missing:
        return True
    # Numbers and dates must be in the unit itself; a name may be in the passage's tag, or
    # anywhere in the passage when the unit refers to something by pronoun or by a noun of
    # a name the passage gives ("the republic" for "the Republic of Artsakh").
    if any(_is_number_or_date(m) for m in missing):
        return False
    context = unit.context
    if _refers_back(unit.text, passages[unit.passage]):
        context = passages[unit.passage]
    return not missing_facts(claim, [unit.facts_text, context])


def _is_number_or_date(missing: str) -> bool:
    return missing.startswith("date ") or bool(re.fullmatch(r"[\d.e+-]+", missing))


def _refers_back(text: str, passage: str) -> bool:
    words = re.findall(r"[\w'’-]+", text)
    if any(w.lower() in _PRONOUNS for w in words):
        return True
    named = {w.lower() for w in re.findall(r"\b[A-Z][a-z]+", passage)}
    return any(words[i].lower() == "the" and words[i + 1].islower()
               and words[i + 1] in named for i in range(len(words) - 1))


# --- where a claim and its unit disagree ----------------------------------------------------


def main_verb_stated(claim: str, sentences: Sequence[str]) -> bool:
    """Is the claim's main verb (or its synonym) a verb of the sentences?"""
    from retrieval.answering.claim_rules import stated_as_verb
    from retrieval.linguistics import parse, parse_all

    return stated_as_verb(parse(claim), parse_all(list(sentences)))


def disagreement(claim: str, sentences: Sequence[str], source: str = "") -> str | None:
    """Why the sentences do not say what the claim says; None when they agree. `source` is
    the passage's tag (title, outlet): a speaker may be the source itself."""
    from retrieval.linguistics import parse, parse_all

    claim_doc = parse(claim)
    docs = parse_all(list(sentences))
    from retrieval.answering.lexicon import aligned_predicates
    from retrieval.answering.verb_paraphrase import paraphrased_predicates

    with aligned_predicates(paraphrased_predicates(claim_doc, docs)):
        return _first_disagreement(claim_doc, docs, source)


def _first_disagreement(claim_doc, docs, source: str) -> str | None:
    from retrieval.answering.attachments import (
        dates_disagree,
        listed_dates_disagree,
        named_attachments_disagree,
        numbers_disagree,
        object_numbers_disagree,
    )
    from retrieval.answering.claim_rules import (
        argument_missing,
        modifiers_disagree,
        only_missing,
        polarity_or_roles,
        predicate_missing,
    )
    from retrieval.answering.speakers import offices_disagree, speaker_missing

    return (predicate_missing(claim_doc, docs) or argument_missing(claim_doc, docs)
            or polarity_or_roles(claim_doc, docs) or speaker_missing(claim_doc, docs, source)
            or only_missing(claim_doc, docs) or offices_disagree(claim_doc, docs)
            or modifiers_disagree(claim_doc, docs) or numbers_disagree(claim_doc, docs)
            or object_numbers_disagree(claim_doc, docs)
            or dates_disagree(claim_doc, docs) or listed_dates_disagree(claim_doc, docs)
            or named_attachments_disagree(claim_doc, docs))
