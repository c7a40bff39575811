"""ChatSession and Warmup: bounded history, streaming, the background build, cold start."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading

import pytest

from bot.chat.loop import AnswerView
from bot.chat.session import ChatSession, Warmup
from tests.conftest import REPO
from tests.fake_openai import Behaviour


def ready(answerer) -> Warmup:
    return Warmup(lambda _warmup: answerer)


async def test_history_is_bounded_and_skips_abstentions(ready_settings, answerer):
    settings = ready_settings.model_copy(update={"max_history_turns": 2})
    session = ChatSession(settings, ready(answerer))

    questions = ["Who is Stanislav Tarasov?", "When did he die?",
                 "How many Russian peacekeepers were deployed in Nagorno-Karabakh?"]
    for question in questions:
        assert not (await session.ask(question)).abstained
    declined = await session.ask("What is the best pizza topping in Naples?")

    assert declined.abstained
    assert session.last is declined
    assert [t.question for t in session.history] == questions[1:]
    session.reset()
    assert list(session.history) == [] and session.last is None


async def test_streamed_tokens_reach_the_view(ready_settings, fake_openai):
    from retrieval.answering.answerer import Answerer

    settings = ready_settings.model_copy(update={
        "openai_base_url": fake_openai.base_url, "llm_retries": 0, "llm_timeout_s": 10})
    reply = "Stanislav Tarasov died in 2025 [1][2][3]."
    fake_openai.then(Behaviour(text=reply))
    session = ChatSession(settings, ready(Answerer(settings)))
    view = AnswerView(session.warmup)

    answer = await session.ask("When did Stanislav Tarasov die?", on_token=view.on_token)

    assert "".join(view.streamed) == reply
    assert len(view.streamed) > 1  # it came word by word, not at the end
    assert answer.generator == "llm"
    assert answer.answer.startswith("Stanislav Tarasov died in 2025 [1]")
    assert answer.citations[0].doc_id == "background/stanislav-tarasov.md"
    assert fake_openai.requests[0]["body"]["stream"] is True


async def test_the_view_says_the_model_is_asked_until_it_streams(ready_settings, fake_openai):
    from retrieval.answering.answerer import Answerer
    from retrieval.answering.llm import ASKING_STATUS

    settings = ready_settings.model_copy(update={
        "openai_base_url": fake_openai.base_url, "llm_retries": 0, "llm_timeout_s": 10})
    # llama.cpp reading the prompt: keep-alive pings and no token for a while.
    fake_openai.then(Behaviour(kind="ping", seconds=1.5,
                               text="Stanislav Tarasov died in 2025 [1][2][3]."))
    session = ChatSession(settings, ready(Answerer(settings)))
    view = AnswerView(session.warmup)
    task = asyncio.create_task(session.ask("When did Stanislav Tarasov die?",
                                           on_token=view.on_token, on_status=view.on_status))
    for _ in range(200):
        if fake_openai.requests or task.done():
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.3)
    waiting = view.__rich__()
    assert ASKING_STATUS in str(waiting.text) and not view.streamed
    answer = await task
    assert view.streamed and answer.generator == "llm"
    assert ASKING_STATUS not in str(view.__rich__())  # the streamed text replaced it


async def test_a_cancelled_wait_does_not_cancel_the_build():
    release = threading.Event()
    built = object()

    def slow_factory(warmup: Warmup):
        warmup.status = "Building…"
        release.wait(10)
        return built

    warmup = Warmup(slow_factory)  # type: ignore[arg-type]
    waiter = asyncio.create_task(warmup.get())
    await asyncio.sleep(0)  # let the waiter start the build
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    release.set()

    assert await warmup.get() is built
    assert warmup.ready and not warmup.failed


async def test_a_failed_build_reaches_every_waiter():
    from retrieval.errors import BackstoryError

    def broken(_warmup):
        raise BackstoryError("the index is empty and there is no corpus folder")

    warmup = Warmup(broken)
    for _ in range(2):
        with pytest.raises(BackstoryError, match="no corpus folder"):
            await warmup.get()
    assert warmup.failed


def test_nothing_heavy_is_imported_before_the_first_prompt(tmp_path):
    """Cold start: the chat's prompt side must not pull in Chroma, LangChain, ONNX or spaCy."""
    code = (
        "import sys\n"
        "from bot.startup import load_settings, state\n"
        f"state.data_dir = __import__('pathlib').Path({str(tmp_path)!r})\n"
        "from bot.chat.loop import InteractiveChat\n"
        "import prompt_toolkit, rich.live\n"
        "InteractiveChat(load_settings(), None)\n"
        "heavy = ('chromadb', 'langchain_core', 'onnxruntime', 'numpy', 'spacy', 'torch',\n"
        "         'retrieval.answering.answerer')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                         text=True, timeout=60, check=True)
    assert out.stdout.strip() == "[]"
