"""Verbs of a unit that say the claim's verb in other words, found by their roles (and, for
verbs the synonym list lacks, by the packaged MiniLM's word similarity): see meaning.py."""

from __future__ import annotations

from retrieval.answering.lexicon import LIGHT_VERBS, SPEECH_VERBS, opposed

# The MiniLM cosine (word_similarity.py) from which a verb of the unit that shares the
# claim verb's doer or object may stand for it; None turns the paraphrase rule off. Chosen
# on tests/eval/claims_adversarial.jsonl and claims_fresh.jsonl (docs/claim-check.md).
VERB_SIMILARITY_MIN: float | None = 0.4
# Verbs too general to be a paraphrase of anything by similarity alone.
_NEVER_SIMILAR = LIGHT_VERBS | SPEECH_VERBS


def role_paraphrases(claim_doc, verb, docs) -> list:
    """The unit's frames that say the claim verb's event in another verb: the same doer
    and the same object, head for head ("Blinken phoned Aliyev" for "Blinken called
    Aliyev", "a referendum removed term limits" for "term limits were abolished by a
    referendum"), or, with no object, the same doer and the same complement verb ("conceded
    that ... did not use" for "admitted that ... did not use"). No list has every synonym;
    the roles say which verb of the unit the claim's verb stands for; or a verb near the
    claim's in meaning that shares a role (`_near_in_meaning`). An antonym, or a synonym of
    one ("adopted" for "rejected"), is never a paraphrase (lexicon.opposed)."""
    from retrieval.answering.role_words import overlap
    from retrieval.linguistics.clauses import predicate_name, verb_frames

    mine = _role_heads(verb)
    found = []
    for doc in docs:
        for token, frame in verb_frames(doc):
            if frame.predicate in LIGHT_VERBS or frame.predicate in SPEECH_VERBS or opposed(
                    predicate_name(verb), frame.predicate) or opposed(verb.lemma_.lower(),
                                                                    frame.predicate):
                continue
            theirs = _role_heads(token)
            same_roles = mine[0] and theirs[0] and overlap(mine[0], theirs[0]) and (
                (mine[1] and theirs[1] and overlap(mine[1], theirs[1])) or (
                    not mine[1] and not theirs[1] and mine[2] & theirs[2]))
            if same_roles or _near_in_meaning(predicate_name(verb), frame.predicate, mine,
                                              theirs):
                found.append(frame)
    return found


def _near_in_meaning(claimed: str, stated: str, mine, theirs) -> bool:
    """A verb of the unit near the claim's in meaning (word_similarity.py) that shares its
    doer or its object and fills no role of it with something else: "Armenia ceased its
    payments" for "Armenia stopped paying", "a convoy set off from Yerevan" for "a convoy
    left Yerevan". Listed antonyms never pass (the caller skips them); an unlisted one with
    the same doer and object would, which is why the similarity must be high."""
    from retrieval.answering.role_words import overlap
    from retrieval.answering.word_similarity import similarity

    if VERB_SIMILARITY_MIN is None or claimed in _NEVER_SIMILAR or stated in _NEVER_SIMILAR:
        return False
    shared = [overlap(m, t) for m, t in zip(mine[:2], theirs[:2], strict=True) if m and t]
    if not shared or not all(shared):
        return False  # no role in common, or one role filled by something else
    return similarity(claimed, stated) >= VERB_SIMILARITY_MIN


def paraphrased_predicates(claim_doc, docs) -> frozenset[tuple[str, str]]:
    """(claim verb, unit verb) for each verb of the unit that says one of the claim's verbs
    in other words, by its roles (`role_paraphrases`)."""
    from retrieval.linguistics.clauses import predicate_name, verb_frames

    return frozenset((predicate_name(verb), frame.predicate)
                     for verb, _ in verb_frames(claim_doc)
                     for frame in role_paraphrases(claim_doc, verb, docs))


def _role_heads(verb) -> tuple[set[str], set[str], set[str]]:
    """The head lemmas of a verb's doer and object (active or passive), and the lemmas of
    its complement verbs."""
    doer, done, complement = set(), set(), set()
    for child in verb.children:
        if child.dep_ == "nsubj" and child.lower_ in ("who", "which", "that") and \
                verb.dep_ == "relcl":
            doer.add(verb.head.lemma_.lower())  # "the statement that ended the war"
        elif child.dep_ == "nsubj":
            doer.add(child.lemma_.lower())
        elif child.dep_ == "agent":
            doer.update(g.lemma_.lower() for g in child.children if g.dep_ == "pobj")
        elif child.dep_ in ("dobj", "nsubjpass"):
            done.add(child.lemma_.lower())
        elif child.dep_ in ("ccomp", "xcomp"):
            complement.add(child.lemma_.lower())
    return doer - {"it", "they", "he", "she", "who", "which", "that"}, done, complement
