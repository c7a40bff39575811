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

from retrieval.answering import article_focus, extractive, slots, sourcing, unmet
from retrieval.answering.citations import compose_extract, verify_generated
from retrieval.answering.declines import DECLINE_TAIL, ArticleDecline
from retrieval.answering.dropped import partial_notice, plain_reason
from retrieval.answering.followup import Turn, carried_context, history_text, resolve
from retrieval.answering.language import foreign_language
from retrieval.answering.other_languages import OtherLanguages, in_their_language
from retrieval.answering.retriever import with_lead_passage
from retrieval.answering.scorer import SentenceScorer, shared_scorer
from retrieval.answering.support import ContentScorer, lexical_scorer
from retrieval.errors import BackstoryError
from retrieval.index.embeddings import make_embedder
from retrieval.index.safety import is_instruction, sanitize_output
from retrieval.index.store import Store
from retrieval.linguistics import warm_up_in_background
from retrieval.models import Answer, Retrieved
from retrieval.preload import load_models_in_background
from retrieval.settings import Settings

if TYPE_CHECKING:  # LangChain's model and indexing modules load only on the paths using them
    from langchain_core.embeddings import Embeddings
    from langchain_core.language_models import BaseChatModel

    from retrieval.answering.lc_retriever import HybridRetriever
    from retrieval.index.ingest import IngestReport, Progress

logger = logging.getLogger(__name__)

# Said when nothing is known about the index (the naive baseline); the Answerer names the
# indexed articles instead (decline_message).
ABSTAIN_MESSAGE = f"I can't answer that from the article or its background documents, {DECLINE_TAIL}"
LLM_FALLBACK_NOTICE = "The language model was unavailable; showing quoted sentences instead."
LLM_TIMEOUT_NOTICE = (
    "The language model did not finish within {seconds:g} s; showing quoted sentences instead."
)
# A timeout inside the client before our deadline: the server stopped sending text.
LLM_STALLED_NOTICE = ("The language model stopped sending its answer; showing quoted sentences "
                      "instead.")
# Said when the checker dropped every sentence, or some; {why} is the commonest reason.
LLM_UNVERIFIED_NOTICE = (
    "The language model's answer was not shown because its sentences {why}; showing quoted "
    "sentences instead."
)
# The offline reader's decline when the sources hold something close: what they say.
NEAR_MISS_MESSAGE = "The sources do not say {missing}. The closest they come: {quote} [1]"
AS_OF_PREFIX = "As of {date}: "
FOLLOWUP_SEARCHES_STANDALONE = True  # a resolved follow-up searches with the name in
OnToken = Callable[[str], Awaitable[None] | None]
OnStatus = Callable[[str], Awaitable[None] | None]


@dataclass
class Prepared:
    question: str
    search_query: str
    context: str
    retrieved: list[Retrieved]
    retrieve_ms: float
    # Set when the index cannot read the question's language: the reply, in that language.
    language_reply: str | None = None
    # A follow-up with its pronouns replaced ("What happened to Stanislav Tarasov after
    # that?"): what the offline reader scores sentences against, since "him" tells its
    # cross-encoder nothing.
    standalone: str | None = None
    language: str | None = None  # a question not in English, searched multilingually


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
        scorer: SentenceScorer | None = None,
        support_scorer: ContentScorer | None = None,
    ) -> None:
        self.settings = settings
        self.embedder = embedder or (store.embedder if store else make_embedder(settings))
        self.store = store or Store(settings, self.embedder)
        self._chat_model = chat_model
        # How an LLM sentence's content is judged against its passages
        # (retrieval/answering/support.py): word coverage unless given, e.g. the reader's learned
        # scorer's score_pairs.
        self._support_scorer = support_scorer or lexical_scorer()
        self.sentence_vectors = extractive.SentenceVectors(self.embedder)
        self.scorer = scorer or shared_scorer(settings.embed_threads)
        self.other_languages = OtherLanguages(settings, self.store, self.sentence_vectors)
        warm_up_in_background()  # spaCy, which the reader parses every question with
        # The ONNX sessions load beside it, in native code (retrieval/preload.py).
        load_models_in_background(self.embedder, *([] if self.uses_llm else [self.scorer]))
        self._loaded = False  # set after the first answer, when models and index are loaded
        self.decline = ArticleDecline(self.store)
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
            from retrieval.answering.llm import make_chat_model

            self._chat_model = make_chat_model(self.settings)
        return self._chat_model

    def retriever(self, k: int | None = None) -> HybridRetriever:
        from retrieval.answering.lc_retriever import HybridRetriever

        return HybridRetriever(store=self.store, k=k or self.settings.k)

    def ensure_index(self, progress: Progress | None = None) -> IngestReport | None:
        """Build the index from the corpus on first use, when it is empty."""
        from retrieval.index.first_build import build_if_empty

        return build_if_empty(self.store, progress)

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

    def _history(self, history: list[Turn] | None) -> list[Turn]:
        return list(history or [])[-self.settings.max_history_turns :] \
            if self.settings.max_history_turns else []

    def prepare(self, question: str, history: list[Turn] | None = None,
                k: int | None = None, search_query: str | None = None) -> Prepared:
        """Retrieve for the question; `search_query` is a condensed or translated form of
        it written by the LLM (aanswer), used for the search instead of the question."""
        question, k = self.validate(question, k)
        history = self._history(history)
        started = time.perf_counter()
        self.store.follow()  # another process may have ingested or rebuilt since the last one
        self.decline.refresh()
        language = foreign_language(question) if search_query is None else None
        if language is not None:
            return self._prepare_foreign(question, history, k, language, started)
        context, standalone = "", None
        if search_query is None:
            # A follow-up is searched with what its pronouns mean as context ("What happened
            # to him?" + "Stanislav Tarasov"); with an LLM, the model condensed it already.
            followup = resolve(question, history)
            if followup.refers_to_nothing:
                # "What happened to him?" with nobody before it: whatever matches "happened"
                # would be an answer about someone the reader never meant.
                return Prepared(question, question, "", [],
                                (time.perf_counter() - started) * 1000)
            search_query, context = followup.search_query, followup.context
            standalone = followup.standalone if followup.entity else None
            if standalone is not None and FOLLOWUP_SEARCHES_STANDALONE:
                # "What did he do when Azerbaijan attacked?" is searched as "What did Antony
                # Blinken do ...": with "he" alone, the search finds only Azerbaijan.
                search_query = standalone
        retrieved = article_focus.search(self.store, search_query, k, context, question,
                                         first_turn=not history)
        if extractive.asks_for_definition(search_query):
            retrieved = with_lead_passage(self.store, retrieved)
        return Prepared(question, search_query, context, retrieved,
                        (time.perf_counter() - started) * 1000, standalone=standalone)

    def _prepare_foreign(self, question: str, history: list[Turn], k: int, language: str,
                         started: float) -> Prepared:
        """Retrieve for a question in another language than the sources, without an LLM."""
        unavailable = self.other_languages.unavailable(question, language)
        if unavailable is not None:
            return Prepared(question, question, "", [], (time.perf_counter() - started) * 1000,
                            unavailable, language=language)
        context, retrieved = self.other_languages.retrieve(question, history, k)
        return Prepared(question, question, context, retrieved,
                        (time.perf_counter() - started) * 1000, language=language)

    async def _search_query(self, question: str, history: list[Turn] | None) -> str | None:
        """With an LLM: a follow-up condensed into a standalone question, and a question in
        another language translated into the sources' (English), for the search only; the
        answer is still written in the question's language. None: search the question."""
        from retrieval.answering.llm import condense_chain, invoke_within, needs_translation

        history = self._history(history)
        question = " ".join(question.split())
        follow_up = bool(carried_context(question, history))
        if not question or not (follow_up or needs_translation(question)) \
                or is_instruction(question):
            return None
        try:
            standalone = await invoke_within(
                condense_chain(self.chat_model),
                {"history": history_text(history) or "(none)", "question": question},
                self.settings.llm_timeout_s)
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.warning("condensing the question failed; searching it as asked", exc_info=True)
            return None
        standalone = " ".join(str(standalone).split())[: self.settings.max_question_chars]
        return standalone or None

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
        on_status: OnStatus | None = None,
    ) -> Answer:
        """Answer one question without blocking the event loop (Discord's and chat's path).

        `on_status` hears what is being waited for ("Asking the language model…");
        `on_token` gets the LLM's text as it streams."""
        started = time.perf_counter()
        search_query = None
        if self.uses_llm:
            search_query = await self._search_query(question, history)
        prepared = await self._in_thread(self.prepare, question, history, k, search_query)
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
            answer = await self._llm_answer(prepared, on_token, on_status)
        else:
            answer = await self._in_thread(self._extractive_answer, prepared)
        if prepared.language is not None and prepared.language_reply is None:
            answer = in_their_language(answer, prepared.language, self.decline.text)
        # The article over a note's paraphrase of it; the date an article-only answer holds for.
        answer = sourcing.finish(answer)
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
        question = prepared.standalone or (
            prepared.question if prepared.context else prepared.search_query)
        if prepared.language is not None:  # the English reader cannot read the question
            picked = self.other_languages.choose(question, prepared.retrieved,
                                                 prepared.context)
        else:
            picked = extractive.choose(question, prepared.retrieved, self.sentence_vectors,
                                       context=prepared.context,
                                       lexicon=self.store.lexical(), scorer=self.scorer)
        if prepared.language is None:  # the English parse reads English questions only
            picked = unmet.review(question, picked, prepared.retrieved, prepared.context)
        if not picked.picks and picked.near_miss is not None:
            _, citations = compose_extract([picked.near_miss], prepared.retrieved)
            return Answer(question=prepared.question, abstained=True, generator="extractive",
                          answer=NEAR_MISS_MESSAGE.format(missing=picked.missing,
                                                          quote=picked.near_miss.quote),
                          citations=citations, retrieved=prepared.retrieved, notice=notice)
        if not picked.picks:
            return self._abstain(prepared, "extractive", notice)
        text, citations = compose_extract(picked.picks, prepared.retrieved)
        if picked.as_of:
            text = AS_OF_PREFIX.format(date=picked.as_of) + text
        return Answer(question=prepared.question, answer=text, abstained=False,
                      generator="extractive", citations=citations,
                      retrieved=prepared.retrieved, notice=notice,
                      emphasis=slots.emphasis(question, picked.picks[0].quote))

    async def _llm_answer(self, prepared: Prepared, on_token: OnToken | None,
                          on_status: OnStatus | None = None) -> Answer:
        from retrieval.answering.llm import (
            ABSTAIN_TOKEN,
            ASKING_STATUS,
            DeadlinePassed,
            ServerTimedOut,
            answer_chain,
            format_sources,
            stream_within,
        )

        inputs = {"sources": format_sources(prepared.retrieved), "question": prepared.question}
        if on_status is not None:
            shown = on_status(ASKING_STATUS)
            if asyncio.iscoroutine(shown):
                await shown
        seconds = self.settings.llm_timeout_s
        deadline = time.monotonic() + seconds  # the call and the check of its answer
        try:
            raw = (await stream_within(answer_chain(self.chat_model), inputs, seconds,
                                       on_token, max_chars=self.settings.max_answer_chars)
                   ).strip()
        except asyncio.CancelledError:
            raise
        except DeadlinePassed:
            logger.warning("LLM call passed its %g s deadline; falling back to extractive",
                           seconds)
            return await self._fallback(prepared, LLM_TIMEOUT_NOTICE.format(seconds=seconds))
        except ServerTimedOut:
            logger.warning("LLM client timed out before the deadline; falling back to extractive",
                           exc_info=True)
            return await self._fallback(prepared, LLM_STALLED_NOTICE)
        except Exception as err:
            logger.warning("LLM call failed (%s); falling back to extractive", type(err).__name__,
                           exc_info=True)
            return await self._fallback(prepared, LLM_FALLBACK_NOTICE)
        if not raw:
            return await self._fallback(prepared, LLM_FALLBACK_NOTICE)
        if ABSTAIN_TOKEN in raw:
            return self._abstain(prepared, "llm")
        try:
            async with asyncio.timeout(max(0.0, deadline - time.monotonic())):
                verified = await self._in_thread(verify_generated, raw, prepared.retrieved,
                                                 self._support_scorer)
        except TimeoutError:
            logger.warning("checking the LLM's answer passed the %g s deadline", seconds)
            return await self._fallback(prepared, LLM_TIMEOUT_NOTICE.format(seconds=seconds))
        if not verified.citations:
            if verified.declined:  # the model said in words that the sources do not answer
                return self._abstain(prepared, "llm")
            return await self._fallback(prepared, LLM_UNVERIFIED_NOTICE.format(
                why=plain_reason(verified.dropped)))
        allowed = {c.url for c in verified.citations if c.url}
        return Answer(question=prepared.question,
                      answer=sanitize_output(verified.text, allowed),
                      abstained=False, generator="llm", citations=verified.citations,
                      retrieved=prepared.retrieved, notice=partial_notice(verified))

    async def _fallback(self, prepared: Prepared, notice: str) -> Answer:
        return await self._in_thread(self._extractive_answer, prepared, notice)

    def _abstain(self, prepared: Prepared, generator: str, notice: str | None = None) -> Answer:
        return Answer(question=prepared.question, answer=self.decline.text, abstained=True,
                      generator=generator, retrieved=prepared.retrieved, notice=notice)
