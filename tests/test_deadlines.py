"""Every wait has a deadline: each Chroma request, the LLM call with the check of its answer,
the model's output, and the Discord messages one answer may take."""

from __future__ import annotations

import socket
import threading
import time
from contextlib import contextmanager

from tests.test_bad_setup import CONNECT_ANSWERS, invoke_within, one_line_error


@contextmanager
def dripping_chroma_server(seconds_per_byte: float):
    """Answers what creating a client needs at once, then every other reply a byte at a time
    (each byte resets a per-read timeout, so only a total deadline ends the wait)."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def drip(conn: socket.socket) -> None:
        try:
            while not stop.is_set():
                request = conn.recv(65536)
                if not request:
                    return
                path = request.split(b" ", 2)[1].split(b"?")[0]
                body = CONNECT_ANSWERS.get(path)
                if body is not None:
                    conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                                 b"content-length: %d\r\n\r\n%s" % (len(body), body))
                    continue
                reply = (b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                         b"content-length: 2\r\n\r\n[]")
                for byte in reply:
                    if stop.is_set():
                        return
                    conn.sendall(bytes([byte]))
                    time.sleep(seconds_per_byte)
        except OSError:
            return
        finally:
            conn.close()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            threading.Thread(target=drip, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(5)
        listener.close()


def test_a_chroma_server_dripping_its_replies_fails_ask_in_time(tmp_path, monkeypatch):
    """Without the per-request deadline `ask` waits for the whole drip (~30 s here; 150 s and
    more against the attack's server), the per-read timeout reset by every byte."""
    import chromadb  # noqa: F401 - imported first: on a busy machine that alone takes seconds

    with dripping_chroma_server(seconds_per_byte=0.4) as url:
        monkeypatch.setenv("BACKSTORY_CHROMA_URL", url)
        monkeypatch.setenv("BACKSTORY_CHROMA_TIMEOUT_S", "3")
        result, elapsed = invoke_within(60, ["--data-dir", str(tmp_path / "d"), "ask", "Who?"])
    assert one_line_error(result) == (
        f"error: the Chroma server at {url} did not answer within 3 s "
        "(BACKSTORY_CHROMA_TIMEOUT_S)")
    assert elapsed < 20


# --- the LLM: output capped, the check under the call's deadline ------------------------------
QUESTION = "Who is Stanislav Tarasov?"
GOOD = "Stanislav Tarasov is a veteran Russian expert on Caucasus politics [1]. "


def llm_answerer(ready_settings, server, **update):
    from retrieval.answering.answerer import Answerer

    settings = ready_settings.model_copy(update={
        "openai_base_url": server.base_url, "llm_retries": 0, "llm_timeout_s": 20.0, **update})
    return Answerer(settings)


def test_the_model_output_is_capped_in_tokens_and_characters(ready_settings, fake_openai):
    """A server that ignores max_tokens streamed 3.2 MB; 193 s went into checking it, and it
    would have been posted as 1,667 Discord messages."""
    import asyncio

    from bot.discord.render import MAX_MESSAGES_PER_ANSWER, answer_messages
    from tests.fake_openai import Behaviour

    fake_openai.then(Behaviour(text=GOOD * 3000))  # about 220 KB
    answerer = llm_answerer(ready_settings, fake_openai, max_answer_chars=1500)
    answer = asyncio.run(answerer.aanswer(QUESTION))
    # langchain-openai sends max_tokens as max_completion_tokens, the current name
    assert fake_openai.requests[-1]["body"].get("max_completion_tokens") == 600
    assert answer.generator == "llm" and len(answer.answer) <= 1500
    assert len(answer_messages(answer)) <= MAX_MESSAGES_PER_ANSWER


def test_checking_the_answer_counts_against_the_llm_deadline(ready_settings, fake_openai,
                                                             monkeypatch):
    import asyncio
    import time

    from retrieval.answering import answerer as answerer_module
    from retrieval.answering.answerer import LLM_TIMEOUT_NOTICE
    from tests.fake_openai import Behaviour

    real = answerer_module.verify_generated

    def slow_check(*args):
        time.sleep(4)
        return real(*args)

    monkeypatch.setattr(answerer_module, "verify_generated", slow_check)
    fake_openai.then(Behaviour(text=GOOD))
    answerer = llm_answerer(ready_settings, fake_openai, llm_timeout_s=2.0)
    started = time.monotonic()
    answer = asyncio.run(answerer.aanswer(QUESTION))
    assert answer.notice == LLM_TIMEOUT_NOTICE.format(seconds=2.0)
    assert answer.generator == "extractive" and time.monotonic() - started < 4


def test_a_long_answer_is_cut_to_a_few_messages_with_its_sources():
    from bot.discord.render import CUT_NOTE, MAX_MESSAGES_PER_ANSWER, answer_messages
    from retrieval.models import Answer, Citation

    citation = Citation(n=1, doc_id="background/csto.md", title="CSTO", outlet="Notes",
                        published="2024-01-01", url="https://example.org/csto", chunk_id="c1",
                        quote="It was founded in 2002.", text="It was founded in 2002.")
    answer = Answer(question="q", answer=("The CSTO is a military alliance [1]. " * 5000),
                    abstained=False, generator="llm", citations=[citation])
    parts = answer_messages(answer)
    assert len(parts) == MAX_MESSAGES_PER_ANSWER and all(len(p) <= 2000 for p in parts)
    assert CUT_NOTE in "\n".join(parts) and "**Sources**" in parts[-1]
