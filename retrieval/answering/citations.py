"""Citations are data: markers are checked against what was retrieved, quotes against passages.

Real models write markers in many places: "claim [1].", "claim. [1]", "[1][2]", "[1, 2]",
"[1]-[3]", "[1-3]", one marker at the end of a paragraph for all its sentences, and markers
after list items. One grammar (MARKER_RUN) reads them all; `attach_markers` decides which
sentence each belongs to; `verify_generated` keeps the sentences their passages support.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from retrieval.answering.declines import is_decline
from retrieval.answering.extractive import Candidate, passage_body
from retrieval.answering.meaning import check_across
from retrieval.answering.support import (
    MIN_CONTENT,
    ContentScorer,
    content_support,
    facts_of,
    lexical_scorer,
    missing_facts,
)
from retrieval.index.lexical import tokenize
from retrieval.index.outlets import load_policy
from retrieval.models import Citation, Retrieved
from retrieval.text import split_sentences

# One bracket: numbers or ranges separated by commas/semicolons ("1", "1, 2", "1-3"),
# optionally written "source 1" or "Source 1". A run is brackets joined by nothing,
# spaces, commas, "and", or a dash (a dash between brackets is a range: "[1]-[3]").
_ITEM = r"(?:sources?\s*)?\d{1,3}(?:\s*[-–]\s*\d{1,3})?"
_BRACKET = rf"\[\s*{_ITEM}(?:\s*[,;]\s*{_ITEM})*\s*\]"
MARKER_RUN = re.compile(rf"{_BRACKET}(?:\s*(?:[,;]|and|[-–])?\s*{_BRACKET})*", re.I)
_PARTS = re.compile(rf"{_BRACKET}|[-–]", re.I)
# A range wider than this is not a citation style but noise; it cites nothing.
MAX_RANGE = 30


def marker_numbers(run: str) -> list[int]:
    """The source numbers a marker run cites, in order, without repeats."""
    numbers: list[int] = []
    pending_range = False
    for part in _PARTS.findall(run):
        if part in "-–":
            pending_range = bool(numbers)
            continue
        for item in re.split(r"[,;]", part.strip("[] ")):
            bounds = [int(x) for x in re.findall(r"\d+", item)]
            if not bounds:
                continue
            low, high = bounds[0], bounds[-1]
            if pending_range:  # "[1]-[3]": from the previous bracket's last number
                low, pending_range = numbers[-1], False
            if high < low or high - low > MAX_RANGE:
                numbers.append(low)
                continue
            numbers.extend(range(low, high + 1))
    return list(dict.fromkeys(numbers))


@dataclass
class Claim:
    text: str  # the sentence without markers
    cited: list[int] = field(default_factory=list)  # 1-based source numbers
    list_item: bool = False


def _blocks(text: str) -> list[tuple[str, bool]]:
    """Paragraphs and list items (a marker at a block's end covers that block only)."""
    blocks: list[tuple[str, bool]] = []
    for paragraph in re.split(r"\n\s*\n", text):
        current: list[str] = []
        for line in paragraph.split("\n"):
            item = re.match(r"^\s*(?:[-*•]|\d{1,2}[.)])\s+", line)
            if item:
                if current:
                    blocks.append((" ".join(current), False))
                    current = []
                blocks.append((line[item.end():], True))
            elif blocks and blocks[-1][1] and not current and line.startswith((" ", "\t")):
                blocks[-1] = (f"{blocks[-1][0]} {line.strip()}", True)  # an item's next line
            else:
                current.append(line.strip())
        if current:
            blocks.append((" ".join(current), False))
    return [(b.strip(), is_item) for b, is_item in blocks if b.strip()]


def attach_markers(text: str) -> list[Claim]:
    """Split an answer into claims, each with the source numbers its markers give it.

    A marker belongs to the sentence it stands in or directly follows ("claim [1]." and
    "claim. [1]"); one before any sentence belongs to the next. A sentence without a marker
    takes the next marker of its paragraph (a paragraph-end marker covers the paragraph).
    """
    claims: list[Claim] = []
    for block, is_item in _blocks(text):
        clean_parts: list[str] = []
        positions: list[tuple[int, list[int]]] = []  # (offset in clean text, numbers)
        last = 0
        length = 0
        for m in MARKER_RUN.finditer(block):
            before = block[last:m.start()].rstrip() if m.start() > last else ""
            clean_parts.append(before)
            length += len(before)
            positions.append((length, marker_numbers(m.group(0))))
            last = m.end()
        clean_parts.append(block[last:])
        clean = "".join(clean_parts)
        sentences = split_sentences(clean)
        if not sentences:
            continue
        block_claims = [Claim(s.strip(), [], is_item) for _, _, s in sentences]
        for offset, numbers in positions:
            # The sentence the marker sits in or follows; before the first, the first.
            target = max((i for i, (start, _, _) in enumerate(sentences) if start < offset),
                         default=0)
            block_claims[target].cited.extend(n for n in numbers
                                              if n not in block_claims[target].cited)
        inherited: list[int] = []
        for claim in reversed(block_claims):  # an unmarked sentence takes the next marker
            if claim.cited:
                inherited = claim.cited
            else:
                claim.cited = list(inherited)
        claims.extend(c for c in block_claims if _has_words(c.text))
    return claims


def _has_words(text: str) -> bool:
    return bool(re.search(r"\w", text))


def citation_for(n: int, passage: Retrieved, quote: str) -> Citation:
    meta = passage.metadata
    # Only a document's own URL: a background note's first listed source may be another
    # document (even the article), and linking it would credit that source with our words.
    url = meta.get("url") or None
    outlet = load_policy().outlet_for(url, meta.get("outlet"))
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
        outlet_label=outlet.display if outlet else None,
        speaks_for=outlet.side if outlet else None,
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


# A sentence the checker attributes itself (no marker, or a marker to a passage that does
# not support it) must clear a higher content bar than one the model cited: the checker
# picks the best of k passages, and the more it may pick from, the likelier an invention
# finds one that shares its words. 0.75 is the lowest score of a true paraphrase in
# tests/eval/support_claims.jsonl; the inventions there that pass the fact check score at
# most 0.71 (`python -m bench.support_measure`).
ATTRIBUTE_MIN_CONTENT = 0.75


@dataclass
class Verified:
    """What the checker kept, and what it dropped and why (for notices and the bench)."""

    text: str
    citations: list[Citation]
    kept: int = 0
    dropped: list[tuple[str, str]] = field(default_factory=list)  # (sentence, reason)
    declined: list[str] = field(default_factory=list)  # sentences saying the sources don't say
    # Kept sentences the checker cited itself: (sentence, "uncited" or "re-pointed").
    attributed: list[tuple[str, str]] = field(default_factory=list)


def verify_generated(text: str, retrieved: list[Retrieved],
                     scorer: ContentScorer | None = None,
                     min_content: float = MIN_CONTENT) -> Verified:
    """Keep the sentences that a retrieved passage supports, citing the passages that do.

    A sentence is checked against the passages its markers cite: its numbers, dates and
    names must occur in them and its content must be supported (retrieval/answering/support.py).
    A sentence without a marker, or whose cited passages fail that check, is cited to the
    one retrieved passage that passes it with the highest content score (at the stricter
    ATTRIBUTE_MIN_CONTENT); when none does, it is dropped with the reason its own markers
    gave. Sources are renumbered in order of first use; each citation carries the
    verbatim passage sentence closest to what the answer says.
    """
    scorer = scorer or lexical_scorer()
    numbers: dict[int, int] = {}
    citations: list[Citation] = []
    kept: list[str] = []
    result = Verified("", citations)
    for claim in attach_markers(text.strip()):
        opened_with_decline = is_decline(claim.text)
        if opened_with_decline:
            # "The sources do not mention X [2]" is no claim about X, whatever it cites;
            # "... do not give the date, but the mission began in 2020 [2]" keeps its claim.
            rest = _after_contrast(claim.text)
            if not rest or is_decline(rest):
                result.declined.append(claim.text)
                continue
            claim = Claim(rest, claim.cited, claim.list_item)
        valid = [n for n in claim.cited if 1 <= n <= len(retrieved)]
        if not claim.cited and claim.text.endswith(":"):
            continue  # "Here is what the sources say:" introduces, it claims nothing
        checked = [_checkable(retrieved[n - 1]) for n in valid]
        claimed = _as_checked(claim.text)
        why, said_by = _unsupported(claimed, checked, scorer, min_content) if valid else (
            "cites no retrieved source", {})
        if why is None:
            supporting = [valid[i] for i in said_by]
            quotes = {valid[i]: said for i, said in said_by.items()}
        else:
            found, said = attribute_with_quote(claimed, retrieved, scorer)
            if found is None:
                result.dropped.append((claim.text, why))
                if opened_with_decline:
                    # The hedge held and what followed it did not: the model declined.
                    result.declined.append(claim.text)
                continue
            supporting = [found]
            quotes = {found: said}
            result.attributed.append((claim.text, "re-pointed" if valid else "uncited"))
        markers = []
        for n in supporting:
            passage = retrieved[n - 1]
            quote = _verbatim(quotes.get(n), passage.text) or best_quote(claim.text,
                                                                          passage.text)
            if n not in numbers:
                numbers[n] = len(numbers) + 1
                citations.append(citation_for(numbers[n], passage, quote))
            else:  # several sentences cite it: quote the span that holds what each rests on
                i = numbers[n] - 1
                citations[i] = citation_for(numbers[n], passage,
                                            _span(citations[i].quote, quote, passage.text))
            markers.append(f"[{numbers[n]}]")
        kept.append(_attach(claim.text, "".join(markers), claim.list_item))
    result.text = " ".join(kept)
    result.kept = len(kept)
    return result


def _as_checked(claim: str) -> str:
    """The claim as the checks read it: a sentence-opening capital that the parse reads as
    an ordinary word is no name to look for."""
    from retrieval.linguistics.clauses import without_capital_opener

    return without_capital_opener(claim) if _has_words(claim) else claim


def _unsupported(claim: str, passages: Sequence[str], scorer: ContentScorer,
                 min_content: float) -> tuple[str | None, dict[int, tuple[str, ...]]]:
    """Why these passages do not support the claim (None when they do), and for each passage
    whose sentences say it, those sentences (retrieval/answering/meaning.py)."""
    missing = missing_facts(claim, passages)
    if missing:
        return "not in its sources: " + ", ".join(missing), {}
    if not _comparable(claim, passages):
        # Another script: only its numbers and dates can be checked (and were).
        return None, {i: () for i in range(len(passages))}
    if content_support(claim, passages, scorer) < min_content:
        return "its sources do not say this", {}
    verdict = check_across(claim, passages)
    return verdict.reason, verdict.said_by


def _verbatim(sentences: tuple[str, ...] | None, text: str) -> str | None:
    """The checked sentences as the passage writes them (a pair as one span), or None."""
    if not sentences:
        return None
    cleaned = [re.sub(r"^\d{1,2}\. ", "", s) if s not in text else s for s in sentences]
    start = text.find(cleaned[0])
    if start < 0:
        return None
    end = text.find(cleaned[-1], start)
    return text[start:end + len(cleaned[-1])] if end >= 0 else cleaned[0]


def _span(first: str, second: str, text: str) -> str:
    """The verbatim stretch of the passage from the earlier quote to the end of the later."""
    a, b = text.find(first), text.find(second)
    if a < 0 or b < 0:
        return first
    start, end = min(a, b), max(a + len(first), b + len(second))
    return text[start:end]


def attribute(claim: str, retrieved: list[Retrieved], scorer: ContentScorer,
              min_content: float = ATTRIBUTE_MIN_CONTENT) -> int | None:
    """The 1-based number of the retrieved passage that best supports the claim (see
    `attribute_with_quote`)."""
    return attribute_with_quote(claim, retrieved, scorer, min_content)[0]


def attribute_with_quote(claim: str, retrieved: list[Retrieved], scorer: ContentScorer,
                         min_content: float = ATTRIBUTE_MIN_CONTENT
                         ) -> tuple[int | None, tuple[str, ...]]:
    """The 1-based number of the retrieved passage that best supports the claim on its own,
    under the fact check and `min_content`; None when none does. A sentence in another
    script than the passages is never attributed: only its numbers could be checked, and a
    sentence with none would be supported by any passage. Nor is a sentence of one content
    word and no number or date: one word is found in many passages and says nothing."""
    facts = facts_of(claim)
    if len(set(tokenize(claim))) < 2 and not (facts.numbers or facts.dates):
        return None, ()  # "This source is.": too little to find in a passage, nothing to cite
    best, best_score, said = None, min_content, ()
    for n, passage in enumerate(retrieved, start=1):
        text = _checkable(passage)
        if not _comparable(claim, [text]) or missing_facts(claim, [text]):
            continue
        score = content_support(claim, [text], scorer)
        if score >= best_score and (best is None or score > best_score):
            verdict = check_across(claim, [text])  # a sentence of it must say the claim
            if verdict.passages:
                best, best_score, said = n, score, verdict.said_by.get(0, ())
    return best, said


def _after_contrast(sentence: str) -> str:
    """What follows ", but" / "; however," in a sentence, capitalised; "" if nothing does."""
    match = re.search(r"[,;]\s*(?:but|however|although|though|yet|pero|mais|aber|но|однако)"
                      r"[,]?\s+(.+)$", sentence, re.I)
    if not match:
        return ""
    rest = match.group(1).strip()
    return rest[:1].upper() + rest[1:]


def _checkable(passage: Retrieved) -> str:
    """The passage as the model saw it: its text and the title, outlet and date of its
    source tag ("Sputnik reported on 15 June 2023 that..." names what the tag says)."""
    meta = passage.metadata
    tag = " ".join(str(meta.get(key) or "") for key in ("title", "outlet", "published"))
    return f"{tag}\n{passage.text}"


def _comparable(claim: str, passages: Sequence[str]) -> bool:
    """Word overlap can only judge a sentence written in the passages' script. A sentence
    in another script (a Russian answer over English sources) is held to its numbers and
    dates alone; README's "Answers in the reader's language" says so."""
    def latin_share(text: str) -> float:
        letters = [c for c in text if c.isalpha()]
        return sum(c.isascii() for c in letters) / len(letters) if letters else 1.0
    return abs(latin_share(claim) - latin_share(" ".join(passages))) < 0.5


def _attach(claim: str, markers: str, list_item: bool = False) -> str:
    """Put markers before the sentence's final punctuation, as the prompt asks."""
    match = re.search(r"[.!?…]+[\"'”’)]*$", claim)
    if match:
        return f"{claim[: match.start()].rstrip()} {markers}{claim[match.start():]}"
    # A list item has no full stop; joined into prose it needs one.
    return f"{claim} {markers}" + ("." if list_item else "")


def best_quote(claim: str, passage: str) -> str:
    """The passage sentence sharing most words with the claim; verbatim from the passage."""
    _, body = passage_body(passage)
    sentences = [s for _, _, s in split_sentences(body)] or [body]
    claim_tokens = set(tokenize(claim))
    return max(sentences, key=lambda s: len(claim_tokens & set(tokenize(s))))
