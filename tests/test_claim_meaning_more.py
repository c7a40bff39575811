"""More of the claim check's rules (issue 20, session 6): who said it, who holds which
office, a number moved onto its own noun, dates in lists and dates without a year, who is
told to act, and verbs the synonym list lacks. Each false sentence was shown by the check
before its rule (the rows of tests/eval/claims_adversarial.jsonl that were held out in
session 5); each true one is a paraphrase the check must keep."""

from __future__ import annotations

import pytest

from tests.test_claim_meaning import kept

PASHINYAN_HOSTAGE = "Pashinyan said 120,000 people were in effect held hostage"
AZERBAIJAN_POSITION = "Azerbaijan said it had no links to the protest"
OFFENSIVE = "The September 2023 Azerbaijani offensive was a one-day military operation"
ROSSIYA = "Putin appointed Dmitry Kiselyov"
ZAKHAROVA_BIO = "Maria Vladimirovna Zakharova was appointed director"
CONTINGENT = "The trilateral statement set the contingent at 1,960 servicemen"
KALBAJAR = "Armenia was to return Kalbajar by 15 November"
ICJ_ORDER = "By 13 votes to 2, the ICJ ordered Azerbaijan"
KAPAN = "The Iranian government approved the Kapan consulate on 29 December 2021"
MI24 = "Also on 9 November, an Azerbaijani unit shot down"
CAPTURES = "Aliyev announced the capture of Zangilan on 20 October"
SHUSHA = "Armenian forces captured Shusha / Shushi on 8–9 May 1992"
KHOJALY = "Human Rights Watch counted at least 161 civilians"
EUMA_STAFF = "its head of mission is Markus Ritter"


@pytest.mark.parametrize("false, true, anchor", [
    # who said it: the unit must have the claim's speaker say it (the source's outlet may
    # speak for itself; see test_citation_styles)
    ("Aliyev said 120,000 people were in effect held hostage by the blockade [1].",
     "Pashinyan said that 120,000 people were effectively held hostage. [1]",
     PASHINYAN_HOSTAGE),
    ("Armenia said it had armed forces in Nagorno-Karabakh. [1]",
     "Azerbaijan launched a one-day military operation against the Armenian forces of "
     "Nagorno-Karabakh on 19 September 2023 [1].", OFFENSIVE),
    # who holds which office, at which rank
    ("Simonyan is the director general of Rossiya Segodnya and Kiselyov its "
     "editor-in-chief. [1]",
     "Dmitry Kiselyov was appointed director general of Rossiya Segodnya by Putin [1].",
     ROSSIYA),
    ("Zakharova became deputy director of the press department on 10 August 2015 [1].",
     "Zakharova was appointed director of the Information and Press Department on "
     "10 August 2015 [1].", ZAKHAROVA_BIO),
    # a number moved onto the noun that the unit counts with another number; an acronym
    # spelt out by the passage
    ("The contingent had 90 motor vehicles. [1]",
     "The statement fixed the contingent at 1,960 troops, with 90 APCs and 380 motor "
     "vehicles [1].", CONTINGENT),
    # a date given to another item of a list
    ("Aliyev announced the capture of Gubadli on 20 October 2020 [1].",
     "Aliyev announced the capture of Gubadli on 25 October 2020 [1].", CAPTURES),
    # the same common noun filled by other names ("Azerbaijani" / "Armenian" forces)
    ("Azerbaijani forces captured Shusha on 8–9 May 1992 [1].",
     "Shusha was captured by Armenian forces on 8–9 May 1992 [1].", SHUSHA),
    # a number of one group given to another's count
    ("Azerbaijan's government gives a figure of 161 killed at Khojaly, including 106 "
     "women [1].",
     "Human Rights Watch counted at least 161 civilians killed at Khojaly [1].", KHOJALY),
])
def test_a_false_sentence_is_dropped_and_its_paraphrase_kept(false, true, anchor):
    assert not kept(false, anchor)
    assert kept(true, anchor)


def test_what_a_light_said_clause_has_is_its_object():
    """ "said it had links to the protest": "had" says nothing by itself, so "links" must
    be in the unit; a passage that only mentions the Lachin road does not say it."""
    passages = (CHECKPOINT_HAKARI, LACHIN_ONLY_ROAD)
    assert not kept("Azerbaijan said it had links to the protest on the Lachin road [1].",
                    *passages)
    assert kept("Azerbaijan said it had no links to the protest [1].", AZERBAIJAN_POSITION)


CHECKPOINT_HAKARI = "On 23 April 2023 Azerbaijan set up a checkpoint"
LACHIN_ONLY_ROAD = "The September 2023 offensive followed months of crisis around the Lachin"


def test_the_one_told_to_act_does_it_and_a_join_needs_the_verb():
    """ "The ICJ ordered Azerbaijan to ensure": Azerbaijan ensures. Joined from two passages,
    the claim's verb must be a verb of one of them (not "the ICJ order noted")."""
    assert kept("The ICJ ordered Azerbaijan, by 13 votes to 2, to ensure unimpeded movement "
                "along the Lachin Corridor [1].", ICJ_ORDER)
    assert not kept("The ICJ ordered Armenia to return Kalbajar by 15 November [1, 2].",
                    KALBAJAR, ICJ_ORDER)


def test_a_passive_with_its_own_subject_takes_no_doer():
    """ "..., and it was inaugurated": the government approved it; nobody is said to have
    inaugurated it, so the government is not the inaugurator to be compared."""
    assert kept("Iran's government approved the consulate in Kapan on 29 December 2021, and "
                "it was inaugurated on 21 October 2022 [1].", KAPAN)


def test_a_date_without_its_year_takes_the_year_written_before_it():
    assert kept("On 9 November 2020 Azerbaijani forces shot down a Russian Mi-24 helicopter, "
                "killing two crew members; Azerbaijan apologised [1].", MI24)
    assert not kept("On 9 November 2021 Azerbaijani forces shot down a Russian Mi-24 "
                    "helicopter [1].", MI24)


def test_a_noun_of_the_verb_names_its_holder_across_be():
    """ "its head of mission is Markus Ritter" says that Ritter heads the mission."""
    assert kept("Markus Ritter heads the mission, whose headquarters are in Yeghegnadzor "
                "[1].", EUMA_STAFF)
    assert not kept("Stefano Tomat is EUMA's head of mission [1].", EUMA_STAFF)


TURKEY_BORDER = "has kept its land border with Armenia closed since 1993"
SHUSHA_DECLARATION = "Azerbaijan's parliament ratified the Shusha Declaration"
KISELYOV_SANCTIONS = "months after the European Union put Kiselyov on its sanctions list"


def test_a_name_moved_to_another_nouns_preposition_is_dropped():
    """ "border with Azerbaijan" where the unit says "border with Armenia" (and names
    Azerbaijan, and Baku, only elsewhere)."""
    assert not kept("Turkey has kept its land border with Azerbaijan closed since 1993 [1].",
                    TURKEY_BORDER)
    assert kept("Turkey has kept its border with Armenia closed since 1993 [1].",
                TURKEY_BORDER)


def test_the_doer_is_the_state_the_unit_names_and_an_acronym_is_its_name():
    assert not kept("Turkey's parliament ratified the Shusha Declaration on 1 February 2022 "
                    "[1].", SHUSHA_DECLARATION)
    assert kept("Azerbaijan's parliament ratified the Shusha Declaration on 1 February 2022 "
                "[1].", SHUSHA_DECLARATION)
    assert kept("The EU put Kiselyov on its sanctions list in March 2014 [1].",
                KISELYOV_SANCTIONS)
