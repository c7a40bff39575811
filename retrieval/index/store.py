"""Chroma (embedded or server), the record manager, and the saved lexical index."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlparse

from langchain_core.embeddings import Embeddings

from retrieval.errors import BackstoryError
from retrieval.index.embeddings import embedder_name
from retrieval.index.lexical import LexicalIndex
from retrieval.settings import Settings

logger = logging.getLogger(__name__)

EMBEDDER_KEY = "backstory_embedder"
# Chroma's count() costs ~10 ms at 100k passages and a question needs it several times.
# Our own writes reset the cached value at once; another process's (server mode) show up
# within this many seconds.
COUNT_TTL_S = 5.0


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
        self._record_manager = None
        self._lexical: LexicalIndex | None = None
        self._lexical_lock = threading.Lock()

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
                self.settings.chroma_dir.mkdir(parents=True, exist_ok=True)
                try:
                    # A damaged chroma.sqlite3 fails here ("file is not a database").
                    client = chromadb.PersistentClient(
                        path=str(self.settings.chroma_dir), settings=chroma_settings
                    )
                except Exception as err:
                    logger.debug("opening %s failed", self.settings.chroma_dir, exc_info=True)
                    raise BackstoryError(
                        f"the index at {self.settings.chroma_dir} cannot be opened "
                        f"({_first_line(err)}); run `backstory ingest --rebuild` to build it "
                        "again"
                    ) from None
                self._client = client
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
        timeout = httpx.Timeout(wait_s, connect=min(5.0, wait_s))
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
                collection_metadata={EMBEDDER_KEY: self.embedder_name, "hnsw:space": "cosine"},
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
                metadata={EMBEDDER_KEY: self.embedder_name, "hnsw:space": "cosine"},
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

    # --- reading ------------------------------------------------------------------------
    def count(self) -> int:
        if self._collection is None and not self.collection_exists():
            return 0
        now = time.monotonic()
        if self._count is None or now - self._count[0] > COUNT_TTL_S:
            self._count = (now, self.collection.count())
        return self._count[1]

    def forget_count(self) -> None:
        """Called after every write of ours, so the next count() asks Chroma again."""
        self._count = None

    def all_metadata(self) -> tuple[list[str], list[dict]]:
        got = self.collection.get(include=["metadatas"])
        return list(got["ids"]), [m or {} for m in got["metadatas"]]

    def article_titles(self) -> list[str]:
        """The indexed articles' titles, from their first passages (one filtered read)."""
        if not self.collection_exists():
            return []
        got = self.collection.get(where={"$and": [{"kind": "article"}, {"position": 0}]},
                                  include=["metadatas"])
        return sorted({str((m or {}).get("title") or (m or {}).get("doc_id", "?"))
                       for m in got["metadatas"]})

    def get_passages(self, ids: list[str]) -> dict[str, tuple[str, dict]]:
        if not ids:
            return {}
        got = self.collection.get(ids=ids, include=["documents", "metadatas"])
        return {
            i: (doc or "", meta or {})
            for i, doc, meta in zip(got["ids"], got["documents"], got["metadatas"])
        }

    def documents(self) -> list[dict]:
        """One row per indexed document, with its passage count."""
        if not self.collection_exists():
            return []
        _, metas = self.all_metadata()
        rows: dict[str, dict] = {}
        counts: dict[str, int] = defaultdict(int)
        for meta in metas:
            doc_id = meta.get("doc_id", "?")
            counts[doc_id] += 1
            rows.setdefault(doc_id, {
                "id": doc_id,
                "title": meta.get("title", ""),
                "kind": meta.get("kind", ""),
                "outlet": meta.get("outlet") or None,
                "published": meta.get("published") or None,
                "as_of": meta.get("as_of") or None,
                "url": meta.get("url") or None,
                "sources": _source_urls(meta),
                "origin": meta.get("origin", ""),
            })
        for doc_id, row in rows.items():
            row["chunks"] = counts[doc_id]
        return sorted(rows.values(), key=lambda r: (r["kind"] != "article", r["id"]))

    def dense_search(self, vector: list[float], k: int) -> list[tuple[str, float]]:
        """(id, cosine similarity) of the k nearest passages; no metadata filter (slow)."""
        size = self.count()
        if size == 0:
            return []
        got = self.collection.query(
            query_embeddings=[vector], n_results=min(k, size), include=["distances"]
        )
        return [(i, 1.0 - float(d)) for i, d in zip(got["ids"][0], got["distances"][0])]

    def lexical(self) -> LexicalIndex:
        """The saved BM25 index, rebuilt from Chroma when missing or stale."""
        with self._lexical_lock:
            if self._lexical is None or len(self._lexical.ids) != self.count():
                loaded = LexicalIndex.load(self.lexical_dir)
                if loaded is None or len(loaded.ids) != self.count():
                    loaded = self._build_lexical()
                self._lexical = loaded
            return self._lexical

    @property
    def lexical_dir(self) -> Path:
        return self.settings.data_dir / f"bm25-{self.settings.collection}"

    def _build_lexical(self) -> LexicalIndex:
        if self.count() == 0:
            return LexicalIndex.build([], [])
        got = self.collection.get(include=["documents"])
        index = LexicalIndex.build(list(got["ids"]), [d or "" for d in got["documents"]])
        try:
            index.save(self.lexical_dir)
        except OSError:
            logger.warning("could not save the lexical index", exc_info=True)
        return index

    def refresh_lexical(self) -> None:
        """Rebuild and save the BM25 index after the collection changed."""
        self.forget_count()
        with self._lexical_lock:
            self._lexical = self._build_lexical()

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

    def drop_everything(self) -> None:
        """Delete the collection, the records and the lexical cache (for --rebuild)."""
        if not self.settings.chroma_url:
            try:
                self.client  # noqa: B018 - opens it, or finds it damaged
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
        import shutil

        shutil.rmtree(self.lexical_dir, ignore_errors=True)
        self._lexical = None


def _first_line(err: Exception) -> str:
    text = str(err).strip()
    return text.splitlines()[0][:200] if text else type(err).__name__


def _source_urls(meta: dict) -> list[str]:
    """The public URLs a background note's facts rest on (its front matter's `sources`)."""
    try:
        urls = json.loads(meta.get("sources") or "[]")
    except ValueError:
        return []
    return [str(u) for u in urls] if isinstance(urls, list) else []
