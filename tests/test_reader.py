"""The offline reader: the learned scorer, answer-first quotes, and declining near-misses.

The passages here are written for these tests (not from any eval set or from SQuAD), in the
style of the corpus notes, and the near-miss questions change one detail of an answerable one
the way SQuAD 2.0's unanswerable questions do.
"""

from __future__ import annotations

import numpy as np
import pytest

from retrieval.answering import extractive
from retrieval.answering.scorer import SentenceScorer, pair_segment
from retrieval.models import Retrieved


def passage(text: str, position: int = 1, title: str = "Lighthouse of Vardø") -> Retrieved:
    return Retrieved(chunk_id=f"c{position}", doc_id="background/x.md", score=1.0,
                     text=f"{title} — History\n\n{text}", metadata={"position": position})


@pytest.fixture(scope="module")
def scorer():
    return SentenceScorer()


BODY = ("The lighthouse at Vardø was built in 1896 by the Norwegian coastal administration. "
        "Its first keeper, Ole Hansen, served there for 31 years. "
        "The tower is 21 metres tall and its lamp can be seen 17 nautical miles out to sea. "
        "A storm in 1923 destroyed the keeper's house, which was rebuilt the next summer.")


def test_the_packaged_scorer_loads_offline_and_ranks_the_answering_sentence_first(scorer):
    sentences = [s.strip() + "." for s in BODY.split(". ") if s.strip()]
    sentences[-1] = sentences[-1].rstrip(".") + "." if not sentences[-1].endswith(".") else \
        sentences[-1]
    probs = scorer.score("How tall is the tower of the Vardø lighthouse?",
                         [pair_segment("Lighthouse of Vardø", s) for s in sentences])
    assert probs.shape == (len(sentences),)
    assert ((probs >= 0) & (probs <= 1)).all()
    assert int(probs.argmax()) == 2  # "The tower is 21 metres tall…"


@pytest.mark.parametrize(("question", "fact"), [
    ("When was the lighthouse at Vardø built?", "1896"),
    ("Who was the first keeper of the Vardø lighthouse?", "Ole Hansen"),
    ("How far out to sea can the Vardø lamp be seen?", "17 nautical miles"),
    ("What destroyed the keeper's house at Vardø?", "storm"),
])
def test_the_answer_leads_with_the_sentence_that_answers(vectors, scorer, question, fact):
    extract = extractive.choose(question, [passage(BODY)], vectors, scorer=scorer)
    assert extract.picks, f"declined an answerable question: {question}"
    lead = extract.picks[0].quote
    assert fact in lead and lead in BODY  # verbatim
    assert len(extract.picks) <= extractive.MAX_SENTENCES


KNOWN_MISS = pytest.mark.xfail(
    strict=True, reason="the reader rates the near-miss sentence as likely as a right one "
                        "(trained on 10 SQuAD articles for one epoch; README)")


@pytest.mark.parametrize("question", [
    # near-misses of the questions above: a swapped entity, a detail the text never gives
    pytest.param("When was the lighthouse at Vardø demolished?", marks=KNOWN_MISS),
    pytest.param("Who was the last keeper of the Vardø lighthouse?", marks=KNOWN_MISS),
    pytest.param("How many visitors does the Vardø lighthouse get each year?", marks=KNOWN_MISS),
    "How many lighthouses did the Norwegian coastal administration build in 1896?",
    "How much did the Vardø lighthouse cost to build?",
    "What is the population of Reykjavik?",
])
def test_near_miss_questions_are_declined(vectors, scorer, question):
    extract = extractive.choose(question, [passage(BODY)], vectors, scorer=scorer)
    assert not extract.picks, f"answered {question!r} with {extract.picks[0].quote!r}"


class FixedScorer:
    """A reader that rates every sentence alike (the real one's interface)."""

    def __init__(self, probability: float) -> None:
        self.probability = probability

    def score(self, question: str, segments: list[str]) -> np.ndarray:
        return np.full(len(segments), self.probability, dtype=np.float32)


def test_the_reader_vetoes_an_answer_it_rates_unlikely(vectors):
    question = "When was the lighthouse at Vardø built?"
    unsure = FixedScorer(extractive.MIN_READER_PROBABILITY / 2)
    sure = FixedScorer(min(1.0, extractive.MIN_READER_PROBABILITY * 2))
    assert not extractive.choose(question, [passage(BODY)], vectors, scorer=unsure).picks
    answered = extractive.choose(question, [passage(BODY)], vectors, scorer=sure)
    assert answered.picks and answered.reader_probability == pytest.approx(sure.probability)
    # Without the reader, the first stage alone answers.
    assert extractive.choose(question, [passage(BODY)], vectors, scorer=False).picks
