"""The claim check's session-7 rules (issue 20): verbs near in meaning that share the claim
verb's roles, the antonyms that veto them, dates shared along a sentence's structure, dates
at their own precision, namesakes, "alone", bracketed asides, durations and a capital that
only opens a sentence. Each sentence is written over a real corpus passage; the false ones
were shown, or the true ones dropped, before the rule (tests/eval/claims_fresh.jsonl, run
in session 6, and the session-7 runs of bench.support_measure)."""

from __future__ import annotations

import pytest

from retrieval.answering import verb_paraphrase
from tests.test_claim_meaning import kept

CSTO_PAYMENTS = "Armenia stopped paying into the CSTO budget in May 2024"
FOUR_DAY_WAR = "Azerbaijan gained a small amount of ground"
UZBEKISTAN = "Uzbekistan rejoined the CSTO in 2006"
RESOLUTION_822 = "After Kalbajar fell, the UN Security Council unanimously adopted"
MI24 = "Also on 9 November, an Azerbaijani unit shot down"
EU_BAN = "The Council of the European Union suspended the broadcasting of Sputnik and RT"
CEASEFIRE_2020 = "Aliyev signed the Russian-brokered ceasefire statement"
TARASOV_DEATH = "Stanislav Tarasov died in late August 2025"
INDEPENDENCE = "Armenia formally declared independence on 23 September 1991"
BLINKEN_TALKS = "Blinken then hosted Mirzoyan and Bayramov"
ICC = "The International Criminal Court (ICC) issued an arrest warrant"
ALIYEV = "Ilham Aliyev (Azerbaijani:"
CO_CHAIRS = "From 1997 the Minsk Group was led by three co-chair countries"
CEASEFIRE_2023 = "The Karabakh Armenian authorities in Stepanakert (Khankendi in Azerbaijani)"
ECO_ACTIVISTS = 'The Azerbaijani "eco-activists" ended their protest'
NEW_ROAD = "From 30 August 2022 traffic between Armenia and Nagorno-Karabakh used a new road"
HANDOVER = "Kalbajar's handover was postponed at Armenia's request"


@pytest.mark.parametrize("false, true, anchors", [
    # a listed antonym (here a new one) vetoes a verb that shares the claim's roles
    ("In the Four-Day War Azerbaijan lost a small amount of ground [1].",
     "In the Four-Day War Azerbaijan gained a small amount of ground [1].", (FOUR_DAY_WAR,)),
    # a verb sharing the claim's roles is no paraphrase when it is a synonym of the claim
    # verb's antonym ("adopted": "approved", the antonym of "rejected")
    ("After Kalbajar fell, the UN Security Council rejected Resolution 822 on 30 April "
     "1993 [1].",
     "After Kalbajar fell, the UN Security Council adopted Resolution 822 on 30 April 1993 "
     "[1].", (RESOLUTION_822,)),
    ("In October 2017 Twitter began accepting advertising from RT and Sputnik [1].",
     "In October 2017 Twitter stopped accepting advertising from RT and Sputnik [1].",
     ("In October 2017 Twitter stopped accepting advertising",)),
    ("The UN General Assembly refused the CSTO observer status in 2004 [1].",
     "The UN General Assembly granted the CSTO observer status in 2004 [1].",
     ("The UN General Assembly granted the CSTO observer status in 2004",)),
    # "rejoin" is "join" again: the antonym of "leave"
    ("Uzbekistan left the CSTO in 2006 [1].",
     "Uzbekistan rejoined the CSTO in 2006 [1].", (UZBEKISTAN,)),
    # a relative pronoun's verb has the noun it stands for as doer: "the statement that
    # ended the Second Karabakh War" does not say who lost it
    ("Azerbaijan lost the Second Karabakh War [1].",
     "Aliyev, Pashinyan and Putin signed the statement that ended the Second Karabakh War "
     "[1].", (MI24,)),
    # a conjoined verb with its own auxiliary has its own date
    ("Stanislav Tarasov died on 1 September 2025 [1].",
     "Stanislav Tarasov was buried near Moscow on 1 September 2025 [1].", (TARASOV_DEATH,)),
    # the claim's day given to another event in the unit ("a referendum on 21 September
    # 1991"), the claim's event to another day; "September 1991" does not join them
    ("Armenia formally declared independence on 21 September 1991 [1].",
     "Armenia formally declared independence on 23 September 1991 [1].", (INDEPENDENCE,)),
    ("The International Criminal Court issued an arrest warrant for Vladimir Putin on "
     "24 March 2023 [1].",
     "The International Criminal Court issued an arrest warrant for Vladimir Putin on "
     "17 March 2023 [1].", (ICC,)),
    # the claim's very day given to another event: "in September 2022" does not date it
    # (only "hosted" is in the unit; "phoned" is dated to that day)
    ("Blinken hosted Mirzoyan and Bayramov on 13 September 2022 [1].",
     "Blinken phoned Ilham Aliyev on 13 September 2022 [1].", (BLINKEN_TALKS,)),
    # a namesake is not the same doer
    ("Heydar Aliyev succeeded his son Ilham Aliyev as President of Azerbaijan [1].",
     "Ilham Aliyev succeeded his father Heydar Aliyev as President of Azerbaijan [1].",
     (ALIYEV,)),
    # "alone" says "only"
    ("From 1997 the Minsk Group was led by Russia alone [1].",
     "From 1997 the Minsk Group was led by three co-chair countries [1].", (CO_CHAIRS,)),
    # what brackets add ("Khankendi in Azerbaijani") is not who the subject is
    ("Azerbaijan accepted a ceasefire that took effect at 13:00 on 20 September 2023 [1].",
     "The Karabakh Armenian authorities accepted a ceasefire that took effect at 13:00 on "
     "20 September 2023 [1].", (CEASEFIRE_2023,)),
    # a duration written in figures counts days, even when the figure is also a date's
    ("The eco-activists ended their protest on 28 April 2023 after 28 days on the road [1].",
     "The eco-activists ended their protest on 28 April 2023 after 138 days on the road "
     "[1].", (ECO_ACTIVISTS,)),
])
def test_a_false_sentence_is_dropped_and_its_paraphrase_kept(false, true, anchors):
    assert not kept(false, *anchors)
    assert kept(true, *anchors)


@pytest.mark.parametrize("sentence, anchor", [
    # a verb near in meaning with the same doer (word_similarity.py); its date is read on
    # the complement "paying", which shares it with "stopped"
    ("In May 2024 Armenia ceased its payments to the CSTO budget [1].", CSTO_PAYMENTS),
    # a date the parser hangs on a conjoined participle ("or directed at the EU")
    ("On 2 March 2022 the Council of the EU suspended Sputnik and RT broadcasting in the "
     "EU [1].", EU_BAN),
    # a date the parser hangs on a participle modifying the object
    ("Aliyev signed the ceasefire statement brokered by Russia on 9–10 November 2020 [1].",
     CEASEFIRE_2020),
    # a capital that only opens the sentence is no name
    ("Starting on 30 August 2022, traffic between Armenia and Nagorno-Karabakh used a new "
     "road that bypassed Lachin town [1].", NEW_ROAD),
])
def test_a_paraphrase_is_kept(sentence, anchor):
    assert kept(sentence, anchor)


def test_similar_verbs_need_the_similarity(monkeypatch):
    """ "ceased" for "stopped" is kept by the similarity, not by a list: with it off, the
    sentence is dropped."""
    sentence = "In May 2024 Armenia ceased its payments to the CSTO budget [1]."
    monkeypatch.setattr(verb_paraphrase, "VERB_SIMILARITY_MIN", None)
    assert not kept(sentence, CSTO_PAYMENTS)


def test_a_similar_verb_with_another_doer_is_not_a_paraphrase():
    """Similarity alone is not enough: the verb must share the claim verb's doer or object
    and fill no role of it with something else."""
    assert not kept("In May 2024 Russia ceased its payments to the CSTO budget [1].",
                    CSTO_PAYMENTS)


def test_word_similarity_comes_from_the_packaged_embedder():
    from retrieval.answering.word_similarity import similarity

    assert similarity("cease", "cease") == 1.0
    assert similarity("cease", "stop") > similarity("cease", "capture")


def test_a_synonym_of_an_antonym_is_no_paraphrase_by_roles():
    """ "adopted" shares "rejected"'s doer and object, and is a synonym of its antonym
    "approve": it must not stand for it (the bench showed the false claim with a
    neighbouring passage when it did)."""
    from retrieval.linguistics import parse

    claim = parse("The UN Security Council rejected Resolution 822 on 30 April 1993.")
    unit = parse("After Kalbajar fell, the UN Security Council unanimously adopted "
                 "Resolution 822 on 30 April 1993.")
    verb = next(t for t in claim if t.lower_ == "rejected")
    assert verb_paraphrase.role_paraphrases(claim, verb, [unit]) == []


def test_a_day_is_not_matched_by_its_month_alone():
    """ "23 September 1991" is that day, not also "September 1991", which any other day of
    the month would match (the date rule then found "declared" on 21 September)."""
    from retrieval.answering.attachments import _dates_of

    assert _dates_of("23 September 1991") == ((1991, 9, 23),)


def test_a_conjoined_verb_in_its_own_tense_keeps_its_own_date():
    """Only a bare participle shares the first verb's date: in a real timeline line,
    "declares independence on 23 September" is not also the referendum's "holds"."""
    from retrieval.linguistics import date_attachments, parse
    from tests.test_claim_meaning import passage

    line = next(line for line in passage("**21–23 September 1991**").splitlines()
                if line.startswith("- **21–23 September 1991**"))
    dated = {a.text: a.events for a in date_attachments(parse(line))}
    assert dated["23 September"] == {"declare"}
