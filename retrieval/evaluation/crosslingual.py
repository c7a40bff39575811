"""Questions in other languages about English documents, on XQuAD (or any SQuAD-format pair).

One SQuAD-format file gives the documents (XQuAD's English paragraphs); another language's
file gives the questions, matched by question id, so the gold answer is the English text the
offline answer quotes. The 36 articles are split by article (never by question) into a
tuning half and a held-out half; nothing is tuned on the held-out one. Reported per language:
gold answer in the answer, gold answer in a cited passage, questions answered, latency.

XQuAD: Artetxe, Ruder and Yogatama (2020), https://github.com/google-deepmind/xquad,
CC BY-SA 4.0.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass, field
from pathlib import Path

from retrieval.evaluation.harness import EvalItem, EvalRun, Progress, run_eval
from retrieval.settings import Settings

DEFAULT_XQUAD = Path(__file__).resolve().parents[3] / "shared" / "eval" / "xquad"
SPLITS = ("tuning", "held-out")
LANGUAGES = ("en", "ru", "es", "de", "ar", "tr", "zh")


def load(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)["data"]


def split_articles(articles: list[dict]) -> dict[str, list[dict]]:
    """Half the articles for tuning, half held out, by a hash of the title (stable, and
    independent of the files' order)."""
    ordered = sorted(articles, key=lambda a: hashlib.sha1(a["title"].encode()).hexdigest())
    half = len(ordered) // 2
    return {"tuning": ordered[:half], "held-out": ordered[half:]}


def _questions(articles: list[dict]) -> dict[str, tuple[str, list[str]]]:
    """id -> (question, answer texts) for every question of these articles."""
    return {qa["id"]: (qa["question"], [a["text"] for a in qa["answers"]])
            for article in articles for p in article["paragraphs"] for qa in p["qas"]}


def items(documents: list[dict], asked: list[dict], sample: int | None, seed: int,
          language: str) -> list[EvalItem]:
    """The questions of `asked` (another language's file) whose id is in `documents`, each
    to be answered with the documents' gold answer text (the quotes are in their language)."""
    gold = _questions(documents)
    found = [(qid, q) for qid, (q, _) in _questions(asked).items() if qid in gold]
    found.sort()
    if sample and sample < len(found):
        found = random.Random(seed).sample(found, sample)
    return [EvalItem(id=qid, kind=f"xquad-{language}", q=q,
                     answer_any=[gold[qid][1]], cite_any=[gold[qid][1]]) for qid, q in found]


@dataclass
class LanguageRun:
    language: str
    run: EvalRun

    def summary(self) -> dict:
        rows = self.run.results
        n = len(rows)
        latencies = sorted(r.latency_ms for r in rows if r.latency_ms is not None)

        def share(count: int) -> float | None:
            return round(count / n, 3) if n else None

        return {
            "language": self.language,
            "questions": n,
            "answer_rate": share(sum(1 for r in rows if r.answer_pass)),
            "citation_rate": share(sum(1 for r in rows if r.citation_pass)),
            "answered_rate": share(sum(1 for r in rows if not r.abstained and not r.error)),
            "latency_ms_p50": _percentile(latencies, 50),
            "latency_ms_p95": _percentile(latencies, 95),
            "errors": sum(1 for r in rows if r.error),
        }


@dataclass
class CrossLingualReport:
    split: str
    articles: list[str]
    passages: int
    runs: list[LanguageRun] = field(default_factory=list)

    def to_json_dict(self) -> dict:
        return {"split": self.split, "articles": self.articles, "passages": self.passages,
                "languages": [r.summary() for r in self.runs]}


def _percentile(values: list[float], q: int) -> float | None:
    if not values:
        return None
    return round(values[min(len(values) - 1, round(q / 100 * (len(values) - 1)))], 1)


def prepare_index(settings: Settings, articles: list[dict], progress=None):
    """An Answerer over these articles' English paragraphs, with its multilingual index
    built (as `ask` builds it before a question in another language)."""
    from retrieval.answering.answerer import Answerer
    from retrieval.index.ingest import ingest
    from retrieval.train import squad

    squad.as_documents(articles, settings.corpus_dir / "background")
    answerer = Answerer(settings)
    ingest(answerer.store, progress=progress)
    if answerer.other_languages.reads_english_only and settings.multilingual != "off":
        answerer.other_languages.build_index(progress)
    return answerer


def evaluate(settings: Settings, folder: Path = DEFAULT_XQUAD, split: str = "held-out",
             languages: tuple[str, ...] = LANGUAGES, sample: int | None = 60, seed: int = 7,
             k: int | None = None, progress: Progress | None = None,
             answerer=None) -> CrossLingualReport:
    """Ask each language's questions about the English paragraphs of one split's articles."""
    documents = split_articles(load(folder / "xquad.en.json"))[split]
    titles = {a["title"] for a in documents}
    root = settings.data_dir / f"xquad-{split}"
    local = settings.model_copy(update={"data_dir": root / "data",
                                        "corpus_dir": root / "corpus"})
    answerer = answerer or prepare_index(local, documents)
    report = CrossLingualReport(split, sorted(t.replace("_", " ") for t in titles),
                                answerer.store.count())
    for language in languages:
        asked = [a for a in load(folder / f"xquad.{language}.json") if a["title"] in titles]
        if not asked:  # translated files keep the English titles; say so if one does not
            raise ValueError(f"xquad.{language}.json has none of the {split} articles")
        run = run_eval(answerer, items(documents, asked, sample, seed, language),
                       k or local.k, name=language, progress=progress)
        report.runs.append(LanguageRun(language, run))
    return report
