"""Load what a fresh process's first answer needs on threads, while the rest starts up.

Before a fresh process can answer, four things must be loaded: spaCy's pipeline, the
embedder's and the reader's ONNX sessions, and Chroma's vector index (its HNSW graph,
about 3 s of CPU at 1,000,000 passages). Loaded where the first question meets each, one
after the other, their times add up. onnxruntime builds a session, and Chroma loads its
index, in native code that releases the interpreter lock: on threads of their own they run
on the second core while spaCy (mostly Python) and the imports take the first. Each loader
is idempotent and locked, so a question that arrives first simply waits for the load in
progress; nothing is loaded twice. Measured in docs/performance.md ("Session 8: cold start").
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

logger = logging.getLogger(__name__)

# How long a process that is leaving waits for loads still running (see _wait_for_loaders).
EXIT_WAIT_S = 60.0
_loaders: list[threading.Thread] = []
_loaders_lock = threading.Lock()


def start_loader(name: str, target: Callable[[], Any]) -> threading.Thread:
    """Run `target` on a daemon thread that the process waits for when it exits."""
    thread = threading.Thread(target=target, name=name, daemon=True)
    with _loaders_lock:
        _loaders[:] = [t for t in _loaders if t.is_alive()]
        _loaders.append(thread)
    thread.start()
    return thread


@atexit.register
def _wait_for_loaders() -> None:
    """Let loads still running finish before the interpreter is torn down.

    A process that left while a loader was inside spaCy's import, an ONNX session or
    Chroma's index load crashed in the interpreter's finalization: `ask " "` (refused before
    the loads finish) exited with a segmentation fault, status 139 instead of 1, with each
    loader alone. atexit runs before that teardown, while threads still run.
    """
    deadline = time.monotonic() + EXIT_WAIT_S
    with _loaders_lock:
        running = list(_loaders)
    for thread in running:
        thread.join(max(0.0, deadline - time.monotonic()))


def _run(name: str, *steps) -> threading.Thread:
    """Run `steps` in order on a loader thread; a failure is logged and left to the real use
    to meet again (and report) when the answer needs it."""

    def work() -> None:
        for step in steps:
            try:
                step()
            except Exception:
                logger.debug("preloading failed in %s", getattr(step, "__qualname__", step),
                             exc_info=True)

    return start_loader(name, work)


def load_models_in_background(*models: Any) -> threading.Thread | None:
    """Load the ONNX sessions of `models` (an embedder, the reader's scorer), in this order,
    on one thread; models without a local `load()` (OpenAI's embedder, test fakes) are
    skipped."""
    loads = [m.load for m in models if callable(getattr(m, "load", None))]
    return _run("backstory-preload-models", *loads) if loads else None


def load_vectors(store) -> None:
    """Have embedded Chroma load the collection's vector index now, by one nearest-neighbour
    query for a unit vector, instead of inside the first question's search.

    Nothing for a Chroma server (it loads its index in its own process) or an empty index.
    """
    if store.settings.chroma_url:
        return
    dimension = store.collection.get_model().dimension
    if dimension:  # None until the first vector is written
        store.dense_search([1.0] + [0.0] * (dimension - 1), 1)


def load_vectors_in_background(store) -> threading.Thread | None:
    """`load_vectors` on a thread. Call it after the store has opened its client (opening
    it is not meant for two threads at once)."""
    if store.settings.chroma_url:
        return None
    return _run("backstory-preload-vectors", lambda: load_vectors(store))
