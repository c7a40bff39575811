"""The claim check's rules on attribution: who said it, and who holds which office (see
meaning.py)."""

from __future__ import annotations

import re

from retrieval.answering.claim_rules import _main_verb
from retrieval.answering.lexicon import LIGHT_VERBS, SPEECH_VERBS, same_predicate
from retrieval.answering.role_words import overlap


def _is_speech(lemma: str) -> bool:
    return lemma in SPEECH_VERBS or same_predicate(lemma, "say")


def speaker_missing(claim_doc, docs, source: str = "") -> str | None:
    """ "Aliyev said X" needs a unit in which Aliyev says it: a speech verb whose subject is
    the claim's named speaker (or a pronoun, or a subject the parse lost), preferring the
    speech verb whose clause holds what the claim says; or the speaker is the source itself
    (its tag: "Sputnik reported ..." over a Sputnik article). A unit that states X in its own
    voice, or puts X in another speaker's mouth, does not say that Aliyev said it."""
    from retrieval.linguistics.clauses import name_words, phrase_words

    root = next((t for t in claim_doc if t.dep_ == "ROOT"), None)
    if root is None or not _is_speech(root.lemma_.lower()):
        return None
    if not any(c.dep_ == "ccomp" for c in root.children):
        return None  # "Blinken called Aliyev": an act with an object, its doer a role
    # The speaker: the active subject, or the agent of a passive ("Azerbaijan was accused
    # by Pashinyan": Pashinyan speaks).
    subjects = [c for c in root.children if c.dep_ == "nsubj"] + [
        g for c in root.children if c.dep_ == "agent" for g in c.children if g.dep_ == "pobj"]
    speaker = set().union(*(phrase_words(s) for s in subjects)) & name_words(claim_doc)
    if not speaker:
        return None  # "officials said": the claim names no one
    # The source itself may speak ("Sputnik reported ..." over a Sputnik article) when the
    # unit does not name the speaker: a unit that names it, but not as a speaker, is about
    # it, not by it.
    unit_words = {t.lemma_.lower() for d in docs for t in d} | {t.lower_ for d in docs for t in d}
    if source and not overlap(speaker, unit_words) and overlap(
            speaker, {w.lower() for w in re.findall(r"[\w'-]+", source)}):
        return None
    said = _main_verb(claim_doc)
    content = {said.lemma_.lower()} if said is not None and said is not root else set()
    if said is not None and said is not root:
        content |= {c.lemma_.lower() for c in said.children
                    if c.dep_ in ("dobj", "attr", "nsubj", "nsubjpass") and c.pos_ == "NOUN"}
    content -= set(LIGHT_VERBS)
    speeches = []  # (speaker words or None when unknown, the words of what is said)
    for doc in docs:
        for token in doc:
            if token.pos_ == "VERB" and _is_speech(token.lemma_.lower()):
                who = [c for c in token.children if c.dep_ == "nsubj"] + [
                    g for c in token.children if c.dep_ == "agent" for g in c.children
                    if g.dep_ == "pobj"]
                what = {t.lemma_.lower() for t in token.subtree}
                if not who and token.dep_ == "advcl":  # "..., saying that": the main subject
                    who = [c for c in token.head.children if c.dep_ == "nsubj"]
                if not who and (token.tag_ == "VBN" or token.dep_ == "acl" or any(
                        c.dep_ in ("nsubjpass", "auxpass") for c in token.children)):
                    continue  # "also called the Republic of Artsakh": no one speaks
            elif token.lower_ == "according" and token.dep_ == "prep":
                # "according to Baku, ...": the speaker is the object of "to"
                who = [g for c in token.children for g in c.children if g.dep_ == "pobj"]
                what = {t.lemma_.lower() for t in token.head.subtree}
            else:
                continue
            unknown = not who or any(w.pos_ == "PRON" for w in who)
            words = None if unknown else set().union(*(phrase_words(w) for w in who))
            speeches.append((words, what))
    saying = [(w, what) for w, what in speeches if content and any(
        any(same_predicate(c, x) for x in what) for c in content)] or speeches
    if any(words is None or overlap(speaker, words) for words, _ in saying):
        return None
    return f"its source does not say that {' '.join(sorted(speaker))} said it"


def offices_disagree(claim_doc, docs) -> str | None:
    """An office the claim gives a person is the unit's office of that person, at the same
    rank: not another person's ("Simonyan is director general" where Kiselyov was appointed
    director general), nor "deputy director" where the unit says "director"."""
    from retrieval.linguistics.offices import offices

    theirs = [o for d in docs for o in offices(d)]
    for mine in offices(claim_doc):
        same_title = [o for o in theirs if o.title == mine.title]
        held = [o for o in same_title if overlap(mine.holder, o.holder)]
        if same_title and not held:
            other = " ".join(sorted(same_title[0].holder))
            return f"its source gives '{' '.join(sorted(mine.title))}' to {other}"
        if held and not any(o.rank == mine.rank for o in held):
            return f"its source does not call {' '.join(sorted(mine.holder))} " \
                   f"'{' '.join(sorted(mine.rank | mine.title))}'"
    return None

