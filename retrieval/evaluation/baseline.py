"""The naive baseline `backstory eval --baseline naive` compares against.

Textbook LangChain RAG retrieval: RecursiveCharacterTextSplitter(1000, 200) over each
document's text, dense search only through `langchain_chroma.Chroma` with the same embedder,
in its own temporary index. Answers come from the same extractive generator as ours, so only
retrieval differs. It has no follow-up handling (the textbook chain condenses with an LLM).
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
import uuid
from pathlib import Path
from typing import Self

from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings

from retrieval.answering import extractive
from retrieval.answering.answerer import ABSTAIN_MESSAGE
from retrieval.answering.citations import compose_extract
from retrieval.answering.followup import Turn
from retrieval.index.chunking import doc_metadata
from retrieval.index.corpus import load_targets
from retrieval.index.embeddings import make_embedder
from retrieval.models import Answer, Retrieved
from retrieval.settings import Settings

logger = logging.getLogger(__name__)

CHUNK_SIZE = 1000
CHUNK_OVERLAP = 200
COLLECTION = "naive"


class NaiveRAG:
    """Split, embed, similarity-search: the textbook pipeline, answered extractively."""

    def __init__(
        self, settings: Settings, embedder: Embeddings | None = None, workdir: Path | None = None
    ) -> None:
        self.settings = settings
        self.embedder = embedder or make_embedder(settings)
        self.sentence_vectors = extractive.SentenceVectors(self.embedder)
        self._own_dir = workdir is None
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="backstory-naive-"))
        self.vectorstore = None
        self.chunks = 0
        self.build_seconds = 0.0

    def build(self, targets: list[str] | None = None) -> NaiveRAG:
        """Index the corpus (or targets) in the temporary directory."""
        from langchain_chroma import Chroma
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        started = time.perf_counter()
        loaded = load_targets(
            targets or [str(self.settings.corpus_dir)],
            self.settings.corpus_dir,
            self.settings.max_file_bytes,
            self.settings.fetch_timeout_s,
        )
        splitter = RecursiveCharacterTextSplitter(
            chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP
        )
        docs = splitter.split_documents(
            [Document(page_content=d.text, metadata=doc_metadata(d)) for d in loaded.docs]
        )
        self.chunks = len(docs)
        # A fresh collection name: Chroma keeps clients per path for the process's lifetime.
        self.vectorstore = Chroma.from_documents(
            docs,
            self.embedder,
            collection_name=f"{COLLECTION}-{uuid.uuid4().hex[:8]}",
            persist_directory=str(self.workdir / "chroma"),
            ids=[f"naive-{i}" for i in range(len(docs))],
        )
        self.build_seconds = time.perf_counter() - started
        logger.info("naive index: %d chunks in %.1f s", self.chunks, self.build_seconds)
        return self

    def retrieve(self, question: str, k: int) -> list[Retrieved]:
        retriever = self.vectorstore.as_retriever(search_kwargs={"k": k})
        return [_to_retrieved(doc) for doc in retriever.invoke(question)]

    def answer(
        self, question: str, history: list[Turn] | None = None, k: int | None = None
    ) -> Answer:
        """Answer from the naive retrieval; history is ignored (no LLM to condense it)."""
        k = k or self.settings.k
        started = time.perf_counter()
        retrieved = self.retrieve(question, k)
        gen_started = time.perf_counter()
        picked = extractive.choose(question, retrieved, self.sentence_vectors)
        if picked.picks:
            text, citations = compose_extract(picked.picks, retrieved)
        else:
            text, citations = ABSTAIN_MESSAGE, []
        done = time.perf_counter()
        return Answer(
            question=question,
            answer=text,
            abstained=not picked.picks,
            generator="extractive",
            citations=citations,
            retrieved=retrieved,
            timings_ms={
                "retrieve": round((gen_started - started) * 1000, 1),
                "generate": round((done - gen_started) * 1000, 1),
                "total": round((done - started) * 1000, 1),
            },
        )

    def close(self) -> None:
        if self.vectorstore is not None:
            try:
                self.vectorstore.delete_collection()
            except Exception:  # cleanup is best effort; the directory goes anyway
                logger.debug("could not delete the naive collection", exc_info=True)
            self.vectorstore = None
        if self._own_dir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _to_retrieved(doc: Document) -> Retrieved:
    meta = dict(doc.metadata)
    # The generator reads "label\n\nbody" passages (see chunking.passage_text); the label is
    # added only here, after retrieval, so the naive index embeds the bare textbook chunks.
    return Retrieved(
        chunk_id=doc.id or "",
        doc_id=meta.get("doc_id", ""),
        text=f"{meta.get('title', '')}\n\n{doc.page_content}",
        score=0.0,
        metadata=meta,
    )
