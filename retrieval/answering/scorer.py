"""The reader's learned scorer: how likely a sentence is to hold the answer to a question.

A cross-encoder (all-MiniLM-L6-v2 fine-tuned on SQuAD 2.0 by `python -m retrieval.train`)
reads the question and the sentence together rather than comparing two separate vectors.
It ships as int8 ONNX in retrieval/assets/ and runs with onnxruntime; nothing is
downloaded. Trained for one epoch on ten articles, it is a weak judge of near-miss
questions (README, "On text nobody here wrote"), so the answerer uses it only to veto.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from importlib import resources

import numpy as np

MAX_TOKENS = 128  # question + sentence; longer sentences are truncated
BATCH_SIZE = 16
MODEL_FILE = "reader-int8.onnx"


def pair_segment(title: str, sentence: str) -> str:
    """The second segment the model reads: the sentence, after its document's title, so a
    sentence that names its subject only by "it" still says what it is about."""
    return f"{title}: {sentence}" if title else sentence


class SentenceScorer:
    """Probability that each sentence answers the question; one shared ONNX session."""

    def __init__(self, threads: int = 1) -> None:
        self._threads = threads
        self._session = None
        self._tokenizer = None
        self._lock = threading.Lock()

    def load(self) -> None:
        """Load the session now (retrieval/preload.py); otherwise the first score does."""
        self._load()

    def _load(self):
        with self._lock:
            if self._session is None:
                from tokenizers import BertWordPieceTokenizer

                from retrieval.index.embeddings import onnx_session

                assets = resources.files("retrieval") / "assets"
                self._session = onnx_session(str(assets / MODEL_FILE), self._threads)
                tokenizer = BertWordPieceTokenizer(str(assets / "minilm-vocab.txt"),
                                                   lowercase=True)
                tokenizer.enable_truncation(MAX_TOKENS, strategy="longest_first")
                tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
                self._tokenizer = tokenizer
        return self._session, self._tokenizer

    def score(self, question: str, segments: list[str]) -> np.ndarray:
        """One probability per segment (see `pair_segment`), in order."""
        if not segments:
            return np.zeros(0, dtype=np.float32)
        session, tokenizer = self._load()
        out = np.zeros(len(segments), dtype=np.float32)
        order = sorted(range(len(segments)), key=lambda i: len(segments[i]))
        for start in range(0, len(order), BATCH_SIZE):
            idx = order[start:start + BATCH_SIZE]
            encoded = tokenizer.encode_batch([(question, segments[i]) for i in idx])
            feeds = {
                "input_ids": np.array([e.ids for e in encoded], dtype=np.int64),
                "attention_mask": np.array([e.attention_mask for e in encoded], dtype=np.int64),
                "token_type_ids": np.array([e.type_ids for e in encoded], dtype=np.int64),
            }
            (logits,) = session.run(["logits"], feeds)
            out[idx] = 1.0 / (1.0 + np.exp(-logits.reshape(-1)))
        return out


def quote_probabilities(question: str, titles: list[str], quotes: list[str],
                        scorer: SentenceScorer | None = None) -> np.ndarray:
    """The reader's probability that each quote (from a document with that title) holds the
    answer; the shared scorer unless one is given."""
    scorer = scorer or shared_scorer()
    return scorer.score(question, [pair_segment(t, q) for t, q in zip(titles, quotes)])


@lru_cache(maxsize=4)
def shared_scorer(threads: int = 1) -> SentenceScorer:
    """One scorer per process (per thread count): the session is loaded once."""
    return SentenceScorer(threads)
