"""Hostile text: instructions planted in documents, and what model output may contain."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from retrieval.text import split_sentences

# Sentences addressed to an assistant rather than telling the reader something. These are
# the shapes prompt-injection text takes; a news or background sentence almost never does.
# Orders are imperatives, so the words that are also ordinary prose ("act as", "ignore the
# rules", "the model should include") count only where an order stands: at the start of a
# sentence or clause, after "please", or with "you" as their subject. Elsewhere they
# describe ("Macrophages also act as scavengers", "Baku continues to ignore the rules").
_ORDER_AT = r"(?:^|[.!?;:]\s+|\bplease,?\s+|\byou\s+(?:\w+\s+){0,2}?(?:to\s+)?)"
# The nouns that name an assistant; "Assistant Secretary" and "the model of the ceasefire"
# do not: a capitalised word or a preposition right after the noun makes it something else.
_ASSISTANT = (r"\b(?:assistants?|ai|models?|chatbots?|bots?|llms?)\b"
              r"(?!\s+(?-i:[A-Z][a-z])|\s+(?:of|for|in|on|at|from|with|by|to)\b)")
_INSTRUCTION_PATTERNS = [
    # "ignore all previous instructions": about an assistant's instructions wherever it stands
    r"\b(ignore|disregard|forget|override)\b.{0,40}\b(previous|prior|above|earlier|your)\b"
    r".{0,30}\b(instructions?|prompts?|guidelines)\b",
    # "Forget the sources and ...": the same verbs as an order, about rules or sources
    _ORDER_AT + r"(ignore|disregard|forget|override)\b.{0,40}\b(previous|prior|above|earlier|"
    r"all|your|the)\b.{0,30}\b(instructions?|prompts?|rules|directions|sources|context|"
    r"guidelines)\b",
    r"\b(you are now|from now on,? you (are|will|must|shall|should (answer|reply|respond|say)))\b",
    _ORDER_AT + r"(act as|pretend (to be|you are)|roleplay as)\b",
    r"\b(system prompt|developer mode|jailbreak|DAN mode)\b",
    r"\b(as an? (ai|assistant|language model)|dear (ai|assistant|model|chatbot))\b",
    _ASSISTANT + r"(?:\s+\w+){0,3}?\s+(must|should|shall|will|are to)\s+(?:\w+\s+){0,2}?"
    r"(say|reply|respond|answer|write|mention|include|output|tell|link)\b",
    r"\b(mention|ping|tag|notify)\b.{0,20}@(everyone|here)",
    r"@(everyone|here)\b",
    r"\b(respond|reply|answer)\b.{0,25}\b(only|always)\b.{0,25}\bwith\b",
    _ORDER_AT + r"(always|only)\s+(respond|reply|answer)\b",
    r"\binclude (this|the following) link\b",
    r"\b(print|reveal|show|leak)\b.{0,30}\b(api key|token|password|secret|system prompt)\b",
]
# The same orders in the other languages the bot answers in (questions in Russian and
# Spanish are translated for the search; a planted note may be written in them too).
_INSTRUCTION_PATTERNS += [
    # "игнорируй все предыдущие инструкции", "забудьте прежние указания", "не обращай
    # внимания на правила выше"
    r"\b(игнорир\w*|забудь\w*|не обращай\w* внимани\w* на)\b.{0,40}"
    r"\b(инструкци\w*|указани\w*|правил\w*|источник\w*|промпт\w*)",
    r"\b(теперь ты|отныне ты|ты теперь)\b",
    r"\bсистемн\w* (промпт|подсказк|инструкци)\w*",
    r"(?:^|[.!?;:]\s+)(притворись|представь,? что ты|веди себя как|действуй как)\b",
    r"\b(отвечай|отвечайте|ответь)\b.{0,20}\b(только|всегда)\b",
    r"\b(ignora\w*|olvida\w*|omite\w*)\b.{0,40}\b(instrucciones|indicaciones|reglas)\b",
    r"\b(a partir de ahora,? eres|ahora eres)\b",
]
_INSTRUCTION = re.compile("|".join(f"(?:{p})" for p in _INSTRUCTION_PATTERNS), re.IGNORECASE)
_WORD = re.compile(r"\w+")

_MENTION = re.compile(r"@(everyone|here)\b|<@[!&]?\d+>|<#\d+>", re.IGNORECASE)
_URL = re.compile(r"<?(https?://[^\s<>()\[\]]+)>?", re.IGNORECASE)


def is_instruction(sentence: str) -> bool:
    """True when a sentence reads as an order to the assistant (prompt injection)."""
    return bool(_INSTRUCTION.search(unmasked(sentence)))


def unmasked(text: str) -> str:
    """The text as a reader sees it, for the check only: "Ignore" written with a zero-width
    space, a soft hyphen, a Cyrillic "о" or full-width letters inside it was never flagged.

    NFKC folds compatibility forms (full-width, ligatures); format characters (zero-width,
    soft hyphen, bidi controls) are dropped; in a word mixing Latin with another script, the
    other script's look-alikes become their Latin letters (Unicode's confusables, through
    confusable_homoglyphs). A word wholly in one script (Russian, Greek) is left as it is.
    """
    text = unicodedata.normalize("NFKC", text)
    text = "".join(c for c in text if unicodedata.category(c) != "Cf")
    return _WORD.sub(lambda m: _latin_lookalike(m.group(0)), text)


def _latin_lookalike(word: str) -> str:
    if word.isascii() or not any("a" <= c.lower() <= "z" for c in word):
        return word
    return "".join(_latin_for(c) for c in word)


@lru_cache(maxsize=4096)
def _latin_for(char: str) -> str:
    if char.isascii():
        return char
    from confusable_homoglyphs import confusables

    found = confusables.is_confusable(char, preferred_aliases=["latin"]) or []
    for entry in found:
        for glyph in entry.get("homoglyphs", []):
            if glyph.get("n", "").startswith("LATIN") and glyph["c"].isascii():
                return glyph["c"]
    return char


def find_planted_instructions(text: str) -> list[str]:
    """Sentences of a document that look like instructions to an assistant (for ingest)."""
    return [s for _, _, s in split_sentences(text) if is_instruction(s)]


def strip_mentions(text: str) -> str:
    """Defuse @everyone/@here and user, role and channel mentions (belt to AllowedMentions)."""
    return _MENTION.sub(lambda m: m.group(0).replace("@", "@\u200b").replace("<#", "<\u200b#"),
                        text)


def strip_foreign_links(text: str, allowed_urls: set[str]) -> str:
    """Remove links that are not the URL of a cited source (no exfiltration by link)."""

    def keep_or_drop(match: re.Match) -> str:
        url = match.group(1).rstrip(".,;:!?'\"")
        tail = match.group(1)[len(url):]
        if url in allowed_urls or url.rstrip("/") in {u.rstrip("/") for u in allowed_urls}:
            return match.group(0)
        return "[link removed]" + tail

    return _URL.sub(keep_or_drop, text)


def sanitize_output(text: str, allowed_urls: set[str]) -> str:
    return strip_mentions(strip_foreign_links(text, allowed_urls))
