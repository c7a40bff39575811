"""Follow-ups keep their subject offline: "he", "it", "they" stand for the last turn's subject."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from bot.chat.commands import RESET_TEXT
from bot.cli import app
from retrieval.answering.followup import Turn, resolve
from tests.declines import SPUTNIK_DECLINE

PEACEKEEPERS = Turn("How many Russian peacekeepers were deployed in Karabakh?",
                    "Moscow deployed a 2,000 troop-strong peacekeeping contingent in "
                    "Nagorno-Karabakh in the aftermath of the Second Karabakh War. [1]")
TARASOV = Turn("Who is Stanislav Tarasov?",
               "Stanislav Nikolaevich Tarasov was a Russian historian, journalist and political "
               "commentator. [1]")
CSTO = Turn("What is the CSTO?", "The Collective Security Treaty Organization (CSTO) is a "
            "Russian-led military alliance of former Soviet republics. [1]")


@pytest.mark.parametrize("history,question,expected", [
    # The case: the turn before names Tarasov, the one before that the peacekeepers.
    ([PEACEKEEPERS, TARASOV], "What happened to him after that?",
     "What happened to Stanislav Tarasov after that?"),
    ([CSTO], "When was it founded?", "When was the CSTO founded?"),
    ([CSTO], "Who are its members?", "Who are the CSTO’s members?"),
    ([CSTO], "Has Armenia left it?", "Has Armenia left the CSTO?"),
    ([PEACEKEEPERS], "When did they leave?", "When did Russian peacekeepers leave?"),
    ([TARASOV, CSTO], "What did he write about Turkey?",
     "What did Stanislav Tarasov write about Turkey?"),  # "he" skips the CSTO: not a person
    ([CSTO, TARASOV], "When was it founded?", "When was the CSTO founded?"),  # "it": no person
    ([Turn("Who leads Azerbaijan?", "Ilham Aliyev has been President of Azerbaijan since "
           "2003. [1]")], "When was he born?", "When was Ilham Aliyev born?"),  # the answer's
    ([Turn("When did the blockade of the Lachin corridor begin?", "In December 2022. [1]")],
     "How long did it last?", "How long did the blockade of the Lachin corridor last?"),
    ([Turn("Why did Aliyev visit Moscow?", "x")], "What did he say there?",
     "What did Aliyev say in Moscow?"),
    ([TARASOV], "Did Putin meet him?", "Did Putin meet Stanislav Tarasov?"),
    ([Turn("What was the Russian peacekeeping mission in Karabakh?", "x")],
     "When did it start?", "When did the Russian peacekeeping mission start?"),
])
def test_pronoun_becomes_the_previous_turns_subject(history, question, expected):
    got = resolve(question, history)
    assert got.standalone == expected
    # Offline, the question is searched as asked, with what the pronoun means as context.
    assert got.search_query == question and got.entity in expected and got.entity in got.context


def test_a_chain_of_follow_ups_keeps_its_subject():
    history = [CSTO, Turn("When was it founded?",
                          "Armenia is a founding party to the 1992 Collective Security Treaty.")]
    # Not "Armenia", which the last answer opens with: the last question meant the CSTO.
    assert resolve("Who are its members?", history).standalone == "Who are the CSTO’s members?"


@pytest.mark.parametrize("question", [
    "Did Tarasov change his mind?",  # "his" is Tarasov, named in the question
    "When did Pashinyan say he would resign?",
    "What is the name of the agreement that ended the war?",  # relative "that"
    "Are there Russian troops in Armenia?",  # existential "there"
    "What is the Zangezur corridor?",
])
def test_self_contained_questions_are_left_alone(question):
    got = resolve(question, [TARASOV])
    assert got.standalone == question and got.context == "" and not got.refers_to_nothing


def test_follow_up_without_a_pronoun_borrows_the_earlier_question():
    got = resolve("What about Aliyev?", [TARASOV])
    assert got.search_query == "What about Aliyev?" and got.context == TARASOV.question


@pytest.mark.parametrize("question", ["What happened to him after that?", "What did he say?",
                                      "When did they leave?", "Who are its members?"])
def test_a_pronoun_with_nothing_before_it_refers_to_nothing(question):
    assert resolve(question, []).refers_to_nothing


def test_a_question_with_its_own_subject_does_not(question="How long did it take to build "
                                                           "the Hakari bridge?"):
    assert not resolve(question, []).refers_to_nothing


# --- over the real corpus ---------------------------------------------------------------
def _ask_in_turn(answerer, questions):
    history, answers = [], []
    for question in questions:
        answer = answerer.answer(question, history=history)
        answers.append(answer)
        if not answer.abstained:
            history.append(Turn(question, answer.answer))
    return answers


@pytest.mark.slow
def test_tarasov_follow_up_end_to_end(full_answerer):
    """The issue's conversation: the follow-up is answered about Tarasov, not the peacekeepers
    the turn before him was about."""
    *_, follow = _ask_in_turn(full_answerer, [PEACEKEEPERS.question, TARASOV.question,
                                              "What happened to him after that?"])
    assert not follow.abstained
    assert "died" in follow.answer and "Tarasov" in follow.answer
    assert {c.doc_id for c in follow.citations} == {"background/stanislav-tarasov.md"}


@pytest.mark.slow
def test_it_after_a_question_about_the_csto(full_answerer):
    *_, follow = _ask_in_turn(full_answerer, [CSTO.question, "Who are its members?"])
    assert not follow.abstained
    assert "Kazakhstan" in follow.answer
    assert follow.citations[0].doc_id == "background/csto.md"


@pytest.mark.slow
def test_after_reset_nobody_is_referred_to(full_answerer):
    settings = full_answerer.settings
    script = ("Who is Stanislav Tarasov?\nWhat happened to him after that?\n/reset\n"
              "What happened to him after that?\n")
    result = CliRunner().invoke(
        app, ["--data-dir", str(settings.data_dir), "chat"], input=script,
        env={"BACKSTORY_CORPUS_DIR": str(settings.corpus_dir)}, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    before_reset, after_reset = result.stdout.split(f"\n\n{RESET_TEXT}\n\n")
    assert "Tarasov died" in before_reset.split("Sources:")[1]  # the follow-up's answer
    assert after_reset == f"{SPUTNIK_DECLINE}\n"
