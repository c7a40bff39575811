"""The offline generator: answer with the retrieved sentences that best answer the question.

Faithful by construction: every sentence of the answer is a verbatim sentence of the passage
it cites. The work is in choosing them and in knowing when none of them answers.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache

import numpy as np

from retrieval.answering import article_focus, event_match, lead, slots
from retrieval.answering.answer_types import (
    asks_about_future,
    expected_type,
    focus_phrase,
    holds,
    looks_ahead,
)
from retrieval.answering.lead import ANAPHOR as _ANAPHOR
from retrieval.answering.lead import with_antecedent as _with_antecedent
from retrieval.answering.lexicon import state_of, stems_and_states
from retrieval.answering.picks import Candidate, Extract, candidates
from retrieval.answering.quotes import MIN_SENTENCE_CHARS, passage_body  # noqa: F401
from retrieval.answering.scorer import quote_probabilities
from retrieval.answering.sentence_vectors import SentenceVectors, embed_array, mean_vector  # noqa
from retrieval.index.lexical import tokenize
from retrieval.linguistics.questions import asked_noun, says_absent
from retrieval.models import Retrieved

logger = logging.getLogger(__name__)

# A sentence's evidence is 0.5 * cosine(question, sentence) + 0.5 * the share of the
# question's content words found in the sentence or its passage's title, and zero when it
# lacks the kind of thing asked for (answer_types.py).
#
# Calibration (2026-11-27, `python -m retrieval.evaluation.calibrate`, on the full corpus after its
# fact-check): 70 questions of our own in tests/calibration/, 45 the corpus answers and 25 it
# does not (off-topic, and on-topic but unknowable: private facts, the future), none from the
# evaluation sets. The fewest errors fall at 0.560 (4 of 70 on the wrong side); we use 0.45
# (7 of 25 unanswerable answered, none of 45 answerable declined) because readers' questions
# are phrased further from the documents than ours: on tests/eval/questions.jsonl, 0.50
# drops the right background answers from 77% to 72% and 0.55 to 66%, while declining one
# and two more of its 8 unanswerable questions. A wrong extractive answer is
# still a verbatim, cited quote the reader can judge; a declined one helps nobody. Questions
# in another language than the sources share no words, so they are judged on similarity
# alone, against the embedder's `cross_lingual_min_similarity`.
MIN_SCORE = 0.45
# The learned reader (a cross-encoder trained on SQuAD 2.0, retrieval/answering/scorer.py) must rate
# at least one chosen quote this likely to hold the answer, or the answerer declines.
# Chosen by `python -m retrieval.evaluation.calibrate` (2026-12-01) as the highest cut that keeps
# 99% of the right answers on both calibration sets (400 questions of the SQuAD validation articles,
# our 70 calibration questions). Higher cuts decline more unanswerable questions but cost right
# answers faster than they save wrong ones on our own questions: the cut with the fewest errors on
# the two sets together, 0.79, declined 23 of 74 answerable held-out background questions. The
# reader vetoes; letting it choose the lead made leads worse (21 of 28 answers a reader would
# accept, against 24 of 28), so it overrules one only when sure both ways (event_match.py).
MIN_READER_PROBABILITY = 0.25
# A question is taken as being in another language than the sources when fewer than this
# share of its words occur anywhere in the corpus.
MIN_KNOWN_WORDS = 0.4
MIN_WORDS_TO_JUDGE_LANGUAGE = 3
# English-only embedders place unrelated text in other languages close together, so their
# similarities across languages mean little: this bar is one they almost never clear.
DEFAULT_CROSS_LINGUAL_MIN_SIMILARITY = 0.95
SEMANTIC_WEIGHT = 0.5
# The words naming what is asked for ("which football club", "how many languages") count
# this many times in the lexical share: a sentence about the right person that lacks them
# answers something else. 2 declined one more of the 25 unanswerable calibration questions
# and cost no answer in tests/eval/questions.jsonl; 3 cost 3 background answers there.
FOCUS_WEIGHT = 2.0
CONTEXT_WEIGHT = 0.4  # earlier turns' words count for less than the new question's
# Answer first: the sentence that answers leads, and at most one more supports it
# (counted in sentences: a two-sentence quote is the whole answer).
MAX_SENTENCES = 2
FOLLOWER_RATIO = 0.75  # a further sentence must score at least this share of the best
MAX_ANSWER_CHARS = 700
# Retrieval's order carries evidence too: the best-ranked passage gets this much added, the
# last retrieved nothing.
RANK_PRIOR = 0.15
# "Who is X?" and "What is X?" are best answered by the summary a document opens with.
LEAD_BONUS = 0.1
_DEFINITION = re.compile(r"^\W*(who|what)(\s+(is|was|are|were)\b|['’]s\b)", re.IGNORECASE)
# Only this many sentences, the best by the cheap lexical score, are embedded: embedding
# every sentence of every passage was most of the answer's latency. The shortlist weights a
# word by its rarity in the corpus ("Bishkek" says more about which sentence answers than
# "Karabakh", which most passages hold); the score does not: weighting it too declined more
# answerable questions than it helped (background answers 72% -> 63% on
# tests/eval/questions.jsonl).
SEMANTIC_SHORTLIST = 8
# Words of the passage's title and heading count this much toward the shortlist: they are
# shared by every sentence of the passage, so at full weight a note whose title matches the
# question filled the shortlist with its sentences and crowded out the one that answers
# (the article's "2,000 troop-strong" sentence for "how many peacekeepers were deployed").
TITLE_SHARE = 0.5
# Two sentences cover more of the question's words by sheer length: a pair must beat the
# single sentences by this factor's margin. Pairs answer where the subject and the fact sit
# in adjacent sentences (background answers 73% -> 77%, same set, before the pairs were
# limited to shortlisted sentences to keep the answer under 100 ms; that cost one answer).
PAIR_FACTOR = 0.95


# Levers of the question-reading reader (bench/reader_ablation.py): slot filling from the
# parse, and the latest-dated lead for questions about now.
SLOT_FILLING = True
LATEST_FOR_NOW = True
TYPED_SHORTLIST = True
# A passage that lacks a name or number the question gives cannot answer it.
CONSTRAINTS = False
SLOT_OVERRIDES_VETO = True
# The reader judges this many of the best sentences (as many as answers used to show).
VETO_POOL = 3
# How much the reader's probability counts when it orders those sentences (0: not at all).
READER_WEIGHT = 0.0
# A sentence whose number counts what the question counts ranks this much above one that
# may count it under another word (the parse cannot tell).
SLOT_BONUS = 0.1
# The supporting sentence comes from the lead's document: one from another document on
# the same subject read, in the blind answers of 2026-12-07, as a second, competing answer
# ("about 30,000 killed" followed by "33 killed" from a different war).
SUPPORT_FROM_LEAD_DOCUMENT = True
# A sentence saying the sources hold no such thing as the question asks for ("give no
# results", "did not name the official") is an answer: it ranks this much higher, enough
# to lead the sentences that hold what is near the asked thing (the election's date).
ABSENCE_ANSWERS = True
ABSENCE_BONUS = 0.3
# A capital and the state it stands for count as the same word ("Washington" / "US").
ENTITY_WORDS = True


@lru_cache(maxsize=20_000)  # as many as the sentence vectors kept: a few MB
def _tokens(text: str) -> frozenset[str]:
    """The text's word stems and the states its capitals stand for (lexicon.stems_and_states)."""
    return stems_and_states(text) if ENTITY_WORDS else frozenset(tokenize(text))

def _weights(question: str, context: str, idf=None) -> dict[str, float]:
    """Each content word of the question; weighted by `idf` (a word -> rarity function)
    when given, else all alike; earlier turns' words count for less."""
    def rarity(token: str) -> float:
        return idf(token) if idf is not None else 1.0

    weights = {t: rarity(t) for t in tokenize(question)}
    for token in tokenize(focus_phrase(question)):
        if token in weights:
            weights[token] *= FOCUS_WEIGHT
    for token in tokenize(context):
        weights.setdefault(token, CONTEXT_WEIGHT * rarity(token))
    return weights


def _lexical_coverage(weights: dict[str, float], tokens: set[str]) -> float:
    total = sum(weights.values())
    if not total:
        return 0.0
    return sum(w for t, w in weights.items()
               if t in tokens or (ENTITY_WORDS and state_of(t) in tokens)) / total


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
    return expected_type(question) is None and bool(_DEFINITION.match(question))


def choose(
    question: str,
    retrieved: list[Retrieved],
    vectors: SentenceVectors,
    context: str = "",
    lexicon=None,
    scorer=None,
    cross_lingual: bool | None = None,
) -> Extract:
    """Pick the quotes that answer `question`, or none.

    `lexicon` (the BM25 index: `knows`, `idf`) ranks the shortlist by rare words and spots
    questions in another language; without it every word counts the same. `scorer` (the
    packaged reader by default; False for none) reads the chosen quotes with the question,
    and when it rates none of them at MIN_READER_PROBABILITY the answerer declines."""
    pool = candidates(retrieved)
    pairs = {(c.passage, c.parts[1]): c for c in pool if c.parts}
    outlets = article_focus.outlets_of(retrieved)
    about_article = article_focus.asks_about_article(question, not context, outlets)
    weights = _weights(question, context)
    # "What does the article say ...": the article never names itself, so those words are
    # not what its sentences share with the question (the notes do write "the article says").
    asked = article_focus.topic(question, outlets) if about_article else ""
    own = _weights(asked, context) if tokenize(asked) else weights
    wanted = expected_type(question)
    future = asks_about_future(question)
    definition = asks_for_definition(question)
    slot = slots.read_slot(question) if SLOT_FILLING else None
    needed = slots.constraints(question) if CONSTRAINTS else ()
    absent = asked_noun(question) if ABSENCE_ANSWERS else None
    question_tokens = _tokens(question)
    then = article_focus.article_month(question, retrieved)  # "when this article came out"
    asked_years = event_match.years(question)
    relation = frozenset(tokenize(event_match.relation_words(question)))
    if not pool or not weights:
        return Extract([], 0.0)
    titles = [_tokens(passage_body(r.text)[0]) for r in retrieved]
    part_weights = [_weights(p, context) for p in event_match.question_parts(question)]
    overlaps = [max(_lexical_coverage(w, _tokens(c.quote) | titles[c.passage]) for w in [
        own if article_focus.is_article(retrieved[c.passage]) else weights, *part_weights])
        for c in pool]
    if cross_lingual is None:  # the caller may know the question's language already
        cross_lingual = max(overlaps) == 0.0 or _foreign(question, lexicon)
    min_similarity = getattr(vectors.embedder, "cross_lingual_min_similarity",
                             DEFAULT_CROSS_LINGUAL_MIN_SIMILARITY)
    # Shortlist by rare words shared with the question, earlier passages first on ties (with
    # no shared words at all, that is simply the best-ranked passages' sentences).
    if lexicon is not None:
        rare = _weights(question, context, lexicon.idf)
        ranks = [_lexical_coverage(rare, _tokens(c.quote))
                 + TITLE_SHARE * _lexical_coverage(rare, titles[c.passage] - _tokens(c.quote))
                 for c in pool]
    else:
        ranks = overlaps
    if about_article:  # "what does the piece say ...": the article's sentences are shortlisted
        ranks = [r + article_focus.ARTICLE_BONUS * article_focus.is_article(retrieved[c.passage])
                 for r, c in zip(ranks, pool)]
    # Only a sentence holding the kind of thing asked for can answer, so those come first:
    # "how many peacekeepers" filled the shortlist with sentences about peacekeepers
    # without a number, and the 1,960 sentence never got scored.
    typed = [TYPED_SHORTLIST and not c.parts and holds(wanted, c.quote, question)
             for c in pool] if wanted else [False] * len(pool)
    if definition and TYPED_SHORTLIST:
        # "What is the CSTO?": the document's opening sentence says, and it ties on shared
        # words with every sentence naming the CSTO, so it was often left off the shortlist.
        typed = [c.lead and not c.parts for c in pool]
    order = sorted(range(len(pool)), key=lambda i: (not typed[i], -ranks[i], pool[i].passage))
    singles = [i for i in order if not pool[i].parts]
    doubles = [i for i in order if pool[i].parts]
    chosen = singles[: SEMANTIC_SHORTLIST * (2 if cross_lingual else 1)]
    # Two adjacent sentences compete as one quote when both made the shortlist: their
    # vectors are computed anyway, so pairs cost no extra embedding.
    have = {(pool[i].passage, pool[i].quote) for i in chosen}
    keep = sorted(chosen + [i for i in doubles
                            if all((pool[i].passage, part) in have for part in pool[i].parts)])
    pool, overlaps = [pool[i] for i in keep], [overlaps[i] for i in keep]

    query = f"{question} {context}".strip()
    qvec = np.asarray(vectors.embedder.embed_query(query), dtype=np.float32)
    # A two-sentence quote is scored with the mean of its sentences' vectors: close to the
    # vector of the pair, and the sentences' vectors are cached and shared.
    texts = list(dict.fromkeys(t for c in pool for t in (c.parts or (c.quote,))))
    by_text = dict(zip(texts, vectors.get(texts)))
    similarity = [mean_vector([by_text[t] for t in (c.parts or (c.quote,))]) @ qvec
                  for c in pool]

    scored, near_misses = [], []
    for cand, sim, lex in zip(pool, similarity, overlaps):
        if cross_lingual:
            score = float(sim) if sim >= min_similarity else 0.0
        else:
            score = SEMANTIC_WEIGHT * float(sim) + (1 - SEMANTIC_WEIGHT) * lex
        if cand.parts:
            score *= PAIR_FACTOR
        parts = cand.parts or (cand.quote,)
        if not any(holds(wanted, part, question) for part in parts):
            score = 0.0  # near the topic, but not the kind of thing that was asked
        if future and not any(looks_ahead(part) for part in parts):
            score = 0.0  # about the past; the question is about what is to come
        fills = None
        unmet = needed and not cross_lingual and slots.missing_from(
            needed, retrieved[cand.passage].text)
        if score and unmet:
            near_misses.append((Candidate(cand.passage, cand.quote, score, score, cand.lead,
                                          cand.parts), f"anything about {unmet}"))
            score = 0.0  # about something near, not about what the question names
        if score and slot is not None:
            filled = [slot.fills(part) for part in parts]
            if True in filled:
                score += SLOT_BONUS
                fills = True
            elif False in filled:
                near_misses.append((Candidate(cand.passage, cand.quote, score, score,
                                              cand.lead, cand.parts), slot.missing()))
                score = 0.0  # the right kind of thing, attached to the wrong noun
        if score and absent and not cand.parts and says_absent(absent, cand.quote) \
                and len(_tokens(cand.quote) & question_tokens) >= 2:
            # "These notes give no results of that election" answers "What was the result
            # of the election?" honestly; the parse saw it, as it sees a count.
            score += ABSENCE_BONUS
            fills = True
        # The prior only orders sentences that answer; it never lifts one over the threshold.
        prior = RANK_PRIOR * (1 - cand.passage / max(1, len(retrieved))) if score else 0.0
        if score and cand.lead and definition:
            prior += LEAD_BONUS
        elif score and cand.lead and wanted and not fills \
                and not article_focus.is_article(retrieved[cand.passage]):
            prior -= lead.OPENING_DEMOTION  # a document's summary is background to a fact
        if score and cand.lead and not definition and relation and not relation & _tokens(
                cand.quote):
            prior -= event_match.RELATION_DEMOTION  # a summary without what is asked of X
        if score and event_match.year_mismatch(asked_years, cand.quote,
                                               passage_body(retrieved[cand.passage].text)[0]):
            prior -= event_match.YEAR_PENALTY  # another event's figures ("April 2016")
        if score and then and any(article_focus.speaks_of(then, part) for part in parts):
            prior += article_focus.ARTICLE_TIME_BONUS
        if score and article_focus.is_article(retrieved[cand.passage]):
            prior += article_focus.ARTICLE_BONUS if about_article else article_focus.ARTICLE_TIE
        scored.append(Candidate(cand.passage, cand.quote, score + prior, score, cand.lead,
                                cand.parts, fills))
    threshold = min_similarity if cross_lingual else MIN_SCORE
    evidence = max(c.evidence for c in scored)
    # Asked what the article says, its sentence of the asked kind need not share the
    # question's words as much: the reader paraphrases ("squeezed" for "wedged").
    scored = [c for c in scored if c.evidence >= threshold or (
        about_article and (wanted or article_focus.UNTYPED_NO_VETO) and not cross_lingual
        and c.evidence >= article_focus.ARTICLE_MIN_SCORE
        and article_focus.is_article(retrieved[c.passage]))]
    if wanted:  # a pair answers only through its sentence that holds what was asked
        scored = lead.without_borrowed_pairs(scored, lambda s: holds(wanted, s, question))
    logger.debug("best evidence %.3f (threshold %.2f)", evidence, threshold)
    if not scored:
        near, missing = max(((c, why) for c, why in near_misses if c.evidence >= threshold),
                            key=lambda cw: cw[0].evidence, default=(None, ""))
        return Extract([], evidence, near_miss=near and _with_antecedent(near, pairs),
                       missing=missing)
    # ("These notes give no results" points at nothing before it: it says what they hold.)
    scored = [c if c.fills and absent and says_absent(absent, c.quote)
              else _with_antecedent(c, pairs) for c in scored]
    docs = [r.doc_id for r in retrieved]
    scored.sort(key=lambda c: c.score, reverse=True)
    as_of = ""
    now = LATEST_FOR_NOW and slots.asks_now(question)
    if now:
        scored, as_of = slots.latest_first(scored, FOLLOWER_RATIO)
    if cross_lingual or scorer is False:
        return Extract(brief(scored, docs, now), evidence, as_of=as_of)
    trusted = SLOT_OVERRIDES_VETO and (scored[0].fills or about_article and (
        wanted or article_focus.UNTYPED_NO_VETO) and article_focus.is_article(
        retrieved[scored[0].passage]))  # a filled slot; the article's own sentence
    if trusted and (scored[0].fills or wanted or not event_match.READER_SWAP):
        return Extract(brief(scored, docs, now), evidence, as_of=as_of)
    # The reader judges the sentences that answer about as well as the best: it vetoes when it
    # rates none likely to hold the answer (unless trusted), and may overrule the lead.
    judged = [c for c in scored[:VETO_POOL] if c.score >= scored[0].score * FOLLOWER_RATIO]
    titles = [passage_body(retrieved[c.passage].text)[0].split(" — ")[0] for c in judged]
    probabilities = quote_probabilities(question, titles, [c.quote for c in judged], scorer)
    best = float(probabilities.max())
    if best < MIN_READER_PROBABILITY and not trusted:
        logger.debug("reader probability %.3f below %.2f: declining", best,
                     MIN_READER_PROBABILITY)
        return Extract([], evidence, best)
    swap = event_match.reader_prefers(probabilities) if not as_of else 0
    if swap:  # the reader is sure the lead does not answer and another does
        scored = [judged[swap]] + [c for c in scored if c is not judged[swap]]
    elif READER_WEIGHT and not as_of:
        order = sorted(range(len(judged)),
                       key=lambda i: -(judged[i].score + READER_WEIGHT * probabilities[i]))
        scored = [judged[i] for i in order] + scored[len(judged):]
    return Extract(brief(scored, docs, now), evidence, best, as_of=as_of)


def brief(scored: list[Candidate], docs: list[str] | None = None,
           now: bool = False) -> list[Candidate]:
    """The lead, and at most one supporting sentence that says something else, does not
    open by pointing back at a sentence not shown, and (SUPPORT_FROM_LEAD_DOCUMENT) comes
    from the lead's own document (`docs`: each retrieved passage's document); a leading
    pair's answering sentence first (lead.py; `now`: the latest-dated one)."""
    picks = [scored[0]]
    sentences = len(scored[0].parts) or 1
    for cand in scored[1:]:
        if cand.score < scored[0].score * FOLLOWER_RATIO:
            break
        if sentences + (len(cand.parts) or 1) > MAX_SENTENCES:
            continue
        if len(scored[0].quote) + len(cand.quote) > MAX_ANSWER_CHARS:
            continue
        if any(_same_content(cand.quote, p.quote) for p in picks) or (
                not cand.parts and _ANAPHOR.match(cand.quote)):
            continue
        if scored[0].fills and not cand.fills:
            continue  # the lead gives the count asked for; a number about something else would not
        if SUPPORT_FROM_LEAD_DOCUMENT and docs and docs[cand.passage] != docs[scored[0].passage]:
            continue  # another document's sentence reads as a second answer, not support

        picks.append(cand)
        sentences += len(cand.parts) or 1
    return lead.answering_part_first(picks, scored, slots.latest_date if now else None)


def _same_content(a: str, b: str) -> bool:
    ta, tb = _tokens(a), _tokens(b)
    return bool(ta and tb) and len(ta & tb) / min(len(ta), len(tb)) > 0.7
