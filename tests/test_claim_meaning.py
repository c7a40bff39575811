"""The claim check reads meaning: each rule on a corpus passage and a sentence a model might
write from it (issue 20). Each false sentence here was kept by the word-and-fact check."""

from __future__ import annotations

from functools import cache

import pytest

from bench.support_measure import REPO, corpus_paragraphs
from retrieval.answering.citations import verify_generated
from retrieval.models import Retrieved


@cache
def _paragraphs() -> tuple[str, ...]:
    return tuple(p for _, p in corpus_paragraphs(REPO / "corpus"))


def passage(anchor: str) -> str:
    return next(p for p in _paragraphs() if anchor in p)


def retrieved(*anchors: str) -> list[Retrieved]:
    return [Retrieved(chunk_id=f"c{i}", doc_id=f"d{i}", text=passage(a), score=1.0,
                      metadata={}) for i, a in enumerate(anchors, start=1)]


CHECKPOINT = "On 23 April 2023 Azerbaijan set up a checkpoint"
MINSK = "it never produced a final settlement"
PEACEKEEPERS_2022 = "The Russian peacekeepers did not remove the protesters"
TURKEY = "Turkey denied sending them"
RETURN = "Armenia was to return the Aghdam district"
ROSSIYA = "Putin appointed Dmitry Kiselyov"
EUMA = "Kremlin spokesman Dmitry Peskov described Armenia's invitation"
CONTINGENT = "The trilateral statement set the contingent at 1,960 servicemen"
KAPAN = "The Iranian government approved the Kapan consulate on 29 December 2021"
REFERENDUM = "The region's Azerbaijanis boycotted the vote"
WAR = "The Second Karabakh War ended in an Azerbaijani victory"
ICJ = "The ICJ rejected Armenia's two other requests"
TARASOV = "Stanislav Tarasov died in late August 2025"
TARASOV_BIO = "Tarasov graduated in 1975"
TRILATERAL = "was a nine-point document signed by President Ilham Aliyev"
HAKARI = "Armenia called the checkpoint a gross violation"
ARTSAKH = "No UN member state, including Armenia, recognised the republic"
ZAKHAROVA = "The Russian Foreign Ministry's official spokesperson is Maria Zakharova"


def kept(sentence: str, *anchors: str) -> bool:
    return verify_generated(sentence, retrieved(*anchors)).kept == 1


@pytest.mark.parametrize("false, true, anchor", [
    # polarity: a shared verb negated in one and not the other
    ("Azerbaijan did not set up a checkpoint at the Hakari bridge in April 2023. [1]",
     "A checkpoint was set up by Azerbaijan at the Hakari bridge on 23 April 2023 [1].",
     CHECKPOINT),
    ("For about three decades the Minsk Group was the main international format, and it "
     "produced a final settlement [1].",
     "The Minsk Group never reached a final settlement of the conflict [1].", MINSK),
    ("The Russian peacekeepers removed the protesters from the Lachin road [1].",
     "The protesters were not removed by the Russian peacekeepers [1].", PEACEKEEPERS_2022),
    # the complement of a denying verb did not happen
    ("Turkey sent Syrian fighters to fight for Azerbaijan [1].",
     "Turkey denied sending Syrian fighters to fight for Azerbaijan [1].", TURKEY),
    # "only" must be in the passage
    ("Only Armenia criticised the Hakari checkpoint [1].",
     "Armenia called the checkpoint a gross violation of the 2020 statement [1].", HAKARI),
    ("Zakharova was the only woman to head the Russian Foreign Ministry's press "
     "department [1].",
     "Zakharova was the first woman to head the Russian Foreign Ministry's press "
     "department [1].", "Zakharova was the first woman to head"),
    # antonyms flip a claim; an antonym under negation agrees
    ("The region's Azerbaijanis backed the referendum of 10 December 1991 [1].",
     "The region's Azerbaijanis boycotted the referendum of 10 December 1991 [1].", REFERENDUM),
    ("The ICJ accepted Armenia's two other requests, on ending the protests and restoring gas "
     "supplies [1].",
     "The ICJ did not grant Armenia's requests on ending the protests and restoring gas "
     "supplies [1].", ICJ),
    # roles: subject and recipient swapped; another name in the object; another speaker
    ("Azerbaijan was to return the Aghdam district to Armenia by 20 November 2020 [1].",
     "Armenia was to give the Aghdam district back to Azerbaijan by 20 November 2020. [1]",
     RETURN),
    ("Putin appointed Margarita Simonyan as Rossiya Segodnya's director general [1].",
     "Dmitry Kiselyov was appointed director general of Rossiya Segodnya by Putin [1].",
     ROSSIYA),
    ("Maria Zakharova described Armenia's invitation to the EU as a unilateral decision by "
     "Yerevan [1].",
     "Peskov called Armenia's invitation to the EU a unilateral decision by Yerevan [1].", EUMA),
    # a demonym modifies the same noun
    ("The Second Karabakh War ended in an Armenian victory. [1]",
     "Azerbaijan won the Second Karabakh War. [1]", WAR),
    # a number counts the same thing (a general word for it is fine)
    ("The contingent numbered 1,960 servicemen with 380 armoured personnel carriers [1].",
     "The statement fixed the contingent at 1,960 troops, with 380 vehicles [1].", CONTINGENT),
    # a date belongs to the same event
    ("The Kapan consulate was inaugurated on 29 December 2021 [1].",
     "Iran's government approved the consulate in Kapan on 29 December 2021 [1].", KAPAN),
    ("Tarasov was born in 1975 in Soviet Azerbaijan [1].",
     "He graduated from Azerbaijan State University in Baku in 1975 [1].", TARASOV_BIO),
    # the main verb's arguments must be in the sentence that says it
    ("Stanislav Tarasov died of natural causes [1].",
     "Tarasov died in late August 2025 and was buried near Moscow on 1 September 2025 [1].",
     TARASOV),
    # all the claim's facts in one sentence or two adjacent ones
    ("Ilham Aliyev signed a statement that placed 1,960 troops in Nagorno-Karabakh [1].",
     "The trilateral statement placed a Russian peacekeeping force of 1,960 troops in "
     "Nagorno-Karabakh [1].", TRILATERAL),
])
def test_false_dropped_true_kept(false, true, anchor):
    assert not kept(false, anchor)
    assert kept(true, anchor)


def test_a_name_the_passage_gives_may_be_a_pronoun_or_a_noun_of_it():
    assert kept("Not even Armenia recognised the Republic of Artsakh [1].", ARTSAKH)
    assert not kept("Armenia recognised the Republic of Artsakh [1].", ARTSAKH)


def test_the_main_verb_must_be_in_the_sentence_that_says_it():
    """A sentence holding the claim's names and words but not what it says they did."""
    silent = "Prime Minister Pashinyan said the Lachin corridor was the peacekeepers"
    assert not kept("The Russian peacekeepers praised Pashinyan for keeping the Lachin "
                    "corridor open [1].", silent)
    assert kept("Pashinyan called the Russian peacekeepers silent witnesses to the "
                "depopulation of Nagorno-Karabakh [1].", silent)


def test_the_doer_must_be_said():
    """The unit names what was done but not that the claim's doer did it."""
    assert not kept("US officials commented on the Komsomolskaya Pravda reports [1].",
                    ZAKHAROVA)


def test_a_failed_claim_after_a_decline_is_a_decline():
    verified = verify_generated("The sources do not give the cause of his death, but Tarasov "
                                "died of a heart attack [1].", retrieved(TARASOV))
    assert verified.kept == 0 and verified.declined
    held = verify_generated("The sources do not give the day, but Tarasov was buried near "
                            "Moscow on 1 September 2025 [1].", retrieved(TARASOV))
    assert held.kept == 1 and not held.declined


def test_two_markers_show_the_passages_the_claim_used():
    both = verify_generated("The Minsk Group never produced a final settlement, and Azerbaijan "
                            "set up a checkpoint at the Hakari bridge on 23 April 2023 [1][2].",
                            retrieved(MINSK, CHECKPOINT))
    assert both.kept == 1 and both.text.endswith("[1][2].")
    one = verify_generated("Azerbaijan set up a checkpoint at the Hakari bridge on 23 April 2023 "
                           "[1][2].", retrieved(MINSK, CHECKPOINT))
    assert one.kept == 1 and [c.doc_id for c in one.citations] == ["d2"]
    # a date from the second passage, attached there to another event, does not join them
    assert not kept("Kiselyov was appointed by Putin on 13 September 2024 [1][2].", ROSSIYA,
                    "The US government escalated its measures against Russian state media")


def test_a_claim_cited_to_the_wrong_passage_is_re_pointed():
    verified = verify_generated("Iran's government approved the consulate in Kapan on "
                                "29 December 2021 [1].", retrieved(CHECKPOINT, KAPAN))
    assert verified.kept == 1 and verified.attributed[0][1] == "re-pointed"
    assert [c.doc_id for c in verified.citations] == ["d2"]
    assert "29 December 2021" in verified.citations[0].quote


def test_the_quote_is_the_sentence_that_says_the_claim():
    verified = verify_generated("Iran's foreign minister inaugurated the Kapan consulate on "
                                "21 October 2022 [1].", retrieved(KAPAN))
    quote = verified.citations[0].quote
    assert "21 October 2022" in quote and quote in verified.citations[0].text


def test_the_parser_is_not_loaded_before_a_claim_is_checked():
    """`ask` and `chat` import the answering code before their first prompt: no spaCy yet."""
    import subprocess
    import sys

    code = ("import sys, bot.cli, bot.chat, retrieval.answering.answerer, "
            "retrieval.answering.citations, retrieval.answering.meaning; "
            "print('spacy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=REPO, check=True).stdout.strip()
    assert out == "False"


def test_a_denied_clause_is_negated():
    """corpus/background/lachin-corridor-blockade.md: what Azerbaijan denied did not happen
    by its account, whatever form the parse gives the complement."""
    from retrieval.linguistics import parse
    from retrieval.linguistics.clauses import verb_frames

    doc = parse("Azerbaijan said it had no links to the protest and denied that there was any "
                "blockade.")
    (was,) = [f for _, f in verb_frames(doc) if f.predicate == "be"]
    assert was.negated
