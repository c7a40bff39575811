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
from functools import lru_cache

from retrieval.answering.lexicon import (
    LIGHT_VERBS,
    entity,
    SPEECH_VERBS,
    antonyms,
    may_stand_for,
    same_predicate,
)
from retrieval.answering.support import (
    _same_place,
    claim_text,
    extract_dates,
    extract_numbers,
    lexical_scorer,
    missing_facts,
)
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

    @property
    def text(self) -> str:
        return " ".join(self.sentences)


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
        for i, sentence in enumerate(sentences):
            found.append(Unit(n, (sentence,), head))
            if i + 1 < len(sentences):
                found.append(Unit(n, (sentence, sentences[i + 1]), head))
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
        why = disagreement(claim, unit.sentences)
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
            if disagreement(claim, (first, second)) is None:
                return Verdict(sorted({a, b}), said_by={a: (first,), b: (second,)})
    return verdict


def _holds_facts(claim: str, unit: Unit, passages: Sequence[str]) -> bool:
    # The source's tag (title, outlet, date) is part of every unit: "Sputnik reported on
    # 15 June 2023 that ..." names what the tag says.
    missing = missing_facts(claim, [unit.text, unit.context])
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
    return not missing_facts(claim, [unit.text, context])


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


def disagreement(claim: str, sentences: Sequence[str]) -> str | None:
    """Why the sentences do not say what the claim says; None when they agree."""
    from retrieval.linguistics import parse, parse_all

    claim_doc = parse(claim)
    docs = parse_all(list(sentences))
    return (_predicate_missing(claim_doc, docs) or _argument_missing(claim_doc, docs)
            or _polarity_or_roles(claim_doc, docs)
            or _only(claim_doc, docs)
            or _modifiers(claim_doc, docs) or _numbers(claim_doc, docs)
            or _dates(claim_doc, docs))


def _main_verb(claim_doc):
    """The verb that says what the claim says: the root, or the complement of a light root
    ("Azerbaijan was to guarantee ...", "Armenia had to hand back ...")."""
    from retrieval.linguistics.clauses import predicate_name

    root = next((t for t in claim_doc if t.dep_ == "ROOT"), None)
    if root is not None and predicate_name(root) in LIGHT_VERBS:
        complement = next((c for c in root.children if c.dep_ == "xcomp" and c.pos_ == "VERB"),
                          None)
        return complement or root
    if root is not None and root.lemma_.lower() in SPEECH_VERBS:
        # "Sputnik reported on 15 June 2023 that Moscow deployed ...": what is reported is
        # the claim; who reported it is checked as a role where the unit has a speech verb.
        said = next((c for c in root.children if c.dep_ == "ccomp" and c.pos_ == "VERB"
                     and predicate_name(c) not in LIGHT_VERBS), None)
        return said or root
    return root


def _predicate_missing(claim_doc, docs) -> str | None:
    """The claim's main verb, or its synonym, antonym or a derived word ("restoration" for
    "restored"), must be in the unit: a sentence that shares the claim's names but not what
    it says they did does not say it."""
    from retrieval.linguistics.clauses import predicate_name

    root = _main_verb(claim_doc)
    if root is None or root.pos_ != "VERB" or predicate_name(root) in LIGHT_VERBS:
        return None
    lemma = predicate_name(root)
    wanted = {lemma} | antonyms(lemma)
    for doc in docs:
        for token in doc:
            if token.pos_ in ("VERB", "NOUN", "ADJ") and any(
                    same_predicate(w, predicate_name(token)) for w in wanted):
                return None
    return f"its source does not say '{lemma}'"


def _argument_missing(claim_doc, docs) -> str | None:
    """Each argument of the claim's main verb (its object, or what a preposition adds:
    "died *of natural causes*") must share a word with the unit; numbers and dates in it
    are checked as such elsewhere."""
    from retrieval.linguistics.clauses import phrase_words

    main = _main_verb(claim_doc)
    if main is None or main.pos_ != "VERB":
        return None
    unit_words = {t.lemma_.lower() for d in docs for t in d} | {
        t.lower_ for d in docs for t in d}
    for child in main.children:
        heads = [child] if child.dep_ in ("dobj", "attr", "oprd", "acomp") else [
            g for g in child.children if g.dep_ == "pobj"] if child.dep_ in ("prep", "agent") \
            else []
        for head in heads:
            if head.ent_type_ in ("DATE", "TIME", "CARDINAL") or head.pos_ in ("PRON", "NUM"):
                continue
            words = {w for w in phrase_words(head) if not any(ch.isdigit() for ch in w)}
            if words and not any(w in unit_words or any(
                    same_predicate(w, u) or may_stand_for(w, u) or may_stand_for(u, w)
                    for u in unit_words) for w in words):
                return f"its source does not say '{head.text}'"
    return None


def _polarity_or_roles(claim_doc, docs) -> str | None:
    from retrieval.linguistics.clauses import name_words, verb_frames

    from retrieval.linguistics.clauses import name_modifiers, phrase_words

    unknown: set = set()  # frames whose subject is unknown
    resolved = _resolved_frames(docs, unknown)
    unit_frames = [f for f, _ in resolved]
    firm = {id(f): own for f, own in resolved}
    main = _main_verb(claim_doc)
    modified = {noun: words for d in docs for noun, words in name_modifiers(d).items()}
    unit_names = frozenset().union(*(name_words(d) for d in docs))
    claim_names = name_words(claim_doc)
    for verb, frame in verb_frames(claim_doc):
        # The same verb when the unit has it; a synonym only when it does not (a vaguer
        # "create" elsewhere in the unit must not vouch for a "set up" it contradicts).
        same = [f for f in unit_frames if f.predicate == frame.predicate] or \
            [f for f in unit_frames if same_predicate(frame.predicate, f.predicate)]
        opposite = [f for f in unit_frames
                    if any(same_predicate(a, f.predicate) for a in antonyms(frame.predicate))]
        agreeing = [f for f in same if f.negated == frame.negated] + \
            [f for f in opposite if f.negated != frame.negated]
        if (same or opposite) and not agreeing:
            kind = "says the opposite" if not same else "negates it" if not frame.negated \
                else "does not negate it"
            return f"its source {kind} ('{frame.predicate}')"
        if not (same or opposite) and frame.negated and frame.predicate not in LIGHT_VERBS:
            # "X did not do V" with V nowhere in the unit: nothing there says it did not.
            if not any(f.negated for f in unit_frames):
                return f"its source does not say '{frame.predicate}' did not happen"
        if agreeing and all(_roles_swapped(frame, f, claim_names, unit_names, firm[id(f)])
                            for f in agreeing):
            return f"its source gives '{frame.predicate}' other roles"
        doer = _names_in(frame.subject, claim_names) if _named_subject(verb) else set()
        # The event as a noun, with whose it is: "an Azerbaijani victory", "the flight of
        # more than 100,000 Karabakh Armenians".
        by_noun = [w for noun, w in modified.items() if same_predicate(frame.predicate, noun)]
        by_noun += [phrase_words(t) for d in docs for t in d if t.pos_ == "NOUN"
                    and same_predicate(frame.predicate, t.lemma_.lower())]
        if main is not None and verb.i == main.i and doer and \
                frame.predicate not in LIGHT_VERBS and not any(
                _overlap(doer, f.subject | f.object | f.recipient) for f in agreeing) and \
                not any(_overlap(doer, words) for words in by_noun) and \
                not (any(f in unknown for f in agreeing) and _overlap(doer, unit_names)):
            # ("it never produced" in a sentence about the Minsk Group may be the Group.)
            # "Armenia recognised X" against "X was internationally recognised", or "US
            # officials commented" against "who gave that comment": the unit does not say
            # that the claim's doer did it.
            return f"its source does not say who did '{frame.predicate}'"
    return None


def _named_subject(verb) -> bool:
    """Is the verb's subject (its own, or the one it shares along "was to return") a name or
    a noun a name modifies ("Armenia", "US officials"), rather than a thing located by a
    name ("the base in Gyumri")?"""
    node = verb
    for _ in range(4):
        subjects = [c for c in node.children if c.dep_ in ("nsubj", "nsubjpass")]
        if subjects:
            head = subjects[0]
            return head.pos_ == "PROPN" or any(
                c.dep_ in ("compound", "amod") and c.pos_ == "PROPN" for c in head.children)
        if node.dep_ not in ("xcomp", "conj") or node.head is node:
            return False
        node = node.head
    return False


def _resolved_frames(docs, unknown: set) -> list:
    """The frames of a unit (each with whether its subject is its own), a pronoun subject ("she said") taking the last named subject
    before it in the unit: the nearest antecedent, which is what a reader takes it for."""
    import dataclasses

    from retrieval.linguistics.clauses import verb_frames

    frames, last = [], frozenset()
    for doc in docs:
        for verb, frame in verb_frames(doc):
            pronoun = any(c.dep_ in ("nsubj", "nsubjpass") and c.pos_ == "PRON"
                          for c in verb.children)
            # "he"/"she" are a person named before; "it"/"they" are too often a thing or a
            # plural noun ("the US efforts ... they could contain") to be given a name.
            personal = any(c.dep_ in ("nsubj", "nsubjpass") and c.lower_ in ("he", "she")
                           for c in verb.children)
            if personal and not frame.subject and last:
                frame = dataclasses.replace(frame, subject=last)
            if frame.subject and not pronoun and (
                    verb.lemma_.lower() in SPEECH_VERBS or any(
                        c.dep_ == "nsubj" and c.ent_type_ == "PERSON" for c in verb.children)):
                last = frame.subject  # a speaker or a person: what "he"/"she" can stand for
            # A subject inherited along a conjunction or complement is where the small model
            # errs ("told Sputnik that ... and block a deal" gives "block" the teller): not
            # firm enough to call another name there a conflict.
            firm = any(c.dep_ in ("nsubj", "nsubjpass", "agent", "csubj") for c in verb.children)
            # "a state internationally recognised as part of Azerbaijan": a participle is
            # passive too, and without "by" it names no agent.
            passive = any(c.dep_ == "nsubjpass" for c in verb.children) or (
                verb.dep_ in ("acl", "advcl") and verb.tag_ == "VBN")
            if not frame.subject and (pronoun or not passive):
                # "it never produced", or a subject the parse lost ("On 23 April 2023
                # Azerbaijan set up ..."): unknown, unlike a passive that names no agent.
                unknown.add(frame)
            frames.append((frame, firm))
    return frames


def _roles_swapped(claim_frame, unit_frame, claim_names, unit_names,
                   firm_subject: bool = True) -> bool:
    """Does the unit put the claim's subject, object or recipient in another role, or fill
    that role with another name it also holds ("Peskov described" for "Zakharova
    described" in a unit naming both; "appointed Kiselyov" for "appointed Simonyan")?"""
    roles = ("subject", "object", "recipient")
    for role in roles:
        mine, theirs = getattr(claim_frame, role), getattr(unit_frame, role)
        if not mine or not theirs or _overlap(mine, theirs):
            continue
        others = set().union(*(getattr(unit_frame, r) for r in roles if r != role))
        if _overlap(mine, others):
            return True  # "Azerbaijan was to return Kalbajar to Armenia": roles swapped
        my_names = _names_in(mine, claim_names)
        if role == "subject" and not firm_subject:
            continue
        if my_names and _names_in(theirs, unit_names):
            return True  # another name fills this role in the unit
    return False


def _names_in(words: frozenset[str], names: frozenset[str]) -> set[str]:
    return {w for w in words if w in names}


def _overlap(a: set[str] | frozenset[str], b: set[str] | frozenset[str]) -> bool:
    return any(x == y or _same_place(x, y) or entity(x) == entity(y)
               or _same_place(entity(x), entity(y)) for x in a for y in b)


def _only(claim_doc, docs) -> str | None:
    if any(t.lower_ == "only" for t in claim_doc) and not any(
            t.lower_ == "only" for d in docs for t in d):
        return "its source does not say 'only'"
    return None


def _modifiers(claim_doc, docs) -> str | None:
    from retrieval.linguistics.clauses import name_modifiers

    theirs: dict[str, set[str]] = {}
    for doc in docs:
        for noun, words in name_modifiers(doc).items():
            theirs.setdefault(noun, set()).update(words)
    lemmas = {t.lemma_.lower() for d in docs for t in d}
    for noun, words in name_modifiers(claim_doc).items():
        if noun not in lemmas and not any(same_predicate(noun, w) for w in lemmas):
            return f"its source does not say '{noun}'"
        if noun in theirs and not _overlap(words, theirs[noun]):
            return f"its source says {'/'.join(sorted(theirs[noun]))} {noun}, not " \
                   f"{'/'.join(sorted(words))}"
    return None


def _numbers(claim_doc, docs) -> str | None:
    from retrieval.linguistics import number_attachments

    theirs = [(_value(a.text), a) for d in docs for a in number_attachments(d)]
    text = " ".join(d.text for d in docs)
    for mine in number_attachments(claim_doc):
        value = _value(mine.text)
        if value is None:
            continue
        same_value = [a for v, a in theirs if v == value]
        fits = [a for a in same_value if _counts_same(mine, a, text)]
        if same_value and not fits:
            return f"its source counts {mine.text} {same_value[0].head}, not {mine.head}"
        if not same_value:
            same_noun = [a for v, a in theirs if _counts_same(mine, a, text)]
            if same_noun:
                return f"its source gives {same_noun[0].text} {same_noun[0].head}"
    return None


def _value(written: str) -> float | None:
    values = extract_numbers(written, words_too=True)
    return next(iter(values)) if len(values) == 1 else None


def _counts_same(mine, theirs, unit_text: str) -> bool:
    """Does the unit's number count what the claim's does (or something the claim's noun
    may stand for: "troops" for a "contingent" of servicemen, "vehicles" for carriers)?"""
    if mine.head == theirs.head or mine.head in theirs.context:
        return True
    if may_stand_for(mine.head, theirs.head) or any(may_stand_for(mine.head, w)
                                                     for w in theirs.context):
        return True
    return _is_acronym_of(mine.head, unit_text)


def _is_acronym_of(word: str, text: str) -> bool:
    """ "APCs" for "armoured personnel carriers"."""
    letters = word.rstrip("s").lower()
    if not 2 <= len(letters) <= 5:
        return False
    words = re.findall(r"[A-Za-z]+", text)
    initials = "".join(w[0].lower() for w in words)
    return letters in initials and any(
        "".join(w[0].lower() for w in words[i:i + len(letters)]) == letters
        for i in range(len(words)))


def _dates(claim_doc, docs) -> str | None:
    from retrieval.linguistics import date_attachments

    theirs = [(d, a) for doc in docs for a in date_attachments(doc) for d in _dates_of(a.text)]
    unit_lemmas = {t.lemma_.lower() for d in docs for t in d}
    for mine in date_attachments(claim_doc):
        event = next(iter(mine.context), mine.head)  # the verb with its particle
        if event in LIGHT_VERBS or _dates_a_noun(claim_doc, mine.text):
            continue
        for date in _dates_of(mine.text):
            at = [a for d, a in theirs if _same_date(date, d)]
            if not at or any(next(iter(a.context), a.head) in LIGHT_VERBS
                             or same_predicate(event, next(iter(a.context), a.head))
                             for a in at):
                continue
            elsewhere = any(same_predicate(event, lemma) for lemma in unit_lemmas)
            return (f"its source dates '{at[0].head}' {mine.text}"
                    + (f", not '{mine.head}'" if elsewhere else f"; it does not say "
                       f"'{mine.head}' then"))
    return None


def _dates_a_noun(doc, written: str) -> bool:
    """ "the referendum of 10 December 1991": the date names which referendum; it does not
    date the verb ("boycotted") the noun hangs from."""
    for entity in doc.ents:
        if entity.text != written:
            continue
        root = entity.root
        if root.dep_ == "pobj" and root.head.lower_ == "of" and root.head.head.pos_ == "NOUN":
            return True
        if root.dep_ in ("compound", "nmod") and root.head.pos_ == "NOUN":
            return True
    return False


@lru_cache(maxsize=4096)
def _dates_of(written: str) -> tuple[tuple[int | None, int | None, int | None], ...]:
    dates = extract_dates(written)
    if dates:
        return tuple(sorted(dates, key=str))
    years = re.findall(r"\b(1[89]\d\d|20\d\d)\b", written)
    return tuple((int(y), None, None) for y in years)


def _same_date(a, b) -> bool:
    return all(x is None or y is None or x == y for x, y in zip(a, b, strict=True)) and \
        a[0] == b[0]
