"""Sentence embeddings for the offline reader, remembered across questions."""

from __future__ import annotations

import threading

import numpy as np


class SentenceVectors:
    """Sentence embeddings remembered across questions: passages recur, sentences too."""

    def __init__(self, embedder, capacity: int = 20_000) -> None:
        self.embedder = embedder
        self.capacity = capacity
        self._cache: dict[str, np.ndarray] = {}
        # Answers run in worker threads sharing this cache; one thread's clear() must not
        # pull vectors from under another. Embedding happens outside the lock.
        self._lock = threading.Lock()

    def get(self, sentences: list[str]) -> np.ndarray:
        with self._lock:
            found = {s: self._cache[s] for s in sentences if s in self._cache}
        missing = list(dict.fromkeys(s for s in sentences if s not in found))
        if missing:
            vectors = dict(zip(missing, embed_array(self.embedder, missing)))
            found.update(vectors)
            with self._lock:
                if len(self._cache) + len(missing) > self.capacity:
                    self._cache.clear()
                self._cache.update(vectors)
        return np.stack([found[s] for s in sentences])


def mean_vector(vectors: list[np.ndarray]) -> np.ndarray:
    if len(vectors) == 1:
        return vectors[0]
    total = vectors[0] + vectors[1] if len(vectors) == 2 else np.sum(vectors, axis=0)
    return total / (np.linalg.norm(total) or 1.0)


def embed_array(embedder, texts: list[str]) -> np.ndarray:
    if hasattr(embedder, "embed_array"):
        return np.asarray(embedder.embed_array(texts), dtype=np.float32)
    return np.asarray(embedder.embed_documents(texts), dtype=np.float32)
