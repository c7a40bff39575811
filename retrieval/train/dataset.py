"""The reader's training pairs: every answerable article outside the held-out ones, plus
synthetic near-misses.

Sources (all CC BY-SA 4.0, in ../shared/eval/):
- SQuAD 2.0 (the cs224n half of the dev set): its training articles (`squad.split_articles`).
- XQuAD's English articles (Artetxe, Ruder and Yogatama 2020, https://github.com/deepmind/xquad):
  paragraphs of SQuAD v1.1's dev articles with their (answerable) questions. Kept out: every
  article that the reader's title-hash split (`squad.split_articles`) holds out for test or
  validation; on XQuAD it picks the same 4 test and 2 validation articles as on SQuAD, the
  ones `bench/reader_ablation.py --set squad|xquad` measures. Questions SQuAD already holds
  are not counted twice. (The cross-lingual bench, `bench/xquad.py`, halves XQuAD by another
  hash order; its held-out half holds six of SQuAD's training articles, as it did for the
  reader before this one.)
  XQuAD's other languages are left out: MiniLM's vocabulary is English word pieces, and a
  question in Russian or Chinese becomes mostly [UNK] (`python -m retrieval.train.dataset`
  prints the rates).

Each answerable question also gives one near-miss (`near_miss.make`), paired with its gold
sentence and labelled 0.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from retrieval.text import split_sentences
from retrieval.train import near_miss, squad

DEFAULT_XQUAD = squad.DEFAULT_SQUAD.parents[1] / "xquad"


def _load(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)["data"]


def held_out_titles(squad_articles: list[dict], xquad_articles: list[dict]) -> set[str]:
    """Titles no training pair may come from: SQuAD's and XQuAD's test and validation
    articles by the reader's split."""
    titles: set[str] = set()
    for articles in (squad_articles, xquad_articles):
        split = squad.split_articles(articles)
        titles |= {a["title"] for a in split["test"] + split["val"]}
    return titles


def training_articles(squad_path: Path = squad.DEFAULT_SQUAD,
                      xquad_path: Path = DEFAULT_XQUAD / "xquad.en.json") -> list[dict]:
    """SQuAD's training articles, then XQuAD's allowed articles with only the questions
    SQuAD does not already hold."""
    squad_articles = _load(squad_path)
    xquad_articles = _load(xquad_path)
    excluded = held_out_titles(squad_articles, xquad_articles)
    chosen = [a for a in squad.split_articles(squad_articles)["train"]
              if a["title"] not in excluded]
    seen = {qa["question"] for a in chosen for p in a["paragraphs"] for qa in p["qas"]}
    for article in xquad_articles:
        if article["title"] in excluded:
            continue
        paragraphs = []
        for paragraph in article["paragraphs"]:
            qas = [qa for qa in paragraph["qas"] if qa["question"] not in seen]
            if qas:
                paragraphs.append({"context": paragraph["context"], "qas": qas})
        if paragraphs:
            chosen.append({"title": article["title"], "paragraphs": paragraphs})
    return chosen


def near_miss_pairs(articles: list[dict], seed: int = 13) -> tuple[list[squad.Pair], dict]:
    """One near-miss per answerable question, against the sentence holding its answer."""
    rng = random.Random(seed)
    out: list[squad.Pair] = []
    kinds = {kind: 0 for kind in near_miss.KINDS}
    for article in articles:
        title = squad.title_of(article)
        entities = near_miss.article_entities([p["context"] for p in article["paragraphs"]])
        for paragraph in article["paragraphs"]:
            spans = split_sentences(paragraph["context"])
            for qa in paragraph["qas"]:
                if qa.get("is_impossible") or not qa["answers"]:
                    continue
                start = qa["answers"][0]["answer_start"]
                gold = next((s for a, b, s in spans if a <= start < b), None)
                if gold is None:
                    continue
                made = near_miss.make(qa["question"], gold, entities, rng)
                if made:
                    kinds[made.kind] += 1
                    out.append(squad.Pair(made.question, title, gold, 0))
    return out, kinds


def build(seed: int = 13, with_near_misses: bool = True) -> tuple[list[squad.Pair], dict]:
    """All training pairs (shuffled) and a summary of where they came from."""
    articles = training_articles()
    pairs = squad.pairs(articles, seed=seed)
    summary = {"articles": len(articles),
               "questions": sum(len(p["qas"]) for a in articles for p in a["paragraphs"]),
               "pairs_from_paragraphs": len(pairs)}
    if with_near_misses:
        extra, kinds = near_miss_pairs(articles, seed)
        pairs += extra
        summary["near_misses"] = kinds
    random.Random(seed).shuffle(pairs)
    summary["pairs"] = len(pairs)
    summary["positives"] = sum(p.label for p in pairs)
    return pairs, summary


def vocabulary_coverage(languages: tuple[str, ...] = ("en", "de", "es", "ru", "tr", "ar",
                                                       "zh", "vi", "ro", "el", "hi", "th")
                        ) -> dict[str, dict]:
    """How MiniLM's word pieces read XQuAD's questions in each language: the share of
    [UNK] pieces and the pieces per word (English is the yardstick)."""
    from importlib import resources

    from tokenizers import BertWordPieceTokenizer

    vocab = resources.files("retrieval") / "assets" / "minilm-vocab.txt"
    tokenizer = BertWordPieceTokenizer(str(vocab), lowercase=True)
    report = {}
    for language in languages:
        path = DEFAULT_XQUAD / f"xquad.{language}.json"
        if not path.exists():
            continue
        texts = [qa["question"] for a in _load(path) for p in a["paragraphs"]
                 for qa in p["qas"]]
        pieces = unknown = words = 0
        for encoding in tokenizer.encode_batch(texts, add_special_tokens=False):
            pieces += len(encoding.tokens)
            unknown += sum(token == "[UNK]" for token in encoding.tokens)
            words += len({w for w in encoding.word_ids if w is not None})
        report[language] = {"questions": len(texts), "unk_share": round(unknown / pieces, 3),
                            "pieces_per_word": round(pieces / max(1, words), 2)}
    return report


if __name__ == "__main__":
    print(json.dumps(vocabulary_coverage(), indent=1))
    _, info = build()
    print(json.dumps(info, indent=1))
