"""What real models write, through the loopback OpenAI server: kept when cited and true,
dropped when invented, an abstention when the model declines in words."""

from __future__ import annotations

import asyncio

import pytest

from retrieval.answering.answerer import LLM_UNVERIFIED_NOTICE, Answerer
from retrieval.answering.citations import attach_markers
from retrieval.answering.llm import ASKING_STATUS
from tests.fake_openai import Behaviour
from tests.declines import SPUTNIK_DECLINE

QUESTION = "How many Russian peacekeepers were deployed in Nagorno-Karabakh?"
TRUE = "Moscow deployed a 2,000 troop-strong peacekeeping contingent in Nagorno-Karabakh"
BASE = "Russia also has a military base in Gyumri, northwestern Armenia"


@pytest.fixture
def llm(ready_settings, fake_openai) -> Answerer:
    return Answerer(ready_settings.model_copy(update={
        "openai_base_url": fake_openai.base_url, "llm_retries": 0, "llm_timeout_s": 10.0}))


def ask(answerer, question=QUESTION, **kwargs):
    return asyncio.run(answerer.aanswer(question, **kwargs))


def cited_docs(answer) -> list[list[str]]:
    by_n = {c.n: c.doc_id for c in answer.citations}
    return [[by_n[n] for n in claim.cited] for claim in attach_markers(answer.answer)]


@pytest.mark.parametrize("reply", [
    f"{TRUE} [{{cite:2,000 troop}}].",
    f"{TRUE}. [{{cite:2,000 troop}}]",  # Qwen2.5's style: the marker after the full stop
    f"{TRUE}. {BASE}. [{{cite:2,000 troop}}]",  # one marker for the paragraph
    f"Here is what the sources say:\n\n- {TRUE} [{{cite:2,000 troop}}]\n- {BASE} [{{cite:Gyumri}}]",
    f"{TRUE} [{{cite:2,000 troop}}][{{cite:1,960}}].",
    f"{TRUE} [{{cite:2,000 troop}}, {{cite:1,960}}].",
])
def test_real_citation_styles_survive_the_checker(llm, fake_openai, reply):
    fake_openai.then(Behaviour(text=reply))
    answer = ask(llm)
    assert answer.generator == "llm" and answer.notice is None, answer.notice
    assert "2,000" in answer.answer
    docs = cited_docs(answer)
    assert docs and all(docs)
    assert any("sputnik" in d for d in docs[0])  # the article holds the 2,000 figure
    for citation in answer.citations:
        assert citation.quote in citation.text


@pytest.mark.parametrize("invented", [
    "The population of Stepanakert is about 120,000 [{cite:Stepanakert}].",
    "Russia deployed 5,000 peacekeepers to Nagorno-Karabakh [{cite:2,000 troop}].",
    "The peacekeepers arrived in March 2019 [{cite:2,000 troop}].",
    "The contingent was commanded by General Sergei Ivanov [{cite:2,000 troop}].",
    # re-pointing finds no passage either: no retrieved passage holds 5,000 or Ivanov
    "The Russian contingent had 5,000 Russian servicemen [{cite:1,960}].",
    "Russian General Sergei Ivanov commanded the Russian contingent [{cite:1,960}].",
])
def test_no_invented_number_date_or_name_survives(llm, fake_openai, invented):
    fake_openai.then(Behaviour(text=invented))
    assert_fell_back_to_quotes(
        ask(llm), "stated numbers, dates or names that their cited passages do not contain")


def assert_fell_back_to_quotes(answer, why: str) -> None:
    """The model's answer was thrown away for `why`, and none of its inventions is shown."""
    assert answer.generator == "extractive"
    assert answer.notice == LLM_UNVERIFIED_NOTICE.format(why=why)
    for word in ("120,000", "5,000", "2019", "Ivanov"):
        assert word not in answer.answer


@pytest.mark.parametrize("invented", [
    "The population of Stepanakert is about 120,000.",
    "The Russian contingent had 5,000 Russian servicemen.",
    "Russia's peacekeepers arrived in Nagorno-Karabakh in March 2019.",
])
def test_an_uncited_invention_finds_no_passage(llm, fake_openai, invented):
    fake_openai.then(Behaviour(text=invented))
    assert_fell_back_to_quotes(ask(llm), "cited none of the passages the model was given")


TARASOV_BORN = "Stanislav Tarasov was born in 1953 in Soviet Azerbaijan"


@pytest.mark.parametrize("reply", [
    f"{TARASOV_BORN}.",  # no marker at all
    f"{TARASOV_BORN}. [{{cite:2,000 troop}}]",  # a marker to the article, which lacks 1953
])
def test_a_true_sentence_is_shown_with_the_passage_that_supports_it(llm, fake_openai, reply):
    fake_openai.then(Behaviour(text=reply))
    answer = ask(llm, "Where was Stanislav Tarasov born?")
    assert answer.generator == "llm" and answer.notice is None, answer.notice
    assert answer.answer.startswith(TARASOV_BORN) and answer.answer.endswith("[1].")
    (citation,) = answer.citations
    assert "tarasov" in citation.doc_id and "1953" in citation.quote
    assert citation.quote in citation.text


def test_an_invented_sentence_is_cut_and_the_reader_told(llm, fake_openai):
    fake_openai.then(Behaviour(text=f"{TRUE}. [{{cite:2,000 troop}}] The population of "
                                    "Stepanakert is about 120,000. [{cite:Stepanakert}]"))
    answer = ask(llm)
    assert answer.generator == "llm" and "2,000" in answer.answer
    assert "120,000" not in answer.answer
    assert answer.notice == ("1 of the language model's sentences was left out because it "
                             "stated numbers, dates or names that its cited passages do not "
                             "contain.")


@pytest.mark.parametrize("decline", [
    "The sources do not say how many people live in Stepanakert.",
    "The provided sources don't mention the population of Stepanakert [1].",
    "В предоставленных источниках нет информации о населении Степанакерта.",
    "Las fuentes no mencionan la población de Stepanakert.",
])
def test_a_decline_in_words_is_an_abstention(llm, fake_openai, decline):
    fake_openai.then(Behaviour(text=decline))
    answer = ask(llm, "What is the population of Stepanakert?")
    assert answer.abstained and answer.answer == SPUTNIK_DECLINE
    assert answer.generator == "llm" and answer.notice is None


def test_the_reader_is_told_while_the_model_thinks(llm, fake_openai):
    fake_openai.then(Behaviour(kind="ping", seconds=0.6, text=f"{TRUE} [{{cite:2,000 troop}}]."))
    events: list[str] = []
    answer = ask(llm, on_status=lambda s: events.append(f"status:{s}"),
                 on_token=lambda t: events.append("token"))
    assert answer.generator == "llm"
    assert events[0] == f"status:{ASKING_STATUS}" and events[1:] and set(events[1:]) == {"token"}


def test_a_question_in_another_language_is_searched_in_english(llm, fake_openai):
    fake_openai.then(
        Behaviour(text="How many Russian peacekeepers were deployed in Nagorno-Karabakh?"),
        Behaviour(text="Москва развернула в Нагорном Карабахе миротворческий контингент "
                       "численностью 2000 военнослужащих [{cite:2,000 troop}]."))
    answer = ask(llm, "Сколько российских миротворцев было развернуто в Карабахе?")
    assert answer.generator == "llm" and "2000" in answer.answer
    condense, reply = fake_openai.requests
    assert "English" in condense["body"]["messages"][0]["content"]
    # The search used the English rewrite: the article passage was retrieved and cited.
    assert any("2,000 troop" in r.text for r in answer.retrieved)
    # The answer prompt still carries the reader's question, to be answered in its language.
    assert "Сколько российских" in reply["body"]["messages"][1]["content"]


def test_an_english_question_costs_one_llm_call(llm, fake_openai):
    fake_openai.then(Behaviour(text=f"{TRUE} [{{cite:2,000 troop}}]."))
    ask(llm)
    assert len(fake_openai.requests) == 1
