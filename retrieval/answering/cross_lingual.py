"""The offline reader for a question in another language than the sources (English).

The English reader leans on words shared with the question, its parse and a cross-encoder
trained on English SQuAD; none of them reads a Russian or Chinese question. What crosses
languages is used instead: multilingual-e5's similarity between the question and each
sentence (e5 is trained on query/passage pairs in about 100 languages), and the names and
numbers the question writes as the sources do (digits, Latin-script names, and names in other
scripts transliterated to Latin letters by `anyascii`).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np
from anyascii import anyascii

from retrieval.answering import cross_lingual_judge, extractive
from retrieval.answering.cross_lingual_judge import Judge
from retrieval.answering.extractive import Candidate, Extract, SentenceVectors, mean_vector
from retrieval.answering.lead import with_antecedent
from retrieval.answering.quotes import passage_body
from retrieval.index.lexical import tokenize
from retrieval.models import Retrieved

logger = logging.getLogger(__name__)

# How much the e5 similarity of the sentence's passage to the question adds. e5's similarity
# of a lone sentence misleads (a general sentence about the topic beats the one with the
# count asked for); its passage's, which retrieval ranks by, tells which part of the sources
# the question is about. Retrieval's rank in its place (the English reader's prior, 0.15 across
# the passages) outweighed the sentence's similarity altogether: tuning articles, mean gold in
# answer .656 at 0.15, .705 at 0.02, .717 with the passage's similarity at 0.5 and no rank
# prior (`python bench/xquad_reader_grid.py`; bench/results/xquad-reader-grid.txt).
PASSAGE_WEIGHT = 0.5
RANK_PRIOR = 0.0  # retrieval's rank, best passage this much, the last none (tried in the grid)
# A sentence holding the rare names and numbers of the question ranks up to this much higher.
LITERAL_WEIGHT = 0.05
# Sentences read (and embedded once, then remembered): those naming the question's names
# first, then in retrieval order. Tuning articles: 12 gave .689, 24 .705, 40 .705.
MAX_SENTENCES = 24
# Decline a question giving a number no retrieved passage writes (bench/multilingual_declines.py:
# the "GDP in 2030" questions; 0-2 of 423 XQuAD tuning questions a language would be lost).
NUMBERS_MUST_APPEAR = True
# A follow-up's similarity: this share from the question with the previous one, the rest from
# the new question alone. Searched as one text, the earlier question's words outweighed the
# new one's ("А сколько там миротворцев?" after the base in Gyumri quoted Gyumri again).
CONTEXT_WEIGHT = 0.3
# A sentence of the article (the document the bot is about) ranks this much higher than a
# background note's. Retrieval boosts article passages (retriever.ARTICLE_BOOST), and the
# English reader's rank prior carries that boost into the choice of sentences; this reader
# replaced the rank prior by the passage's e5 similarity, which knows nothing of articles,
# and so quoted a note's "inside Azerbaijan's internationally recognised borders" where the
# article says "internationally recognized as part of Azerbaijan" (bench/multilingual.jsonl
# ml-ru-05: 8 of 12 right without, 9 with 0.03). XQuAD's paragraphs are all notes: no effect.
ARTICLE_WEIGHT = 0.03
# A learned judge of the quotes (cross_lingual_judge.py) can be handed to `choose`; it adds
# this much times its chance that a quote holds the answer to the sum above (None: it ranks
# alone, its chance plus JUDGE_FLOOR). None ships: fitted on XQuAD's tuning articles it did
# not beat this sum beyond noise on the held-out ones (docs/languages.md, "Session 8").
JUDGE_WEIGHT: float | None = 0.1
JUDGE_FLOOR = 1.0  # the judge alone: its chance plus this, so a second quote still follows


@lru_cache(maxsize=20_000)
def _literals(text: str) -> frozenset[str]:
    """The text's word tokens, and those of its Latin transliteration: "Лютер" -> "lyuter",
    "٢٠٠٠" -> "2000"."""
    return frozenset(tokenize(text)) | frozenset(tokenize(anyascii(text)))


_THOUSANDS = re.compile(r"(?<=\d)[,.\s](?=\d{3}\b)")


def numbers(text: str) -> set[str]:
    """The numbers of three digits or more, in any script ("٢٠٣٠" -> "2030", "2,000" ->
    "2000"). Shorter ones are too often written in words or ordinals by the other side
    ("8 月" for August, "15." for the fifteenth century)."""
    return set(re.findall(r"\d{3,}", _THOUSANDS.sub("", anyascii(text))))


def _literal_weights(question: str, lexicon) -> dict[str, float]:
    """The question's tokens the sources also use, by rarity (a name over "war")."""
    if lexicon is None:
        return {}
    return {t: lexicon.idf(t) for t in _literals(question) if lexicon.knows(t)}


def _share(weights: dict[str, float], tokens: frozenset[str]) -> float:
    total = sum(weights.values())
    return sum(w for t, w in weights.items() if t in tokens) / total if total else 0.0


@dataclass
class Read:
    """A question's candidate quotes over the bar, and what the reader scores them by."""

    pool: list[Candidate]  # over the bar, with the hand-weighted sum as their score
    features: np.ndarray | None  # a judge's inputs, one row per candidate, when asked for
    pairs: dict  # (passage, second sentence) -> the two-sentence candidate
    best: float  # the best e5 similarity of any quote read
    declined: bool = False  # the question gives a number no passage writes


def read(question: str, retrieved: list[Retrieved], vectors: SentenceVectors,
         context: str = "", lexicon=None, features: bool = False) -> Read:
    """Every quote worth scoring for `question`, with its e5 similarity over the
    embedder's `cross_lingual_min_similarity`, its hand-weighted score and (`features`) a
    learned judge's inputs."""
    empty = Read([], None, {}, 0.0)
    pool = extractive.candidates(retrieved)
    if not pool:
        return empty
    # A number the question gives ("in 2030") that no retrieved passage writes: whatever
    # they say, they do not say it about that.
    unseen = numbers(question) - set().union(*(numbers(r.text) for r in retrieved))
    if unseen and NUMBERS_MUST_APPEAR:
        logger.debug("the passages never write %s: declining", ", ".join(sorted(unseen)))
        return Read([], None, {}, 0.0, declined=True)
    literal = _literal_weights(question, lexicon)
    titles = [_literals(passage_body(r.text)[0]) for r in retrieved]
    names = {(c.passage, c.quote): _share(literal, _literals(c.quote) | titles[c.passage])
             for c in pool if not c.parts}
    # Sentences naming what the question names first, then retrieval's order.
    singles = sorted((c for c in pool if not c.parts),
                     key=lambda c: (-names[(c.passage, c.quote)], c.passage))[:MAX_SENTENCES]
    chosen = {(c.passage, c.quote) for c in singles}
    pool = singles + [c for c in pool
                      if c.parts and all((c.passage, p) in chosen for p in c.parts)]
    pairs = {(c.passage, c.parts[1]): c for c in pool if c.parts}
    bar = getattr(vectors.embedder, "cross_lingual_min_similarity",
                  extractive.DEFAULT_CROSS_LINGUAL_MIN_SIMILARITY)

    qvec = np.asarray(vectors.embedder.embed_query(question), dtype=np.float32)
    if context:  # a follow-up: what it asks now leads, the earlier question narrows
        with_context = vectors.embedder.embed_query(f"{question} {context}")
        qvec = (1 - CONTEXT_WEIGHT) * qvec + CONTEXT_WEIGHT * np.asarray(with_context,
                                                                         dtype=np.float32)
        qvec /= np.linalg.norm(qvec) or 1.0  # a cosine, comparable with the bar
    texts = list(dict.fromkeys(t for c in pool for t in (c.parts or (c.quote,))))
    by_text = dict(zip(texts, vectors.get(texts)))

    similarities = np.array([
        float(mean_vector([by_text[t] for t in (c.parts or (c.quote,))]) @ qvec)
        * (extractive.PAIR_FACTOR if c.parts else 1.0) for c in pool], dtype=np.float32)
    shared = [max(names.get((c.passage, p), 0.0) for p in (c.parts or (c.quote,)))
              for c in pool]
    rows = cross_lingual_judge.features(question, qvec, pool, similarities, by_text, retrieved,
                                        shared, numbers(question), numbers) if features else None
    over = [i for i, s in enumerate(similarities) if s >= bar]
    best = float(similarities.max())
    logger.debug("best similarity %.3f (bar %.2f)", best, bar)
    scored = []
    for i in over:
        cand = pool[i]
        prior = PASSAGE_WEIGHT * float(retrieved[cand.passage].metadata.get("dense_similarity",
                                                                           0.0)) \
            + RANK_PRIOR * (1 - cand.passage / max(1, len(retrieved)))
        scored.append(Candidate(cand.passage, cand.quote,
                                float(similarities[i]) + LITERAL_WEIGHT * shared[i] + prior,
                                float(similarities[i]), cand.lead, cand.parts))
    return Read(scored, None if rows is None else rows[over], pairs, best)


def choose(question: str, retrieved: list[Retrieved], vectors: SentenceVectors,
           context: str = "", lexicon=None, judge: Judge | None = None) -> Extract:
    """Pick the quotes that answer `question` (in another language), or none: those over
    the embedder's `cross_lingual_min_similarity`, ranked by e5 similarity plus its
    passage's and the names and numbers in common (plus JUDGE_WEIGHT times a learned
    `judge`'s chance that the quote holds the answer, when one fitted on this embedder is
    given)."""
    use = judge is not None and judge.fits(vectors.embedder,
                                           len(vectors.embedder.embed_query(question)))
    return ranked(read(question, retrieved, vectors, context, lexicon, features=use),
                  retrieved, judge if use else None)


def ranked(found: Read, retrieved: list[Retrieved], judge: Judge | None = None) -> Extract:
    """The lead quote and at most one more of what `read` found (see `choose`)."""
    if not found.pool:
        return Extract([], found.best)
    scored = found.pool
    if judge is not None and found.features is not None:
        chances = judge.probabilities(found.features)
        scored = [replace(c, score=(JUDGE_FLOOR if JUDGE_WEIGHT is None else c.score)
                          + (JUDGE_WEIGHT or 1.0) * float(p)) for c, p in zip(scored, chances)]
    scored = [replace(c, score=c.score + ARTICLE_WEIGHT * (
        retrieved[c.passage].metadata.get("kind") == "article")) for c in scored]
    # The English reader's own finishing steps, shared rather than copied: a sentence that
    # points back is quoted with the one before; the lead and at most one more.
    scored = [with_antecedent(c, found.pairs) for c in scored]
    scored.sort(key=lambda c: c.score, reverse=True)
    return Extract(extractive.brief(scored), found.best)
