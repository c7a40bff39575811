"""Load: 50 questions at once through Answerer.aanswer, and the event loop stays responsive."""

from __future__ import annotations

import asyncio
import random
import threading
import time

from langchain_core.embeddings import Embeddings

CONCURRENT = 50
THREADS = 8
CALLS_PER_THREAD = 200
TICK_S = 0.01
# Most wake-ups must be on time; one late wake-up is allowed to be longer, because on a
# loaded machine (CI neighbours, other tests) the OS alone can delay a thread by 100+ ms.
# Answering on the loop instead of a worker thread blocks it for whole answers in a row
# (seconds for 50 questions), which both limits catch.
MAX_LAG_S = 0.1
MAX_SINGLE_LAG_S = 1.0
QUESTIONS = [
    "Who is Stanislav Tarasov?",
    "What is the Collective Security Treaty Organization?",
    "When did Russian peacekeepers leave Nagorno-Karabakh?",
    "What did Moscow say about Washington?",
    "What is the best recipe for chocolate cake?",  # abstains: a different path
]


class LoopMonitor:
    """Wakes every TICK_S and records how late each wake-up was: the loop's blocking time."""

    def __init__(self) -> None:
        self.max_lag = 0.0
        self.lags: list[float] = []
        self.ticks = 0
        self._stop = asyncio.Event()

    async def run(self) -> None:
        while not self._stop.is_set():
            expected = time.perf_counter() + TICK_S
            await asyncio.sleep(TICK_S)
            lag = time.perf_counter() - expected
            self.max_lag = max(self.max_lag, lag)
            self.lags.append(lag)
            self.ticks += 1

    def lag_quantile(self, share: float) -> float:
        ordered = sorted(self.lags)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]

    def stop(self) -> None:
        self._stop.set()


async def test_fifty_concurrent_questions_never_block_the_loop(answerer):
    # One question first, so one-time loading (ONNX session, Chroma, BM25) is not measured.
    alone = await answerer.aanswer(QUESTIONS[0])

    monitor = LoopMonitor()
    watcher = asyncio.create_task(monitor.run())
    await asyncio.sleep(TICK_S * 3)  # the monitor is ticking before the load starts
    started = time.perf_counter()
    answers = await asyncio.gather(
        *(answerer.aanswer(QUESTIONS[i % len(QUESTIONS)]) for i in range(CONCURRENT)))
    elapsed = time.perf_counter() - started
    monitor.stop()
    await watcher

    assert len(answers) == CONCURRENT
    for i, answer in enumerate(answers):
        question = QUESTIONS[i % len(QUESTIONS)]
        assert answer.question == question
        if "chocolate" in question:
            assert answer.abstained and not answer.citations
        else:
            assert not answer.abstained and answer.citations, question
    # The same question gets the same answer however many are in flight.
    assert answers[0].answer == alone.answer
    for i in range(len(QUESTIONS), CONCURRENT):
        assert answers[i].answer == answers[i % len(QUESTIONS)].answer
    assert monitor.lag_quantile(0.95) < MAX_LAG_S, (
        f"the event loop was late by {monitor.lag_quantile(0.95) * 1000:.0f} ms at p95")
    assert monitor.max_lag < MAX_SINGLE_LAG_S, (
        f"the event loop was blocked for {monitor.max_lag * 1000:.0f} ms")
    assert monitor.ticks >= elapsed / TICK_S / 4, "the monitor hardly ran"


class LengthEmbeddings(Embeddings):
    """A fast embedder whose vector says which text it came from; it yields the GIL like ONNX."""

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        time.sleep(0.0005)
        return [[float(len(t)), float(sum(map(ord, t)))] for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]


def test_sentence_vector_cache_is_thread_safe():
    """Answers run in worker threads that share one cache, which clears itself when full."""
    from retrieval.answering.extractive import SentenceVectors

    embedder = LengthEmbeddings()
    cache = SentenceVectors(embedder, capacity=8)
    pool = [f"Sentence number {i} of the shared pool." for i in range(30)]
    errors: list[str] = []

    def work(seed: int) -> None:
        rnd = random.Random(seed)
        for _ in range(CALLS_PER_THREAD):
            sentences = rnd.sample(pool, 5)
            try:
                got = cache.get(sentences)
                assert got.tolist() == embedder.embed_documents(sentences)
            except Exception as err:  # noqa: BLE001 - every failure is collected and reported
                errors.append(repr(err))

    threads = [threading.Thread(target=work, args=(seed,)) for seed in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, f"{len(errors)} failed lookups, e.g. {errors[:3]}"
