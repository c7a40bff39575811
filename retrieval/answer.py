"""The Answerer: question (+ history) -> retrieve -> generate -> check citations -> Answer.

Every front end calls this one object; none of them knows about Chroma or prompts.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import logging
import os
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

from retrieval import extractive
from retrieval.citations import compose_extract, verify_generated
from retrieval.embeddings import make_embedder
from retrieval.errors import BackstoryError
from retrieval.followup import Turn, history_text, resolve
from retrieval.language import english_only_reply
from retrieval.models import Answer, Retrieved
from retrieval.retriever import hybrid_search, with_lead_passage
from retrieval.safety import is_instruction, sanitize_output
from retrieval.settings import Settings
from retrieval.store import Store

if TYPE_CHECKING:  # LangChain's model and indexing modules load only on the paths using them
    from langchain_core.embeddings import Embeddings
    from langchain_core.language_models import BaseChatModel

    from retrieval.ingest import IngestReport, Progress
    from retrieval.lc_retriever import HybridRetriever

logger = logging.getLogger(__name__)

ABSTAIN_MESSAGE = (
    "I can't answer that from the article or its background documents, and I'd rather not "
    "guess. Try asking about the people, places and events they cover."
)
LLM_FALLBACK_NOTICE = "The language model was unavailable; showing quoted sentences instead."
LLM_UNVERIFIED_NOTICE = (
    "The language model's answer did not match its sources; showing quoted sentences instead."
)

OnToken = Callable[[str], Awaitable[None] | None]


@dataclass
class Prepared:
    question: str
    search_query: str
    context: str
    retrieved: list[Retrieved]
    retrieve_ms: float
    # Set when the index cannot read the question's language: the reply, in that language.
    language_reply: str | None = None


def _freeze_loaded_objects() -> None:
    """Move everything loaded so far (models, Chroma's client, the BM25 index, LangChain)
    out of the garbage collector's sight.

    These objects live as long as the answerer; left in view, each full collection walks all
    of them while holding the GIL, and under load those pauses froze the event loop for
    110-180 ms (tests/test_load.py). Called after an answerer's first answer, when all of it
    is loaded: once in a bot or chat process, once per answerer in the test suite.
    """
    gc.freeze()


class Answerer:
    """Owns the flow for one question; collaborators default from settings."""

    def __init__(
        self,
        settings: Settings,
        *,
        store: Store | None = None,
        embedder: Embeddings | None = None,
        chat_model: BaseChatModel | None = None,
    ) -> None:
        self.settings = settings
        self.embedder = embedder or (store.embedder if store else make_embedder(settings))
        self.store = store or Store(settings, self.embedder)
        self._chat_model = chat_model
        self.sentence_vectors = extractive.SentenceVectors(self.embedder)
        self._loaded = False  # set after the first answer, when models and index are loaded
        # CPU-bound work runs in threads so the event loop stays free; as many threads as
        # cores, since more only queue for the GIL and stretch every wake-up of the loop.
        self._executor = ThreadPoolExecutor(max_workers=os.cpu_count() or 2,
                                            thread_name_prefix="answerer")

    async def _in_thread(self, func, *args):
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(func, *args))

    # --- collaborators ------------------------------------------------------------------
    @property
    def uses_llm(self) -> bool:
        return self._chat_model is not None or self.settings.uses_llm

    @property
    def chat_model(self) -> BaseChatModel:
        if self._chat_model is None:
            from retrieval.llm import make_chat_model

            self._chat_model = make_chat_model(self.settings)
        return self._chat_model

    def retriever(self, k: int | None = None) -> HybridRetriever:
        from retrieval.lc_retriever import HybridRetriever

        return HybridRetriever(store=self.store, k=k or self.settings.k)

    def ensure_index(self, progress: Progress | None = None) -> IngestReport | None:
        """Build the index from the corpus on first use, when it is empty."""
        from retrieval.ingest import ingest

        self.store.check_embedder()
        if self.store.count() > 0:
            return None
        if not self.settings.corpus_dir.exists():
            raise BackstoryError(
                f"the index is empty and there is no corpus folder at {self.settings.corpus_dir}; "
                "run `backstory ingest PATH` or set BACKSTORY_CORPUS_DIR"
            )
        return ingest(self.store, progress=progress)

    # --- the flow -----------------------------------------------------------------------
    def validate(self, question: str, k: int | None) -> tuple[str, int]:
        question = " ".join(question.split())
        if not question:
            raise BackstoryError("the question is empty")
        if len(question) > self.settings.max_question_chars:
            raise BackstoryError(
                f"the question is {len(question):,} characters; the limit is "
                f"{self.settings.max_question_chars:,}"
            )
        k = self.settings.k if k is None else k
        if not 1 <= k <= self.settings.max_k:
            raise BackstoryError(f"k must be between 1 and {self.settings.max_k}")
        return question, k

    def prepare(self, question: str, history: list[Turn] | None = None,
                k: int | None = None) -> Prepared:
        question, k = self.validate(question, k)
        history = list(history or [])[-self.settings.max_history_turns :] \
            if self.settings.max_history_turns else []
        started = time.perf_counter()
        language_reply = english_only_reply(question, self.settings.embedder)
        if language_reply is not None:
            # Searching English sources with a question the embedder cannot read only finds
            # noise; say so in the reader's language instead of an English-only decline.
            return Prepared(question, question, "", [], (time.perf_counter() - started) * 1000,
                            language_reply)
        # A follow-up is searched with what its pronouns mean as context ("What happened to
        # him?" + "Stanislav Tarasov"); with an LLM, the model condenses it instead.
        followup = resolve(question, history)
        if followup.refers_to_nothing:
            # "What happened to him?" with nobody before it: whatever matches "happened"
            # would be an answer about someone the reader never meant.
            return Prepared(question, question, "", [], (time.perf_counter() - started) * 1000)
        search_query, context = followup.search_query, followup.context
        if context and self.uses_llm:
            search_query, context = self._condense(question, history), ""
        retrieved = hybrid_search(self.store, search_query, k, context=context)
        if extractive.asks_for_definition(search_query):
            retrieved = with_lead_passage(self.store, retrieved)
        return Prepared(question, search_query, context, retrieved,
                        (time.perf_counter() - started) * 1000)

    def _condense(self, question: str, history: list[Turn]) -> str:
        from retrieval.llm import condense_chain

        try:
            standalone = condense_chain(self.chat_model).invoke(
                {"history": history_text(history), "question": question}
            ).strip()
        except Exception:
            logger.warning("condensing the follow-up failed; resolving it offline", exc_info=True)
            followup = resolve(question, history)
            return followup.standalone if followup.entity else \
                f"{followup.search_query} {followup.context}".strip()
        return standalone[: self.settings.max_question_chars] or question

    def answer(self, question: str, history: list[Turn] | None = None,
               k: int | None = None) -> Answer:
        """Answer one question synchronously (the CLI's path)."""
        return asyncio.run(self.aanswer(question, history, k))

    async def aanswer(
        self,
        question: str,
        history: list[Turn] | None = None,
        k: int | None = None,
        on_token: OnToken | None = None,
    ) -> Answer:
        """Answer one question without blocking the event loop (Discord's and chat's path)."""
        started = time.perf_counter()
        prepared = await self._in_thread(self.prepare, question, history, k)
        gen_started = time.perf_counter()
        if prepared.language_reply is not None:
            answer = Answer(question=prepared.question, answer=prepared.language_reply,
                            abstained=True,
                            generator="llm" if self.uses_llm else "extractive")
        elif is_instruction(prepared.question):
            # A question that tries to give the assistant orders is declined before any
            # generator sees it; an LLM told to obey the sources might still obey the user.
            answer = self._abstain(prepared, "llm" if self.uses_llm else "extractive")
        elif self.uses_llm and prepared.retrieved:
            answer = await self._llm_answer(prepared, on_token)
        else:
            answer = await self._in_thread(self._extractive_answer, prepared)
        answer.timings_ms = {
            "retrieve": round(prepared.retrieve_ms, 1),
            "generate": round((time.perf_counter() - gen_started) * 1000, 1),
            "total": round((time.perf_counter() - started) * 1000, 1),
        }
        if not self._loaded:
            self._loaded = True
            _freeze_loaded_objects()
        return answer

    # --- generators ---------------------------------------------------------------------
    def _extractive_answer(self, prepared: Prepared, notice: str | None = None) -> Answer:
        # With carried context the reader's words plus that context (weighed lower) pick
        # the sentence; without it (an LLM-condensed follow-up), the standalone question.
        question = prepared.question if prepared.context else prepared.search_query
        picked = extractive.choose(question, prepared.retrieved,
                                   self.sentence_vectors, context=prepared.context,
                                   lexicon=self.store.lexical())
        if not picked.picks:
            return self._abstain(prepared, "extractive", notice)
        text, citations = compose_extract(picked.picks, prepared.retrieved)
        return Answer(question=prepared.question, answer=text, abstained=False,
                      generator="extractive", citations=citations,
                      retrieved=prepared.retrieved, notice=notice)

    async def _llm_answer(self, prepared: Prepared, on_token: OnToken | None) -> Answer:
        from retrieval.llm import ABSTAIN_TOKEN, answer_chain, format_sources

        chain = answer_chain(self.chat_model)
        inputs = {"sources": format_sources(prepared.retrieved),
                  "question": prepared.search_query}
        parts: list[str] = []
        try:
            async for piece in chain.astream(inputs):
                parts.append(piece)
                if on_token is not None:
                    result = on_token(piece)
                    if asyncio.iscoroutine(result):
                        await result
        except asyncio.CancelledError:
            raise
        except Exception as err:
            logger.warning("LLM call failed (%s); falling back to extractive", type(err).__name__,
                           exc_info=True)
            return await self._in_thread(self._extractive_answer, prepared,
                                           LLM_FALLBACK_NOTICE)
        raw = "".join(parts).strip()
        if not raw:
            return await self._in_thread(self._extractive_answer, prepared,
                                           LLM_FALLBACK_NOTICE)
        if ABSTAIN_TOKEN in raw:
            return self._abstain(prepared, "llm")
        text, citations = verify_generated(raw, prepared.retrieved)
        if not citations:
            return await self._in_thread(self._extractive_answer, prepared,
                                           LLM_UNVERIFIED_NOTICE)
        allowed = {c.url for c in citations if c.url}
        return Answer(question=prepared.question, answer=sanitize_output(text, allowed),
                      abstained=False, generator="llm", citations=citations,
                      retrieved=prepared.retrieved)

    def _abstain(self, prepared: Prepared, generator: str, notice: str | None = None) -> Answer:
        return Answer(question=prepared.question, answer=ABSTAIN_MESSAGE, abstained=True,
                      generator=generator, retrieved=prepared.retrieved, notice=notice)
