"""A misbehaving OpenAI-protocol server on 127.0.0.1: bounded retries, then quoted answers."""

from __future__ import annotations

import asyncio
import time

import pytest

from retrieval.answer import LLM_FALLBACK_NOTICE, LLM_UNVERIFIED_NOTICE, Answerer
from tests.fake_openai import Behaviour

QUESTION = "Who is Stanislav Tarasov?"
GOOD = "Stanislav Tarasov is a veteran Russian expert on Caucasus politics [1]."


def llm_answerer(ready_settings, server, retries=2, timeout=5.0) -> Answerer:
    settings = ready_settings.model_copy(update={
        "openai_base_url": server.base_url, "llm_retries": retries, "llm_timeout_s": timeout})
    return Answerer(settings)


def ask(answerer):
    return asyncio.run(answerer.aanswer(QUESTION))


def assert_quoted_fallback(answer, notice=LLM_FALLBACK_NOTICE):
    assert answer.generator == "extractive"
    assert answer.notice == notice
    assert answer.citations and not answer.abstained
    for c in answer.citations:
        assert c.quote in c.text


@pytest.mark.parametrize("failure", [
    Behaviour(kind="status", status=500),
    Behaviour(kind="status", status=429, error_code="rate_limit_exceeded"),
    Behaviour(kind="reset"),
])
def test_a_passing_failure_is_retried(ready_settings, fake_openai, failure):
    fake_openai.then(failure, Behaviour(text=GOOD))
    answer = ask(llm_answerer(ready_settings, fake_openai))
    assert answer.generator == "llm" and answer.notice is None
    assert len(fake_openai.requests) == 2


@pytest.mark.parametrize("failure", [
    Behaviour(kind="status", status=500),
    Behaviour(kind="status", status=429, error_code="rate_limit_exceeded"),
    Behaviour(kind="status", status=429, error_code="insufficient_quota"),
    Behaviour(kind="reset"),
])
def test_a_lasting_failure_falls_back_after_bounded_retries(ready_settings, fake_openai, failure):
    fake_openai.then(*[failure] * 5)
    answer = ask(llm_answerer(ready_settings, fake_openai, retries=1))
    assert_quoted_fallback(answer)
    assert len(fake_openai.requests) == 2  # the first try and one retry, no more


def test_a_stalled_server_times_out(ready_settings, fake_openai):
    fake_openai.then(Behaviour(kind="stall", seconds=3.0), Behaviour(kind="stall", seconds=3.0))
    started = time.perf_counter()
    answer = ask(llm_answerer(ready_settings, fake_openai, retries=0, timeout=0.5))
    assert_quoted_fallback(answer)
    assert time.perf_counter() - started < 2.5


def test_an_empty_completion_falls_back(ready_settings, fake_openai):
    fake_openai.then(Behaviour(kind="empty"))
    assert_quoted_fallback(ask(llm_answerer(ready_settings, fake_openai)))


def test_a_truncated_completion_is_never_shown_without_sources(ready_settings, fake_openai):
    fake_openai.then(Behaviour(kind="truncated", text=GOOD))
    answer = ask(llm_answerer(ready_settings, fake_openai))
    # Half a sentence with no marker cannot be verified: the quoted answer replaces it.
    assert answer.citations
    if answer.generator == "llm":
        assert all(f"[{c.n}]" in answer.answer for c in answer.citations)
    else:
        assert answer.notice in (LLM_FALLBACK_NOTICE, LLM_UNVERIFIED_NOTICE)
