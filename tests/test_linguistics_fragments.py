"""Parses whose root is not a verb: SQuAD and news text hold headings and fragments."""

from __future__ import annotations

import threading

from retrieval.linguistics.questions import answer_span, count_fills


def _finishes(call, seconds: float = 20.0):
    """Run `call` on a daemon thread; None if it did not return (a hang, not a slow run:
    the call takes milliseconds)."""
    result: list = []
    thread = threading.Thread(target=lambda: result.append(call()), daemon=True)
    thread.start()
    thread.join(seconds)
    return result[0] if result else None


def test_count_fills_ends_on_a_noun_rooted_fragment():
    # "troops" is the root; the walk up from the counted noun used to loop at the root,
    # growing a list until the process ran out of memory (the SQuAD bench was killed so).
    assert _finishes(lambda: ("done", count_fills("soldier", "Over 5,000 troops."))) == \
        ("done", None)
    assert _finishes(lambda: ("done", count_fills("troop", "Over 5,000 troops."))) == \
        ("done", True)


def test_answer_span_ends_on_a_noun_rooted_fragment():
    assert _finishes(lambda: answer_span("How many troops were there?",
                                         "Over 5,000 troops.")) == "5,000"
