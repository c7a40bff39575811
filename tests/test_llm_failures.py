"""A misbehaving OpenAI-protocol server on 127.0.0.1: bounded retries, then quoted answers."""

from __future__ import annotations

import asyncio
import time

import pytest

from retrieval.answering.answerer import (
    LLM_FALLBACK_NOTICE,
    LLM_TIMEOUT_NOTICE,
    Answerer,
)
from retrieval.answering.llm import DeadlinePassed, ServerTimedOut, stream_within
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


def warmed(answerer, server) -> Answerer:
    """One quoted fallback first, so the timings below do not include loading the models."""
    server.then(Behaviour(kind="empty"))
    ask(answerer)
    server.requests.clear()
    return answerer


def test_a_stalled_server_times_out(ready_settings, fake_openai):
    answerer = warmed(llm_answerer(ready_settings, fake_openai, retries=0, timeout=0.5),
                      fake_openai)
    fake_openai.then(Behaviour(kind="stall", seconds=3.0), Behaviour(kind="stall", seconds=3.0))
    started = time.perf_counter()
    answer = ask(answerer)
    assert_quoted_fallback(answer, LLM_TIMEOUT_NOTICE.format(seconds=0.5))
    assert time.perf_counter() - started < 2.5


def test_a_server_that_pings_forever_is_cut_off_at_the_deadline(ready_settings, fake_openai):
    # llama.cpp's ": ping" comments arrive every 0.2 s here, far inside any per-read
    # timeout; only a deadline on the whole request ends the wait.
    deadline = 2.0
    answerer = warmed(llm_answerer(ready_settings, fake_openai, retries=2, timeout=deadline),
                      fake_openai)
    fake_openai.then(*[Behaviour(kind="ping", forever=True)] * 3)
    started = time.perf_counter()
    answer = ask(answerer)
    assert_quoted_fallback(answer, LLM_TIMEOUT_NOTICE.format(seconds=deadline))
    # The whole answer, quoted fallback included, within the deadline and a second.
    assert time.perf_counter() - started < deadline + 1.0
    # The stream was closed, so the server saw the client hang up: it can stop generating.
    for _ in range(20):
        if fake_openai.hangups:
            break
        time.sleep(0.1)
    assert len(fake_openai.requests) == 1
    assert fake_openai.hangups and fake_openai.hangups[0][1] < deadline + 1.0


def test_pings_before_the_first_token_are_waited_through(ready_settings, fake_openai):
    fake_openai.then(Behaviour(kind="ping", seconds=1.0, text=GOOD))
    answer = ask(llm_answerer(ready_settings, fake_openai, retries=0, timeout=5.0))
    assert answer.generator == "llm" and answer.notice is None
    assert "Tarasov" in answer.answer


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
        assert answer.notice and "showing quoted sentences instead" in answer.notice


def test_the_client_librarys_chunk_timeout_does_not_cut_in_before_the_deadline(
        ready_settings, fake_openai, monkeypatch):
    # langchain-openai ends a stream after 120 s without a content chunk (pings do not
    # count); a slow local model's first token can take longer. Shrunk here to 0.3 s: the
    # model pings for 1 s, inside our 5 s deadline, and its answer must be shown.
    monkeypatch.setenv("LANGCHAIN_OPENAI_STREAM_CHUNK_TIMEOUT_S", "0.3")
    fake_openai.then(Behaviour(kind="ping", seconds=1.0, text=GOOD))
    answer = ask(llm_answerer(ready_settings, fake_openai, retries=0, timeout=5.0))
    assert answer.generator == "llm" and answer.notice is None
    assert "Tarasov" in answer.answer


class _Chain:
    """A runnable's streaming face: waits, then raises or yields."""

    def __init__(self, wait: float, error: Exception | None = None) -> None:
        self.wait, self.error = wait, error

    async def astream(self, inputs):
        await asyncio.sleep(self.wait)
        if self.error is not None:
            raise self.error
        yield "done"


def test_only_our_deadline_is_reported_as_the_deadline():
    with pytest.raises(DeadlinePassed):
        asyncio.run(stream_within(_Chain(wait=5.0), {}, seconds=0.2))
    # A timeout raised inside the client before the deadline is a server that stopped
    # sending, and must not be told to the reader as "did not finish within N s".
    with pytest.raises(ServerTimedOut):
        asyncio.run(stream_within(_Chain(wait=0.0, error=TimeoutError("chunk gap")), {},
                                  seconds=5.0))
    assert asyncio.run(stream_within(_Chain(wait=0.0), {}, seconds=5.0)) == "done"
