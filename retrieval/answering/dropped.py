"""Say in plain words why the checker left an LLM's sentences out."""

from __future__ import annotations

from retrieval.answering.citations import Verified

LLM_PARTLY_VERIFIED_NOTICE = "{count} of the language model's sentences {were} left out because {why}."
_REASONS = {  # Verified.dropped reason prefix -> plain words ({poss}: its / their)
    "cites no": "cited none of the passages the model was given",
    "not in its sources": "stated numbers, dates or names that {poss} cited passages do not "
                          "contain",
    "its sources do not say": "said things that {poss} cited passages do not say",
}
_UNKNOWN_REASON = "could not be checked against {poss} passages"


def plain_reason(dropped: list[tuple[str, str]], poss: str = "their") -> str:
    """The commonest reason the checker gave for dropping sentences, in plain words."""
    counts: dict[str, int] = {}
    for _, reason in dropped:
        words = next((w for prefix, w in _REASONS.items() if reason.startswith(prefix)),
                     _UNKNOWN_REASON)
        counts[words] = counts.get(words, 0) + 1
    if not counts:
        return _REASONS["cites no"]
    return max(counts, key=counts.get).format(poss=poss)


def partial_notice(verified: Verified) -> str | None:
    """Say so when sentences were dropped from an answer that is still shown."""
    count = len(verified.dropped)
    if not count:
        return None
    one = count == 1
    why = ("it " if one else "they ") + plain_reason(verified.dropped, "its" if one else "their")
    return LLM_PARTLY_VERIFIED_NOTICE.format(count=count, were="was" if one else "were", why=why)
