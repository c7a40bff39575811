"""The offline generator: answer with the retrieved sentences that best answer the question.

Faithful by construction: every sentence of the answer is a verbatim sentence of the passage
it cites. The work is in choosing them and in knowing when none of them answers.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from retrieval.decline import features, packaged_model
from retrieval.lexical import tokenize
from retrieval.models import Retrieved
from retrieval.safety import is_instruction
from retrieval.text import split_sentences

logger = logging.getLogger(__name__)

# Which sentence answers, and whether any does, is decided by the learned scorer
# (retrieval/scorer.py: a cross-encoder trained on SQuAD 2.0 by `python -m retrieval.train`):
# the probability that a sentence holds the answer. Below MIN_PROBABILITY the answerer
# declines. The threshold is chosen by `python -m retrieval.calibrate` on held-out SQuAD
# articles and our own calibration questions together (see the README for the trade-off).
MIN_PROBABILITY = 0.5
# Questions in another language than the sources are judged on embedding similarity alone
# (the scorer reads English), against the embedder's `cross_lingual_min_similarity`.
# A question is taken as being in another language when fewer than this share of its
# words occur anywhere in the corpus.
MIN_KNOWN_WORDS = 0.4
MIN_WORDS_TO_JUDGE_LANGUAGE = 3
# English-only embedders place unrelated text in other languages close together, so their
# similarities across languages mean little: this bar is one they almost never clear.
DEFAULT_CROSS_LINGUAL_MIN_SIMILARITY = 0.95
# Answer first: the best sentence leads; at most two more follow, and only when the scorer
# is nearly as sure of them, so the one fact asked for is not buried among quotes.
MAX_SUPPORTING = 2
SUPPORT_FLOOR = 0.5  # a supporting quote needs at least this scorer probability
SUPPORT_RATIO = 0.9
MAX_ANSWER_WORDS = 70
MIN_SENTENCE_CHARS = 25
# Retrieval's order breaks near-ties between sentences the scorer rates alike.
RANK_PRIOR = 0.03
# "Who is X?" and "What is X?" are best answered by the summary a document opens with.
LEAD_BONUS = 0.05
# Words that open a sentence by pointing back at the one before.
_ANAPHOR = re.compile(r"^\W*(it|its|this|that|these|those|they|their|them|he|his|him|she|her|"
                      r"such|the latter|the former|the same)\b", re.IGNORECASE)
_DEFINITION = re.compile(r"^\W*(who|what)\s+(is|was|are|were)\b", re.IGNORECASE)
# Only this many sentences, the best by rare words shared with the question, are read by
# the scorer (its cost grows with each), plus the opening sentences of the best-ranked
# passages, which answer paraphrased questions that share few words with them.
SHORTLIST = 12
OPENING_SENTENCES = 2
TOP_PASSAGES = 2
# Words of the passage's title and heading count this much toward the shortlist: they are
# shared by every sentence of the passage, so at full weight a note whose title matches the
# question filled the shortlist with its sentences.
TITLE_SHARE = 0.5
CONTEXT_WEIGHT = 0.4  # earlier turns' words count for less than the new question's


@dataclass(frozen=True)
class Candidate:
    passage: int  # index into the retrieved list
    quote: str
    score: float  # for ranking: evidence plus the passage's retrieval-rank prior
    evidence: float = 0.0  # how well the sentence itself answers; decides abstention
    lead: bool = False  # the document's first sentence: its one-line summary
    parts: tuple[str, ...] = ()  # a quote of two adjacent sentences that answer together


@dataclass(frozen=True)
class Extract:
    """Chosen sentences in answer order; empty means abstain."""

    picks: list[Candidate]
    best_score: float  # what the decline was decided on: the decline model's probability
    features: tuple[float, ...] = ()  # the decline model's inputs (for training it)


def passage_body(text: str) -> tuple[str, str]:
    """Split a stored passage into its label line (title and heading) and its body."""
    label, sep, body = text.partition("\n\n")
    return (label, body) if sep else ("", text)


def _quotable(sentence: str) -> bool:
    if len(sentence) < MIN_SENTENCE_CHARS or is_instruction(sentence):
        return False
    # Headings, captions and list stubs are not answers.
    return sentence.rstrip().endswith((".", "!", "?", "…", '"', "”", ")", ":"))


def candidates(retrieved: list[Retrieved]) -> list[Candidate]:
    """Each quotable sentence of each passage, and each run of two adjacent ones."""
    return [
        Candidate(i, quote, 0.0, 0.0, lead, parts)
        for i, passage in enumerate(retrieved)
        for quote, lead, parts in _passage_quotes(passage.text,
                                                  passage.metadata.get("position") == 0)
    ]


@lru_cache(maxsize=4096)
def _passage_quotes(text: str, opens_document: bool) -> tuple[tuple[str, bool, tuple], ...]:
    # Cached: passages recur across questions, and splitting and screening their sentences
    # is pure Python that holds the GIL while other questions wait.
    _, body = passage_body(text)
    spans = split_sentences(body)
    found = []
    for j, (_, end, sentence) in enumerate(spans):
        if not _quotable(sentence):
            continue
        found.append((sentence, opens_document and j == 0, ()))
        if j and _quotable(spans[j - 1][2]):
            both = body[spans[j - 1][0]:end]
            if "\n" not in both:
                found.append((both, opens_document and j == 1, (spans[j - 1][2], sentence)))
    return tuple(found)


@lru_cache(maxsize=20_000)  # as many as the sentence vectors kept: a few MB
def _tokens(text: str) -> frozenset[str]:
    return frozenset(tokenize(text))


def _weights(question: str, context: str, idf=None) -> dict[str, float]:
    """Each content word of the question; weighted by `idf` (a word -> rarity function)
    when given, else all alike; earlier turns' words count for less."""
    def rarity(token: str) -> float:
        return idf(token) if idf is not None else 1.0

    weights = {t: rarity(t) for t in tokenize(question)}
    for token in tokenize(context):
        weights.setdefault(token, CONTEXT_WEIGHT * rarity(token))
    return weights


def _lexical_coverage(weights: dict[str, float], tokens: set[str]) -> float:
    total = sum(weights.values())
    if not total:
        return 0.0
    return sum(w for t, w in weights.items() if t in tokens) / total


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


def _foreign(question: str, lexicon) -> bool:
    """Most of the question's words occur nowhere in the corpus: another language.

    Too short a question ("When did it start?") says nothing either way, so it is not judged.
    """
    tokens = tokenize(question)
    if lexicon is None or len(tokens) < MIN_WORDS_TO_JUDGE_LANGUAGE:
        return False
    return sum(1 for t in tokens if lexicon.knows(t)) < MIN_KNOWN_WORDS * len(tokens)


def asks_for_definition(question: str) -> bool:
    """ "Who is X?" / "What was X?": a question the summary of X's document answers."""
    return bool(_DEFINITION.match(question)) and len(question.split()) <= MAX_DEFINITION_WORDS


MAX_DEFINITION_WORDS = 6  # "What is the CSTO?"; longer ones ask about something of X


def choose(
    question: str,
    retrieved: list[Retrieved],
    vectors: SentenceVectors,
    context: str = "",
    lexicon=None,
    scorer=None,
    decline_model=False,
) -> Extract:
    """Pick the quotes that answer `question`, best first, or none.

    `lexicon` (the BM25 index: `knows`, `idf`) ranks the shortlist by rare words and spots
    questions in another language; `scorer` (default: the packaged cross-encoder) rates how
    likely each shortlisted sentence is to hold the answer; `decline_model` (default: the
    packaged one; None: the scorer's best probability alone) decides whether to answer."""
    pool = [c for c in candidates(retrieved) if not c.parts]
    pairs = {(c.passage, c.parts[1]): c for c in candidates(retrieved) if c.parts}
    weights = _weights(question, context)
    if not pool or not weights:
        return Extract([], 0.0)
    titles = [_tokens(passage_body(r.text)[0]) for r in retrieved]
    overlaps = [_lexical_coverage(weights, _tokens(c.quote) | titles[c.passage]) for c in pool]
    cross_lingual = max(overlaps) == 0.0 or _foreign(question, lexicon)
    shortlist = _shortlist(question, context, pool, titles, lexicon, cross_lingual)
    if cross_lingual:
        evidence = _similarities(question, context, shortlist, vectors)
        threshold = getattr(vectors.embedder, "cross_lingual_min_similarity",
                            DEFAULT_CROSS_LINGUAL_MIN_SIMILARITY)
    else:
        evidence = _probabilities(question, context, shortlist, retrieved, scorer)
        threshold = MIN_PROBABILITY
    definition = asks_for_definition(question)
    scored = []
    for cand, value in zip(shortlist, evidence):
        prior = RANK_PRIOR * (1 - cand.passage / max(1, len(retrieved)))
        if cand.lead and definition:
            prior += LEAD_BONUS
        scored.append(Candidate(cand.passage, cand.quote, float(value) + prior, float(value),
                                cand.lead, cand.parts))
    if not scored:
        return Extract([], 0.0)
    scored.sort(key=lambda c: c.score, reverse=True)
    confidence, inputs = float(scored[0].evidence), ()
    model = decline_model if decline_model is not False else packaged_model()
    if not cross_lingual:
        inputs = tuple(features(question, [c.evidence for c in scored], scored[0].quote,
                                passage_body(retrieved[scored[0].passage].text)[1],
                                lexicon.idf if lexicon is not None else None))
        if model is not None:
            confidence = model.probability(list(inputs))
    logger.debug("answer confidence %.3f (threshold %.2f)", confidence, threshold)
    if confidence < threshold:
        return Extract([], confidence, inputs)
    scored = [c for c in scored if c.evidence >= SUPPORT_FLOOR or c is scored[0]]
    return Extract(_answer_first(scored, pairs), confidence, inputs)


def _shortlist(question, context, pool, titles, lexicon, cross_lingual) -> list[Candidate]:
    """The sentences worth reading closely: most rare words shared with the question (ties
    to the better-ranked passage), and the openings of the best-ranked passages."""
    if lexicon is not None:
        rare = _weights(question, context, lexicon.idf)
        ranks = [_lexical_coverage(rare, _tokens(c.quote))
                 + TITLE_SHARE * _lexical_coverage(rare, titles[c.passage] - _tokens(c.quote))
                 for c in pool]
    else:
        ranks = [_lexical_coverage(_weights(question, context), _tokens(c.quote)) for c in pool]
    order = sorted(range(len(pool)), key=lambda i: (-ranks[i], pool[i].passage))
    size = SHORTLIST * (2 if cross_lingual else 1)
    chosen = order[:size]
    seen_per_passage: dict[int, int] = {}
    for i, cand in enumerate(pool):
        if cand.passage >= TOP_PASSAGES:
            break
        seen_per_passage[cand.passage] = seen_per_passage.get(cand.passage, 0) + 1
        if seen_per_passage[cand.passage] <= OPENING_SENTENCES and i not in chosen:
            chosen.append(i)
    return [pool[i] for i in sorted(chosen)]


def _probabilities(question, context, shortlist, retrieved, scorer) -> np.ndarray:
    if scorer is None:
        from retrieval.scorer import shared_scorer

        scorer = shared_scorer()
    from retrieval.scorer import pair_segment

    query = f"{question} ({context})" if context else question
    titles = [passage_body(r.text)[0].split(" — ")[0] for r in retrieved]
    return scorer.score(query, [pair_segment(titles[c.passage], c.quote) for c in shortlist])


def _similarities(question, context, shortlist, vectors) -> np.ndarray:
    query = f"{question} {context}".strip()
    qvec = np.asarray(vectors.embedder.embed_query(query), dtype=np.float32)
    return vectors.get([c.quote for c in shortlist]) @ qvec


def _answer_first(scored: list[Candidate], pairs: dict) -> list[Candidate]:
    """The best sentence leads; up to MAX_SUPPORTING more that the scorer is nearly as sure
    of follow, never one repeating a fact already quoted, within MAX_ANSWER_WORDS."""
    lead = _with_antecedent(scored[0], pairs)
    picks = [lead]
    words = len(lead.quote.split())
    for cand in scored[1:]:
        if len(picks) > MAX_SUPPORTING or cand.evidence < SUPPORT_RATIO * scored[0].evidence:
            break
        cand = _with_antecedent(cand, pairs)
        if words + len(cand.quote.split()) > MAX_ANSWER_WORDS:
            continue
        if any(_same_content(cand.quote, p.quote) or cand.quote in p.quote or p.quote in
               cand.quote for p in picks):
            continue
        picks.append(cand)
        words += len(cand.quote.split())
    return picks


def _with_antecedent(cand: Candidate, pairs: dict) -> Candidate:
    """A sentence that opens by pointing back ("It was signed there") is quoted with the
    sentence before it, which says what it points to."""
    pair = pairs.get((cand.passage, cand.quote)) if not cand.parts else None
    if pair is None or not _ANAPHOR.match(cand.quote):
        return cand
    return Candidate(cand.passage, pair.quote, cand.score, cand.evidence, pair.lead, pair.parts)


def _same_content(a: str, b: str) -> bool:
    ta, tb = _tokens(a), _tokens(b)
    return bool(ta and tb) and len(ta & tb) / min(len(ta), len(tb)) > 0.7


def embed_array(embedder, texts: list[str]) -> np.ndarray:
    if hasattr(embedder, "embed_array"):
        return np.asarray(embedder.embed_array(texts), dtype=np.float32)
    return np.asarray(embedder.embed_documents(texts), dtype=np.float32)
