"""One chat conversation: a lazily built Answerer, bounded follow-up history, the last answer.

Shared by the interactive loop and the piped (plain and JSON) modes. Nothing heavy is
imported here at module level, so `backstory chat` can show its prompt before the engine
(Chroma, LangChain, the embedder) has finished loading.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from retrieval.answering.answerer import Answerer, OnStatus, OnToken
    from retrieval.answering.followup import Turn
    from retrieval.models import Answer
    from retrieval.settings import Settings

logger = logging.getLogger(__name__)

# A few throwaway calls load what the first real question would otherwise wait for: the
# Chroma client and collection, the saved BM25 index, the ONNX session.
WARMUP_QUERY = "warm-up"


class Warmup:
    """Build an Answerer once, in a background thread, and tell what it is doing meanwhile."""

    def __init__(self, factory: Callable[[Warmup], Answerer]) -> None:
        self._factory = factory
        self._future: Future[Answerer] = Future()
        self._lock = threading.Lock()
        self._started = False
        self.status = "Loading the engine…"
        # True while the factory writes a new index: leaving then would interrupt the write.
        self.building = False
        self.notes: list[str] = []  # for the user, e.g. documents a first-use build skipped

    def start(self) -> None:
        """Start building in a daemon thread (idempotent), so leaving never waits for it."""
        with self._lock:
            if self._started:
                return
            self._started = True
            # Running futures cannot be cancelled: a Ctrl-C while waiting for the engine
            # cancels the wait, not the build, which the next question then reuses.
            self._future.set_running_or_notify_cancel()
        threading.Thread(target=self._run, name="backstory-warmup", daemon=True).start()

    def _run(self) -> None:
        try:
            answerer = self._factory(self)
        except BaseException as err:  # handed to whoever awaits the answerer
            logger.debug("warm-up failed", exc_info=True)
            self._future.set_exception(err)
        else:
            self.status = "Searching the sources…"
            self._future.set_result(answerer)

    @property
    def ready(self) -> bool:
        return self._future.done()

    @property
    def failed(self) -> bool:
        return self._future.done() and self._future.exception() is not None

    async def get(self) -> Answerer:
        """The Answerer, starting the build if nobody has yet."""
        self.start()
        return await asyncio.wrap_future(self._future)


def interactive_factory(settings: Settings) -> Callable[[Warmup], Answerer]:
    """Build the Answerer, the index on first use, and load what the first question needs."""

    def build(warmup: Warmup) -> Answerer:
        from retrieval.answering.answerer import Answerer

        answerer = Answerer(settings)
        if answerer.store.count() == 0:
            warmup.status = f"Reading the corpus at {settings.corpus_dir} (first use)…"

            def progress(done: int, total: int) -> None:
                warmup.status = (f"Building the index from {settings.corpus_dir} (first use): "
                                 f"{done}/{total} passages")

            warmup.building = True
            try:
                report = answerer.ensure_index(progress=progress)
            finally:
                warmup.building = False
            for failure in report.failed if report else []:
                warmup.notes.append(f"skipped {failure.origin}: {failure.reason}")
        else:
            answerer.store.check_embedder()
        warmup.status = "Loading the index…"
        answerer.store.lexical()
        answerer.embedder.embed_query(WARMUP_QUERY)
        # Chroma's vector index (seconds at 1M passages) loads here rather than in the first
        # question's search.
        from retrieval.preload import load_vectors_in_background

        loading = load_vectors_in_background(answerer.store)  # a thread waited for at exit
        if loading is not None:
            loading.join()
        return answerer

    return build


class ChatSession:
    """The state of one conversation; `ask` is the only path to the engine."""

    def __init__(self, settings: Settings, warmup: Warmup, k: int | None = None) -> None:
        self.settings = settings
        self.warmup = warmup
        self.k = k
        # Bounded here, not only in the Answerer: a long chat must not grow without limit.
        self.history: deque[Turn] = deque(maxlen=settings.max_history_turns)
        self.last: Answer | None = None

    async def answerer(self) -> Answerer:
        return await self.warmup.get()

    async def ask(self, question: str, on_token: OnToken | None = None,
                  on_status: OnStatus | None = None) -> Answer:
        """Answer in the context of the earlier turns, then remember this one."""
        from retrieval.answering.followup import Turn

        answerer = await self.answerer()
        answer = await answerer.aanswer(question, list(self.history), k=self.k,
                                        on_token=on_token, on_status=on_status)
        self.last = answer
        # An abstention says nothing about the subject: a later "he" should still refer to
        # the last question that was answered.
        if not answer.abstained and self.history.maxlen:
            self.history.append(Turn(question=answer.question, answer=answer.answer))
        return answer

    def reset(self) -> None:
        self.history.clear()
        self.last = None
