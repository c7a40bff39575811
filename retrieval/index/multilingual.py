"""A multilingual view of the index: the same passages embedded by multilingual-e5-small.

The default embedder (MiniLM) reads English only, and it is the one that keeps the first
`ask` fast. Questions in other languages are searched here instead: a second Chroma
collection (`COLLECTION-multilingual`) holding an e5 vector for every passage of the main
one, under the same ids (passage ids derive from document and content). It stores no text;
passages are read from the main collection, so it is a mirror that is synced, never
ingested into: whatever reached the main index (files, URLs, uploads) reaches it too.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from contextlib import nullcontext

from retrieval.index.embeddings import make_embedder
from retrieval.index.locking import writer_lock
from retrieval.index.store import Store

logger = logging.getLogger(__name__)

SUFFIX = "-multilingual"
# Passages embedded and written per step: small enough that progress shows and a killed
# build keeps what it had done, large enough for onnx/numpy batching to pay.
SYNC_BATCH = 32
# A mirror this many passages behind is brought up to date before answering, even in the
# background mode (a handful of passages from a fresh ingest takes a second or two).
CATCH_UP_INLINE = 64

Progress = Callable[[int, int], None]


def mirror_settings(settings):
    return settings.model_copy(update={"collection": settings.collection + SUFFIX,
                                       "embedder": "e5"})


class VectorOnlyStore(Store):
    """The mirror's store: vectors under the main index's passage ids, no text, so no
    lexical index of its own to count from or keep in step."""

    def count(self) -> int:
        return self.collection.count() if self.collection_exists() else 0

    def delete_ids(self, ids: list[str]) -> None:
        for start in range(0, len(ids), SYNC_BATCH):
            self.collection.delete(ids=ids[start : start + SYNC_BATCH])
        self.forget_count()


class MultilingualIndex:
    """Owns the e5 mirror of `main`: whether it is ready, syncing it, building it in a thread."""

    def __init__(self, main: Store, embedder=None) -> None:
        self.main = main
        settings = mirror_settings(main.settings)
        self.store = VectorOnlyStore(settings, embedder or make_embedder(settings))
        self._thread: threading.Thread | None = None
        self._sync_lock = threading.Lock()
        self.error: Exception | None = None  # why the last background build failed

    @property
    def embedder(self):
        return self.store.embedder

    def exists(self) -> bool:
        return self.store.collection_exists()

    def behind(self) -> int:
        """How many of the main index's passages have no multilingual vector (cheap: counts)."""
        main = self.main.count()
        mine = self.store.count() if self.exists() else 0
        return abs(main - mine)

    def ready(self) -> bool:
        return self.main.count() > 0 and self.exists() and self.behind() == 0

    @property
    def building(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def sync(self, progress: Progress | None = None, locked: bool = False) -> int:
        """Embed the passages the mirror lacks and delete those the main index dropped.

        Embedding happens outside the writer lock (it takes most of the time); each batch is
        written under it. `locked`: the caller holds the lock already (ingest). Returns the
        number of passages embedded."""
        with self._sync_lock:
            main_ids, have = _all_ids(self.main), _all_ids(self.store)
            stale, missing = sorted(have - main_ids), sorted(main_ids - have)
            guard = nullcontext if locked else (lambda: writer_lock(self.main.settings))
            if stale:
                with guard():
                    self.store.delete_ids(stale)
            if progress:
                progress(0, len(missing))
            for start in range(0, len(missing), SYNC_BATCH):
                ids = missing[start : start + SYNC_BATCH]
                texts = self.main.get_passages(ids)
                ids = [i for i in ids if i in texts]  # deleted meanwhile
                if ids:
                    vectors = self.embedder.embed_documents([texts[i][0] for i in ids])
                    with guard():
                        self.store.collection.upsert(ids=ids, embeddings=vectors)
                    self.store.forget_count()
                if progress:
                    progress(min(start + SYNC_BATCH, len(missing)), len(missing))
            self.store.forget_count()
            if missing or stale:
                logger.info("multilingual index: %d passages embedded, %d removed",
                            len(missing), len(stale))
            return len(missing)

    def start_background(self) -> bool:
        """Start building in a daemon thread; False when a build is already running."""
        if self.building:
            return False
        self.error = None

        def build() -> None:
            try:
                self.sync()
            except Exception as err:  # reported to the next asker, logged in full here
                logger.exception("building the multilingual index failed")
                self.error = err

        self._thread = threading.Thread(target=build, name="backstory-multilingual",
                                        daemon=True)
        self._thread.start()
        return True

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for a background build; True when none is running any more."""
        if self._thread is not None:
            self._thread.join(timeout)
        return not self.building

    def dense_search(self, query: str, k: int) -> list[tuple[str, float]]:
        return self.store.dense_search(self.embedder.embed_query(query), k)


def _all_ids(store: Store) -> set[str]:
    """Every passage id of a collection, a page at a time, as every whole-collection read
    goes (Store.pages): one ids-only get() passed 33,003 ids on chromadb 1.5.9, but paging
    keeps each read bounded whatever the version does."""
    return {chunk_id for page in store.pages([]) for chunk_id in page["ids"]}


def sync_after_ingest(main: Store, progress: Progress | None = None) -> int:
    """Keep the mirror in step with an ingest (called under the writer lock).

    With `multilingual=auto` only an existing mirror is updated; `ingest` builds it too."""
    settings = main.settings
    if settings.embedder != "minilm" or settings.multilingual == "off":
        return 0
    mirror = MultilingualIndex(main)
    if settings.multilingual == "auto" and not mirror.exists():
        return 0
    if main.count() == 0 and not mirror.exists():
        return 0
    return mirror.sync(progress, locked=True)
