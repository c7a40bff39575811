"""The reader reads the question (issue 21): the asked slot, the honest near-miss, the latest
fact for a question about now, the follow-up's name in the search, the answer shown once."""

from __future__ import annotations

import pytest

from bot.discord.render import answer_messages
from bot.render import answer_plain
from bot.terminal_text import markdown_as_text
from retrieval.answering import extractive, slots
from retrieval.answering.answerer import NEAR_MISS_MESSAGE, Prepared
from retrieval.answering.followup import Turn
from retrieval.linguistics import parse_question
from retrieval.linguistics.questions import answer_span, count_fills
from retrieval.models import Retrieved

# Sentences as the corpus writes them (corpus/background/*.md, corpus/articles/*).
EVACUATED = ("Russia's Defence Ministry said on 21 September 2023 that the Russian peacekeepers "
             "had evacuated about 5,000 civilians from the Mardakert, Martuni and Askeran "
             "districts to the contingent's base and were giving them shelter, food and medical "
             "care.")
NUMBERED = ("The Russian Defence Ministry said the peacekeeping contingent would number 1,960 "
            "servicemen with 90 armoured personnel carriers and 380 other vehicles, drawn mainly "
            "from the 15th separate motor rifle (peacekeeping) brigade.")
DEPLOYED = ("Moscow deployed a 2,000 troop-strong peacekeeping contingent in Nagorno-Karabakh "
            "in the aftermath of the Second Karabakh War of September-November 2020.")
FORCE = ("The trilateral statement left Azerbaijan in control of the territory it had captured, "
         "required Armenia to hand back three more districts and placed a Russian peacekeeping "
         "force of 1,960 troops in Nagorno-Karabakh and along the Lachin corridor.")
SERVICEMEN = ("The trilateral statement set the contingent at 1,960 servicemen with small arms, "
              "90 armoured personnel carriers and 380 motor vehicles and units of special "
              "equipment.")
STILL_2023 = ("On 15 June 2023, the date of the Sputnik article, the Russian peacekeepers were "
              "still deployed.")
LEFT_2024 = ("The Russian peacekeepers began leaving Nagorno-Karabakh on 17 April 2024, and "
             "Azerbaijan's Defence Ministry said the withdrawal was complete on 12 June 2024, "
             "well before the first five-year term would have expired in November 2025.")

HOW_MANY = "How many Russian peacekeepers were in Karabakh?"


def test_the_question_names_its_slot_and_head():
    parsed = parse_question(HOW_MANY)
    assert (parsed.slot, parsed.head) == ("how many", "peacekeeper")
    assert parse_question("When did Azerbaijan set up the checkpoint?").slot == "when"


@pytest.mark.parametrize(("sentence", "fills"), [
    (DEPLOYED, True),    # "2,000 troop-strong peacekeeping contingent"
    (NUMBERED, True),    # "the contingent would number 1,960": the count measures the subject
    (FORCE, True),       # "a peacekeeping force of 1,960 troops"
    (EVACUATED, False),  # the peacekeepers evacuated 5,000 *civilians*
    (SERVICEMEN, None),  # counts servicemen, never says peacekeepers: the parse cannot tell
])
def test_a_number_fills_how_many_only_when_it_counts_the_head(sentence, fills):
    assert count_fills("peacekeeper", sentence) is fills


def test_the_span_that_answers():
    assert answer_span(HOW_MANY, DEPLOYED) == "2,000"
    assert answer_span("When did Azerbaijan set up the checkpoint at the Hakari bridge?",
                       "On 23 April 2023 Azerbaijan set up a checkpoint at the Hakari bridge, "
                       "at the Lachin corridor's entrance near the Armenian border.") == \
        "23 April 2023"


def _passage(text: str, position: int = 1, title: str = "Russian peacekeeping mission in "
             "Nagorno-Karabakh (2020–2024)") -> Retrieved:
    return Retrieved(chunk_id=f"c{position}", doc_id=f"background/p{position}.md", score=1.0,
                     text=f"{title}\n\n{text}", metadata={"position": position})


def test_a_count_of_something_else_does_not_answer(vectors):
    # The 5,000 passage ranks first, as in the issue; the count of peacekeepers must lead.
    retrieved = [_passage(EVACUATED, 1), _passage(NUMBERED, 2)]
    extract = extractive.choose(HOW_MANY, retrieved, vectors, scorer=False)
    assert [p.quote for p in extract.picks] == [NUMBERED]


def test_only_a_near_miss_is_declined_saying_what_the_sources_say(vectors):
    extract = extractive.choose(HOW_MANY, [_passage(EVACUATED)], vectors, scorer=False)
    assert extract.picks == []
    assert extract.near_miss is not None and extract.near_miss.quote == EVACUATED
    assert extract.missing == "how many peacekeepers there were"


def test_the_answerer_words_the_near_miss_decline(full_answerer):
    prepared = Prepared(HOW_MANY, HOW_MANY, "", [_passage(EVACUATED)], 0.0)
    answer = full_answerer._extractive_answer(prepared)
    assert answer.abstained
    assert answer.answer == NEAR_MISS_MESSAGE.format(missing="how many peacekeepers there were",
                                                     quote=EVACUATED)
    assert [c.quote for c in answer.citations] == [EVACUATED]


def test_a_question_about_now_leads_with_the_latest_fact(vectors):
    question = "Are the Russian peacekeepers still deployed in Nagorno-Karabakh?"
    retrieved = [_passage(STILL_2023, 1), _passage(LEFT_2024, 2)]
    extract = extractive.choose(question, retrieved, vectors, scorer=False)
    assert extract.picks[0].quote == LEFT_2024
    # The withdrawal's completion, not the term that "would have expired" in 2025.
    assert extract.as_of == "12 June 2024"


def test_latest_date_ignores_what_would_have_happened():
    assert slots.latest_date(LEFT_2024) == (2024, 6, 12)
    assert slots.asks_now("Did Armenia leave the CSTO?")
    assert not slots.asks_now("When did Armenia join the CSTO?")


# corpus/background/armenia-russia-relations.md: the treaty's end date is still to come.
BASE_TERM = ("On 20 August 2010 Russia and Armenia signed a protocol extending the term of the "
             "base treaty to 49 years from 1995, that is until 2044.")


def test_a_date_still_to_come_is_not_what_an_answer_is_as_of():
    assert slots.latest_date(BASE_TERM) == (2010, 8, 20)


def test_the_follow_ups_name_reaches_the_search(full_answerer):
    history = [Turn("What did Antony Blinken say about the Lachin corridor?",
                    "Blinken urged Azerbaijan to reopen the Lachin corridor. [1]")]
    question = "What did he do when Azerbaijan attacked?"
    prepared = full_answerer.prepare(question, history)
    assert "Antony Blinken" in prepared.search_query
    answer = full_answerer.answer(question, history)
    assert "Blinken" in answer.answer and not answer.abstained


def test_the_readme_question_still_answers_2000_from_the_article(full_answerer):
    answer = full_answerer.answer("How many Russian peacekeepers were deployed in "
                                  "Nagorno-Karabakh?")
    assert "2,000" in answer.answer
    assert any(c.doc_id.startswith("articles/") and "2,000" in c.quote
               for c in answer.citations)


def test_the_issue_question_is_answered_with_the_peacekeepers_count(full_answerer):
    answer = full_answerer.answer(HOW_MANY)
    assert not answer.abstained
    lead = answer.answer.split(" [")[0]
    assert ("1,960" in lead or "2,000" in lead) and "5,000" not in answer.answer
    assert answer.emphasis and answer.emphasis[0] in ("1,960", "2,000")


def test_the_quote_is_shown_once_and_its_number_in_bold(full_answerer):
    answer = full_answerer.answer(HOW_MANY)
    plain = answer_plain(answer)
    for citation in answer.citations:
        # The terminal shows quotes without the source's Markdown (bot/terminal_text.py).
        assert plain.count(markdown_as_text(citation.quote)) == 1
    discord = "\n".join(answer_messages(answer))
    assert f"**{answer.emphasis[0]}**" in discord


def test_what_is_answered_by_the_documents_opening_sentence(full_answerer):
    # The README's own example (issue 21): it used to be answered without saying what the
    # CSTO is, from a sentence about its 2022 monitoring mission.
    answer = full_answerer.answer("What is the CSTO?")
    lead = answer.answer.split(" [")[0]
    assert "Russian-led military alliance" in lead
