"""Hostile text: instructions planted in documents, and what model output may contain."""

from __future__ import annotations

import re

from retrieval.text import split_sentences

# Sentences addressed to an assistant rather than telling the reader something. These are
# the shapes prompt-injection text takes; a news or background sentence almost never does.
_INSTRUCTION_PATTERNS = [
    r"\b(ignore|disregard|forget|override)\b.{0,40}\b(previous|prior|above|earlier|all|your|the)\b"
    r".{0,30}\b(instructions?|prompts?|rules|directions|sources|context|guidelines)\b",
    r"\b(you are now|from now on,? you|act as|pretend (to be|you are)|roleplay as)\b",
    r"\b(system prompt|developer mode|jailbreak|DAN mode)\b",
    r"\b(as an? (ai|assistant|language model)|dear (ai|assistant|model|chatbot))\b",
    r"\b(assistant|ai|model|chatbot|bot|llm)s?\b.{0,30}\b(must|should|shall|will)\b.{0,20}"
    r"\b(say|reply|respond|answer|write|mention|include|output|tell|link)\b",
    r"\b(mention|ping|tag|notify)\b.{0,20}@(everyone|here)",
    r"@(everyone|here)\b",
    r"\b(respond|reply|answer)\b.{0,25}\b(only|always)\b.{0,25}\bwith\b",
    r"\binclude (this|the following) link\b",
    r"\b(print|reveal|show|leak)\b.{0,30}\b(api key|token|password|secret|system prompt)\b",
]
_INSTRUCTION = re.compile("|".join(f"(?:{p})" for p in _INSTRUCTION_PATTERNS), re.IGNORECASE)

_MENTION = re.compile(r"@(everyone|here)\b|<@[!&]?\d+>|<#\d+>", re.IGNORECASE)
_URL = re.compile(r"<?(https?://[^\s<>()\[\]]+)>?", re.IGNORECASE)


def is_instruction(sentence: str) -> bool:
    """True when a sentence reads as an order to the assistant (prompt injection)."""
    return bool(_INSTRUCTION.search(sentence))


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
