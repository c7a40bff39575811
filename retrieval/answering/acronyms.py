"""Acronyms a passage spells out: "APCs" for "armoured personnel carriers"."""

from __future__ import annotations

import re


def spells_acronym(word: str, text: str) -> bool:
    """Do consecutive words of the text begin with the acronym's letters ("APCs":
    "armoured personnel carriers")?"""
    letters = word.lower().removesuffix("s") if word[-1:] in "sS" and len(word) > 2 else \
        word.lower()
    if not 3 <= len(letters) <= 5:  # two letters match some pair of words too easily
        return False
    initials = [w[0].lower() for w in re.findall(r"[A-Za-z]+", text)]
    joined = "".join(initials)
    return letters in joined
