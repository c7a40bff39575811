"""The learned judge of the answering sentence for questions in other languages
(retrieval/answering/cross_lingual_judge.py), with its shipped weights and the real e5."""

from __future__ import annotations

import numpy as np
import pytest

from retrieval.answering import cross_lingual, cross_lingual_judge
from retrieval.answering.cross_lingual_judge import SCALARS, Judge
from retrieval.index.embeddings import E5Embeddings


def test_the_shipped_judge_loads_offline_with_weights_for_e5():
    judge = cross_lingual_judge.shipped()
    assert judge is not None
    assert judge.embedder == E5Embeddings.name
    assert judge.dimensions == 384  # multilingual-e5-small's vectors
    assert judge.coef.shape == judge.mean.shape == judge.scale.shape == (len(SCALARS) + 384,)
    assert np.all(np.isfinite(judge.coef)) and np.any(judge.coef[:len(SCALARS)] != 0)
    chances = judge.probabilities(np.zeros((3, len(SCALARS) + 384), dtype=np.float32))
    assert chances.shape == (3,) and np.all((chances > 0) & (chances < 1))


def test_weights_of_mismatched_shapes_are_refused(tmp_path):
    with pytest.raises(ValueError):
        Judge(np.zeros(5), np.ones(5), np.zeros(4), 0.0, E5Embeddings.name)
    fitted = cross_lingual_judge.shipped()
    path = tmp_path / "judge.npz"
    np.savez(path, mean=fitted.mean, scale=fitted.scale, coef=fitted.coef,
             intercept=np.float32(0), embedder=np.array(E5Embeddings.name),
             scalars=np.array(SCALARS[:-1]))  # fitted on other features
    with pytest.raises(ValueError):
        Judge.from_file(path)


def test_the_judge_applies_only_to_the_embedder_it_was_fitted_on():
    judge = cross_lingual_judge.shipped()
    assert judge.fits(E5Embeddings(), 384)
    assert not judge.fits(E5Embeddings(), 1536)

    class Other:
        name = "minilm"

    assert not judge.fits(Other(), 384)


def test_trigrams_catch_a_name_across_scripts():
    # No word of "Варшава" is "Warsaw", but "Varshava" and "Warsaw" share "ars".
    assert cross_lingual_judge.trigrams("Варшава") & cross_lingual_judge.trigrams("Warsaw")
    assert not cross_lingual_judge.trigrams("Варшава") & cross_lingual_judge.trigrams("Berlin")
    assert cross_lingual.LEARNED_JUDGE
