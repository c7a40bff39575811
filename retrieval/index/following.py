"""How a running process notices that another one changed the index (Store.follow)."""

from __future__ import annotations

import functools
import logging
import os
import threading
import uuid
from pathlib import Path

logger = logging.getLogger(__name__)


def reopened_on_not_found(method):
    """Run a Store read again, once, after reopening, when its collection was deleted under
    it (another process's `ingest --rebuild`, or a drop on a Chroma server)."""

    @functools.wraps(method)
    def read(self, *args, **kwargs):
        from chromadb.errors import NotFoundError

        try:
            return method(self, *args, **kwargs)
        except NotFoundError:
            self.reopen()
            return method(self, *args, **kwargs)

    return read


def write_stamp(path: Path) -> str | None:
    """Replace the stamp with a new one naming this process; None when it cannot be written."""
    stamp = f"{os.getpid()}:{uuid.uuid4().hex}"
    try:
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
        tmp.write_text(stamp, encoding="utf-8")
        tmp.replace(path)
    except OSError:
        logger.warning("could not write %s; running bots will not see this change", path)
        return None
    return stamp


def read_stamp(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return ""


def written_here(stamp: str) -> bool:
    """A write by this process is already visible to its own Chroma client."""
    return stamp.split(":", 1)[0] == str(os.getpid())


def within_deadline(request, seconds: float, url: str):
    """`request`, made to give up after `seconds` in all (a Chroma server's every request).

    The request runs in a daemon thread that we stop waiting for: httpx has no total
    timeout, and its per-read one never fires while bytes trickle in.
    """
    from retrieval.errors import BackstoryError

    @functools.wraps(request)
    def request_within(*args, **kwargs):
        outcome: dict = {}

        def run() -> None:
            try:
                outcome["response"] = request(*args, **kwargs)
            except BaseException as err:  # noqa: BLE001 - handed to the caller's thread
                outcome["error"] = err

        worker = threading.Thread(target=run, name="backstory-chroma-request", daemon=True)
        worker.start()
        worker.join(seconds)
        if worker.is_alive():
            raise BackstoryError(f"the Chroma server at {url} did not answer within {seconds:g} s "
                                 "(BACKSTORY_CHROMA_TIMEOUT_S)")
        if "error" in outcome:
            raise outcome["error"]
        return outcome["response"]

    return request_within
