"""The few word relations the claim check needs: synonyms, antonyms, general words.

No WordNet-like data ships on PyPI with its data inside (nltk's wordnet downloads it at run
time), so these are short lists, each entry a relation an English dictionary gives, chosen
for the verbs and nouns that news about states, wars and treaties uses. Anything not listed
is compared by lemma and by derived form ("restore" / "restoration").
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

from retrieval.index.lexical import tokenize

# Verb pairs that one claim check found to say the same event by their roles
# (verb_paraphrase.role_paraphrases): every rule of that check reads them as synonyms, so the
# date rule does not take "postponed on ..." for another event than "put off on ...".
_ALIGNED: ContextVar[frozenset[tuple[str, str]]] = ContextVar("aligned", default=frozenset())


@contextmanager
def aligned_predicates(pairs: frozenset[tuple[str, str]]):
    """Read these (claim verb, unit verb) pairs as synonyms while the block runs."""
    token = _ALIGNED.set(pairs)
    try:
        yield
    finally:
        _ALIGNED.reset(token)

# Verbs (lemmas, particles kept) that say the same event in other words.
_SYNONYMS = [
    {"return", "give back", "hand back", "hand over", "pass", "transfer", "cede", "give"},
    {"deploy", "send", "station", "place", "dispatch"},
    {"back", "support", "endorse", "favour", "favor"},
    {"boycott", "stay away", "stay", "shun"},
    {"capture", "take", "seize", "retake", "occupy"},
    {"found", "establish", "create", "set up", "set"},
    {"approve", "authorise", "authorize", "endorse", "adopt"},
    {"inaugurate", "open"},
    {"reject", "turn down", "refuse", "dismiss", "decline", "deny"},
    {"accept", "grant", "approve", "agree"},
    {"appoint", "name", "make"},
    {"lead", "head", "chair", "run"},
    {"kill", "die"},
    {"say", "tell", "state", "add", "note", "report", "announce"},
    {"describe", "call", "term", "characterise", "characterize", "label"},
    {"claim", "argue", "allege"},
    {"proclaim", "declare", "announce"},
    {"fix", "set", "put"},
    {"make up", "number", "comprise", "consist", "include", "have"},
    {"criticise", "criticize", "condemn", "denounce"},
    {"win", "prevail", "defeat", "victory"},
    {"end", "finish", "conclude", "stop"},
    {"begin", "start", "launch", "open"},
    {"block", "obstruct", "blockade", "halt"},
    {"reach", "arrive"},
    {"reach", "achieve", "produce", "secure"},  # a settlement, an agreement
    {"want", "seek", "aim", "mean"},
    {"contain", "block"},
    {"give", "provide", "offer", "supply", "grant"},
    {"operate", "run", "function"},
    {"flee", "flight", "leave", "exodus", "escape"},
    {"admit", "concede", "acknowledge", "confess"},
    {"abolish", "scrap", "eliminate", "remove"},
    {"call", "phone", "telephone", "ring"},
    {"attack", "strike", "shell", "assault", "bomb"},
    {"withdraw", "pull out", "retreat", "pull back"},
    {"urge", "press", "call on", "ask"},
    {"accuse", "blame", "charge"},
    {"increase", "raise", "grow", "rise", "expand", "enlarge"},
    {"reduce", "cut", "lower", "decrease", "shrink"},
    {"build", "construct"},
    {"buy", "purchase", "acquire"},
    {"ban", "prohibit", "forbid", "outlaw"},
    {"arrest", "detain"},
    {"free", "release"},
    {"show", "reveal", "indicate"},
    {"use", "employ"},
    {"need", "require"},
    {"retake", "recapture", "regain"},
    {"propose", "suggest"},
    {"plan", "intend"},
    {"visit", "tour"},
    {"discuss", "talk"},
    {"help", "assist", "aid"},
    {"warn", "caution"},
    # nouns, for the nouns a claim's demonyms modify ("a Russian-Iranian deal")
    {"agreement", "deal", "accord", "pact", "treaty"},
]
# Pairs that flip a claim when one is put for the other.
_ANTONYMS = [
    ("back", "boycott"), ("support", "boycott"), ("back", "oppose"), ("support", "oppose"),
    ("win", "lose"), ("reject", "accept"), ("reject", "approve"), ("reject", "grant"),
    ("open", "close"), ("confirm", "deny"), ("admit", "deny"), ("attend", "boycott"),
    ("praise", "criticise"), ("praise", "criticize"), ("increase", "decrease"),
    ("rise", "fall"), ("join", "leave"), ("begin", "end"), ("start", "end"),
    ("lift", "impose"), ("allow", "ban"), ("allow", "prohibit"), ("deploy", "withdraw"),
    ("accept", "decline"), ("accept", "refuse"), ("agree", "refuse"), ("modify", "reaffirm"),
    ("succeed", "fail"), ("remove", "keep"), ("recognise", "reject"),
    ("confirm", "reject"), ("ratify", "reject"), ("abolish", "introduce"),
    ("abolish", "establish"), ("abolish", "restore"), ("remove", "introduce"),
    ("remove", "add"), ("raise", "lower"), ("raise", "cut"), ("increase", "cut"),
    ("release", "arrest"), ("release", "detain"), ("enter", "leave"), ("arm", "disarm"),
    ("praise", "condemn"), ("support", "reject"), ("lift", "tighten"), ("expand", "reduce"),
    ("enlarge", "reduce"), ("enlarge", "shrink"), ("extend", "end"), ("extend", "shorten"),
    ("acquit", "convict"), ("elect", "defeat"), ("ally", "oppose"), ("import", "export"),
    # Session 7: verbs a similarity may now pair by their roles (word_similarity.py) must
    # have their dictionary opposites listed, since vectors put opposites close together.
    ("gain", "lose"), ("win", "concede"), ("precede", "follow"), ("arrive", "leave"),
    ("arrive", "depart"), ("buy", "sell"), ("lend", "borrow"), ("appear", "disappear"),
    ("include", "exclude"), ("attack", "defend"), ("advance", "retreat"),
    ("strengthen", "weaken"), ("improve", "worsen"), ("approve", "veto"),
    ("agree", "disagree"), ("hire", "fire"), ("enter", "exit"), ("join", "quit"),
    ("resume", "suspend"), ("resume", "stop"), ("resume", "cease"), ("continue", "stop"),
    ("continue", "cease"), ("continue", "end"), ("continue", "halt"), ("start", "stop"),
    ("begin", "stop"), ("start", "cease"), ("begin", "cease"), ("start", "finish"),
    ("permit", "forbid"), ("permit", "ban"), ("grant", "deny"), ("grant", "refuse"),
    ("receive", "send"), ("unite", "divide"), ("reward", "punish"), ("expand", "shrink"),
    ("expand", "contract"), ("help", "hinder"), ("obey", "defy"),
    ("trust", "distrust"), ("legalise", "ban"), ("legalize", "ban"), ("ease", "tighten"),
    ("relax", "tighten"), ("open", "shut"), ("open", "block"),
    ("welcome", "condemn"), ("welcome", "reject"), ("endorse", "reject"),
    ("ratify", "annul"), ("sign", "annul"), ("confirm", "cancel"), ("lose", "retain"),
    ("lose", "keep"), ("lose", "capture"), ("lose", "take"), ("lose", "retake"),
    ("surrender", "capture"), ("surrender", "retain"), ("fail", "manage"),
]
# Verbs too general to date an event by themselves ("it was on 10 November").
# Nor do verbs of composition ("was made up of 1,960 soldiers"): what they say is carried
# by the number and what it counts, which are checked as such.
LIGHT_VERBS = frozenset(["be", "have", "do", "happen", "occur", "take", "take place", "come",
                         "hold", "become", "get", "make up", "consist", "comprise", "number",
                         "total",
                         # "is located in", "was supposed to be": the place or the complement
                         # says it
                         "locate", "situate", "suppose"])
SPEECH_VERBS = frozenset(["say", "tell", "state", "add", "note", "announce", "claim", "argue",
                          "report", "describe", "call", "write", "warn", "accuse", "deny",
                          "confirm", "quote", "dismiss", "reply", "respond", "answer",
                          "insist", "speak"])
# What a counted noun may be called in other words: the specific word (key) may be written
# as any of the general ones (values), never the other way round ("380 motor vehicles" does
# not say "380 armoured personnel carriers"). Plus nouns for the same group of people.
_GENERAL = {
    "carrier": {"vehicle", "equipment"}, "apc": {"vehicle", "carrier"},
    "tank": {"vehicle"}, "truck": {"vehicle"},
    "serviceman": {"troop", "soldier", "personnel", "man", "member", "people", "peacekeeper",
                   "servicemen"},
    "soldier": {"troop", "serviceman", "personnel", "man", "people", "servicemen"},
    "troop": {"soldier", "serviceman", "personnel", "servicemen", "contingent", "force"},
    "peacekeeper": {"troop", "soldier", "serviceman", "servicemen", "personnel"},
    "contingent": {"force", "troop", "unit"},
    "unit": {"force", "troop"}, "army": {"force", "troop", "military"},
    "civilian": {"people", "person", "resident", "inhabitant"},
    "resident": {"people", "person", "inhabitant"},
    "refugee": {"people", "person"},
    "armenian": {"people", "person"}, "azerbaijani": {"people", "person"},
    "spokeswoman": {"spokesperson"}, "spokesman": {"spokesperson"},
}


# Units of measure as abbreviated or spelt in American English: "12.7 km" counts what
# "12.7 kilometres" counts.
_UNIT_SPELLINGS = {"km": "kilometre", "kms": "kilometre", "kilometer": "kilometre",
                   "m": "metre", "meter": "metre", "kg": "kilogram", "mi": "mile",
                   "ha": "hectare", "bn": "billion", "mln": "million", "sq": "square"}


def _forms(word: str) -> set[str]:
    forms = {word, word.rstrip("s"), word.removesuffix("men") + "man"}
    return forms | {_UNIT_SPELLINGS[f] for f in forms if f in _UNIT_SPELLINGS}


def _stem_match(a: str, b: str) -> bool:
    """ "restore" / "restoration", "proclaim" / "proclamation", "approve" / "approval"."""
    if a == b or a == "re" + b or b == "re" + a:  # "rejoin" is "join" again
        return True
    shared = 0
    for x, y in zip(a, b):
        if x != y:
            break
        shared += 1
    return shared >= max(5, min(len(a), len(b)) - 3)


def same_predicate(a: str, b: str) -> bool:
    """Do two predicates ("set up", "return") name the same event?"""
    if a == b:
        return True
    aligned = _ALIGNED.get()
    if aligned and ((a, b) in aligned or (b, a) in aligned):
        return True
    return _listed_same(a, b)


def _listed_same(a: str, b: str) -> bool:
    """Same lemma, derived form, or synonyms by the list (no pair found by roles)."""
    if a == b:
        return True
    head_a, head_b = a.split()[0], b.split()[0]
    if _stem_match(head_a, head_b) and (a.split()[1:] == b.split()[1:] or
                                        " " not in a or " " not in b):
        return True
    return any((a in group or head_a in group) and (b in group or head_b in group)
               for group in _SYNONYMS)


def antonyms(predicate: str) -> set[str]:
    head = predicate.split()[0]
    found = set()
    for x, y in _ANTONYMS:
        if head == x or predicate == x:
            found.add(y)
        elif head == y or predicate == y:
            found.add(x)
    return found


def opposed(a: str, b: str) -> bool:
    """Is one predicate an antonym of the other, or of its listed synonym ("reject" and
    "adopt", a synonym of "approve")? Such a pair never passes as a paraphrase."""
    return any(_listed_same(x, b) for x in antonyms(a)) or any(
        _listed_same(x, a) for x in antonyms(b))


def may_stand_for(claimed: str, stated: str) -> bool:
    """May the claim's counted noun be what the passage's counted noun counts?

    True when they are the same word, or the claim uses a general word for the passage's
    specific one ("troops" for "servicemen", "vehicles" for "carriers").
    """
    claimed, stated = claimed.lower(), stated.lower()
    if _forms(claimed) & _forms(stated):
        return True
    return any(claimed in _GENERAL.get(s, ()) or claimed.rstrip("s") in _GENERAL.get(s, ())
               for s in _forms(stated))


# A capital or seat of government written for its state ("Moscow deployed", "Baku said").
_SAME_ENTITY = {
    "moscow": "russia", "baku": "azerbaijan", "yerevan": "armenia",
    "washington": "us", "tehran": "iran", "ankara": "turkey", "stepanakert": "karabakh",
    "khankendi": "karabakh", "artsakh": "karabakh", "america": "us", "american": "us",
    "united": "us", "states": "us",  # "the United States" (its words are compared one by one)
}


def entity(word: str) -> str:
    """The state a capital stands for; the word itself otherwise."""
    return _SAME_ENTITY.get(word, word)


_STATES = frozenset(["us", "russia", "azerbaijan", "armenia", "iran", "turkey"])


def state_of(word: str) -> str:
    """The state a capital stands for ("washington" -> "us"), for the reader's word
    coverage; not a region for its towns: "Stepanakert" is not every sentence naming
    Karabakh."""
    state = entity(word)
    return state if state in _STATES else word


def stems_and_states(text: str) -> frozenset[str]:
    """The text's word stems, and the state each capital in it stands for ("Washington"
    also as "us"), so that "Did Washington respond?" shares a word with "US officials"."""
    tokens = tokenize(text)
    return frozenset(tokens) | {state_of(t) for t in tokens}
