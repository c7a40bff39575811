"""Does a sentence speak of the question's event, and what does the question ask about it.

Session 8 (issue 21, docs/reader.md). The reader ranks sentences by shared words, and the
blind readings of 2026-12-08 showed three ways that picks an on-topic neighbour over the
sentence that answers:

- another event's figures: "how many Armenian civilians were killed in the one-day
  offensive in Sept 2023?" led with "Armenian sources later reported 91 servicemen killed
  ... and 9 civilians killed in the April 2016 fighting" (more shared words than the
  September 2023 sentence). A sentence, or the passage title it sits under, that dates
  itself to other years than the question names speaks of another event (`year_mismatch`).
- the asked relation left out: "where is the EU monitoring mission in Armenia
  headquartered?" led with the mission's definition, which shares every word but
  "headquartered". The question's own verb ("headquartered", "named", "keep") says what is
  asked about its subject; a document's opening sentence without it is the subject's
  summary, background to the question, and ranks lower (`relation_words`). (Counting the
  verb as a focus word in every sentence's score instead cost 2.1 points of SQuAD gold.)
- the learned reader sure the lead does not answer: "how does the article say the dispute
  got started?" led with "The Nagorno-Karabakh dispute has plagued ... relations for
  decades" (cross-encoder 0.17) over "... the dispute began 'in the late 1980s' ..." (0.87).
  A lead the reader rates that low gives way to a close candidate it rates that high
  (`reader_prefers`).

And one way it declined a question it could answer: two questions in one ("how much is the
Rasht-Astara railway supposed to cost and who's paying for it") share half their words with
the sentence answering either half, below the evidence bar. Each part is also scored alone,
and a sentence covers the question as well as it covers its best part (`question_parts`).
"""

from __future__ import annotations

import logging
import re

logger = logging.getLogger(__name__)

# Switches (bench/reader_ablation.py levers; the tests switch each off to see it matter).
YEAR_MISMATCH = True
QUESTION_PARTS = True
MIN_PART_WORDS = 2
RELATION_WORDS = True
READER_SWAP = True
# How much lower a sentence speaking of other years ranks: the size of the retrieval-rank
# prior's whole spread, so an other-year sentence of the best passage falls below a
# same-year sentence of the last, but never below the threshold (it only reorders).
YEAR_PENALTY = 0.15
# How much lower a document's opening sentence ranks when it lacks the question's own verb:
# the rank prior's two-thirds, as lead.OPENING_DEMOTION was tried at (docs/reader.md).
RELATION_DEMOTION = 0.1
# The reader (scorer.py) overrules the lead's order only when it is this sure both ways: it
# rates nearly every on-topic sentence of this corpus 0.84-0.88 (docs/reader.md), so a lead
# below 0.3 next to a candidate at 0.6 or more is a judgement, not noise. (At 0.7 it left the
# article's "the dispute ... began in the late 1980s", rated 0.61, behind "has plagued
# relations for decades", rated 0.17.)
SWAP_LEAD_BELOW = 0.3
SWAP_OTHER_ABOVE = 0.6

# Questions whose verb is not what is asked of the subject: a cause or manner ("why was it
# postponed?": the cause need not repeat the event) and a yes/no ("did Washington respond?":
# "US officials have yet to comment" answers without the verb).
_NOT_ASKING_A_RELATION = re.compile(
    r"^\W*(why|how come|how (did|does|do|was|were|is|are)|did|does|do|is|are|was|were|has|"
    r"have|had|can|could|will|would|should)\b", re.IGNORECASE)
_YEAR = re.compile(r"\b(1[5-9]\d\d|20\d\d)s?\b")
# Verbs that say nothing about what is asked ("what did he say", "what happened").
_LIGHT_VERBS = frozenset(["be", "do", "have", "say", "tell", "happen", "get", "go", "make",
                          "take", "come", "become", "know", "think", "give",
                          "according"])


def years(text: str) -> frozenset[str]:
    return frozenset(m.group(1) for m in _YEAR.finditer(text))


def year_mismatch(question_years: frozenset[str], sentence: str, title: str) -> bool:
    """The question names years, and the sentence (or, when it names none, its passage's
    title) names only others: it speaks of another event."""
    if not YEAR_MISMATCH or not question_years:
        return False
    held = years(sentence) or years(title)
    return bool(held) and not held & question_years


# "..., and when?", "... and who's paying for it": a second question joined to the first.
_SECOND_QUESTION = re.compile(r",?\s+and\s+(?=(?:who|whom|whose|what|when|where|why|how|which)"
                              r"\b)", re.IGNORECASE)


def question_parts(question: str) -> list[str]:
    """The questions a question joins with "and who / when / ..."; [] when it is one."""
    if not QUESTION_PARTS:
        return []
    parts = _SECOND_QUESTION.split(question)
    # A part of one content word ("who's paying for it") would make any sentence holding
    # that word cover the question fully: only parts that say something on their own count.
    from retrieval.index.lexical import tokenize

    return [p for p in parts if len(tokenize(re.sub(r"['’]s\b", "", p))) >= MIN_PART_WORDS
            ] if len(parts) > 1 else []


def relation_words(question: str) -> str:
    """The question's own verbs that say what is asked about its subject ("headquartered",
    "named", "keep"), from the shared parse; "" when it has none but light ones."""
    if not RELATION_WORDS or _NOT_ASKING_A_RELATION.match(question):
        return ""
    from retrieval.linguistics import parse

    return " ".join(t.text for t in parse(question)
                    if t.pos_ == "VERB" and t.tag_ != "VBG"
                    and t.lemma_.lower() not in _LIGHT_VERBS)


def reader_prefers(probabilities) -> int:
    """The index of the judged candidate that should lead instead of the first (0: keep)."""
    if not READER_SWAP or len(probabilities) < 2:
        return 0
    best = max(range(len(probabilities)), key=lambda i: probabilities[i])
    if probabilities[0] < SWAP_LEAD_BELOW and probabilities[best] >= SWAP_OTHER_ABOVE:
        logger.debug("reader: lead %.2f, candidate %d %.2f: it leads", probabilities[0], best,
                     probabilities[best])
        return best
    return 0
