"""Follow-up questions without an LLM: carry the earlier turns' subject into retrieval."""

from __future__ import annotations

import re
from dataclasses import dataclass

from retrieval.lexical import tokenize

# Words that point back at something said before.
_ANAPHORA = re.compile(
    r"\b(he|she|him|her|his|hers|they|them|their|theirs|it|its|this|that|these|those|there|"
    r"then|the same|such|former|latter|what about|how about|and the)\b",
    re.IGNORECASE,
)
MIN_SELF_CONTAINED_TOKENS = 3


@dataclass(frozen=True)
class Turn:
    question: str
    answer: str


_PROPER_NOUN = re.compile(r"(?<!^)(?<![.?!]\s)\b([A-Z][a-z]+|[A-Z]{2,})\b")


def needs_context(question: str) -> bool:
    """A question that refers back, or is short and names nothing, borrows context.

    "What is the CSTO?" is short but names its subject; "And the peacekeepers?" is not.
    """
    if _ANAPHORA.search(question):
        return True
    if _PROPER_NOUN.search(question.strip()):
        return False
    return len(tokenize(question)) < MIN_SELF_CONTAINED_TOKENS


def carried_context(question: str, history: list[Turn], turns: int = 2) -> str:
    """Earlier questions (most recent first) whose subject a follow-up refers to."""
    if not history or not needs_context(question):
        return ""
    recent = [turn.question for turn in reversed(history[-turns:])]
    return " ".join(recent)


def history_text(history: list[Turn]) -> str:
    return "\n".join(f"User: {t.question}\nAssistant: {t.answer}" for t in history)
