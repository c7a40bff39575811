"""Which sentence of the chosen quotes leads: the one that answers, not its background.

A reader judges an answer by its first sentence. The reader scores two adjacent sentences
as one quote (the subject in one, the fact in the next), and such a quote, shown as it
stands, often opens with the passage's background ("Under the November 2020 trilateral
statement, the Lachin corridor was a 5-kilometre-wide strip ...") and gives the fact asked
for ("From 12 December 2022 the Lachin road was obstructed ...") second. In the blind reading
of 2026-12-07 (bench/results/blind-2026-12-07-fresh/) that was the commonest partial answer.

So when the lead is such a pair, its sentences are shown as two quotes, the one that answers
on its own first: for a question about now, the one speaking of the latest date; else the one
that scored higher alone. A pair whose second sentence points back ("It was signed there")
stays as it is: that sentence cannot stand first.
"""

from __future__ import annotations

import logging
import re

from retrieval.answering.picks import Candidate

logger = logging.getLogger(__name__)

ANSWERING_PART_FIRST = True  # switch for the ablation and the tests
# A background document's opening sentence summarises it ("The OSCE Minsk Group was a body
# of the OSCE ..., set up in 1992 to mediate ..."): it answers "What is X?", and for a
# question asking for a date, number, name or place it is background that shares the
# question's subject words by construction. It ranks this much lower for such a question,
# unless the parse saw it fill the slot. (Not the article's opening: a news lede is the
# news.) OFF: at 0.1 (two-thirds of the retrieval-rank prior's spread) it made "When was the
# OSCE Minsk Group finally shut down?" lead with the closure, but cost a held-out answer
# ("How long is the Rasht-Astara railway going to be?": the opening's "162-kilometre" is
# the answer) and changed nothing on SQuAD; a date's event (set up / shut down) is what
# tells them apart, and the reader cannot compare events yet. docs/reader.md, session 7.
OPENING_DEMOTION = 0.0
# Words that open a sentence by pointing back at the one before (extractive.py uses the same).
ANAPHOR = re.compile(r"^\W*(it|its|this|that|these|those|they|their|them|he|his|him|she|her|"
                     r"such|the latter|the former)\b", re.IGNORECASE)


def answering_part_first(picks: list[Candidate], scored: list[Candidate],
                         latest_date=None) -> list[Candidate]:
    """`picks` with a leading two-sentence quote split so that its answering sentence leads.

    `scored` holds every candidate that answers, singles included: a part's own score says
    how well it answers alone (a part missing from it does not answer at all).
    `latest_date` (a sentence -> sortable date or None function) is given for a question
    about now: then the part speaking of the latest date leads."""
    if not ANSWERING_PART_FIRST or not picks or len(picks[0].parts) != 2:
        return picks
    pair = picks[0]
    first, second = pair.parts
    if ANAPHOR.match(second):
        return picks  # the second sentence needs the first before it
    alone = {c.quote: c.score for c in scored if not c.parts and c.passage == pair.passage}
    if latest_date is not None:
        dates = [latest_date(first), latest_date(second)]
        if dates[1] is not None and (dates[0] is None or dates[1] > dates[0]):
            lead_second = True
        elif dates[0] is not None:
            lead_second = False
        else:
            lead_second = alone.get(second, -1.0) > alone.get(first, -1.0)
    else:
        lead_second = alone.get(second, -1.0) > alone.get(first, -1.0)
    if not lead_second:
        return picks
    logger.debug("pair split: its second sentence answers, it leads")
    lead = Candidate(pair.passage, second, pair.score, pair.evidence, False, (), pair.fills)
    support = Candidate(pair.passage, first, pair.score, pair.evidence, pair.lead, (), None)
    return [lead, support, *picks[1:]]


def with_antecedent(cand: Candidate, pairs: dict) -> Candidate:
    """A sentence that opens by pointing back ("It was signed there") is quoted with the
    sentence before it, which says what it points to (`pairs`: (passage, second sentence)
    -> the two-sentence candidate)."""
    pair = pairs.get((cand.passage, cand.quote)) if not cand.parts else None
    if pair is None or not ANAPHOR.match(cand.quote):
        return cand
    return Candidate(cand.passage, pair.quote, cand.score, cand.evidence, pair.lead, pair.parts,
                     cand.fills)


def without_borrowed_pairs(scored: list[Candidate], typed) -> list[Candidate]:
    """Drop a two-sentence quote whose first sentence alone holds the asked kind of thing
    and does not answer on its own (is not among `scored`).

    "Karabakh Armenian officials said more than 200 people ... had been killed. Russian
    peacekeepers were also killed ..." holds a number and names peacekeepers, but the number
    counts other people: the pair borrowed its relevance from the sentence without it.
    `typed(sentence)`: does the sentence hold the kind of thing asked for."""
    if not ANSWERING_PART_FIRST:
        return scored
    alone = {(c.passage, c.quote) for c in scored if not c.parts}
    # The second sentence holding it continues the first's subject ("This constant has
    # come to be known as Newton's Universal Gravitation Constant ... Not until 1798 was
    # Henry Cavendish able to make the first measurement"): that is what pairs are for.
    return [c for c in scored if not c.parts or ANAPHOR.match(c.parts[1]) or typed(c.parts[1])
            or any((c.passage, part) in alone for part in c.parts if typed(part))]
