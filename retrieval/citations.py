"""Citations are data: markers are checked against what was retrieved, quotes against passages."""

from __future__ import annotations

import re

from retrieval.extractive import Candidate, passage_body
from retrieval.lexical import tokenize
from retrieval.models import Citation, Retrieved
from retrieval.text import split_sentences

MARKER = re.compile(r"\[(\d+(?:\s*[,;]\s*\d+)*)\]")
# Share of an answer sentence's content words that its cited passage must contain. LLM
# sentences paraphrase, so this is lower than for quotes, but an answer sentence about
# something its passage never mentions falls well below it.
MIN_SUPPORT = 0.5


def citation_for(n: int, passage: Retrieved, quote: str) -> Citation:
    meta = passage.metadata
    # Only a document's own URL: a background note's first listed source may be another
    # document (even the article), and linking it would credit that source with our words.
    url = meta.get("url") or None
    return Citation(
        n=n,
        doc_id=passage.doc_id,
        title=meta.get("title", ""),
        outlet=meta.get("outlet") or None,
        published=meta.get("published") or None,
        as_of=meta.get("as_of") or None,
        url=url,
        chunk_id=passage.chunk_id,
        quote=quote,
        text=passage.text,
    )


def compose_extract(picks: list[Candidate], retrieved: list[Retrieved]) -> tuple[str, list[Citation]]:
    """Quoted sentences with [n] markers, numbered by first appearance of each passage."""
    numbers: dict[int, int] = {}
    citations: list[Citation] = []
    parts = []
    for pick in picks:
        if pick.passage not in numbers:
            numbers[pick.passage] = len(numbers) + 1
            citations.append(citation_for(numbers[pick.passage], retrieved[pick.passage],
                                          pick.quote))
        parts.append(f"{pick.quote} [{numbers[pick.passage]}]")
    return " ".join(parts), citations


def verify_generated(text: str, retrieved: list[Retrieved]) -> tuple[str, list[Citation]]:
    """Keep the sentences whose [n] markers point at retrieved passages that support them.

    Markers to nothing are dropped; a sentence left without a supporting source is dropped;
    sources are renumbered in order of first use; each citation carries the verbatim
    passage sentence closest to what the answer says.
    """
    numbers: dict[int, int] = {}
    citations: list[Citation] = []
    kept: list[str] = []
    for _, _, sentence in split_sentences(text.strip()):
        cited = [int(n) for group in MARKER.findall(sentence) for n in re.split(r"[,;]", group)]
        claim = MARKER.sub("", sentence).strip()
        if not claim:
            continue
        supported = []
        for n in dict.fromkeys(cited):
            if 1 <= n <= len(retrieved) and support(claim, retrieved[n - 1].text) >= MIN_SUPPORT:
                supported.append(n)
        if not supported:
            continue
        markers = []
        for n in supported:
            if n not in numbers:
                numbers[n] = len(numbers) + 1
                passage = retrieved[n - 1]
                citations.append(citation_for(numbers[n], passage, best_quote(claim, passage.text)))
            markers.append(f"[{numbers[n]}]")
        kept.append(_attach(claim, "".join(markers)))
    return " ".join(kept), citations


def _attach(claim: str, markers: str) -> str:
    """Put markers before the sentence's final punctuation, as the prompt asks."""
    match = re.search(r"[.!?…]+[\"'”’)]*$", claim)
    if match:
        return f"{claim[: match.start()].rstrip()} {markers}{claim[match.start():]}"
    return f"{claim} {markers}"


def support(claim: str, passage: str) -> float:
    claim_tokens = set(tokenize(claim))
    if not claim_tokens:
        return 0.0
    return len(claim_tokens & set(tokenize(passage))) / len(claim_tokens)


def best_quote(claim: str, passage: str) -> str:
    """The passage sentence sharing most words with the claim; verbatim from the passage."""
    _, body = passage_body(passage)
    sentences = [s for _, _, s in split_sentences(body)] or [body]
    claim_tokens = set(tokenize(claim))
    return max(sentences, key=lambda s: len(claim_tokens & set(tokenize(s))))
