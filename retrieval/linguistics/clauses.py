"""Grammar of statements: polarity, who did what to whom, what numbers and dates attach to."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from retrieval.linguistics.pipeline import parse, parse_all

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span, Token


# --- polarity ---------------------------------------------------------------------------

# Words that negate the clause they modify. spaCy marks "not", "n't" and "never" as `neg`;
# "no" and "none" determine a noun ("no state recognised it"), "without" heads a phrase.
_NEGATING_WORDS = frozenset(["not", "n't", "never", "no", "none", "neither", "nor", "nobody",
                             "nothing", "nowhere", "without"])
# Verbs whose complement did not happen: "failed to reach", "refused to sign", "denied that".
_NEGATING_VERBS = frozenset(["fail", "refuse", "deny", "decline", "reject"])


def is_negated(verb: Token) -> bool:
    """Is the clause this verb heads negated, or is it the complement of one that is?

    "was not to return" (the `neg` sits on the auxiliary "was", "return" is its xcomp),
    "never produced", "failed to reach", "no state recognised", "produced no settlement".
    """
    flips = 0
    node = verb
    while True:
        flips += sum(1 for child in node.children if _negates(child))
        if node.dep_ != "xcomp" or node.head is node:
            break
        if node.head.lemma_ in _NEGATING_VERBS or _has_yet_to(node.head):
            flips += 1
        node = node.head
    return flips % 2 == 1


def _has_yet_to(verb: Token) -> bool:
    """ "has yet to comment", "is yet to be named": the complement has not happened."""
    return verb.lemma_ in ("have", "be") and any(
        c.dep_ == "advmod" and c.lower_ == "yet" for c in verb.children)


def _negates(child: Token) -> bool:
    if child.dep_ == "neg":
        return True
    if child.dep_ in ("advmod", "preconj") and child.lower_ in _NEGATING_WORDS:
        return True
    if child.dep_ == "prep" and child.lower_ == "without":
        return False  # "without X" negates X, not the verb: "left without a deal" still left
    return child.dep_ in ("nsubj", "nsubjpass", "dobj", "attr") and _determined_by_no(child)


def _determined_by_no(noun: Token) -> bool:
    return noun.lower_ in ("nobody", "nothing", "none") or any(
        c.dep_ == "det" and c.lower_ == "no" for c in noun.children)


# --- who did what to whom ----------------------------------------------------------------

_CONTENT_POS = frozenset(["PROPN", "NOUN", "NUM", "ADJ"])


@dataclass(frozen=True)
class Frame:
    """One predicate and its roles, as lower-cased lemmas of the words in each role.

    Roles are logical, not grammatical: in "the checkpoint was set up by Azerbaijan" the
    subject is Azerbaijan and the object the checkpoint, as in the active sentence. An empty
    role means the parse found none (the small model misreads some sentences, for example
    "On 23 April 2023 Azerbaijan set up ..." without a comma): treat it as unknown, not as a
    mismatch.
    """

    predicate: str
    subject: frozenset[str]
    object: frozenset[str]
    recipient: frozenset[str]
    negated: bool


def phrase_words(token: Token, conjuncts: bool = True) -> frozenset[str]:
    """Content lemmas of the phrase a token heads, clauses left out.

    With `conjuncts`, "Kalbajar and Lachin" is one phrase; without, only "Kalbajar".
    """
    words: set[str] = set()
    stack = [token]
    while stack:
        node = stack.pop()
        # "The Karabakh Armenian authorities in Stepanakert (Khankendi in Azerbaijani)":
        # what brackets add is another name or a translation, not who the phrase is.
        if node.pos_ in _CONTENT_POS and not (node is not token and _in_brackets(node)):
            words.add(node.lemma_.lower())
        for child in node.children:
            # A relative clause or an apposition's own verb is another statement.
            if child.dep_ in ("relcl", "acl", "ccomp", "advcl", "punct", "cc"):
                continue
            if not conjuncts and child.dep_ in ("conj", "appos"):
                continue
            stack.append(child)
    return frozenset(words)


def _in_brackets(token: Token) -> bool:
    """Is the token inside round brackets opened in its sentence?"""
    depth = 0
    for t in token.sent:
        if t.i >= token.i:
            break
        depth += (t.text == "(") - (t.text == ")")
    return depth > 0


def _predicate_name(verb: Token) -> str:
    particle = [c.lower_ for c in verb.children if c.dep_ == "prt"]
    return " ".join([verb.lemma_.lower(), *particle])


def _role_tokens(verb: Token) -> tuple[list[Token], list[Token], list[Token]]:
    subjects: list[Token] = []
    objects: list[Token] = []
    recipients: list[Token] = []
    for child in verb.children:
        dep = child.dep_
        if dep in ("nsubj", "csubj", "expl"):
            subjects.append(child)
        elif dep == "nsubjpass":
            objects.append(child)
        elif dep == "agent":
            subjects.extend(c for c in child.children if c.dep_ == "pobj")
        elif dep in ("dobj", "attr", "oprd"):
            objects.append(child)
        elif dep == "dative":
            recipients.append(child)
        elif dep == "prep" and child.lower_ in ("to", "towards"):
            recipients.extend(c for c in child.children if c.dep_ == "pobj")
    return subjects, objects, recipients


def _inherited_subject(verb: Token) -> list[Token]:
    """The subject a verb without one shares with the verb it hangs from.

    "Armenia was to return Kalbajar": "return" (xcomp of "was") does what Armenia does;
    "Russia deployed troops and set up posts": "set" (conj) shares "Russia".
    """
    node = verb
    while node.dep_ in ("xcomp", "conj") and node.head is not node:
        was_complement = node.dep_ == "xcomp"
        node = node.head
        subjects, _objects, _ = _role_tokens(node)
        # "the ICJ ordered Azerbaijan to ensure ...", "asked Stalin to attach ...": the one
        # told to act is the object, not the subject, of the verb that tells.
        told = [c for c in node.children if c.dep_ == "dobj"]
        if was_complement and told:
            return told
        if subjects:
            return subjects
        if node.dep_ not in ("xcomp", "conj"):
            break
    return []


def frames(span: Span | Doc) -> list[Frame]:
    """Every verbal predicate of a text with its subject, object and recipient."""
    return [frame for _, frame in verb_frames(span)]


# --- names ---------------------------------------------------------------------------------


def names(span: Span | Doc) -> list[str]:
    """The proper names of a text: its entities (not numbers or dates) and PROPN runs."""
    found: dict[str, None] = {}
    for entity in span.ents:
        if entity.label_ not in ("DATE", "TIME", "CARDINAL", "ORDINAL", "QUANTITY",
                                 "PERCENT", "MONEY"):
            found[entity.text] = None
    run: list[Token] = []
    for token in [*span, None]:
        if token is not None and token.pos_ == "PROPN" and token.ent_type_ != "DATE":
            run.append(token)
            continue
        if run:
            found.setdefault(span.doc[run[0].i:run[-1].i + 1].text, None)
            run = []
    return list(found)


def main_entity(text: str) -> str | None:
    """The name a text is mostly about: its subject's name, else its first name.

    Used to resolve "he", "she", "it", "they" in a follow-up question to the entity of the
    previous turn.
    """
    doc = parse(text)
    for token in doc:
        if token.dep_ in ("nsubj", "nsubjpass") and token.pos_ == "PROPN":
            return _name_span(token).text
    for chunk in names(doc):
        return chunk
    return None


def subject_name(text: str) -> str | None:
    """The name that is the subject of the text's main clause ("Veteran Russian Caucasus
    politics expert Stanislav Tarasov told Sputnik ..." -> "Stanislav Tarasov"), or None
    when the subject is not a name."""
    doc = parse(text)
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    subject = next((c for c in root.children if c.dep_ in ("nsubj", "nsubjpass")),
                   None) if root is not None else None
    if subject is None or subject.pos_ != "PROPN":
        return None
    return _name_span(subject).text


def _name_span(token: Token) -> Span:
    left = token
    while left.i > 0 and token.doc[left.i - 1].pos_ == "PROPN" and token.doc[
            left.i - 1].dep_ in ("compound", "flat", "nmod"):
        left = token.doc[left.i - 1]
    return token.doc[left.i:token.i + 1]



def lemmas(texts: Iterable[str]) -> list[frozenset[str]]:
    """Content lemmas of each text (for overlap measures that should see "troops" = "troop")."""
    return [frozenset(t.lemma_.lower() for t in doc if t.pos_ in _CONTENT_POS | {"VERB"})
            for doc in parse_all(list(texts))]


# --- what the claim check compares (added for issue 20) -------------------------------------

# A verb whose complement did not happen, whatever form the complement takes: "denied
# sending them" (the gerund is its object), "denied that there was any blockade" (a clause).
_DENYING_VERBS = _NEGATING_VERBS | {"dismiss"}


def clause_negated(verb: Token) -> bool:
    """`is_negated`, and also true for the complement of a denying verb in any form.

    "Turkey denied sending them": "send" did not happen by Turkey's account, though the
    parse makes "sending" the object of "denied" rather than an xcomp.
    """
    negated = is_negated(verb)
    if any(c.dep_ in ("nsubj", "nsubjpass") and any(
            g.dep_ == "neg" and g.i < c.i for g in c.subtree) for c in verb.children):
        negated = not negated  # "Not even Armenia recognised it": the neg sits on the subject
    head = verb.head
    if head is not verb and verb.dep_ in ("ccomp", "dobj", "pcomp") and (
            head.lemma_ in _DENYING_VERBS):
        negated = not negated if not is_negated(head) else negated
    return negated


def verb_frames(span: Span | Doc) -> list[tuple[Token, Frame]]:
    """`frames`, each with the token of its predicate (for the claim check's polarity rule)."""
    out = []
    for token in span:
        is_copula_root = token.lemma_ == "be" and any(c.dep_ == "attr" for c in token.children)
        if token.pos_ != "VERB" and not is_copula_root:
            continue
        subjects, objects, recipients = _role_tokens(token)
        # A passive with its own subject ("..., and it was inaugurated on 21 October") names
        # no doer: it does not take the doer of the verb it is joined to.
        own_passive = any(c.dep_ == "nsubjpass" for c in token.children)
        if not subjects and not own_passive:
            subjects = _inherited_subject(token) or _relative_subject(token)
        out.append((token, Frame(
            predicate=_predicate_name(token),
            subject=frozenset().union(*(phrase_words(t) for t in subjects)),
            object=frozenset().union(*(phrase_words(t) for t in objects)),
            recipient=frozenset().union(*(phrase_words(t) for t in recipients)),
            negated=clause_negated(token),
        )))
    return out


def _relative_subject(verb: Token) -> list[Token]:
    """ "Shahumyan, the leader who founded it": the subject of "founded" is the noun "who"
    stands for (the head of the relative clause)."""
    if verb.dep_ != "relcl":
        return []
    if any(c.dep_ in ("nsubj", "nsubjpass") and c.lower_ in ("who", "which", "that")
           for c in verb.children):
        return [verb.head]
    return []


def without_capital_opener(text: str) -> str:
    """The sentence with its first word in lower case when the parse reads it as an
    ordinary word ("Starting on 30 August 2022, traffic ..."): a capital that only opens a
    sentence names no one, and the fact check would look for it as a name."""
    doc = parse(text)
    first = next((t for t in doc if not t.is_punct and not t.is_space), None)
    if first is None or not first.text[:1].isupper() or first.ent_type_ or first.pos_ in (
            "PROPN", "NOUN", "ADJ", "NUM", "X") or first.text.isupper():
        return text
    i = first.idx
    return text[:i] + text[i].lower() + text[i + 1:]


def predicate_name(verb: Token) -> str:
    """A verb's lemma with its particle: "set up", "hand over", "make up"."""
    return _predicate_name(verb)


_NAME_LABELS = frozenset(["PERSON", "ORG", "GPE", "NORP", "LOC", "FAC"])


def name_words(span: Span | Doc) -> frozenset[str]:
    """Lower-cased lemmas of the words that name something: proper nouns, and capitalised
    words inside a sentence ("Azerbaijani", "Russian") that are not its first word."""
    found = set()
    for token in span:
        # A sentence's first word is capitalised anyway; there an entity label says it is a
        # name ("Aliyev said ..." is tagged NOUN but labelled as an entity).
        named_first = token.is_sent_start and token.ent_type_ in _NAME_LABELS
        if token.pos_ == "PROPN" or named_first or (
                token.text[:1].isupper() and token.is_alpha and not token.is_sent_start
                and token.pos_ != "PRON"):
            found.add(token.lemma_.lower())
            found.add(token.lower_)
    return frozenset(found)


_DEMONYM_ENDS = ("an", "ani", "ese", "ish", "ch", "ic", "i")


def name_modifiers(span: Span | Doc) -> dict[str, frozenset[str]]:
    """For each noun, the demonyms that modify it: "an Azerbaijani victory" ->
    {"victory": {"azerbaijani"}}, "Armenian protesters" -> {"protester": {"armenian"}}.
    (Only words with a demonym's ending: a name before a noun, as in "the Regnum news
    agency", names the thing rather than saying whose it is. The tagger calls a demonym
    ADJ or PROPN by turns, so the ending decides.)"""
    found: dict[str, set[str]] = {}
    for token in span:
        if token.dep_ in ("amod", "compound", "nmod") and token.head.pos_ == "NOUN" and (
                token.text[:1].isupper() and token.is_alpha and token.pos_ in ("ADJ", "PROPN")
                and token.lower_.endswith(_DEMONYM_ENDS)):
            found.setdefault(token.head.lemma_.lower(), set()).add(token.lower_)
    return {noun: frozenset(words) for noun, words in found.items()}
