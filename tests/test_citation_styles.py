"""The citation grammar and the support check, on hand-made passages (no index, no server)."""

from __future__ import annotations

import pytest

from retrieval.answering.citations import attach_markers, marker_numbers, verify_generated
from retrieval.answering.declines import is_decline
from retrieval.answering.support import extract_dates, missing_facts
from retrieval.models import Retrieved

ARTICLE = ("Sputnik article\n\nMoscow deployed a 2,000 troop-strong peacekeeping contingent in "
           "Nagorno-Karabakh in the aftermath of the Second Karabakh War of September-November "
           "2020. Russia also has a military base in Gyumri, northwestern Armenia.")
MISSION = ("Russian peacekeeping mission\n\nThe trilateral statement signed on 10 November 2020 "
           "by Vladimir Putin, Ilham Aliyev and Nikol Pashinyan set the contingent at 1,960 "
           "servicemen. The contingent's main base was at the airfield of Khojaly, near "
           "Stepanakert. The mission withdrew between April and June 2024.")
TARASOV = ("Stanislav Tarasov\n\nVeteran Russian Caucasus politics expert Stanislav Tarasov told "
           "Sputnik that Washington's efforts are meant to contain Iran.")


def passages(*texts: str) -> list[Retrieved]:
    return [Retrieved(chunk_id=f"c{i}", doc_id=f"d{i}", text=t, score=1.0,
                      metadata={"title": t.split("\n", 1)[0]})
            for i, t in enumerate(texts, start=1)]


RETRIEVED = passages(ARTICLE, MISSION, TARASOV)


@pytest.mark.parametrize("run, numbers", [
    ("[1]", [1]), ("[1][2]", [1, 2]), ("[1, 2]", [1, 2]), ("[1; 3]", [1, 3]),
    ("[1]-[3]", [1, 2, 3]), ("[1-3]", [1, 2, 3]), ("[1–2]", [1, 2]), ("[2], [3]", [2, 3]),
    ("[1] and [3]", [1, 3]), ("[Source 2]", [2]), ("[3-1]", [3]), ("[1-90]", [1]),
])
def test_marker_runs(run, numbers):
    assert marker_numbers(run) == numbers


@pytest.mark.parametrize("answer, cited", [
    # (what a model writes, the sources each kept sentence must end up citing)
    ("Moscow deployed a 2,000-strong peacekeeping contingent [1].", [[1]]),
    ("Moscow deployed a 2,000-strong peacekeeping contingent. [1]", [[1]]),
    ("Moscow deployed a 2,000-strong peacekeeping contingent.[1]", [[1]]),
    ("The peacekeeping contingent had 1,960 servicemen, about 2,000 troops [2][1].", [[1, 2]]),
    ("The peacekeeping contingent had 1,960 servicemen, about 2,000 troops [1, 2].", [[1, 2]]),
    ("The peacekeeping contingent had 1,960 servicemen, about 2,000 troops [1]-[2].", [[1, 2]]),
    # one marker at the end of a paragraph covers its sentences
    ("Moscow deployed a 2,000 troop-strong peacekeeping contingent. Russia also has a military "
     "base in Gyumri, Armenia. [1]\n\nStanislav Tarasov is a veteran Caucasus expert. [3]",
     [[1], [1], [2]]),
    # markers in a list
    ("The sources say:\n- Moscow deployed a 2,000 troop-strong peacekeeping contingent [1]\n"
     "- The contingent's main base was at Khojaly airfield near Stepanakert [2]",
     [[1], [2]]),
    ("1. Moscow deployed a 2,000 troop-strong peacekeeping contingent. [1]\n"
     "2. Tarasov told Sputnik that Washington wants to contain Iran. [3]", [[1], [2]]),
])
def test_every_style_real_models_write_is_kept(answer, cited):
    verified = verify_generated(answer, RETRIEVED)
    assert verified.dropped == []
    sentences = [c.text for c in attach_markers(verified.text)]
    assert [c.cited for c in attach_markers(verified.text)] == cited, sentences
    assert len(verified.citations) == max(max(c) for c in cited)
    for citation in verified.citations:  # renumbered by first use, quotes verbatim
        assert citation.quote in citation.text


def test_markers_are_renumbered_in_order_of_first_use():
    verified = verify_generated("Tarasov told Sputnik that Washington wants to contain Iran. [3] "
                                "Moscow deployed a 2,000-strong contingent. [1]", RETRIEVED)
    assert [c.doc_id for c in verified.citations] == ["d3", "d1"]
    assert verified.text.endswith("contingent [2].")


@pytest.mark.parametrize("invented, why", [
    ("The population of Stepanakert is about 120,000 [2].", "120000"),
    ("Russia deployed about 5,000 peacekeepers in Nagorno-Karabakh [1].", "5000"),
    ("The contingent was set at 1,960 servicemen in March 2019 [2].", "date"),
    ("The contingent was set at 1,960 servicemen on 12 November 2020 [2].", "date"),
    ("The trilateral statement was signed by Vladimir Putin and Recep Erdogan [2].", "erdogan"),
    ("General Sergei Ivanov commanded the peacekeeping contingent [2].", "ivanov"),
    ("Stanislav Tarasov told the BBC that Washington wants to contain Iran [3].", "bbc"),
])
def test_invented_numbers_dates_and_names_are_dropped(invented, why):
    verified = verify_generated(invented, RETRIEVED)
    assert verified.citations == [] and verified.text == ""
    assert why in verified.dropped[0][1]


def test_an_invented_sentence_is_dropped_and_the_true_one_kept():
    verified = verify_generated("Moscow deployed a 2,000-strong peacekeeping contingent [1]. "
                                "It lost 300 soldiers in 2021 [1].", RETRIEVED)
    assert verified.kept == 1 and len(verified.dropped) == 1
    assert "300" not in verified.text and "2,000" in verified.text


def test_a_sentence_about_something_else_is_dropped():
    verified = verify_generated("Iran wants to build a pipeline to bypass the sanctions [3].",
                                RETRIEVED)
    assert verified.text == "" and "do not say" in verified.dropped[0][1]


def test_markers_to_nothing_are_dropped_unless_a_passage_supports_the_sentence():
    verified = verify_generated("Moscow lost 300 soldiers in Gyumri [7].", RETRIEVED)
    assert verified.text == "" and "cites no" in verified.dropped[0][1]
    # The same marker on a sentence the article supports: cited to the article instead.
    verified = verify_generated("Moscow deployed a 2,000 troop-strong peacekeeping contingent "
                                "[7].", RETRIEVED)
    assert [c.doc_id for c in verified.citations] == ["d1"] and verified.text.endswith("[1].")


# --- sentences the checker cites itself -------------------------------------------------
@pytest.mark.parametrize("answer, doc", [
    # no marker at all: cited to the passage that holds its facts and words
    ("The contingent's main base was at the airfield of Khojaly, near Stepanakert.", "d2"),
    # a marker to a passage that lacks its facts, while another holds them all: re-pointed
    ("The trilateral statement set the contingent at 1,960 servicemen. [1]", "d2"),
    ("Stanislav Tarasov told Sputnik that Washington's efforts are meant to contain Iran [2].",
     "d3"),
])
def test_a_sentence_is_cited_to_the_passage_that_supports_it(answer, doc):
    verified = verify_generated(answer, RETRIEVED)
    assert verified.kept == 1 and verified.dropped == []
    assert [c.doc_id for c in verified.citations] == [doc]
    assert verified.text.endswith("[1].")
    assert len(verified.attributed) == 1


@pytest.mark.parametrize("invented", [
    # no marker, and no passage holds the number (or the name)
    "The population of Stepanakert is about 120,000.",
    "The Russian contingent had 5,000 Russian servicemen.",  # a demonym around an invention
    "General Sergei Ivanov commanded the Russian peacekeepers.",
    # a wrong marker, and no passage holds every fact: Putin is in [2], Gyumri only in [1]
    "Vladimir Putin signed the trilateral statement in Gyumri [2].",
    "Vladimir Putin signed the trilateral statement in Gyumri.",
    # on topic, every name in [3], but not what [3] says: below the bar for attribution
    "Veteran expert Stanislav Tarasov died in the Sputnik office.",
    # one content word, found in a passage, claims nothing to cite ("efforts" is in [3])
    "These efforts are. [2]",
    "These efforts are.",
])
def test_no_passage_is_found_for_an_invention(invented):
    verified = verify_generated(invented, RETRIEVED)
    assert verified.text == "" and verified.citations == [] and verified.attributed == []
    assert len(verified.dropped) == 1


def test_unmarked_sentences_are_judged_one_by_one():
    verified = verify_generated("The contingent's main base was at the airfield of Khojaly, near "
                                "Stepanakert. It lost 300 soldiers there in 2021.", RETRIEVED)
    assert verified.kept == 1 and "300" not in verified.text
    assert [c.doc_id for c in verified.citations] == ["d2"]


# --- names, numbers and dates as models write them --------------------------------------
@pytest.mark.parametrize("sentence, passage, missing", [
    # demonyms and adjectives are found in their place names, and the other way round
    ("Russian troops entered the Armenian-populated areas.",
     "Russia sent troops to areas where Armenians live.", []),
    ("Ukrainian and Azerbaijani media said so.", "Media in Ukraine and Azerbaijan said so.", []),
    ("Turkish and Iranian envoys met.", "Envoys of Turkey and Iran met.", []),
    ("British envoys met.", "Envoys of Britain met.", []),
    ("A Georgian envoy came.", "An Armenian envoy came.", ["georgian"]),
    ("The Russian contingent had 5,000 troops.", "Russia sent 2,000 troops.", ["5000"]),
    ("Ivanov commanded it.", "Ivan commanded it.", ["ivanov"]),
    # acronyms and what they stand for
    ("The US mediated.", "The United States mediated.", []),
    ("The United States mediated.", "The U.S. mediated.", []),
    ("A US-backed route was agreed.", "The United States backed the route.", []),
    ("The OSCE mediated.", "The Organization for Security and Co-operation in Europe mediated.",
     []),
    ("The UK mediated.", "The United States mediated.", ["uk"]),
    ("The United Kingdom mediated.", "The US mediated.", ["kingdom", "united"]),
    # capitalised sentence openers are not names
    ("Approximately 2,000 troops came.", "2,000 troops came.", []),
    ("Roughly 120, 000 people were cut off.", "About 120,000 people were cut off.", []),
    ("Roughly 130, 000 people were cut off.", "About 120,000 people were cut off.", ["130000"]),
    # one date written two ways, at day precision
    ("Rubio took over on January 21, 2025.", "Rubio took office on 21 January 2025.", []),
    ("Rubio took over on 21 January 2025.", "Rubio took office on January 21, 2025.", []),
    ("Rubio took over on January 22, 2025.", "Rubio took office on 21 January 2025.",
     ["date 2025-1-22"]),
    ("It began on 2023-09-19.", "It began on 19 September 2023.", []),
    # a range writes its year once, at the end
    ("The war began on 27 September 2020.", "The war of 27 September – 10 November 2020.", []),
    ("The war began on 28 September 2020.", "The war of 27 September – 10 November 2020.",
     ["date 2020-9-28"]),
    ("The withdrawal began in April 2024.", "It withdrew between April and June 2024.", []),
    ("The withdrawal began in March 2024.", "It withdrew between April and June 2024.",
     ["date 2024-3-"]),
    ("Media reported it on 17 April 2024.", "Media reported on 16–17 April 2024 that...", []),
    ("Media reported it on 18 April 2024.", "Media reported on 16–17 April 2024 that...",
     ["date 2024-4-18"]),
])
def test_names_numbers_and_dates_as_written(sentence, passage, missing):
    assert missing_facts(sentence, [passage]) == missing


@pytest.mark.parametrize("claimed, stated", [
    ("2,000 troops", "2000 troops"), ("2000 troops", "2,000 troops"),
    ("2 000 troops", "2,000 troops"), ("2 million people", "2,000,000 people"),
    ("3 people", "three people"), ("45.5%", "45.5 percent"),
])
def test_numbers_are_normalised(claimed, stated):
    assert missing_facts(f"It had {claimed}.", [f"It had {stated}."]) == []
    assert missing_facts("It had 2,001 troops.", [f"It had {stated}."]) == ["2001"]


def test_dates_are_checked_at_the_precision_given():
    assert (2023, 9, 19) in extract_dates("19 September 2023")
    assert (2023, 9, 19) in extract_dates("September 19, 2023")
    assert (2023, 9, None) in extract_dates("in September 2023")
    stated = ["The offensive began on 19 September 2023."]
    assert missing_facts("It began in September 2023.", stated) == []
    assert missing_facts("It began on 19 September.", stated) == []
    assert missing_facts("It began in October 2023.", stated)
    assert missing_facts("It began on 20 September 2023.", stated)


@pytest.mark.parametrize("decline", [
    "The sources do not say how many people live in Stepanakert.",
    "The provided sources don't mention the population of Stepanakert [2].",
    "This information is not mentioned in the sources.",
    "The US ambassador in Yerevan was not mentioned in any of the sources provided.",
    "There is no information about the population in the sources.",
    "I cannot answer that from the sources provided.",
    "В источниках не указано, сколько людей живёт в Степанакерте.",
    "В предоставленных текстах нет информации об этом.",
    "Las fuentes no mencionan la población de Stepanakert.",
    "No hay información sobre la población en las fuentes.",
    "Les sources ne précisent pas la population de Stepanakert.",
    "Die Quellen enthalten keine Angaben zur Einwohnerzahl.",
])
def test_declines_in_words_are_recognised(decline):
    assert is_decline(decline)
    verified = verify_generated(decline, RETRIEVED)
    assert verified.citations == [] and verified.declined


@pytest.mark.parametrize("answer", [
    "Moscow deployed a 2,000 troop-strong peacekeeping contingent in Nagorno-Karabakh [1].",
    "Stanislav Tarasov said Washington wants to contain Iran [3].",
    "Россия развернула в Нагорном Карабахе миротворческий контингент численностью 2000 человек [1].",
    "Rusia desplegó un contingente de paz de 2.000 soldados en Nagorno Karabaj [1].",
])
def test_answers_are_not_mistaken_for_declines(answer):
    assert not is_decline(answer)


def test_an_answer_in_another_script_is_held_to_its_numbers():
    kept = verify_generated("Россия развернула контингент численностью 2000 военных [1].", RETRIEVED)
    assert kept.kept == 1
    dropped = verify_generated("Россия развернула контингент численностью 7000 военных [1].",
                               RETRIEVED)
    assert dropped.kept == 0


def test_the_support_check_beats_word_overlap_on_the_claims_set():
    """Paraphrases kept, inventions dropped: the numbers of bench/support_measure.py."""
    import json

    from bench.support_measure import REPO, corpus_paragraphs, overlap_half

    paragraphs = [p for _, p in corpus_paragraphs(REPO / "corpus")]
    rows = [json.loads(line) for line in
            (REPO / "tests/eval/support_claims.jsonl").read_text().splitlines() if line]
    new_kept = {True: 0, False: 0}
    old_kept = {True: 0, False: 0}
    for row in rows:
        passage = next(p for p in paragraphs if row["anchor"] in p)
        retrieved = passages(passage)
        new_kept[row["supported"]] += verify_generated(row["claim"] + " [1]", retrieved).kept
        old_kept[row["supported"]] += overlap_half(row["claim"], passage) >= 0.5
    supported = sum(r["supported"] for r in rows)
    assert new_kept[True] == supported  # no paraphrase lost
    assert new_kept[False] <= 2 < old_kept[False]


def test_the_source_tag_counts_as_part_of_the_passage():
    """The prompt shows each source's outlet and date; a sentence may name them."""
    tagged = [Retrieved(chunk_id="c1", doc_id="article", text=ARTICLE, score=1.0,
                        metadata={"title": "Moscow questions Washington", "outlet": "Sputnik",
                                  "published": "2023-06-15"})]
    kept = verify_generated("Sputnik reported on 15 June 2023 that Moscow deployed a 2,000 "
                            "troop-strong peacekeeping contingent. [1]", tagged)
    assert kept.kept == 1
    assert verify_generated("Reuters reported on 15 June 2023 that Moscow deployed a 2,000 "
                            "troop-strong peacekeeping contingent. [1]", tagged).kept == 0


def test_a_partial_decline_keeps_the_claim_after_but():
    verified = verify_generated("The sources do not give the exact size, but Moscow deployed a "
                                "2,000 troop-strong peacekeeping contingent. [1]", RETRIEVED)
    assert verified.kept == 1 and not verified.declined
    assert verified.text.startswith("Moscow deployed a 2,000")
