"""A learned judge of the quotes for questions in other languages
(retrieval/answering/cross_lingual_judge.py): its weights file, and how cross_lingual.choose
uses one when handed it. None ships (docs/languages.md, "Session 8")."""

from __future__ import annotations

import numpy as np
import pytest

from retrieval.answering import cross_lingual, cross_lingual_judge
from retrieval.answering.cross_lingual_judge import SCALARS, Judge
from retrieval.answering.extractive import SentenceVectors
from tests.test_cross_lingual import ChosenSimilarities, Words, passage

WIDTH = len(SCALARS) + 2  # the fake embedder's vectors have two dimensions


class NamedSimilarities(ChosenSimilarities):
    name = "fake-e5"


def judge_for(scalar: str, weight: float) -> Judge:
    """A judge that weighs one of SCALARS and nothing else."""
    coef = np.zeros(WIDTH, dtype=np.float32)
    coef[SCALARS.index(scalar)] = weight
    return Judge(np.zeros(WIDTH, dtype=np.float32), np.ones(WIDTH, dtype=np.float32), coef,
                 0.0, NamedSimilarities.name)


def test_weights_round_trip_and_mismatches_are_refused(tmp_path):
    judge = judge_for("holds_number", 3.0)
    judge.save(tmp_path / "judge.npz")
    loaded = Judge.from_file(tmp_path / "judge.npz")
    assert loaded.dimensions == 2 and loaded.embedder == "fake-e5"
    assert np.array_equal(loaded.coef, judge.coef)
    with pytest.raises(ValueError):
        Judge(np.zeros(5), np.ones(5), np.zeros(4), 0.0, "fake-e5")
    np.savez(tmp_path / "other.npz", mean=judge.mean, scale=judge.scale, coef=judge.coef,
             intercept=np.float32(0), embedder=np.array("fake-e5"),
             scalars=np.array(SCALARS[:-1]))  # fitted on other features
    with pytest.raises(ValueError):
        Judge.from_file(tmp_path / "other.npz")


def test_a_judge_applies_only_to_the_embedder_it_was_fitted_on():
    judge = judge_for("holds_number", 3.0)
    assert judge.fits(NamedSimilarities({}), 2)
    assert not judge.fits(NamedSimilarities({}), 384)
    assert not judge.fits(ChosenSimilarities({}), 2)  # no name: not the one it was fitted on


def test_a_judge_handed_to_choose_reorders_the_quotes():
    closer = "The delegation stayed in the northern town for a long while that spring."
    count = "Moscow deployed a 2,000 troop-strong peacekeeping contingent there."
    retrieved = [passage(0, closer), passage(1, count)]
    similarities = {closer: 0.82, count: 0.80}

    def lead(judge):
        vectors = SentenceVectors(NamedSimilarities(similarities))
        return cross_lingual.choose("Сколько миротворцев?", retrieved, vectors,
                                    lexicon=Words(""), judge=judge).picks[0].quote

    assert lead(None) == closer
    assert lead(judge_for("holds_number", 3.0)) == count


def test_trigrams_catch_a_name_across_scripts():
    # No word of "Варшава" is "Warsaw", but "Varshava" and "Warsaw" share "ars".
    assert cross_lingual_judge.trigrams("Варшава") & cross_lingual_judge.trigrams("Warsaw")
    assert not cross_lingual_judge.trigrams("Варшава") & cross_lingual_judge.trigrams("Berlin")
