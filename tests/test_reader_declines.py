"""Session 7 (issue 21): honest near-misses, sentences saying a thing was not said, and the
follow-up's subject read from the answer's parse. Sentences are the corpus's own
(corpus/articles, corpus/background); each test fails with its rule switched off."""

from __future__ import annotations

import pytest

from retrieval.answering import absence, unmet
from retrieval.answering.answerer import NEAR_MISS_MESSAGE, Prepared
from retrieval.answering.followup import Turn, needs_context, resolve
from retrieval.models import Retrieved

THIRD_COUNTRY = ("The Russian claims in the Sputnik article concerned a report in the Russian "
                 "daily Komsomolskaya Pravda, which appeared on 14 June 2023, that the United "
                 "States was pressing the Karabakh Armenian leadership, by ultimatum, to meet "
                 "Azerbaijani officials in a third country under US supervision.")
FIRST_REPORT = ("The reports of a US ultimatum had first appeared on 14 June 2023 in the Russian "
                "daily Komsomolskaya Pravda and were backed by an unnamed diplomatic source in "
                "Washington; they said the Karabakh Armenians were being pressed to meet "
                "Azerbaijani officials in a third country or face an Azerbaijani "
                "\"counter-terrorist operation\".")
DIED = ("Stanislav Tarasov died in late August 2025; the news agency IA REX, for which he "
        "wrote, published an obituary of Tarasov on 29 August 2025.")
YET_TO_COMMENT = "US officials have yet to comment."
NOT_SAID_WHO = ("The Sputnik article of 15 June 2023 quotes an unnamed \"Russian Foreign Ministry "
                "spokesperson\" who said reports of US threats against Nagorno-Karabakh raised "
                "questions about the \"sanity\" of American mediators; the article does not say "
                "who gave that comment, and other Russian outlets attributed the same words "
                "simply to the ministry.")
NO_RESULTS = ("These notes give no results of that election: the only report of the count they "
              "found was a preview copy of a subscription analysts' brief, not the original "
              "publisher, and no report by an outlet they could check was available when the "
              "notes were written.")
SCHEDULED = ("Armenia's next regular parliamentary election was scheduled for 7 June 2026, as "
             "the Azerbaijani pro-government site News.az reported when the date was set.")
TARASOV_OPENING = ("Veteran Russian Caucasus politics expert Stanislav Tarasov told Sputnik that "
                   "Washington’s efforts are meant to give the US a new springboard through "
                   "which they could “contain Iran,” and block a major Russian-Iranian transport "
                   "corridor infrastructure agreement reached in May. [1]")


def _passage(text: str, title: str, position: int = 1, doc: str = "background/note.md"):
    return Retrieved(chunk_id=f"c{position}", doc_id=doc, score=1.0, text=f"{title}\n\n{text}",
                     metadata={"position": position})


# --- the lead leaves the asked slot empty ------------------------------------------------

WHICH_COUNTRY = ("which third country was the meeting between the karabakh armenians and "
                 "azerbaijan supposed to happen in")


def test_a_kind_of_thing_without_its_name_does_not_fill_which(switch):
    switch(unmet, "ANSWER_CONSTRAINTS", None)  # this test is about the slot alone
    assert unmet.unmet(WHICH_COUNTRY, THIRD_COUNTRY) == "which country it was"
    # named: "the Russian daily Komsomolskaya Pravda" fills "which newspaper"
    assert unmet.unmet("which russian daily first came out with the story about the us "
                       "ultimatum?", FIRST_REPORT) is None
    switch(unmet, "INDEFINITE_HEAD", False)
    assert unmet.unmet(WHICH_COUNTRY, THIRD_COUNTRY) is None


def test_the_verb_without_what_the_question_asks_it_of(switch):
    switch(unmet, "ANSWER_CONSTRAINTS", None)  # this test is about the slot alone
    assert unmet.unmet("what did stanislav tarasov die of", DIED) == \
        "what Stanislav Tarasov died of"
    # "What army did Warsaw defend itself against?": "what" determines a noun, not asked
    assert unmet.unmet("What army did Warsaw successfully defend itself against?",
                       "the capital was successfully defended and the Red Army defeated.") is None
    switch(unmet, "STRANDED_PREPOSITION", False)
    assert unmet.unmet("what did stanislav tarasov die of", DIED) is None


def test_the_answerer_says_what_is_missing_and_what_the_sources_say(full_answerer, switch):
    question = "what did stanislav tarasov die of"
    prepared = Prepared(question, question, "", [_passage(
        DIED, "Stanislav Tarasov, Russian commentator on the Caucasus, Turkey and Iran — Death")],
        0.0)
    answer = full_answerer._extractive_answer(prepared)
    assert answer.abstained
    assert answer.answer == NEAR_MISS_MESSAGE.format(
        missing="what Stanislav Tarasov died of", quote=DIED)
    assert [c.quote for c in answer.citations] == [DIED]
    switch(unmet, "UNMET_DECLINES", False)
    plain = full_answerer._extractive_answer(prepared)
    assert not plain.abstained and plain.answer.startswith(DIED)


def test_a_question_about_what_did_not_happen_needs_a_negated_lead(switch):
    question = "Which country did not recognise the Nagorno-Karabakh Republic?"
    lead = ("The Nagorno-Karabakh Republic declared its independence from Azerbaijan in "
            "1991.")
    assert unmet.unmet(question, lead) == "that"
    assert unmet.unmet(question, "No state recognised the Nagorno-Karabakh Republic.") is None
    # a yes/no question with "not" asks whether it is so: left alone
    assert unmet.unmet("Isn't Sputnik banned in the EU?", "The Council of the European Union "
                       "suspended the broadcasting of Sputnik and RT in the EU.") is None
    switch(unmet, "NEGATED_QUESTION", False)
    assert unmet.unmet(question, lead) is None


# --- the question's names must be in what answers it (SQuAD's swapped-entity questions) ----

def test_names_spelled_out_mistyped_or_possessive_are_held():
    text = "After World War II, under a Communist regime, the campaign was initiated."
    assert unmet.missing_from(("WWII",), text) is None
    assert unmet.missing_from(("King Sigimund's",), "the iconic King Sigismund's Column") is None
    assert unmet.missing_from(("the Islamic Group's",), "the Islamic group renounced") is None
    assert unmet.missing_from(("Berlin",), "Warsaw's first stock exchange") == "Berlin"


def test_a_lead_about_another_name_is_a_near_miss(switch):
    question = "How many Russian peacekeepers were deployed in Syria?"
    lead = ("Moscow deployed a 2,000 troop-strong peacekeeping contingent in Nagorno-Karabakh "
            "in the aftermath of the Second Karabakh War of September-November 2020.")
    switch(unmet, "ANSWER_CONSTRAINTS", "sentence")
    assert unmet.unmet(question, lead, f"Moscow questions Washington's sanity\n\n{lead}") == \
        "this about Syria"
    # a lead that points back ("it") is checked against its whole passage
    assert unmet.constraint_text("sentence", "It was set up then.", "T\n\nSyria. It was set up "
                                 "then.") == "T\n\nSyria. It was set up then."
    switch(unmet, "ANSWER_CONSTRAINTS", None)
    assert unmet.unmet(question, lead, lead) is None


# --- the sources saying it was not said or done ------------------------------------------

ARTICLE = "Moscow questions Washington's sanity amid reports of US meddling in Karabakh"


@pytest.mark.parametrize(("question", "context", "sentence", "title"), [
    ("did the us government respond to any of this in the article?", "", YET_TO_COMMENT,
     ARTICLE),
    ("does the piece actually say who that person was?",
     "who on the russian side told sputnik that the us mediators might not be sane?",
     NOT_SAID_WHO, "The Russian Foreign Ministry, Maria Zakharova and Moscow's line"),
    ("who won armenia's parliamentary election in june 2026?", "", NO_RESULTS,
     "Nikol Pashinyan, Prime Minister of Armenia — The 2026 parliamentary election"),
])
def test_a_sentence_saying_it_was_not_said_answers(question, context, sentence, title, switch):
    retrieved = [_passage(f"{SCHEDULED} {sentence}", title)]
    found = absence.find(question, retrieved, context)
    assert found is not None and found.quote == sentence
    switch(absence, "ABSENCE_LEADS", False)
    assert absence.find(question, retrieved, context) is None


def test_a_statement_is_not_taken_for_an_absence():
    retrieved = [_passage(SCHEDULED, "Nikol Pashinyan — The 2026 parliamentary election")]
    assert absence.find("who won armenia's parliamentary election in june 2026?",
                        retrieved) is None
    # someone else not commenting does not answer whether the US responded
    other = [_passage("Azerbaijani officials have yet to comment.", ARTICLE)]
    assert absence.find("did the us government respond to any of this in the article?",
                        other) is None


def test_the_answerer_leads_with_the_absence(full_answerer, switch):
    question = "did the us government respond to any of this in the article?"
    prepared = Prepared(question, question, "", [_passage(
        "The State Department says it wants a peace deal. " + YET_TO_COMMENT, ARTICLE,
        doc="articles/sputnik.md")], 0.0)
    answer = full_answerer._extractive_answer(prepared)
    assert not answer.abstained and answer.answer.startswith(YET_TO_COMMENT)
    switch(absence, "ABSENCE_LEADS", False)
    assert not full_answerer._extractive_answer(prepared).answer.startswith(YET_TO_COMMENT)


# --- follow-ups ----------------------------------------------------------------------------

def test_he_is_the_subject_the_answer_opens_with():
    history = [Turn("who's the expert sputnik quotes and what does he think washington is "
                    "up to?", TARASOV_OPENING)]
    followup = resolve("is he still alive?", history)
    assert followup.entity == "Stanislav Tarasov"
    assert followup.standalone == "is Stanislav Tarasov still alive?"


def test_that_person_points_back():
    assert needs_context("does the piece actually say who that person was?")
    assert not needs_context("what was the deal that ended the second karabakh war?")
    history = [Turn("who on the russian side told sputnik that the us mediators might not be "
                    "sane?", "a Russian Foreign Ministry spokesperson has told Sputnik. [1]")]
    assert "sputnik" in resolve("does the piece actually say who that person was?",
                                history).context


def test_not_telling_one_thing_does_not_answer_another():
    # "did not say how many died" is no answer to how many were sent
    died = ("The Russian Defence Ministry did not say how many died, and media reports put "
            "the number at four or five.")
    retrieved = [_passage(died, "Russian peacekeeping mission in Nagorno-Karabakh (2020–2024)")]
    assert absence.find("how many russian peacekeepers does the article say were sent to "
                        "karabakh", retrieved) is None
    assert absence.find("does the ministry say how many peacekeepers died?",
                        retrieved) is not None


def test_a_thing_described_by_a_clause_is_identified():
    # "What compromise ...?": the clause says which compromise; no name is needed
    lead = ("Putin added that Russia had for years proposed a compromise under which Armenia "
            "would return five districts and keep two, and that Yerevan had refused.")
    assert unmet._indefinite_head("What compromise did Putin say Russia had offered Armenia "
                                  "for years over the districts around Karabakh?", lead) is None


def test_a_statement_before_the_absence_is_not_what_was_not_told():
    # the note's first clause ("... quotes an unnamed spokesperson") is not what the article
    # does not say; "how much money" is not "who gave that comment"
    retrieved = [_passage(NOT_SAID_WHO, "Sputnik, the Russian state news outlet")]
    assert absence.find("How much money does the Russian government give Sputnik each year?",
                        retrieved) is None
