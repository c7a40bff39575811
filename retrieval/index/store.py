"""Chroma (embedded or server), the record manager, and the saved lexical index."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

from langchain_core.embeddings import Embeddings

from retrieval.errors import BackstoryError, IndexNotWritable
from retrieval.index.document_rows import document_rows
from retrieval.index.embedded import open_embedded
from retrieval.index.embeddings import embedder_name
from retrieval.index.following import (
    read_stamp,
    reopened_on_not_found,
    within_deadline,
    write_stamp,
    written_here,
)
from retrieval.index.fts import FtsIndex, follow_server, open_lexical
from retrieval.settings import Settings

logger = logging.getLogger(__name__)

EMBEDDER_KEY = "backstory_embedder"
# Chroma's count() costs ~10 ms at 100k passages and a question needs it several times.
# Our own writes reset the cached value at once; another process's (server mode) show up
# within this many seconds.
COUNT_TTL_S = 5.0
# Whole-collection reads go in pages: chromadb 1.5.9 refuses one get() of more than 32,766
# passages' metadata or documents ("too many SQL variables").
PAGE_SIZE = 5000
# A new collection's HNSW settings (chromadb reads them only when it creates a collection;
# an index built before keeps its own). See docs/scale.md, "Session 8".
HNSW_SETTINGS: dict = {"hnsw:space": "cosine"}


class Store:
    """Owns the collection and everything derived from it; no answering logic here."""

    def __init__(self, settings: Settings, embedder: Embeddings) -> None:
        self.settings = settings
        self.embedder = embedder
        self.embedder_name = embedder_name(embedder)
        self._client = None
        self._vectorstore = None
        self._collection = None
        self._count: tuple[float, int] | None = None
        # (passage count, the articles' first passages' metadata): see article_openings().
        self._openings: tuple[int, list[dict]] | None = None
        self._record_manager = None
        self._lexical: FtsIndex | None = None
        self._lexical_lock = threading.Lock()
        self._seen_stamp: str | None = None  # the last write we know of (see follow())
        self._followed = float("-inf")

    # --- connections --------------------------------------------------------------------
    @property
    def client(self):
        if self._client is None:
            import chromadb
            from chromadb.config import Settings as ChromaSettings

            chroma_settings = ChromaSettings(anonymized_telemetry=False)
            url = self.settings.chroma_url
            if url:
                self._client = self._server_client(chromadb, chroma_settings, url)
            else:
                self._client = open_embedded(self.settings, chroma_settings)
            self._seen_stamp = self._read_stamp()
        return self._client

    def _server_client(self, chromadb, chroma_settings, url: str):
        """An HttpClient whose every request has a deadline (chromadb sets none at all).

        A server that accepts and never answers hung `ask` for good. Creating the client
        already sends requests, so it happens in a thread we stop waiting for; after that
        the client's own session gets our timeouts.
        """
        import httpx

        parsed = urlparse(url)
        wait_s = self.settings.chroma_timeout_s
        # One second over the deadline: the deadline's clear message comes first.
        timeout = httpx.Timeout(wait_s + 1, connect=min(5.0, wait_s))
        outcome: dict = {}

        def connect() -> None:
            try:
                client = chromadb.HttpClient(
                    host=parsed.hostname or "127.0.0.1",
                    port=parsed.port or (443 if parsed.scheme == "https" else 8000),
                    ssl=parsed.scheme == "https",
                    settings=chroma_settings,
                )
                # chromadb 1.5.9 builds its httpx session with timeout=None and offers no
                # setting; test_bad_setup's half-silent server fails if this stops working.
                client._server._session.timeout = timeout
                # A per-read timeout is reset by every byte: a server sending its replies a
                # byte at a time held `ask` for 150 s under a 10 s setting. Every request
                # after this one runs under a total deadline too.
                session = client._server._session
                session.request = within_deadline(session.request, wait_s, url)
                client.heartbeat()
                outcome["client"] = client
            except Exception as err:
                outcome["error"] = err

        worker = threading.Thread(target=connect, name="backstory-chroma-connect", daemon=True)
        worker.start()
        worker.join(wait_s)
        if "client" in outcome:
            return outcome["client"]
        err = outcome.get("error")
        reason = "no answer in time" if err is None or isinstance(
            err, httpx.TimeoutException) else type(err).__name__
        raise BackstoryError(
            f"cannot reach the Chroma server at {url} ({reason}); start it with "
            "`chroma run --path DIR` or unset BACKSTORY_CHROMA_URL"
        )

    def collection_exists(self) -> bool:
        if self._collection is not None:
            return True
        names = [getattr(c, "name", c) for c in self.client.list_collections()]
        return self.settings.collection in names

    def check_embedder(self) -> None:
        """Refuse to mix vectors of two embedders in one collection."""
        if not self.collection_exists():
            return
        meta = self.client.get_collection(self.settings.collection).metadata or {}
        built_with = meta.get(EMBEDDER_KEY)
        if built_with and built_with != self.embedder_name:
            raise BackstoryError(
                f"the index was built with the {built_with} embedder but {self.embedder_name} "
                "is configured; run `backstory ingest --rebuild` (or set BACKSTORY_EMBEDDER back)"
            )

    def collection_metadata(self) -> dict:
        return {EMBEDDER_KEY: self.embedder_name, **HNSW_SETTINGS}

    @property
    def vectorstore(self):
        """LangChain's wrapper over the same collection, for the indexing API (writes)."""
        if self._vectorstore is None:
            from langchain_chroma import Chroma

            self.collection  # noqa: B018 - checks the embedder and creates it our way
            self._vectorstore = Chroma(
                client=self.client,
                collection_name=self.settings.collection,
                embedding_function=self.embedder,
                collection_metadata=self.collection_metadata(),
            )
        return self._vectorstore

    @property
    def collection(self):
        """The raw Chroma collection: reads go here, without loading LangChain's wrapper."""
        if self._collection is None:
            self.check_embedder()
            # No embedding function: we always pass vectors, and Chroma's default one
            # would download a model if anything ever called it.
            self._collection = self.client.get_or_create_collection(
                self.settings.collection,
                metadata=self.collection_metadata(),
                embedding_function=None,
            )
        return self._collection

    @property
    def record_manager(self):
        if self._record_manager is None:
            from langchain_classic.indexes import SQLRecordManager

            self.settings.data_dir.mkdir(parents=True, exist_ok=True)
            namespace = f"chroma/{self.settings.collection}"
            manager = SQLRecordManager(namespace, db_url=f"sqlite:///{self.settings.record_db}")
            manager.create_schema()
            self._record_manager = manager
        return self._record_manager

    # --- following other processes' writes ------------------------------------------------
    def follow(self) -> None:
        """See the index as it is now, not as it was when this process opened it.

        Called before each question. A running bot kept the collection that another
        process's `--rebuild` had deleted (NotFoundError on every question until restarted),
        and an embedded Chroma never shows another process's new vectors to a client that
        is already open. Every write leaves a stamp in the data dir; a new one reopens.
        """
        if self._client is None:
            return
        stamp = self._read_stamp()
        if stamp != self._seen_stamp:
            self.reopen(reconnect=not written_here(stamp))
            self._seen_stamp = stamp

    def reopen(self, reconnect: bool = False) -> None:
        """Forget the open collection and what was derived from it; maybe the client too."""
        logger.info("the index changed; reopening it")
        self._collection = None
        self._vectorstore = None
        self._count = None
        self._openings = None
        with self._lexical_lock:
            if self._lexical is not None:
                self._lexical.close()
            self._lexical = None
        if reconnect and self._client is not None and not self.settings.chroma_url:
            # One cached Chroma system per path per process: only closing the last client
            # of it makes the next one read the files again.
            self._client.close()
            self._client = None

    def mark_changed(self) -> None:
        """Leave a stamp that tells running processes to reopen (see follow())."""
        self._seen_stamp = write_stamp(self._stamp_path) or self._seen_stamp

    @property
    def _stamp_path(self) -> Path:
        return self.settings.data_dir / f"changed-{self.settings.collection}"

    def _read_stamp(self) -> str:
        return read_stamp(self._stamp_path)

    # --- reading ------------------------------------------------------------------------
    @reopened_on_not_found
    def count(self) -> int:
        if self._collection is None and not self.collection_exists():
            return 0
        if not self.settings.chroma_url:
            # The lexical index keeps its passage count in one row, in step with Chroma's
            # writes; Chroma's count() held the GIL for 68 ms at 1M passages.
            return len(self.lexical())
        now = time.monotonic()
        if self._count is None or now - self._count[0] > COUNT_TTL_S:
            self._count = (now, self.collection.count())
        return self._count[1]

    def forget_count(self) -> None:
        """Called after every write of ours, so the next count() asks Chroma again."""
        self._count = None
        self._openings = None

    def pages(self, include: list[str]):
        """Every passage, PAGE_SIZE at a time: Chroma's get() results, one page each."""
        offset = 0
        while True:
            got = self.collection.get(include=include, limit=PAGE_SIZE, offset=offset)
            if not got["ids"]:
                return
            yield got
            offset += len(got["ids"])

    @reopened_on_not_found
    def article_openings(self) -> list[dict]:
        """The metadata of each indexed article's first passage (one filtered read).

        Remembered until the passage count changes or a write is seen: the filter scans
        every passage's metadata (about 1 s at 1,000,000 passages), and a first question
        needs the result twice (the decline's titles, the article's own passages)."""
        if not self.collection_exists():
            return []
        count = self.count()
        if self._openings is None or self._openings[0] != count:
            got = self.collection.get(where={"$and": [{"kind": "article"}, {"position": 0}]},
                                      include=["metadatas"])
            self._openings = (count, [m or {} for m in got["metadatas"]])
        return [dict(m) for m in self._openings[1]]

    def article_titles(self) -> list[str]:
        """The indexed articles' titles."""
        return sorted({str(m.get("title") or m.get("doc_id", "?"))
                       for m in self.article_openings()})

    @reopened_on_not_found
    def all_metadata(self) -> tuple[list[str], list[dict]]:
        ids: list[str] = []
        metas: list[dict] = []
        for got in self.pages(["metadatas"]):
            ids.extend(got["ids"])
            metas.extend(m or {} for m in got["metadatas"])
        return ids, metas

    @reopened_on_not_found
    def get_passages(self, ids: list[str]) -> dict[str, tuple[str, dict]]:
        if not ids:
            return {}
        got = self.collection.get(ids=ids, include=["documents", "metadatas"])
        return {
            i: (doc or "", meta or {})
            for i, doc, meta in zip(got["ids"], got["documents"], got["metadatas"])
        }

    @reopened_on_not_found
    def documents(self) -> list[dict]:
        """One row per indexed document, with its passage count."""
        if not self.collection_exists():
            return []
        _, metas = self.all_metadata()
        return document_rows(metas)

    @reopened_on_not_found
    def dense_search(self, vector: list[float], k: int) -> list[tuple[str, float]]:
        """(id, cosine similarity) of the k nearest passages; no metadata filter (slow)."""
        size = self.count()
        if size == 0:
            return []
        got = self.collection.query(
            query_embeddings=[vector], n_results=min(k, size), include=["distances"]
        )
        return [(i, 1.0 - float(d)) for i, d in zip(got["ids"][0], got["distances"][0])]

    def lexical(self) -> FtsIndex:
        """The on-disk BM25 index (retrieval/index/fts.py), built from Chroma the first time."""
        with self._lexical_lock:
            if self._lexical is None:
                self._lexical = open_lexical(self)
            if self.settings.chroma_url and time.monotonic() - self._followed > COUNT_TTL_S:
                follow_server(self._lexical, self)  # another machine may have written
                self._followed = time.monotonic()
            return self._lexical

    @property
    def lexical_path(self) -> Path:
        return self.settings.data_dir / f"lexical-{self.settings.collection}.sqlite"

    # --- writing ------------------------------------------------------------------------
    def _set_aside_damaged_index(self) -> None:
        """Move an embedded index Chroma cannot open out of the way, so --rebuild can start.

        It is renamed, not deleted, in case someone wants to look at it; the records and the
        lexical cache describe its contents and go with it.
        """
        from chromadb.api.client import SharedSystemClient

        chroma_dir = self.settings.chroma_dir
        aside = chroma_dir.with_name(f"{chroma_dir.name}.damaged-{time.strftime('%Y%m%d%H%M%S')}")
        logger.warning("setting the damaged index aside as %s", aside)
        chroma_dir.rename(aside)
        SharedSystemClient.clear_system_cache()  # Chroma caches one system per path
        self._client = None
        self._record_manager = None
        self.settings.record_db.unlink(missing_ok=True)

    def delete_ids(self, ids: list[str]) -> None:
        for start in range(0, len(ids), 5000):
            self.collection.delete(ids=ids[start : start + 5000])
        self.forget_count()
        self.lexical().delete(ids)  # after Chroma: a crash between is repaired (see ingest)

    def drop_everything(self) -> None:
        """Delete the collection, the records and the lexical cache (for --rebuild)."""
        if not self.settings.chroma_url:
            try:
                self.client  # noqa: B018 - opens it, or finds it damaged
            except IndexNotWritable:
                raise  # a healthy index that cannot be written is never set aside
            except BackstoryError:
                self._set_aside_damaged_index()
        if self.collection_exists():
            self.client.delete_collection(self.settings.collection)
        self._vectorstore = None
        self._collection = None
        self.forget_count()
        manager = self.record_manager
        keys = manager.list_keys()
        for start in range(0, len(keys), 5000):
            manager.delete_keys(keys[start : start + 5000])
        self.lexical().clear()
        self.mark_changed()
