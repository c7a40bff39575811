"""How the offline answerer picks its quotes: question types, word rarity, two-sentence quotes."""

from __future__ import annotations

import pytest

from retrieval.answering import extractive
from retrieval.answering.answer_types import asks_about_future, expected_type, focus_phrase, holds
from retrieval.index.fts import FtsIndex
from retrieval.models import Retrieved


@pytest.mark.parametrize(("question", "kind"), [
    ("When did the Russian peacekeepers leave?", "date"),
    ("Where and when was the truce agreed?", "date"),
    ("when was it signed", "date"),
    # "when" as a conjunction asks for no date
    ("How did Washington respond when Azerbaijan attacked in 2023?", None),
    ("What happened when the blockade ended?", None),
    ("How long has Aliyev been president?", "duration"),
    ("How long ago did the war start?", "date"),
    ("How many refugees were there?", "number"),
])
def test_expected_type(question, kind):
    assert expected_type(question) == kind


def test_a_duration_is_answered_by_a_span_or_a_count():
    assert holds("duration", "He has been president since 31 October 2003.")
    assert holds("duration", "The lease runs for 49 more years.")
    assert not holds("duration", "He is the fourth president of the country.")


def test_idf_ranks_rare_words_above_common_ones():
    texts = ["karabakh war began", "karabakh ceasefire held", "karabakh talks in bishkek"]
    index = FtsIndex.build(["a", "b", "c"], texts)
    assert index.document_frequency("karabakh") == 3
    assert index.document_frequency("bishkek") == 1
    assert index.idf("bishkek") > index.idf("karabakh") > 0
    assert index.idf("unseen") > index.idf("bishkek")


def passage(text: str, position: int = 1) -> Retrieved:
    return Retrieved(chunk_id=f"c{position}", doc_id="background/x.md", score=1.0,
                     text=f"First Karabakh War — Ceasefire\n\n{text}",
                     metadata={"position": position})


BODY = ("The fighting continued through the winter of 1993 and into the spring. "
        "Negotiators from both sides met in Bishkek, the capital of Kyrgyzstan, in early May 1994. "
        "That meeting produced the protocol for the ceasefire that ended the war. "
        "Casualty estimates for the whole war vary widely between sources.")


def test_two_adjacent_sentences_are_quoted_together_when_they_answer_together(vectors):
    question = "Where was the ceasefire protocol that ended the war agreed?"
    extract = extractive.choose(question, [passage(BODY)], vectors)
    best = extract.picks[0]
    # Neither sentence alone says both "Bishkek" and "ceasefire protocol": the pair does,
    # and it is quoted verbatim from the passage.
    assert "Bishkek" in best.quote and "protocol for the ceasefire" in best.quote
    assert best.quote in BODY and len(best.parts) == 2


def test_a_sentence_that_answers_alone_is_quoted_alone(vectors):
    question = "How do casualty estimates for the war vary?"
    extract = extractive.choose(question, [passage(BODY)], vectors)
    assert extract.picks[0].quote == ("Casualty estimates for the whole war vary widely "
                                      "between sources.")


@pytest.mark.parametrize(("question", "future"), [
    ("Who will win the next election?", True),
    ("When will the railway be finished?", True),
    ("Who won the 2021 election?", False),
    ("What happened next?", False),
])
def test_questions_about_the_future_are_recognised(question, future):
    assert asks_about_future(question) is future


def test_a_question_about_the_future_is_not_answered_with_the_past(vectors):
    body = ("Armenia held a parliamentary election on 20 June 2021, won by Civil Contract. "
            "The prime minister said the next vote would be held in June 2026.")
    past_only = passage(body.split(". ")[0] + ".")
    assert not extractive.choose("Who will win the next parliamentary election?",
                                 [past_only], vectors).picks
    extract = extractive.choose("When will the next parliamentary election be held?",
                                [passage(body)], vectors)
    assert "June 2026" in extract.picks[0].quote


@pytest.mark.parametrize(("question", "focus"), [
    ("Which football club does Ilham Aliyev support?", "football club"),
    ("How many languages does he speak?", "languages does"),  # "does" is a stop word
    ("What is Maria Zakharova's salary?", "salary"),
    ("What was the name of the US official who delivered it?", "US official"),
    ("Who is Stanislav Tarasov?", ""),
])
def test_focus_phrase_names_what_is_asked_for(question, focus):
    assert focus_phrase(question) == focus


def test_a_sentence_lacking_what_is_asked_for_scores_lower(vectors, monkeypatch):
    """The focus words weigh more, so a sentence about the president that never mentions a
    club covers less of the question than it would if all words counted the same."""
    question = "Which football club does the president of Azerbaijan support?"
    bio = [passage("The president of Azerbaijan was born in Baku and studied law there.")]
    weighted = extractive.choose(question, bio, vectors).best_score
    monkeypatch.setattr(extractive, "FOCUS_WEIGHT", 1.0)
    unweighted = extractive.choose(question, bio, vectors).best_score
    assert weighted < unweighted


def test_times_of_day_spans_of_time_and_one_of_are_not_counts():
    question = "How many troops were deployed?"
    assert not holds("number", "Units began deploying at 07:00 local time.", question)
    assert not holds("number", "They were deployed for five years.", question)
    assert not holds("number", "The mandate lapsed unless one of the parties objected.", question)
    assert holds("number", "The contingent had 1,960 servicemen.", question)
    # ...unless time is what the question counts
    assert holds("number", "They were deployed for five years.", "How many years did they stay?")
    assert holds("number", "They were deployed for five years.", "How many troops, for how long?")
