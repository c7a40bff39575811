"""The shared linguistic layer, on sentences of the corpus and claims made from them."""

from __future__ import annotations

import threading

import pytest

from retrieval import linguistics as L

# Sentences as the corpus writes them (corpus/background/*.md, corpus/articles/*).
CHECKPOINT = "The checkpoint was set up by Azerbaijan on 23 April 2023."
CONTINGENT = ("The trilateral statement set the contingent at 1,960 servicemen with small arms, "
              "90 armoured personnel carriers and 380 motor vehicles and units of special "
              "equipment.")
DEPLOYED = ("Moscow deployed a 2,000 troop-strong peacekeeping contingent in Nagorno-Karabakh "
            "in the aftermath of the Second Karabakh War of September-November 2020.")


def test_the_pinned_pipeline_is_the_one_loaded():
    nlp = L.pipeline()
    assert nlp.meta["name"] == L.MODEL_NAME
    assert nlp.meta["version"] == L.MODEL_VERSION
    assert tuple(nlp.pipe_names) == L.MODEL_PIPES
    assert L.pipeline() is nlp  # loaded once


def test_a_text_is_parsed_once():
    text = "Nikol Pashinyan is the Prime Minister of Armenia."
    assert L.parse(text) is L.parse(text)
    first, again = L.parse_all([text, text])
    assert first is again is L.parse(text)


def test_parsing_from_threads_gives_the_same_frames():
    texts = [f"Armenia was to return Kalbajar to Azerbaijan by {d} November." for d in range(1, 41)]
    results: dict[int, list] = {}

    def work(i: int) -> None:
        results[i] = [L.frames(L.parse(t)) for t in texts[i::4]]

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for frames in (f for per_thread in results.values() for f in per_thread):
        (ret,) = [f for f in frames if f.predicate == "return"]
        assert ret.subject == {"armenia"} and ret.recipient == {"azerbaijan"}


def _frame(text: str, predicate: str) -> L.Frame:
    return next(f for f in L.frames(L.parse(text)) if f.predicate == predicate)


@pytest.mark.parametrize("text, predicate, negated", [
    ("Azerbaijan set up a checkpoint at the Hakari bridge in April 2023.", "set up", False),
    ("Azerbaijan did not set up a checkpoint at the Hakari bridge in April 2023.", "set up", True),
    ("The peace process never produced a final settlement.", "produce", True),
    ("The peace process produced a final settlement.", "produce", False),
    ("No state recognised the result.", "recognise", True),
    ("Azerbaijan was not to return Kalbajar to Armenia.", "return", True),
    ("The talks failed to reach a final settlement.", "reach", True),
    ("US officials have yet to comment on the accusations.", "comment", True),
])
def test_polarity(text, predicate, negated):
    assert _frame(text, predicate).negated is negated


def test_roles_swapped_are_different_frames():
    said = _frame("Armenia was to return Kalbajar and Lachin to Azerbaijan.", "return")
    swapped = _frame("Azerbaijan was to return Kalbajar and Lachin to Armenia.", "return")
    assert said.subject == {"armenia"} and said.recipient == {"azerbaijan"}
    assert said.object == {"kalbajar", "lachin"}
    assert swapped.subject == {"azerbaijan"} and swapped.recipient == {"armenia"}


def test_passive_roles_are_the_active_ones():
    passive = _frame(CHECKPOINT, "set up")
    active = _frame("Azerbaijan set up the checkpoint.", "set up")
    assert passive.subject == active.subject == {"azerbaijan"}
    assert passive.object == active.object == {"checkpoint"}


def test_a_number_is_attached_to_the_noun_it_counts():
    counted = {a.text: a.head for a in L.number_attachments(L.parse(CONTINGENT))}
    assert counted == {"1,960": "serviceman", "90": "carrier", "380": "vehicle"}
    (troops,) = L.number_attachments(L.parse(DEPLOYED))
    assert troops.text == "2,000" and troops.head == "contingent" and "troop" in troops.context
    (claimed,) = L.number_attachments(L.parse("Russia sent 380 armoured personnel carriers."))
    assert claimed.head == "carrier"  # not what 380 counts in CONTINGENT


def test_a_date_is_attached_to_its_event():
    (dated,) = L.date_attachments(L.parse(CHECKPOINT))
    assert dated.text == "23 April 2023" and dated.head == "set"
    approved = L.date_attachments(L.parse(
        "Armenia approved the opening of an Iranian consulate in Kapan on 29 December 2021, "
        "and the consulate was inaugurated on 21 October 2022."))
    assert {(a.text, a.head) for a in approved} == {("29 December 2021", "approve"),
                                                    ("21 October 2022", "inaugurate")}


def test_names_and_main_entity():
    assert "Azerbaijan" in L.names(L.parse(CHECKPOINT))
    assert L.main_entity("What did Antony Blinken say about Azerbaijan?") == "Antony Blinken"
    assert L.main_entity("Who is Stanislav Tarasov?") == "Stanislav Tarasov"


@pytest.mark.parametrize("question, slot, head", [
    ("How many Russian peacekeepers were in Karabakh?", "how many", "peacekeeper"),
    ("Which US official delivered the ultimatum?", "which", "official"),
    ("In which year did the war end?", "which", "year"),
    ("Who is Stanislav Tarasov?", "who", None),
    ("When was the Nagorno-Karabakh Republic proclaimed?", "when", None),
    ("Did Armenia leave the Russian-led alliance?", "yes/no", None),
    ("How much did the bridge cost?", "how much", None),
])
def test_question_slot_and_head(question, slot, head):
    parsed = L.parse_question(question)
    assert parsed.slot == slot
    assert parsed.head == head


def test_question_predicate_names_and_polarity():
    parsed = L.parse_question("Which US official delivered the ultimatum?")
    assert parsed.predicate == "deliver" and "US" in parsed.names
    assert "ultimatum" in parsed.content and "which" not in parsed.content
    assert L.parse_question("Isn't Sputnik banned in Europe?").negated
    assert not L.parse_question("Is Sputnik banned in the EU?").negated
