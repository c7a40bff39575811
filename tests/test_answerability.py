"""The decline model: the packaged weights load offline, and declining comes from them.

Passages and questions are written for these tests (not from SQuAD or any eval set); the
near-misses change one detail of an answerable question, as SQuAD 2.0's unanswerable ones do.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from retrieval import extractive
from retrieval.answerability import FEATURES, DeclineModel, Evidence, featurize, packaged_model
from retrieval.embeddings import MiniLMEmbeddings
from retrieval.models import Retrieved
from retrieval.scorer import SentenceScorer
from retrieval.train.answerability import Rows, choose_threshold, fit

BODY = ("The harbour crane at Skagen was installed in 1911 by the Danish port authority. "
        "It lifted fishing boats out of the water for repairs until 1974. "
        "The crane could raise 40 tonnes and was driven by a steam engine.")


def passage(text: str = BODY) -> Retrieved:
    return Retrieved(chunk_id="c1", doc_id="background/crane.md", score=1.0,
                     text=f"Skagen harbour crane — History\n\n{text}", metadata={"position": 1})


@pytest.fixture(scope="module")
def vectors():
    return extractive.SentenceVectors(MiniLMEmbeddings())


@pytest.fixture(scope="module")
def scorer():
    return SentenceScorer()


def test_the_packaged_model_loads_offline_with_one_weight_per_feature():
    model = packaged_model()
    assert model.weights.shape == (len(FEATURES),)
    assert 0.0 < model.threshold < 1.0
    assert "retrieval.train.answerability" in model.about["command"]


def test_a_model_trained_on_other_features_is_refused():
    data = json.loads(packaged_model().to_json())
    data["features"] = data["features"][:-1]
    with pytest.raises(ValueError, match="retrain"):
        DeclineModel.from_json(json.dumps(data))


def _evidence(question: str, quote: str) -> Evidence:
    return Evidence(question=question, lead_quote=quote, lead_title="Skagen harbour crane",
                    lead_passage=passage().text, retrieved_texts=(passage().text,),
                    evidence=0.6, runner_up=0.4, candidates=2, reader_lead=0.85,
                    reader_best=0.85, typed=True)


def test_a_question_word_the_passage_lacks_makes_a_decline_likelier():
    quote = "The harbour crane at Skagen was installed in 1911 by the Danish port authority."
    idf = {"demolish": 3.0}.get
    answerable = featurize(_evidence("When was the Skagen harbour crane installed?", quote),
                           lambda t: idf(t, 1.0))
    near_miss = featurize(_evidence("When was the Skagen harbour crane demolished?", quote),
                          lambda t: idf(t, 1.0))
    missing = FEATURES.index("missing_passage")
    assert answerable[missing] == 0.0 and near_miss[missing] > 0.0
    model = packaged_model()
    assert model.probability(near_miss) > model.probability(answerable)


KNOWN_MISS = pytest.mark.xfail(
    strict=True, reason="the model is weak on near-misses (SQuAD validation AUC 0.74; README)")


@pytest.mark.parametrize("question", [
    "When was the Skagen harbour crane demolished?",
    # an entity swap and an event the text never gives: still answered
    pytest.param("How many tonnes could the crane at Aalborg raise?", marks=KNOWN_MISS),
    pytest.param("When was the crane at Skagen moved to a museum?", marks=KNOWN_MISS),
])
def test_near_misses_are_declined_by_the_model_and_answered_without_it(vectors, scorer,
                                                                      question):
    declined = extractive.choose(question, [passage()], vectors, scorer=scorer)
    assert not declined.picks, f"answered {question!r} with {declined.picks[0].quote!r}"
    assert declined.unanswerable is not None  # declined by the model, not the first stage
    reported = extractive.choose(question, [passage()], vectors, scorer=scorer,
                                 decline_model=False)
    assert reported.picks and reported.features is not None


@pytest.mark.parametrize(("question", "fact"), [
    ("When was the Skagen harbour crane installed?", "1911"),
    ("How much could the crane at Skagen lift?", "40 tonnes"),
])
def test_answerable_questions_pass_the_model(vectors, scorer, question, fact):
    extract = extractive.choose(question, [passage()], vectors, scorer=scorer)
    assert extract.picks, f"declined {question!r} (P={extract.unanswerable})"
    assert fact in extract.picks[0].quote


def test_the_threshold_decides(vectors, scorer):
    question = "When was the Skagen harbour crane installed?"
    model = packaged_model()
    never = DeclineModel(model.mean, model.scale, model.weights, model.bias, 1.01, {})
    always = DeclineModel(model.mean, model.scale, model.weights, model.bias, 0.0, {})
    assert extractive.choose(question, [passage()], vectors, scorer=scorer,
                             decline_model=never).picks
    assert not extractive.choose(question, [passage()], vectors, scorer=scorer,
                                 decline_model=always).picks


def test_fitting_finds_the_feature_that_separates_the_labels():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, len(FEATURES)))
    y = (x[:, 3] + 0.3 * rng.normal(size=400) > 0).astype(float)
    _, _, weights, _ = fit(Rows(x, y))
    assert int(np.abs(weights).argmax()) == 3 and weights[3] > 0


def test_the_threshold_rule_prefers_recall_among_precise_enough_cuts():
    table = [
        {"threshold": 0.4, "recall": 0.9, "precision": 0.6, "answerable_kept": 0.5},
        {"threshold": 0.5, "recall": 0.7, "precision": 0.8, "answerable_kept": 0.8},
        {"threshold": 0.6, "recall": 0.5, "precision": 0.9, "answerable_kept": 0.9},
    ]
    assert choose_threshold(table)["threshold"] == 0.5
    assert choose_threshold([dict(table[0])])["threshold"] == 0.4  # none precise: most precise
