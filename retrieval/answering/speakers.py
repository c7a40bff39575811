"""The claim check's rules on attribution: who said it, and who holds which office (see
meaning.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from retrieval.answering.lexicon import SPEECH_VERBS, same_predicate
from retrieval.answering.role_words import overlap


def _is_speech(lemma: str) -> bool:
    return lemma in SPEECH_VERBS or same_predicate(lemma, "say")


def speaker_missing(claim_doc, docs, source: str = "") -> str | None:
    """ "Aliyev said X" needs a unit in which Aliyev says X. Every statement the claim gives
    a named speaker ("X said that ...", "X called Y Z", "according to X, ...") is matched
    with the unit's statement that says most of what it says; that statement's speaker must
    be the claim's (or a pronoun the unit does not resolve, or a subject the parse lost), or
    the speaker is the source itself (its tag: "Sputnik reported ..." over a Sputnik
    article). A unit that states X in its own voice, or puts X in another speaker's mouth,
    does not say that Aliyev said it."""
    from retrieval.linguistics.clauses import name_words

    unit_names = frozenset().union(*(name_words(d) for d in docs))
    # A sentence-opening name the tagger reads as a common noun ("Raisi called ...") is a
    # name when the unit writes it capitalised inside a sentence.
    claim_names = name_words(claim_doc) | {
        t.lower_ for t in claim_doc if t.is_sent_start and t.is_alpha and t.text[:1].isupper()
        and t.lower_ in unit_names}
    theirs = [s for d in docs for s in statements(d)]
    _resolve_pronouns(theirs)
    unit_words = {t.lemma_.lower() for d in docs for t in d} | {t.lower_ for d in docs for t in d}
    source_words = {w.lower() for w in re.findall(r"[\w'-]+", source)}
    for mine in statements(claim_doc, claim=True):
        speaker = (mine.speaker or frozenset()) & claim_names
        if not speaker:
            continue  # "officials said", "he said": the claim names no one
        # The source itself may speak ("Sputnik reported ..." over a Sputnik article) when
        # the unit does not name the speaker: a unit that names it, but not as a speaker,
        # is about it, not by it.
        if source and not overlap(speaker, unit_words) and overlap(speaker, source_words):
            continue
        said = mine.said - speaker
        # The unit's statements that say what the claim's says: first those holding its
        # verb ("no agreement existed" is the reply, not the statement about border guards
        # that shares more of its words), then those sharing most of its words. When none
        # shares a word, any statement of the unit (what is said may be paraphrased).
        scored = [((any(same_predicate(v, w) for v in mine.verbs for w in s.said),
                    len(said & s.said)), s) for s in theirs]
        best = max((n for n, _ in scored), default=(False, 0))
        saying = [s for n, s in scored if n == best]
        if any(s.speaker is None or overlap(speaker, s.speaker) for s in saying):
            continue
        return f"its source does not say that {' '.join(sorted(speaker))} said it"
    return None


@dataclass
class Statement:
    """A reported statement: who says it (content lemmas; None when unknown) and the
    content lemmas of what is said."""

    speaker: frozenset[str] | None
    said: frozenset[str]
    pronoun: str = ""  # "he"/"she" when the speaker is one (resolved within the unit)
    person: bool = False  # the speaker is a person by the parse (what "he"/"she" may be)
    verbs: frozenset[str] = frozenset()  # the verbs that head what is said ("existed")


_CONTENT_POS = frozenset(["NOUN", "PROPN", "ADJ", "VERB", "NUM", "ADV"])


def _speech_tokens(doc, claim: bool) -> list:
    """The tokens that report a statement, each with its speaker tokens.

    In a claim only a speech verb with what is said ("said that ...", "called the deal a
    landmark") or "according to X": "Blinken called Aliyev" is an act, its doer a role. In
    a unit any speech verb with a speaker counts (what it says is matched by words)."""
    found = []
    for token in doc:
        if token.lower_ == "according" and token.dep_ == "prep":
            who = [g for c in token.children for g in c.children if g.dep_ == "pobj"]
            found.append((token, who))
            continue
        if token.pos_ != "VERB" or not _is_speech(token.lemma_.lower()):
            continue
        # A speech verb that the parse hung below what it says ("Raisi called the
        # Rasht–Astara deal a landmark", with "deal" read as the root) still reports it.
        misparsed = token.dep_ == "ccomp" and token.head.i > token.i
        # "called the handling a fiasco" judges; "called Aliyev" (a phone call) and "which
        # Armenians call Ivanyan" (a name) report nothing.
        judged = any(c.dep_ == "oprd" and not c.text[:1].isupper()
                     for c in token.children)
        if claim and not misparsed and not judged and not any(
                c.dep_ == "ccomp" for c in token.children):
            continue
        who = [c for c in token.children if c.dep_ == "nsubj"] + [
            g for c in token.children if c.dep_ == "agent" for g in c.children
            if g.dep_ == "pobj"]
        if not who and token.dep_ == "advcl":  # "..., saying that": the main subject
            who = [c for c in token.head.children if c.dep_ == "nsubj"]
        if not who and (token.tag_ == "VBN" or token.dep_ == "acl" or any(
                c.dep_ in ("nsubjpass", "auxpass") for c in token.children)):
            continue  # "also called the Republic of Artsakh": no one speaks
        found.append((token, who))
    return found


def statements(doc, claim: bool = False) -> list[Statement]:
    """The reported statements of a parsed sentence. What each says is the words it governs,
    less its speaker and the statements nested in it; words of the sentence that no
    statement governs (a misparse: "Raisi called the Rasht–Astara deal ..." hangs "deal"
    above "called") belong to its first statement."""
    from retrieval.linguistics.clauses import phrase_words

    speeches = _speech_tokens(doc, claim)
    if not speeches:
        return []
    heads = {t.i for t, _ in speeches}
    owner: dict[int, int] = {}
    for token in doc:
        node = token
        while True:
            if node.i in heads and node.i != token.i:
                owner[token.i] = node.i
                break
            if node.head.i == node.i:
                break
            node = node.head
    first_in_sentence: dict[int, int] = {}
    for t, _ in speeches:
        first_in_sentence.setdefault(t.sent.start, t.i)
    out = []
    for token, who in speeches:
        if token.lower_ == "according":
            own = {x.i for x in token.subtree}  # "according to X" itself
            region = [t for t in token.head.subtree if t.i not in own]
        else:
            region = [t for t in doc if owner.get(t.i) == token.i or (
                t.i not in owner and t.i not in heads and t.sent.start == token.sent.start
                and first_in_sentence[token.sent.start] == token.i)]
        speaker_ids = {x.i for w in who for x in w.subtree}
        said = frozenset(t.lemma_.lower() for t in region if t.pos_ in _CONTENT_POS
                         and not t.is_stop and t.i not in speaker_ids and t.i not in heads)
        pronoun = next((w.lower_ for w in who if w.pos_ == "PRON"), "")
        unknown = not who or bool(pronoun)
        speaker = None if unknown else frozenset().union(*(phrase_words(w) for w in who))
        person = any(w.ent_type_ == "PERSON" or any(x.ent_type_ == "PERSON" for x in w.subtree)
                     for w in who)
        verbs = frozenset(c.lemma_.lower() for c in token.children
                          if c.dep_ == "ccomp" and c.pos_ == "VERB")
        out.append(Statement(speaker, said, pronoun, person, verbs))
    return out


def _resolve_pronouns(found: list[Statement]) -> None:
    """ "he"/"she" speak for the last named speaker before them in the unit (the nearest
    antecedent, which is what a reader takes them for); "it"/"they" stay unknown."""
    last = None
    for i, s in enumerate(found):
        if s.speaker is not None:
            last = s.speaker
        elif s.pronoun in ("he", "she") and last is not None:
            found[i] = Statement(last, s.said, s.pronoun, True, s.verbs)


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

