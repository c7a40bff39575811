"""What the offline reader works with: a candidate quote, and the quotes it chose."""

from __future__ import annotations

from dataclasses import dataclass

from retrieval.answering.quotes import passage_quotes


@dataclass(frozen=True)
class Candidate:
    passage: int  # index into the retrieved list
    quote: str
    score: float  # for ranking: evidence plus the passage's retrieval-rank prior
    evidence: float = 0.0  # how well the sentence itself answers; decides abstention
    lead: bool = False  # the document's first sentence: its one-line summary
    parts: tuple[str, ...] = ()  # a quote of two adjacent sentences that answer together
    fills: bool | None = None  # fills the question's slot (slots.py); None: cannot tell


@dataclass(frozen=True)
class Extract:
    """Chosen sentences in answer order; empty means abstain."""

    picks: list[Candidate]
    best_score: float
    reader_probability: float | None = None  # the learned reader's best, when it was asked
    # The best sentence that held the kind of thing asked for, attached to something else
    # ("5,000 civilians" for "how many peacekeepers"): what an honest decline can point to.
    near_miss: Candidate | None = None
    missing: str = ""  # what the sources do not say, in words ("how many peacekeepers ...")
    as_of: str = ""  # for a question about now: the date the lead sentence speaks for


def candidates(retrieved) -> list[Candidate]:
    """Each quotable sentence of each retrieved passage, and each run of two adjacent ones."""
    return [
        Candidate(i, quote, 0.0, 0.0, lead, parts)
        for i, passage in enumerate(retrieved)
        for quote, lead, parts in passage_quotes(passage.text,
                                                  passage.metadata.get("position") == 0)
    ]
