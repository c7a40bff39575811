"""SQuAD 2.0 as an evaluation set nobody here wrote: `backstory eval --squad`.

The chosen split's Wikipedia articles are ingested as background documents into an index of
their own (under DATA_DIR/squad-SPLIT, kept for the next run), then a seeded sample of their
questions is asked through the same Answerer as every other question. Reported: gold answer
in the answer, gold answer in a cited passage, abstention precision and recall on the
unanswerable questions, answer length and latency. Data: CC BY-SA 4.0 (see
retrieval/train/squad.py).
"""

from __future__ import annotations

import random
import statistics
from dataclasses import dataclass
from pathlib import Path

from retrieval.evaluation.harness import EvalItem, EvalRun, Progress, run_eval
from retrieval.settings import Settings
from retrieval.train import squad

SPLITS = ("test", "val", "train")


@dataclass
class SquadReport:
    split: str
    articles: list[str]
    run: EvalRun

    def to_json_dict(self) -> dict:
        rows = self.run.results
        answerable = [r for r in rows if r.kind == "squad-answerable"]
        impossible = [r for r in rows if r.kind == "squad-unanswerable"]
        declined = [r for r in rows if r.abstained]
        right_declines = sum(1 for r in impossible if r.abstained)
        words = [len(r.answer.split()) for r in rows if not r.abstained]
        latencies = sorted(r.latency_ms for r in rows if r.latency_ms is not None)
        return {
            "split": self.split,
            "articles": self.articles,
            "questions": len(rows),
            "answerable": len(answerable),
            "unanswerable": len(impossible),
            # gold answer text in the answer (answered questions count; declines fail)
            "answer_rate": _share(sum(1 for r in answerable if r.answer_pass), len(answerable)),
            "answered_rate": _share(sum(1 for r in answerable if not r.abstained),
                                    len(answerable)),
            "citation_rate": _share(sum(1 for r in answerable if r.citation_pass),
                                    len(answerable)),
            "abstention_recall": _share(right_declines, len(impossible)),
            "abstention_precision": _share(right_declines, len(declined)),
            "median_answer_words": statistics.median(words) if words else None,
            "latency_ms_p50": _percentile(latencies, 50),
            "latency_ms_p95": _percentile(latencies, 95),
            "errors": sum(1 for r in rows if r.error),
        }


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def _percentile(values: list[float], q: int) -> float | None:
    if not values:
        return None
    return round(values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))], 1)


def items_for(articles: list[dict], sample: int | None, seed: int) -> list[EvalItem]:
    """SQuAD questions as eval items: the gold answer must appear in the answer and in a
    cited passage; an unanswerable question must be declined."""
    found = squad.questions(articles)
    if sample and sample < len(found):
        found = random.Random(seed).sample(found, sample)
    return [
        EvalItem(id=q.qid, kind="squad-answerable" if q.answerable else "squad-unanswerable",
                 q=q.text, answer_any=[list(q.answers)] if q.answerable else [],
                 cite_any=[list(q.answers)] if q.answerable else [],
                 abstain=not q.answerable)
        for q in found
    ]


def squad_settings(settings: Settings, split: str) -> Settings:
    root = settings.data_dir / f"squad-{split}"
    return settings.model_copy(update={"data_dir": root / "data", "corpus_dir": root / "corpus"})


def prepare_index(settings: Settings, articles: list[dict], progress=None):
    """An Answerer over an index of exactly these articles (ingest is incremental)."""
    from retrieval.answering.answerer import Answerer
    from retrieval.index.ingest import ingest

    squad.as_documents(articles, settings.corpus_dir / "background")
    answerer = Answerer(settings)
    ingest(answerer.store, progress=progress)
    return answerer


def evaluate(settings: Settings, path: Path, split: str = "test", sample: int | None = 300,
             seed: int = 3, k: int | None = None, progress: Progress | None = None,
             answerer=None) -> SquadReport:
    articles = squad.split_articles(squad.load_articles(path))[split]
    local = squad_settings(settings, split)
    answerer = answerer or prepare_index(local, articles)
    run = run_eval(answerer, items_for(articles, sample, seed), k or local.k, name="squad",
                   progress=progress)
    return SquadReport(split, [squad.title_of(a) for a in articles], run)
