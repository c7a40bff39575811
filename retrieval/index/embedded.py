"""Opening the embedded Chroma database of a data dir, one process at a time.

chromadb creates its tables when `PersistentClient` first opens an empty folder, without a
lock of its own: two processes starting at once on an empty data dir (a bot and a `chat`,
or shards) raced there and one failed with "table collections already exists". Opening is
quick, so every process opens under a lock file beside the writer lock; it is not the
writer lock, which `ask` must not wait for while an ingest runs.
"""

from __future__ import annotations

import logging

from filelock import FileLock, Timeout

from retrieval.errors import BackstoryError, IndexNotWritable
from retrieval.index.not_writable import not_writable
from retrieval.settings import Settings

logger = logging.getLogger(__name__)

# Long enough for another process to create the tables on a slow disk; opening an existing
# database takes well under a second even at a million passages.
OPEN_WAIT_S = 120.0


def open_lock(settings: Settings) -> FileLock:
    return FileLock(str(settings.data_dir / "chroma-open.lock"), timeout=OPEN_WAIT_S)


def open_embedded(settings: Settings, chroma_settings):
    """A PersistentClient on `settings.chroma_dir`, with a one-line error when it fails."""
    import chromadb

    settings.chroma_dir.mkdir(parents=True, exist_ok=True)
    try:
        with open_lock(settings):
            # A damaged chroma.sqlite3 fails here ("file is not a database").
            return chromadb.PersistentClient(path=str(settings.chroma_dir),
                                             settings=chroma_settings)
    except Timeout:
        raise BackstoryError(
            f"another process kept {settings.data_dir} busy opening its index for "
            f"{OPEN_WAIT_S:g} s; try again"
        ) from None
    except Exception as err:
        logger.debug("opening %s failed", settings.chroma_dir, exc_info=True)
        if not_writable(err, settings.chroma_dir):
            raise IndexNotWritable(
                f"the index at {settings.chroma_dir} cannot be written "
                f"({first_line(err)}): check the permissions of its files and "
                "that its disk is not mounted read-only; the index itself is "
                "not damaged, do not rebuild it"
            ) from None
        raise BackstoryError(
            f"the index at {settings.chroma_dir} cannot be opened "
            f"({first_line(err)}); run `backstory ingest --rebuild` to build it "
            "again"
        ) from None


def first_line(err: Exception) -> str:
    text = str(err).strip()
    return text.splitlines()[0][:200] if text else type(err).__name__
