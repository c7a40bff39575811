"""Do two roles' words name the same thing? Shared by the claim check's rules (claim_rules,
verb_paraphrase, speakers, attachments)."""

from __future__ import annotations

from retrieval.answering.lexicon import entity
from retrieval.answering.support import _same_place


def acronym_for(short: frozenset[str], long: frozenset[str]) -> bool:
    """Is a word of one role the initials of the other role's words ("eu": european, union)?"""
    from collections import Counter

    initials = Counter(w[0] for w in long if w.isalpha() and len(w) > 1)
    return any(2 <= len(w) <= 5 and w.isalpha() and not Counter(w) - initials for w in short)


def overlap(a: set[str] | frozenset[str], b: set[str] | frozenset[str]) -> bool:
    return acronym_for(a, b) or acronym_for(b, a) or any(
        x == y or _same_place(x, y) or entity(x) == entity(y)
        or _same_place(entity(x), entity(y)) for x in a for y in b)
