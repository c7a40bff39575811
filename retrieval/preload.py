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

import logging
import threading
from typing import Any

logger = logging.getLogger(__name__)


def _run(name: str, *steps) -> threading.Thread:
    """Run `steps` in order on a daemon thread; a failure is logged and left to the real use
    to meet again (and report) when the answer needs it."""

    def work() -> None:
        for step in steps:
            try:
                step()
            except Exception:
                logger.debug("preloading failed in %s", getattr(step, "__qualname__", step),
                             exc_info=True)

    thread = threading.Thread(target=work, name=name, daemon=True)
    thread.start()
    return thread


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
