"""The offline generator: answer with the retrieved sentences that best answer the question.

Faithful by construction: every sentence of the answer is a verbatim sentence of the passage
it cites. The work is in choosing them and in knowing when none of them answers.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import numpy as np

from retrieval.lexical import tokenize
from retrieval.models import Retrieved
from retrieval.safety import is_instruction
from retrieval.text import split_sentences

logger = logging.getLogger(__name__)

# Scores are 0.5 * cosine(question, sentence) + 0.5 * weighted share of the question's
# content words found in the sentence or its passage's title (see `_lexical_coverage`).
#
# Calibration (2026-11-27, `python -m retrieval.calibrate`): 60 questions of our own, 40
# that the corpus answers and 20 that it does not (off-topic, and on-topic but unknowable:
# future events, private facts), none from the evaluation sets. Best-sentence scores of the
# answerable ones ran 0.46-0.93, the unanswerable 0.17-0.44; 0.45 abstains on all of the
# unanswerable and answers all but one answerable. Questions in another language than the
# sources have no shared words, so they are judged on similarity alone, against
# CROSS_LINGUAL_MIN_SIMILARITY, calibrated the same way with the e5 embedder.
MIN_SCORE = 0.45
CROSS_LINGUAL_MIN_SIMILARITY = 0.82
SEMANTIC_WEIGHT = 0.5
CONTEXT_WEIGHT = 0.4  # earlier turns' words count for less than the new question's
MAX_SENTENCES = 3
FOLLOWER_RATIO = 0.85  # a second sentence must score at least this share of the best
MAX_ANSWER_CHARS = 700
MIN_SENTENCE_CHARS = 25
# Only this many sentences, the best by the cheap lexical score, are embedded: embedding
# every sentence of every passage was most of the answer's latency.
SEMANTIC_SHORTLIST = 12
# A sentence holding the kind of thing the question asks for (a number for "how many", a
# year for "when") gets this much added to its score.
ANSWER_TYPE_BONUS = 0.08

_NUMBER = re.compile(r"\b\d[\d,.]*\b")
_YEAR_OR_DATE = re.compile(
    r"\b(1[89]\d\d|20\d\d)\b|\b(january|february|march|april|may|june|july|august|september|"
    r"october|november|december)\b", re.IGNORECASE)
_QUESTION_TYPES = [
    (re.compile(r"\b(how (many|much|large|big|long|far)|what (number|size|share))\b", re.I),
     _NUMBER),
    (re.compile(r"\b(when|what year|what date|since when|how long ago)\b", re.I), _YEAR_OR_DATE),
]


@dataclass(frozen=True)
class Candidate:
    passage: int  # index into the retrieved list
    quote: str
    score: float


@dataclass(frozen=True)
class Extract:
    """Chosen sentences in answer order; empty means abstain."""

    picks: list[Candidate]
    best_score: float


def passage_body(text: str) -> tuple[str, str]:
    """Split a stored passage into its label line (title and heading) and its body."""
    label, sep, body = text.partition("\n\n")
    return (label, body) if sep else ("", text)


def candidates(retrieved: list[Retrieved]) -> list[Candidate]:
    found: list[Candidate] = []
    for i, passage in enumerate(retrieved):
        _, body = passage_body(passage.text)
        for _, _, sentence in split_sentences(body):
            if len(sentence) < MIN_SENTENCE_CHARS or is_instruction(sentence):
                continue
            if not sentence.rstrip().endswith((".", "!", "?", "…", '"', "”", ")", ":")):
                continue  # headings, captions and list stubs are not answers
            found.append(Candidate(i, sentence, 0.0))
    return found


def _weights(question: str, context: str) -> dict[str, float]:
    weights = {t: 1.0 for t in tokenize(question)}
    for token in tokenize(context):
        weights.setdefault(token, CONTEXT_WEIGHT)
    return weights


def _lexical_coverage(weights: dict[str, float], tokens: set[str]) -> float:
    total = sum(weights.values())
    if not total:
        return 0.0
    return sum(w for t, w in weights.items() if t in tokens) / total


def answer_type_bonus(question: str, sentence: str) -> float:
    for asks, holds in _QUESTION_TYPES:
        if asks.search(question):
            return ANSWER_TYPE_BONUS if holds.search(sentence) else 0.0
    return 0.0


class SentenceVectors:
    """Sentence embeddings remembered across questions: passages recur, sentences too."""

    def __init__(self, embedder, capacity: int = 20_000) -> None:
        self.embedder = embedder
        self.capacity = capacity
        self._cache: dict[str, np.ndarray] = {}

    def get(self, sentences: list[str]) -> np.ndarray:
        missing = list(dict.fromkeys(s for s in sentences if s not in self._cache))
        if missing:
            if len(self._cache) + len(missing) > self.capacity:
                self._cache.clear()
            for sentence, vector in zip(missing, embed_array(self.embedder, missing)):
                self._cache[sentence] = vector
        return np.stack([self._cache[s] for s in sentences])


def choose(
    question: str,
    retrieved: list[Retrieved],
    vectors: SentenceVectors,
    context: str = "",
) -> Extract:
    pool = candidates(retrieved)
    weights = _weights(question, context)
    if not pool or not weights:
        return Extract([], 0.0)
    titles = [set(tokenize(passage_body(r.text)[0])) for r in retrieved]
    overlaps = [
        _lexical_coverage(weights, set(tokenize(c.quote)) | titles[c.passage]) for c in pool
    ]
    cross_lingual = max(overlaps) == 0.0
    # Shortlist by words shared with the question, earlier passages first on ties (with no
    # shared words at all, that is simply the best-ranked passages' sentences).
    order = sorted(range(len(pool)), key=lambda i: (-overlaps[i], pool[i].passage))
    keep = sorted(order[: SEMANTIC_SHORTLIST * (2 if cross_lingual else 1)])
    pool, overlaps = [pool[i] for i in keep], [overlaps[i] for i in keep]

    query = f"{question} {context}".strip()
    qvec = np.asarray(vectors.embedder.embed_query(query), dtype=np.float32)
    similarity = vectors.get([c.quote for c in pool]) @ qvec

    scored = []
    for cand, sim, lex in zip(pool, similarity, overlaps):
        if cross_lingual:
            score = float(sim) if sim >= CROSS_LINGUAL_MIN_SIMILARITY else 0.0
        else:
            score = SEMANTIC_WEIGHT * float(sim) + (1 - SEMANTIC_WEIGHT) * lex
            score += answer_type_bonus(question, cand.quote)
        scored.append(Candidate(cand.passage, cand.quote, score))
    scored.sort(key=lambda c: c.score, reverse=True)
    best = scored[0].score
    threshold = CROSS_LINGUAL_MIN_SIMILARITY if cross_lingual else MIN_SCORE
    logger.debug("best sentence %.3f (threshold %.2f): %s", best, threshold, scored[0].quote)
    if best < threshold:
        return Extract([], best)

    picks = [scored[0]]
    length = len(scored[0].quote)
    for cand in scored[1:]:
        if len(picks) == MAX_SENTENCES or cand.score < best * FOLLOWER_RATIO:
            break
        if cand.score < threshold or length + len(cand.quote) > MAX_ANSWER_CHARS:
            continue
        if any(_same_content(cand.quote, p.quote) for p in picks):
            continue
        picks.append(cand)
        length += len(cand.quote)
    return Extract(picks, best)


def _same_content(a: str, b: str) -> bool:
    ta, tb = set(tokenize(a)), set(tokenize(b))
    return bool(ta and tb) and len(ta & tb) / min(len(ta), len(tb)) > 0.7


def embed_array(embedder, texts: list[str]) -> np.ndarray:
    if hasattr(embedder, "embed_array"):
        return np.asarray(embedder.embed_array(texts), dtype=np.float32)
    return np.asarray(embedder.embed_documents(texts), dtype=np.float32)
