"""Questions in another language than the sources, answered offline (no LLM to translate).

Such a question is searched with the multilingual embedder (e5): in the e5 mirror of the
index when the configured embedder reads English only (retrieval/index/multilingual.py),
plus BM25 on whatever words it shares with the sources (names, numbers). Its quotes stay
the sources' English words; one line in the asker's language says so.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from retrieval.answering import cross_lingual, extractive, phrases
from retrieval.answering.followup import Turn
from retrieval.answering.language import (
    ENGLISH_ONLY_EMBEDDERS,
    english_only_reply,
    foreign_language,
)
from retrieval.answering.retriever import hybrid_search
from retrieval.index.store import Store
from retrieval.models import Answer, Retrieved
from retrieval.settings import Settings

if TYPE_CHECKING:
    from retrieval.answering.cross_lingual_judge import Judge
    from retrieval.index.multilingual import MultilingualIndex, Progress

logger = logging.getLogger(__name__)

# Questions in other languages are read by cross_lingual.py; False: by the English reader's
# scoring on similarity alone, as before it (for bench/xquad_diagnose.py's comparison).
OWN_READER = True


class OtherLanguages:
    """Owns the multilingual index an Answerer searches questions in other languages in."""

    def __init__(self, settings: Settings, store: Store,
                 english_vectors: extractive.SentenceVectors) -> None:
        self.store = store
        self.settings = settings
        self._english_vectors = english_vectors
        self._index: MultilingualIndex | None = None
        self._vectors: extractive.SentenceVectors | None = None
        # A learned judge of the quotes for cross_lingual.choose (none ships; the benches
        # hand one in to compare it with the hand-weighted sum).
        self.judge: Judge | None = None

    @property
    def reads_english_only(self) -> bool:
        return self.settings.embedder in ENGLISH_ONLY_EMBEDDERS

    @property
    def index(self) -> MultilingualIndex:
        if self._index is None:
            from retrieval.index.multilingual import MultilingualIndex

            self._index = MultilingualIndex(self.store)
            self._vectors = extractive.SentenceVectors(self._index.embedder)
        return self._index

    def sentence_vectors(self) -> extractive.SentenceVectors:
        """The embedder that judges sentences against a question in another language."""
        if not self.reads_english_only:
            return self._english_vectors  # e5 or OpenAI: multilingual already
        self.index  # noqa: B018 - creates the vectors with the index
        return self._vectors or self._english_vectors

    def choose(self, question: str, retrieved: list[Retrieved], context: str = ""
               ) -> extractive.Extract:
        """The quotes that answer a question in another language, or none."""
        vectors = self.sentence_vectors()
        if not OWN_READER:  # the English reader's scoring, on similarity alone (before)
            return extractive.choose(question, retrieved, vectors, context=context,
                                     lexicon=self.store.lexical(), scorer=False,
                                     cross_lingual=True)
        return cross_lingual.choose(question, retrieved, vectors, context=context,
                                    lexicon=self.store.lexical(), judge=self.judge)

    def language_of(self, question: str) -> str | None:
        return foreign_language(question)

    def needs_index(self, question: str) -> bool:
        """True when `question` would be searched in a multilingual index not built yet."""
        if not self.reads_english_only or self.settings.multilingual == "off" \
                or foreign_language(question) is None:
            return False
        return not self.index.ready()

    def build_index(self, progress: Progress | None = None) -> int:
        """Build or bring up to date the multilingual index, in this thread."""
        self.index.wait()  # a background build in this process finishes first
        return self.index.sync(progress)

    def unavailable(self, question: str, language: str) -> str | None:
        """None when a question in `language` can be searched now; else what to tell its
        asker (in that language): the setting is off, or the index is still being built."""
        from retrieval.index import multilingual

        if not self.reads_english_only:
            return None
        if self.settings.multilingual == "off":
            return english_only_reply(question, self.settings.embedder)
        index = self.index
        if index.ready():
            return None
        if not index.building and index.behind() <= multilingual.CATCH_UP_INLINE:
            index.sync()  # a few passages (a fresh upload, a small corpus): seconds
            return None
        if index.start_background():
            logger.info("building the multilingual index in the background")
        return phrases.say(phrases.BUILDING, language)

    def retrieve(self, question: str, history: list[Turn], k: int) -> tuple[str, list[Retrieved]]:
        """(context, passages) for a question in another language.

        English pronoun rules cannot read a follow-up in another language, so the previous
        question goes along as context: searched at a lower weight, beside the question."""
        context = history[-1].question if history else ""
        dense_store = self.index.store if self.reads_english_only else None
        return context, hybrid_search(self.store, question, k, context=context,
                                      dense_store=dense_store)


def in_their_language(answer: Answer, language: str, abstain_message: str) -> Answer:
    """Quotes stay as the sources wrote them; one line in the reader's language says so. A
    decline is said in that language."""
    if answer.generator != "extractive":
        return answer
    if answer.abstained and answer.answer == abstain_message:
        return answer.model_copy(update={"answer": phrases.say(phrases.DECLINE, language)})
    if answer.abstained:
        return answer
    line = phrases.say(phrases.SOURCES_IN_ENGLISH, language)
    notice = f"{line} {answer.notice}" if answer.notice else line
    return answer.model_copy(update={"notice": notice})
