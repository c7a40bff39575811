"""BM25 ranking of passages with tantivy: exact top-k without scoring every match.

SQLite FTS5 computed `bm25()` for every passage a question matched (5-10 us each): at
100,000 passages a question with "Russian" or "Karabakh" matched most of the index and
took 0.1-0.7 s. tantivy keeps per-block maximum scores in its postings and skips blocks
that cannot reach the current top k (block-max WAND), so a query costs milliseconds at a
million passages and the ranking is still exact BM25 (k1 = 1.2, b = 0.75, Lucene's idf,
as bm25s had). See docs/scale.md for the measurements that chose it.

The field holds the project's own tokens (`lexical.tokenize`) joined by spaces, split by
tantivy's whitespace tokenizer, so ranking sees exactly the tokens the older indexes saw.
This module only ranks: which passages exist, their documents, the count and the marks
live in the SQLite file beside it (fts.py), which is also what it is rebuilt from.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterable
from pathlib import Path

import tantivy

logger = logging.getLogger(__name__)

FIELD = "tokens"
# Memory for a writer's in-flight documents. tantivy flushes a segment when it fills; one
# document's passages need far less, a rebuild gets more (fewer segments to merge).
WRITER_HEAP = 15_000_000
REBUILD_HEAP = 200_000_000


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("chunk_id", stored=True, tokenizer_name="raw")
    # Term frequencies but no positions: BM25 needs no more, and it halves the postings.
    builder.add_text_field(FIELD, tokenizer_name="whitespace", index_option="freq")
    return builder.build()


class TextSearch:
    """A tantivy index in a folder (or in memory when `path` is None)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        if path is not None:
            path.mkdir(parents=True, exist_ok=True)
        try:
            self._index = tantivy.Index(_schema(), path=None if path is None else str(path))
        except ValueError:
            # A folder from another schema or a damaged one: it is rebuilt from SQLite.
            logger.warning("text index %s unreadable; starting it afresh", path, exc_info=True)
            shutil.rmtree(path, ignore_errors=True)
            path.mkdir(parents=True)
            self._index = tantivy.Index(_schema(), path=str(path))
        self._schema = self._index.schema

    def __len__(self) -> int:
        return self._index.searcher().num_docs

    def reload(self) -> None:
        """See other processes' commits now (tantivy also picks them up within a second)."""
        self._index.reload()

    def search(self, tokens: list[str], k: int) -> list[tuple[str, float]]:
        """The k best passages for these tokens (any of them), as (id, score), best first."""
        terms = list(dict.fromkeys(tokens))
        if not terms or k < 1:
            return []
        query = tantivy.Query.boolean_query([
            (tantivy.Occur.Should,
             tantivy.Query.term_query(self._schema, FIELD, t, index_option="freq"))
            for t in terms])
        searcher = self._index.searcher()
        # count=False: counting every match would visit every posting, the cost FTS5 had.
        hits = searcher.search(query, k, count=False).hits
        return [(searcher.doc(address)["chunk_id"][0], float(score))
                for score, address in hits]

    def ids(self) -> list[str]:
        """Every passage id it ranks (for consistency checks; a whole read)."""
        searcher = self._index.searcher()
        if not searcher.num_docs:
            return []
        hits = searcher.search(tantivy.Query.all_query(), searcher.num_docs, count=False).hits
        return [searcher.doc(address)["chunk_id"][0] for _, address in hits]

    def document_frequency(self, token: str) -> int:
        return int(self._index.searcher().doc_freq(FIELD, token))

    def write(self, add: Iterable[tuple[str, str]] = (), delete: Iterable[str] = (),
              clear: bool = False, heap: int = WRITER_HEAP) -> None:
        """Delete, then add (chunk_id, tokens) rows; one commit, visible here at once.

        tantivy allows one writer per folder across processes; callers hold the project's
        writer lock, so a writer is made for each change and released after it."""
        writer = self._index.writer(heap_size=heap, num_threads=1)
        try:
            if clear:
                writer.delete_all_documents()
            for chunk_id in delete:
                writer.delete_documents_by_term("chunk_id", chunk_id)
            for chunk_id, tokens in add:
                writer.add_document(tantivy.Document(chunk_id=chunk_id, **{FIELD: tokens}))
            writer.commit()
        except BaseException:
            writer.rollback()
            raise
        finally:
            writer.wait_merging_threads()  # releases the folder's lock
        self._index.reload()

    def rebuild(self, rows: Iterable[tuple[str, str]]) -> None:
        """Hold exactly these (chunk_id, tokens) rows (after a crash, or a format change)."""
        self.write(add=rows, clear=True, heap=REBUILD_HEAP)
