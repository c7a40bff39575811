"""The writer lock: one process writes to a data dir at a time (ingest, the multilingual mirror)."""

from __future__ import annotations

from contextlib import contextmanager

from filelock import FileLock, Timeout

from retrieval.errors import BackstoryError
from retrieval.settings import Settings


@contextmanager
def writer_lock(settings: Settings):
    """One writer per data dir: Chroma's embedded mode is not safe for concurrent writers."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(settings.lock_path), timeout=settings.lock_timeout_s)
    try:
        lock.acquire()
    except Timeout:
        raise BackstoryError(
            f"another backstory process is writing to {settings.data_dir} (waited "
            f"{settings.lock_timeout_s:g} s); try again when it finishes, or run a Chroma "
            "server and set BACKSTORY_CHROMA_URL for several writers"
        ) from None
    try:
        yield
    finally:
        lock.release()
