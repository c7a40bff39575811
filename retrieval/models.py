"""The data that crosses module boundaries: documents, passages, citations, answers."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

DocKind = Literal["article", "background"]


class SourceDoc(BaseModel):
    """One document as read from disk or the web, with its front matter."""

    model_config = ConfigDict(frozen=True)

    doc_id: str = Field(description="Stable id: the path under the corpus, or the URL.")
    origin: str = Field(description="Where it was read from (file path or URL).")
    title: str
    text: str
    kind: DocKind = "background"
    url: str | None = None
    outlet: str | None = None
    published: dt.date | None = None
    as_of: dt.date | None = None
    language: str = "en"
    sources: tuple[str, ...] = ()


class Chunk(BaseModel):
    """A passage of a document, with where it sits in the document's text."""

    model_config = ConfigDict(frozen=True)

    chunk_id: str
    doc_id: str
    text: str
    start: int
    end: int
    heading: str = ""
    position: int = 0


class Retrieved(BaseModel):
    """A passage returned by retrieval, with the document metadata needed to cite it."""

    model_config = ConfigDict(frozen=True)

    chunk_id: str
    doc_id: str
    text: str
    score: float
    metadata: dict = Field(default_factory=dict)


class Citation(BaseModel):
    """A numbered source of an answer and the sentence of it the answer rests on."""

    model_config = ConfigDict(frozen=True)

    n: int
    doc_id: str
    title: str
    outlet: str | None
    published: str | None
    url: str | None
    chunk_id: str
    quote: str
    text: str
    # The date a background note's facts run to; the article has none (its date is published).
    as_of: str | None = None
    # Who published the cited document and whom it speaks for, from the source policy
    # (retrieval/index/outlets.yaml): "Sputnik, Russian state media" and "Russia". None for
    # our own notes, which rest on many outlets, and for an outlet nobody has labelled.
    outlet_label: str | None = None
    speaks_for: str | None = None


def one_sided_account(citations: list[Citation]) -> str | None:
    """The side every cited source speaks for, when an answer rests on one side alone."""
    sides = {c.speaks_for for c in citations}
    return sides.pop() if len(sides) == 1 and None not in sides else None


class Answer(BaseModel):
    """What every front end renders."""

    question: str
    answer: str
    abstained: bool
    generator: str
    citations: list[Citation] = Field(default_factory=list)
    retrieved: list[Retrieved] = Field(default_factory=list)
    timings_ms: dict[str, float] = Field(default_factory=dict)
    notice: str | None = Field(None, description="One-line notice, e.g. an LLM fallback.")
    emphasis: list[str] = Field(
        default_factory=list,
        description="Words of the answer that answer the question (a number, date, name), "
                    "shown in bold where the front end can.")

    def one_sided_account(self) -> str | None:
        return one_sided_account(self.citations)

    def to_json_dict(self) -> dict:
        """The `--json` contract of `backstory ask`."""
        return {
            "question": self.question,
            "answer": self.answer,
            "abstained": self.abstained,
            "generator": self.generator,
            "citations": [c.model_dump() for c in self.citations],
            "retrieved": [
                {"chunk_id": r.chunk_id, "doc_id": r.doc_id, "score": r.score, "text": r.text}
                for r in self.retrieved
            ],
            "timings_ms": self.timings_ms,
            **({"notice": self.notice} if self.notice else {}),
            **({"one_sided_account": side} if (side := self.one_sided_account()) else {}),
        }
