"""A learned judge of the sentence that answers a question in another language.

e5's similarity of a lone sentence to the question ranks the sentence holding the answer
4th or lower about a third of the time (docs/languages.md, "Session 7"), and no hand-set
weighting of it with the passage's similarity, the shared names or the neighbours did
better. This judge weighs those signals, and a few more (letter trigrams of the names across
scripts, the kind of thing a sentence holds, its place in the passage), by logistic
regression fitted on XQuAD's tuning articles (`python -m retrieval.train.cross_lingual_judge`):
the probability that a candidate quote holds the answer. The reader, when handed one, adds
it, weighted, to its hand-weighted sum (cross_lingual.JUDGE_WEIGHT). The features may also include the
element-wise product of the question's and the sentence's e5 vectors (a learned bilinear
similarity); cross-validation decides whether the shipped weights use it.

Its weights are a few KB of numpy arrays (read with numpy alone, no scikit-learn) and apply
only to the embedder they were fitted with. None ship: fitted on XQuAD's tuning articles,
the judge did not beat the hand-weighted sum beyond noise on the held-out ones, and it lost
two of the corpus's twelve questions in other languages (docs/languages.md, "Session 8").
The module stays so that result can be reproduced, and a better judge tried in its place.
"""

from __future__ import annotations

import logging
import math
import re
from functools import lru_cache

import numpy as np
from anyascii import anyascii

from retrieval.answering import answer_types
from retrieval.answering.quotes import passage_quotes

logger = logging.getLogger(__name__)

# The judge's inputs besides the vector product, in the order of its weights.
SCALARS = (
    "similarity",            # e5 cosine of question and quote (a pair: its mean vector)
    "similarity_gap",        # that minus the best quote's: how close to the top it is
    "similarity_rank",       # log(1 + its rank among the quotes read)
    "passage_similarity",    # e5 cosine of question and the quote's passage (retrieval's)
    "passage_gap",           # that minus the closest passage's
    "passage_rank",          # log(1 + retrieval's rank of the passage)
    "pair",                  # a quote of two adjacent sentences
    "neighbour_similarity",  # the best e5 cosine of the sentences beside it (own if none)
    "names",                 # share of the question's rare source words it holds (idf)
    "char_trigrams",         # share of the question's Latin-letter trigrams it holds
    "numbers_shared",        # it writes a number (3+ digits) the question gives
    "holds_number",
    "holds_date",
    "holds_name",            # two capitalised words in a row
    "position",              # where in its passage (0 first, 1 last)
    "opens_passage",
    "length",                # log of its characters
)

_WORDS = re.compile(r"[a-z0-9]+")


@lru_cache(maxsize=20_000)
def trigrams(text: str) -> frozenset[str]:
    """Letter trigrams of the words (4+ letters) of the text in Latin letters: "Лютера" ->
    "lyu", "yut", ..., which share "ute"/"ter" with "Luther" where no whole word matches."""
    words = _WORDS.findall(anyascii(text).lower())
    return frozenset(w[i:i + 3] for w in words if len(w) >= 4 for i in range(len(w) - 2))


@lru_cache(maxsize=5_000)
def _singles(text: str) -> tuple[str, ...]:
    return tuple(quote for quote, _, parts in passage_quotes(text, False) if not parts)


@lru_cache(maxsize=20_000)
def _sentence_kinds(quote: str) -> tuple[float, float, float]:
    return (float(answer_types.holds("number", quote)), float(answer_types.holds("date", quote)),
            float(bool(answer_types.names_in(quote))))


def features(question: str, qvec: np.ndarray, pool: list, similarities: np.ndarray,
             vector_of: dict[str, np.ndarray], retrieved: list, names: list[float],
             question_numbers: set[str], numbers_of) -> np.ndarray:
    """One row per candidate of `pool` (picks.Candidate): SCALARS, then qvec * its vector.

    `similarities`: each candidate's e5 cosine; `vector_of`: sentence -> e5 vector of every
    sentence read; `names`: each candidate's share of the question's rare words;
    `numbers_of(text)`: the numbers a text writes (cross_lingual.numbers)."""
    similarities = np.asarray(similarities, dtype=np.float32)
    best = float(similarities.max()) if len(pool) else 0.0
    rank = np.empty(len(pool), dtype=np.float32)
    rank[np.argsort(-similarities, kind="stable")] = np.arange(len(pool), dtype=np.float32)
    dense = [float(r.metadata.get("dense_similarity", 0.0)) for r in retrieved]
    closest = max(dense, default=0.0)
    by_rank = sorted(range(len(dense)), key=lambda i: -dense[i])
    passage_rank = {p: i for i, p in enumerate(by_rank)}
    single_sim = {(c.passage, c.quote): float(s)
                  for c, s in zip(pool, similarities) if not c.parts}
    asked = trigrams(question)
    rows = np.zeros((len(pool), len(SCALARS) + len(qvec)), dtype=np.float32)
    for i, cand in enumerate(pool):
        parts = cand.parts or (cand.quote,)
        order = _singles(retrieved[cand.passage].text)
        where = [order.index(p) for p in parts if p in order] or [0]
        beside = [order[j] for j in (min(where) - 1, max(where) + 1) if 0 <= j < len(order)]
        near = [single_sim[(cand.passage, s)] for s in beside if (cand.passage, s) in single_sim]
        kinds = _sentence_kinds(cand.quote)
        rows[i, :len(SCALARS)] = (
            similarities[i],
            similarities[i] - best,
            math.log1p(rank[i]),
            dense[cand.passage],
            dense[cand.passage] - closest,
            math.log1p(passage_rank.get(cand.passage, cand.passage)),
            float(bool(cand.parts)),
            max(near, default=float(similarities[i])),
            names[i],
            len(asked & trigrams(cand.quote)) / len(asked) if asked else 0.0,
            float(bool(question_numbers & numbers_of(cand.quote))),
            *kinds,
            min(where) / max(1, len(order) - 1),
            float(min(where) == 0),
            math.log(max(1, len(cand.quote))),
        )
        vector = np.mean([vector_of[p] for p in parts], axis=0)
        rows[i, len(SCALARS):] = qvec * vector
    return rows


class Judge:
    """Standardise, weigh, squash: the probability that each row's quote holds the answer."""

    def __init__(self, mean: np.ndarray, scale: np.ndarray, coef: np.ndarray,
                 intercept: float, embedder: str) -> None:
        if not (mean.shape == scale.shape == coef.shape and coef.ndim == 1
                and coef.shape[0] > len(SCALARS)):
            raise ValueError(f"judge weights of mismatched shapes {mean.shape}, {scale.shape}, "
                             f"{coef.shape}")
        self.mean, self.scale, self.coef = mean, scale, coef
        self.intercept = float(intercept)
        self.embedder = embedder

    @property
    def dimensions(self) -> int:
        """The length of the e5 vectors it was fitted on."""
        return self.coef.shape[0] - len(SCALARS)

    def fits(self, embedder, dimensions: int) -> bool:
        """Whether these weights were fitted on this embedder's vectors."""
        return getattr(embedder, "name", None) == self.embedder and dimensions == self.dimensions

    def probabilities(self, rows: np.ndarray) -> np.ndarray:
        logits = ((rows - self.mean) / self.scale) @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-logits))

    def save(self, path) -> None:
        np.savez_compressed(path, mean=self.mean.astype(np.float32),
                            scale=self.scale.astype(np.float32),
                            coef=self.coef.astype(np.float32),
                            intercept=np.float32(self.intercept),
                            embedder=np.array(self.embedder),
                            scalars=np.array(SCALARS))

    @classmethod
    def from_file(cls, path) -> Judge:
        with np.load(path, allow_pickle=False) as saved:
            if tuple(str(s) for s in saved["scalars"]) != SCALARS:
                raise ValueError(f"{path}: fitted on other features than SCALARS")
            return cls(saved["mean"], saved["scale"], saved["coef"], float(saved["intercept"]),
                       str(saved["embedder"]))
