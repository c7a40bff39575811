"""The claim check's rules on verbs: is the claim's main verb in its unit, with its
arguments, the same polarity, the same roles and the same demonyms (see meaning.py)."""

from __future__ import annotations

from retrieval.answering.lexicon import (
    LIGHT_VERBS,
    SPEECH_VERBS,
    antonyms,
    may_stand_for,
    same_predicate,
)
from retrieval.answering.role_words import acronym_for, overlap
from retrieval.answering.verb_paraphrase import role_paraphrases


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
        # A light complement ("said it had links to the protest") is still what is said:
        # its object carries the claim and is checked as the main verb's argument.
        said = next((c for c in root.children if c.dep_ == "ccomp" and c.pos_ in ("VERB", "AUX")),
                    None)
        return said or root
    return root


def predicate_missing(claim_doc, docs) -> str | None:
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
    if role_paraphrases(claim_doc, root, docs):
        return None
    return f"its source does not say '{lemma}'"


def argument_missing(claim_doc, docs) -> str | None:
    """Each argument of the claim's main verb (its object, or what a preposition adds:
    "died *of natural causes*") must share a word with the unit; numbers and dates in it
    are checked as such elsewhere."""
    from retrieval.linguistics.clauses import phrase_words, predicate_name

    main = _main_verb(claim_doc)
    if main is None or main.pos_ not in ("VERB", "AUX"):
        return None
    unit_words = {t.lemma_.lower() for d in docs for t in d} | {
        t.lower_ for d in docs for t in d}
    light = predicate_name(main) in LIGHT_VERBS
    for child in main.children:
        heads = [child] if child.dep_ in ("dobj", "attr", "oprd", "acomp") else [
            g for g in child.children if g.dep_ == "pobj"] if child.dep_ in ("prep", "agent") \
            else []
        for head in heads:
            if head.ent_type_ in ("DATE", "TIME", "CARDINAL") or head.pos_ in ("PRON", "NUM"):
                continue
            words = {w for w in phrase_words(head) if not any(ch.isdigit() for ch in w)}
            # The noun heading the argument ("links to the protest"), or at least half of
            # its phrase ("a sense of security" for "peace of mind about its security"):
            # one stray word of a long phrase does not make the unit say it.
            # After a light verb the object's noun is the predicate ("had links"): it must
            # be there itself.
            found = sum(_said_in(w, unit_words) for w in words)
            light_object = light and child.dep_ in ("dobj", "attr") and head.pos_ == "NOUN"
            if words and not (_said_in(head.lemma_.lower(), unit_words) or not light_object
                              and found and 2 * found >= len(words)):
                return f"its source does not say '{head.text}'"
    return None


def _said_in(word: str, unit_words: set[str]) -> bool:
    return word in unit_words or any(same_predicate(word, u) or may_stand_for(word, u)
                                     or may_stand_for(u, word) for u in unit_words)


def polarity_or_roles(claim_doc, docs) -> str | None:
    from retrieval.linguistics.clauses import name_modifiers, name_words, phrase_words, verb_frames

    unknown: set = set()  # frames whose subject is unknown
    resolved = _resolved_frames(docs, unknown)
    unit_frames = [f for f, _ in resolved]
    firm = {id(f): own for f, own in resolved}
    main = _main_verb(claim_doc)
    modified = {noun: words for d in docs for noun, words in name_modifiers(d).items()}
    unit_names = frozenset().union(*(name_words(d) for d in docs))
    # Words the parser calls nationalities or states ("Azerbaijani", "Turkey's").
    peoples = frozenset(t.lower_ for d in (claim_doc, *docs) for t in d
                        if t.ent_type_ in ("NORP", "GPE", "ORG"))
    claim_names = name_words(claim_doc)
    persons = _persons(claim_doc, *docs)
    for verb, frame in verb_frames(claim_doc):
        # The same verb when the unit has it; a synonym only when it does not (a vaguer
        # "create" elsewhere in the unit must not vouch for a "set up" it contradicts).
        same = [f for f in unit_frames if f.predicate == frame.predicate] or \
            [f for f in unit_frames if same_predicate(frame.predicate, f.predicate)] or \
            [f for f in unit_frames if f in role_paraphrases(claim_doc, verb, docs)]
        # An antonym flips the claim when it is said of the same thing: "started operating"
        # is not contradicted by "ended its mandate".
        opposite = [f for f in unit_frames
                    if any(same_predicate(a, f.predicate) for a in antonyms(frame.predicate))
                    and (not f.object or frame.object and overlap(frame.object, f.object))]
        agreeing = [f for f in same if f.negated == frame.negated] + \
            [f for f in opposite if f.negated != frame.negated]
        if (same or opposite) and not agreeing:
            kind = "says the opposite" if not same else "negates it" if not frame.negated \
                else "does not negate it"
            return f"its source {kind} ('{frame.predicate}')"
        # "X did not do V" with V nowhere in the unit: nothing there says it did not.
        if not (same or opposite) and frame.negated and frame.predicate not in LIGHT_VERBS \
                and not any(f.negated for f in unit_frames):
            return f"its source does not say '{frame.predicate}' did not happen"
        if agreeing and all(_roles_swapped(frame, f, claim_names, unit_names, firm[id(f)],
                                           peoples, persons)
                            for f in agreeing):
            return f"its source gives '{frame.predicate}' other roles"
        doer = _names_in(frame.subject, claim_names) if _named_subject(verb) else set()
        # The event as a noun, with whose it is: "an Azerbaijani victory", "the flight of
        # more than 100,000 Karabakh Armenians".
        by_noun = [w for noun, w in modified.items() if same_predicate(frame.predicate, noun)]
        by_noun += [phrase_words(t) for d in docs for t in d if t.pos_ == "NOUN"
                    and same_predicate(frame.predicate, t.lemma_.lower())]
        # "its head of mission is Markus Ritter" for "Ritter heads the mission": the noun's
        # other side of "be" is whose it is.
        by_noun += [phrase_words(c) for d in docs for t in d if t.pos_ == "NOUN"
                    and t.dep_ in ("nsubj", "attr") and t.head.lemma_ == "be"
                    and same_predicate(frame.predicate, t.lemma_.lower())
                    for c in t.head.children if c.dep_ in ("nsubj", "attr") and c is not t]
        if main is not None and verb.i == main.i and doer and \
                frame.predicate not in LIGHT_VERBS and not any(
                overlap(doer, f.subject | f.object | f.recipient) for f in agreeing) and \
                not any(overlap(doer, words) for words in by_noun) and \
                not (any(f in unknown for f in agreeing) and overlap(doer, unit_names)):
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


def _persons(*docs) -> frozenset[tuple[frozenset[str], str]]:
    """(given names, surname) of each person the parser finds: ({"heydar"}, "aliyev")."""
    found = set()
    for doc in docs:
        for ent in doc.ents:
            words = [t.lower_ for t in ent if t.is_alpha]
            if ent.label_ == "PERSON" and len(words) >= 2:
                found.add((frozenset(words[:-1]), words[-1]))
    return frozenset(found)


def _namesake(mine: frozenset[str], theirs: frozenset[str], persons) -> bool:
    """Does the unit's role hold another person of the claim's surname, and not the claim's
    ("Ilham Aliyev succeeded his father Heydar Aliyev" for "Heydar Aliyev succeeded ...")?
    A shared surname is not the same doer."""
    for given, surname in persons:
        if surname in mine and given <= mine and not given <= theirs and any(
                other_surname == surname and other != given and other <= theirs
                for other, other_surname in persons):
            return True
    return False


def _roles_swapped(claim_frame, unit_frame, claim_names, unit_names,
                   firm_subject: bool = True, peoples: frozenset[str] = frozenset(),
                   persons=frozenset()) -> bool:
    """Does the unit put the claim's subject, object or recipient in another role, or fill
    that role with another name it also holds ("Peskov described" for "Zakharova
    described" in a unit naming both; "appointed Kiselyov" for "appointed Simonyan")?
    "X was Y" says what "Y was X" says: a copula's two sides may be read either way."""
    import dataclasses

    swapped = _roles_swapped_as_read(claim_frame, unit_frame, claim_names, unit_names,
                                     firm_subject, peoples, persons)
    if swapped and claim_frame.predicate == "be" == unit_frame.predicate:
        flipped = dataclasses.replace(unit_frame, subject=unit_frame.object,
                                      object=unit_frame.subject)
        # Read the other way only when each side's names are all on the other side: a
        # shared common word ("head") does not make "Tomat is the head of mission" the
        # unit's "its head of mission is Ritter".
        whole = all(_names_in(getattr(claim_frame, r), claim_names) <= getattr(flipped, r)
                    for r in ("subject", "object"))
        return not whole or _roles_swapped_as_read(claim_frame, flipped, claim_names,
                                                   unit_names, firm_subject, peoples, persons)
    return swapped


def _roles_swapped_as_read(claim_frame, unit_frame, claim_names, unit_names,
                           firm_subject: bool = True, peoples: frozenset[str] = frozenset(),
                           persons=frozenset()) -> bool:
    roles = ("subject", "object", "recipient")
    for role in roles:
        mine, theirs = getattr(claim_frame, role), getattr(unit_frame, role)
        if not mine or not theirs or acronym_for(mine, theirs) or acronym_for(theirs, mine):
            continue  # "the EU" for "the European Union"
        my_names, their_names = _names_in(mine, claim_names), _names_in(theirs, unit_names)
        if overlap(mine, theirs) and _namesake(mine, theirs, persons):
            return True
        if overlap(mine, theirs):
            # A shared common noun is not the same doer when the peoples differ:
            # "Azerbaijani forces captured" against "Armenian forces captured". (Only the
            # doer: an object may be one item of a list the parse splits.)
            my_people, their_people = my_names & peoples, their_names & peoples
            if my_people and their_people and not overlap(my_people, their_people) and (
                    role == "subject" and firm_subject) and claim_frame.predicate != "be":
                return True
            continue
        others = set().union(*(getattr(unit_frame, r) for r in roles if r != role))
        if overlap(mine, others):
            return True  # "Azerbaijan was to return Kalbajar to Armenia": roles swapped
        my_names = _names_in(mine, claim_names)
        if role == "subject" and not firm_subject:
            continue
        if my_names and _names_in(theirs, unit_names):
            return True  # another name fills this role in the unit
    return False


def _names_in(words: frozenset[str], names: frozenset[str]) -> set[str]:
    return {w for w in words if w in names}


# Words that say "and no other": "led by Russia alone", "the sole mediator".
_EXCLUSIVE = frozenset(["only", "alone", "solely", "exclusively", "sole"])


def only_missing(claim_doc, docs) -> str | None:
    if any(t.lower_ in _EXCLUSIVE for t in claim_doc) and not any(
            t.lower_ in _EXCLUSIVE for d in docs for t in d):
        return "its source does not say 'only'"
    return None


def modifiers_disagree(claim_doc, docs) -> str | None:
    from retrieval.linguistics.clauses import name_modifiers

    theirs: dict[str, set[str]] = {}
    for doc in docs:
        for noun, words in name_modifiers(doc).items():
            theirs.setdefault(noun, set()).update(words)
    lemmas = {t.lemma_.lower() for d in docs for t in d}
    for noun, words in name_modifiers(claim_doc).items():
        if noun not in lemmas and not any(same_predicate(noun, w) or may_stand_for(noun, w)
                                          for w in lemmas):
            return f"its source does not say '{noun}'"
        if noun in theirs and not overlap(words, theirs[noun]):
            return f"its source says {'/'.join(sorted(theirs[noun]))} {noun}, not " \
                   f"{'/'.join(sorted(words))}"
    return None


def stated_as_verb(claim_doc, docs) -> bool:
    from retrieval.linguistics.clauses import predicate_name

    main = _main_verb(claim_doc)
    if main is None or main.pos_ != "VERB" or predicate_name(main) in LIGHT_VERBS:
        return True
    lemma = predicate_name(main)
    return any(t.pos_ == "VERB" and same_predicate(lemma, predicate_name(t))
               for d in docs for t in d)
