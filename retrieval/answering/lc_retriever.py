"""The hybrid search as a LangChain retriever, for composing into other chains.

Kept apart from retriever.py because importing LangChain's retriever machinery costs most
of a second, which `backstory ask` and the chat's cold start should not pay.
"""

from __future__ import annotations

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from retrieval.answering.retriever import hybrid_search
from retrieval.index.store import Store


class HybridRetriever(BaseRetriever):
    """Dense + BM25 passages, fused, as LangChain Documents (score in metadata)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    store: Store
    k: int = 6

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        return [
            Document(id=r.chunk_id, page_content=r.text, metadata={**r.metadata, "score": r.score})
            for r in hybrid_search(self.store, query, self.k)
        ]
