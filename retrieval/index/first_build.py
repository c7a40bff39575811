"""Build an empty index from the corpus on first use, once, whoever gets there first."""

from __future__ import annotations

from retrieval.errors import BackstoryError
from retrieval.index.ingest import IngestReport, Progress, ingest
from retrieval.index.locking import writer_lock
from retrieval.index.store import Store


def build_if_empty(store: Store, progress: Progress | None = None) -> IngestReport | None:
    """Ingest the corpus folder when the index is empty; None when it already held passages.

    Of several processes started at once on an empty data dir (a bot and a `chat`, two
    `ask`s), all but the builder failed on the writer lock after 10 s. The others now wait
    for its build (BACKSTORY_FIRST_BUILD_WAIT_S) and then answer from it.
    """
    settings = store.settings
    store.check_embedder()
    if store.count() > 0:
        return None
    if not settings.corpus_dir.exists():
        raise BackstoryError(
            f"the index is empty and there is no corpus folder at {settings.corpus_dir}; "
            "run `backstory ingest PATH` or set BACKSTORY_CORPUS_DIR"
        )
    with writer_lock(settings, timeout_s=settings.first_build_wait_s):
        store.follow()  # see the build we waited for, if another process made it
        if store.count() > 0:
            return None
        return ingest(store, progress=progress)
