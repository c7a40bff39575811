"""The writer lock: one process writes to a data dir at a time (ingest, the multilingual
mirror); re-entrant within a thread."""

from __future__ import annotations

import threading
from contextlib import contextmanager

from filelock import FileLock, Timeout

from retrieval.errors import BackstoryError
from retrieval.settings import Settings

# Lock files this thread holds: ingest holds the lock and then opens the lexical index,
# which may take the lock to build itself; a second FileLock on the same file would wait
# for the first until it timed out.
_held = threading.local()


@contextmanager
def writer_lock(settings: Settings, timeout_s: float | None = None):
    """One writer per data dir: Chroma's embedded mode is not safe for concurrent writers.

    `timeout_s` (default: BACKSTORY_LOCK_TIMEOUT_S) is how long to wait for another writer.
    """
    wait_s = settings.lock_timeout_s if timeout_s is None else timeout_s
    held: set[str] = _held.__dict__.setdefault("paths", set())
    key = str(settings.lock_path)
    if key in held:
        yield
        return
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(key, timeout=wait_s)
    try:
        lock.acquire()
    except Timeout:
        raise BackstoryError(
            f"another backstory process is writing to {settings.data_dir} (waited "
            f"{wait_s:g} s); try again when it finishes, or run a Chroma "
            "server and set BACKSTORY_CHROMA_URL for several writers"
        ) from None
    held.add(key)
    try:
        yield
    finally:
        held.discard(key)
        lock.release()
