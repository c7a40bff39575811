"""The evaluation harness behind `backstory eval`: questions in, pass rates and latencies out.

The question format is in docs/eval-format.md: `answer_any` / `cite_any` are
lists of groups of alternatives; every group must be matched by one of its alternatives
(case-insensitive substring). Anything with an `answer(question, history, k)` method that
returns an `Answer` can be evaluated: our `Answerer` and the naive baseline alike.
"""

from __future__ import annotations

import json
import logging
import re
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np
from pydantic import BaseModel, Field, ValidationError, model_validator

from retrieval.answering.followup import Turn
from retrieval.errors import BackstoryError
from retrieval.models import Answer

logger = logging.getLogger(__name__)

DEFAULT_FILE = Path("tests/eval/questions.jsonl")
RECALL_CUTOFFS = (1, 5)  # besides k itself; recall@5 is what the naive baseline is judged on
WARMUP_QUESTION = "What is the article about?"
SNIPPET_CHARS = 110

Progress = Callable[[int, int], None]  # (questions done, questions in all)


class System(Protocol):
    """What the harness evaluates: our Answerer, or a baseline with the same method."""

    def answer(
        self, question: str, history: list[Turn] | None = None, k: int | None = None
    ) -> Answer: ...


class EvalItem(BaseModel):
    """One line of an eval file."""

    id: str
    kind: str
    q: str | None = None
    turns: list[str] = Field(default_factory=list)
    answer_any: list[list[str]] = Field(default_factory=list)
    cite_any: list[list[str]] = Field(default_factory=list)
    abstain: bool = False
    answer_none: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _has_question(self) -> EvalItem:
        if not self.q and not self.turns:
            raise ValueError("needs `q` or `turns`")
        return self

    @property
    def questions(self) -> list[str]:
        return self.turns or [self.q or ""]


def load_questions(path: Path) -> list[EvalItem]:
    """Read a JSONL eval file; a bad line is a user-facing error naming the line."""
    if not path.exists():
        raise BackstoryError(f"no eval file at {path}; pass one: `backstory eval FILE`")
    items: list[EvalItem] = []
    seen: set[str] = set()
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise BackstoryError(f"{path} is not UTF-8 text (byte {err.start}); save it as "
                             "UTF-8") from None
    except OSError as err:
        raise BackstoryError(f"cannot read {path} ({err.strerror})") from None
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = EvalItem.model_validate(json.loads(line))
        except json.JSONDecodeError as err:
            raise BackstoryError(f"{path}:{number}: not a valid eval question (not JSON: "
                                 f"{err.msg}, column {err.colno})") from None
        except ValidationError as err:
            raise BackstoryError(f"{path}:{number}: not a valid eval question "
                                 f"({describe_problem(err.errors()[0])})") from None
        if item.id in seen:
            raise BackstoryError(f"{path}:{number}: duplicate id {item.id!r}")
        seen.add(item.id)
        items.append(item)
    if not items:
        raise BackstoryError(f"{path} holds no questions")
    return items


def describe_problem(error: dict) -> str:
    """Pydantic's first complaint about a line, naming the field (see docs/eval-format.md)."""
    field = ".".join(str(part) for part in error["loc"])
    if error["type"] == "missing":
        return f"the field `{field}` is missing"
    if not field:  # a whole-line rule such as "needs `q` or `turns`"
        return error["msg"].removeprefix("Value error, ")
    return f"the field `{field}`: {error['msg']}"


# --- matching -----------------------------------------------------------------------------
_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-"})


def normalize(text: str) -> str:
    """Case, typographic quotes and line breaks must not decide a match."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES).casefold()
    return re.sub(r"\s+", " ", text)


def groups_met(groups: list[list[str]], texts: list[str]) -> list[bool]:
    """For each group: does one of its alternatives occur in one of the texts?"""
    normed = [normalize(t) for t in texts]
    return [any(normalize(alt) in t for alt in group for t in normed) for group in groups]


def evidence_rank(groups: list[list[str]], texts: list[str]) -> int | None:
    """1-based rank at which the top passages first hold every group's evidence, else None.

    With one group (the usual case) this is the rank of the first passage containing it.
    """
    if not groups:
        return None
    covered = [False] * len(groups)
    for rank, text in enumerate(texts, 1):
        covered = [c or m for c, m in zip(covered, groups_met(groups, [text]))]
        if all(covered):
            return rank
    return None


# --- scoring one item ---------------------------------------------------------------------
@dataclass
class ItemResult:
    """How one question (the last turn of a conversation) scored."""

    id: str
    kind: str
    question: str
    answer: str = ""
    abstained: bool = False
    answer_pass: bool = False
    citation_pass: bool | None = None  # None: the item names no evidence to cite
    abstain_ok: bool = False
    rank: int | None = None  # where the evidence first appears in what was retrieved
    has_evidence: bool = False
    latency_ms: float | None = None
    cited: list[str] = field(default_factory=list)
    retrieved: list[dict] = field(default_factory=list)
    error: str | None = None
    failed: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failed


def score(item: EvalItem, answer: Answer, k: int) -> ItemResult:
    """Score one Answer against its item; record every check that failed."""
    text = answer.answer
    cited_texts = [c.text for c in answer.citations]
    forbidden = [s for s in item.answer_none if normalize(s) in normalize(text)]
    answer_pass = (
        all(groups_met(item.answer_any, [text]))
        and not forbidden
        and (answer.abstained if item.abstain else not answer.abstained)
    )
    citation_pass = all(groups_met(item.cite_any, cited_texts)) if item.cite_any else None
    rank = evidence_rank(item.cite_any, [r.text for r in answer.retrieved])
    result = ItemResult(
        id=item.id,
        kind=item.kind,
        question=item.questions[-1],
        answer=text,
        abstained=answer.abstained,
        answer_pass=answer_pass,
        citation_pass=citation_pass,
        abstain_ok=answer.abstained == item.abstain,
        rank=rank,
        has_evidence=bool(item.cite_any),
        latency_ms=answer.timings_ms.get("total"),
        cited=[c.chunk_id for c in answer.citations],
        retrieved=[_retrieved_row(r, item.cite_any) for r in answer.retrieved],
    )
    if not answer_pass:
        result.failed.append("answer")
    if forbidden:
        result.failed.append("answer_none: " + ", ".join(forbidden))
    if citation_pass is False:
        result.failed.append("citation")
    if not result.abstain_ok:
        result.failed.append("abstained" if answer.abstained else "did not abstain")
    if item.cite_any and (rank is None or rank > k):
        result.failed.append(f"evidence not in top {k}")
    return result


def _retrieved_row(passage, groups: list[list[str]]) -> dict:
    _, _, body = passage.text.partition("\n\n")
    return {
        "chunk_id": passage.chunk_id,
        "doc_id": passage.doc_id,
        "evidence": bool(groups) and any(groups_met(groups, [passage.text])),
        "snippet": " ".join((body or passage.text).split())[:SNIPPET_CHARS],
    }


# --- running --------------------------------------------------------------------------------
@dataclass
class EvalRun:
    """All results of one system over one question file."""

    name: str
    k: int
    results: list[ItemResult]
    seconds: float
    notes: dict = field(default_factory=dict)

    def summary(self) -> dict:
        kinds = sorted({r.kind for r in self.results})
        return {
            "overall": metrics(self.results, self.k),
            "by_kind": {
                kind: metrics([r for r in self.results if r.kind == kind], self.k) for kind in kinds
            },
        }

    def to_json_dict(self) -> dict:
        return {
            "name": self.name,
            "k": self.k,
            "seconds": round(self.seconds, 1),
            **self.notes,
            **self.summary(),
            "items": [
                {
                    "id": r.id,
                    "kind": r.kind,
                    "passed": r.passed,
                    "failed": r.failed,
                    "rank": r.rank,
                    "latency_ms": r.latency_ms,
                }
                for r in self.results
            ],
            "failures": [_failure_dict(r) for r in self.results if not r.passed],
        }


def _failure_dict(r: ItemResult) -> dict:
    return {
        "id": r.id,
        "kind": r.kind,
        "question": r.question,
        "failed": r.failed,
        "answer": r.answer,
        "abstained": r.abstained,
        "error": r.error,
        "rank": r.rank,
        "cited": r.cited,
        "retrieved": r.retrieved,
    }


def run_eval(
    system: System,
    items: list[EvalItem],
    k: int,
    name: str = "ours",
    progress: Progress | None = None,
    warmup: bool = True,
) -> EvalRun:
    """Ask every item's question(s) in order; a multiturn item is one conversation."""
    if warmup:
        # Model loading and index opening are start-up costs, not per-question latency.
        system.answer(WARMUP_QUESTION, [], k)
    started = time.perf_counter()
    results: list[ItemResult] = []
    if progress:
        progress(0, len(items))
    for done, item in enumerate(items, 1):
        results.append(_run_item(system, item, k))
        if progress:
            progress(done, len(items))
    return EvalRun(name, k, results, time.perf_counter() - started)


def _run_item(system: System, item: EvalItem, k: int) -> ItemResult:
    history: list[Turn] = []
    try:
        for question in item.questions:
            answer = system.answer(question, list(history), k)
            history.append(Turn(question, answer.answer))
    except Exception as err:  # one broken question must not end the whole run
        if not isinstance(err, BackstoryError):
            logger.exception("eval item %s raised", item.id)
        return ItemResult(
            id=item.id,
            kind=item.kind,
            question=item.questions[-1],
            error=f"{type(err).__name__}: {err}",
            failed=["error"],
        )
    return score(item, answer, k)


# --- aggregating ----------------------------------------------------------------------------
def metrics(results: list[ItemResult], k: int) -> dict:
    """Pass rates (None when no item of the set is scored by a metric) and latencies."""
    with_evidence = [r for r in results if r.has_evidence]
    ranks = [r.rank for r in with_evidence]
    latencies = [r.latency_ms for r in results if r.latency_ms is not None]
    cutoffs = sorted({*RECALL_CUTOFFS, k})
    return {
        "n": len(results),
        "answer_pass": _rate([r.answer_pass for r in results]),
        "citation_pass": _rate([bool(r.citation_pass) for r in with_evidence]),
        "abstention_accuracy": _rate([r.abstain_ok for r in results]),
        "recall": {
            str(c): _rate([x is not None and x <= min(c, k) for x in ranks]) for c in cutoffs
        },
        "mrr": round(float(np.mean([1 / x if x and x <= k else 0.0 for x in ranks])), 3)
        if ranks
        else None,
        "latency_ms": {
            "p50": round(float(np.percentile(latencies, 50)), 1) if latencies else None,
            "p95": round(float(np.percentile(latencies, 95)), 1) if latencies else None,
        },
        "errors": sum(r.error is not None for r in results),
    }


def _rate(flags: list[bool]) -> float | None:
    return round(sum(flags) / len(flags), 3) if flags else None


