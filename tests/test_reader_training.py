"""The reader's training data: held-out articles stay out, and near-misses are near-misses.

Small SQuAD-shaped files are written here (the real ones live outside the repository);
the near-miss rules run on the shared spaCy parse.
"""

from __future__ import annotations

import json
import random

from retrieval.train import dataset, near_miss, squad


def _article(title: str, question: str, answerable: bool = True) -> dict:
    context = f"{title} was founded in 1850 by Ada Lovelace. It is large."
    qa = {"id": f"{title}-q", "question": question, "is_impossible": not answerable,
          "answers": [{"text": "1850", "answer_start": context.index("1850")}]
          if answerable else []}
    return {"title": title, "paragraphs": [{"context": context, "qas": [qa]}]}


def _write(path, articles):
    path.write_text(json.dumps({"data": articles}), encoding="utf-8")
    return path


def test_training_articles_leave_out_every_test_and_validation_article(tmp_path):
    titles = [f"Article_{i}" for i in range(10)]
    squad_file = _write(tmp_path / "squad.json",
                        [_article(t, f"When was {t} founded?") for t in titles])
    # XQuAD holds the same articles with other questions, one article SQuAD lacks, and one
    # question SQuAD already has.
    xquad_articles = [_article(t, f"Who founded {t}?") for t in titles]
    xquad_articles.append(_article("Extra", "Who founded Extra?"))
    xquad_articles.append(_article(titles[9], f"When was {titles[9]} founded?"))
    xquad_file = _write(tmp_path / "xquad.json", xquad_articles)

    chosen = dataset.training_articles(squad_file, xquad_file)

    held_out = set()
    for articles in (json.loads(squad_file.read_text())["data"], xquad_articles):
        split = squad.split_articles(articles)
        held_out |= {a["title"] for a in split["test"] + split["val"]}
    assert len(held_out) >= squad.TEST_ARTICLES + squad.VAL_ARTICLES
    chosen_titles = {a["title"] for a in chosen}
    assert not chosen_titles & held_out
    assert chosen_titles == (set(titles) | {"Extra"}) - held_out
    assert len(chosen_titles) >= 3
    asked = [qa["question"] for a in chosen for p in a["paragraphs"] for qa in p["qas"]]
    assert len(asked) == len(set(asked))  # a question SQuAD holds is not counted twice


def test_entity_swap_takes_another_name_of_the_same_kind_from_the_article():
    gold = "The Huguenots fled to Prussia in 1685 after the Edict of Fontainebleau."
    entities = near_miss.article_entities([
        gold, "Many others settled in England and in the Netherlands in 1700."])
    changed = near_miss.swap_entity("Where did the Huguenots flee in 1685?", gold, entities,
                                    random.Random(0))
    assert changed is not None and changed != "Where did the Huguenots flee in 1685?"
    # The swapped-in text comes from the article and is not in the gold sentence.
    replaced = [t for ts in entities.values() for t in ts if t in changed]
    assert replaced and all(t not in gold for t in replaced if t not in
                            "Where did the Huguenots flee in 1685?")


def test_entity_swap_needs_an_entity_the_gold_sentence_holds():
    gold = "It was built in stone."
    entities = {"GPE": ["France", "Spain"], "DATE": ["1850", "1900"]}
    assert near_miss.swap_entity("When was the bridge in France built?", gold, entities,
                                 random.Random(0)) is None


def test_spans_ending_on_a_function_word_are_not_swapped_in():
    # The small model tags "Central and" (LOC) in this sentence of the Imperialism article.
    text = ("France had colonies in North and West Africa, as well as South-East Asia, with "
            "other conquests in Central and East Africa, as well as the South Pacific.")
    tagged = [e.text for e in near_miss.parse_all([text])[0].ents]
    assert "Central and" in tagged
    kept = [t for ts in near_miss.article_entities([text]).values() for t in ts]
    assert "Central and" not in kept
    assert "East Africa" in kept and "South-East Asia" in kept


def test_numbers_written_as_words_stay_swappable():
    kept = near_miss.article_entities(["The two main regions were joined by three others."])
    assert {"two", "three"} <= set(kept.get("CARDINAL", []))


def test_negation_goes_after_the_subject_of_an_inverted_question():
    assert near_miss.negate("When did Tesla move to New York?") == \
        "When did Tesla not move to New York?"
    assert near_miss.negate("Which tool can be used to expand an area?") == \
        "Which tool can not be used to expand an area?"
    assert near_miss.negate("Why did he not leave?") is None  # already negated


def test_role_swap_exchanges_two_names_the_gold_sentence_holds():
    gold = "In 1756 Britain declared war on France."
    changed = near_miss.swap_roles("Why did Britain declare war on France?", gold)
    assert changed == "Why did France declare war on Britain?"
    assert near_miss.swap_roles("Why did Britain declare war?", gold) is None


def test_near_miss_pairs_are_negatives_against_the_gold_sentence():
    article = {"title": "Huguenot", "paragraphs": [{
        "context": "The Huguenots fled to Prussia in 1685. England took others in 1700.",
        "qas": [{"id": "1", "question": "Where did the Huguenots flee in 1685?",
                 "answers": [{"text": "Prussia", "answer_start": 22}]}]}]}
    pairs, kinds = dataset.near_miss_pairs([article])
    assert len(pairs) == 1 and sum(kinds.values()) == 1
    assert pairs[0].label == 0
    assert pairs[0].sentence == "The Huguenots fled to Prussia in 1685."
    assert pairs[0].question != "Where did the Huguenots flee in 1685?"
