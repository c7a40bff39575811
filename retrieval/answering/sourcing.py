"""After an answer is chosen: cite the article over a note's paraphrase of it, and say how
current an article-only answer about "now" is.

Both are post-steps on the chosen citations, so they work the same whichever generator
(extractive or LLM) wrote the answer.
"""

from __future__ import annotations

import re

from retrieval.answering.citations import _attach as place_markers
from retrieval.answering.citations import attach_markers, citation_for
from retrieval.answering.extractive import passage_body
from retrieval.answering.support import MIN_CONTENT, content_support, lexical_scorer, missing_facts
from retrieval.index.lexical import tokenize
from retrieval.models import Answer, Citation, Retrieved
from retrieval.text import split_sentences

# What compose_extract writes after each quote.
QUOTE_MARKER = re.compile(r"\[(\d+)\]")

# A note sentence restates an article sentence when the article sentence holds this share of
# the note sentence's words ...
MIN_NOTE_COVERED = 0.6
# ... and the note sentence holds this share of the article sentence's words. Measured over
# every note sentence against the article (2026-12-01): paraphrases of the article (Tarasov's
# claims, the 2,000-strong contingent) score 0.6-0.8 / 0.4-0.8, while note sentences that
# merely share names with it ("Pashinyan accused Azerbaijan of ethnic cleansing") stay
# below 0.3 on the second share.
MIN_ARTICLE_COVERED = 0.4
_NUMBER = re.compile(r"^\d[\d.]*$")

# Words that ask about the present state of things.
_NOW = re.compile(
    r"\b(now|nowadays|currently|current|today|still|any ?more|at present|presently|"
    r"these days|latest|so far|yet)\b", re.IGNORECASE)


def _kind(passage: Retrieved) -> str:
    return passage.metadata.get("kind") or "background"


def _article_sentence_for(quote: str, articles: list[Retrieved]) -> tuple[Retrieved, str] | None:
    """The article sentence stating the same fact as a note's quote, if one does."""
    quote_tokens = set(tokenize(quote))
    if not quote_tokens:
        return None
    best: tuple[float, Retrieved, str] | None = None
    for passage in articles:
        year = (passage.metadata.get("published") or "")[:4]
        _, body = passage_body(passage.text)
        for _, _, sentence in split_sentences(body):
            tokens = set(tokenize(sentence))
            if not tokens:
                continue
            shared = quote_tokens & tokens
            # Every number the note gives must be in the article sentence too, except the
            # article's own year, which it leaves implicit ("reached in May").
            missing = {t for t in quote_tokens - tokens if _NUMBER.match(t) and t != year}
            note_share, article_share = len(shared) / len(quote_tokens), len(shared) / len(tokens)
            if missing or note_share < MIN_NOTE_COVERED or article_share < MIN_ARTICLE_COVERED:
                continue
            if best is None or note_share + article_share > best[0]:
                best = (note_share + article_share, passage, sentence)
    return (best[1], best[2]) if best else None


def prefer_article(answer: Answer) -> Answer:
    """Cite the article, not a note, where the note's quoted sentence restates the article.

    The article is the primary source the reader came with; a note's paraphrase of it adds
    nothing but a second-hand date. A quoted (extractive) answer quotes the article's
    sentence instead; an LLM's sentences keep their words and point at the article's
    passage when every sentence citing the note is supported by the article too.
    """
    articles = [r for r in answer.retrieved if _kind(r) == "article"]
    if answer.abstained or not answer.citations or not articles:
        return answer
    by_chunk = {r.chunk_id: r for r in answer.retrieved}
    cited = {c.n: (by_chunk[c.chunk_id], c.quote) for c in answer.citations
             if c.chunk_id in by_chunk}
    if answer.generator == "extractive":
        segments = _extractive_segments(answer.answer, cited, articles)
    else:
        segments = _generated_segments(answer.answer, cited, articles)
    if segments is None:
        return answer
    quoted = answer.generator == "extractive"
    return answer.model_copy(update=_renumbered(segments, quoted))


Segment = tuple[str, list[tuple[Retrieved, str]]]  # text, then the sources it cites


def _extractive_segments(text: str, cited: dict, articles: list[Retrieved]) -> list[Segment] | None:
    """'quote [n] quote [m]' as segments, each note quote that restates the article swapped
    for the article's sentence; None when nothing changes."""
    pieces = QUOTE_MARKER.split(text)
    segments: list[Segment] = []
    changed = False
    for quote, number in zip(pieces[0::2], pieces[1::2]):
        quote = quote.strip()
        passage, _ = cited.get(int(number), (None, ""))
        if passage is None:
            return None  # not the shape compose_extract writes: leave it alone
        found = None if _kind(passage) == "article" else _article_sentence_for(quote, articles)
        if found is None:
            segments.append((quote, [(passage, quote)]))
            continue
        changed = True
        if any(found[1] == s[0] for s in segments):
            continue  # already quoted: not twice
        segments.append((found[1], [found]))
    return segments if changed else None


def _generated_segments(text: str, cited: dict, articles: list[Retrieved]) -> list[Segment] | None:
    """An LLM answer's sentences with their sources; a note is swapped for the article when
    its quote restates the article and the article supports every sentence citing it, by
    the same checks the answer passed (its numbers, dates and names, and its content)."""
    claims = [(c.text, [n for n in dict.fromkeys(c.cited) if n in cited])
              for c in attach_markers(text.strip())]
    scorer = lexical_scorer()
    swap: dict[int, tuple[Retrieved, str]] = {}
    for n, (passage, quote) in cited.items():
        found = None if _kind(passage) == "article" else _article_sentence_for(quote, articles)
        citing = [claim for claim, ns in claims if n in ns]
        if found and all(not missing_facts(claim, [found[0].text])
                         and content_support(claim, [found[0].text], scorer) >= MIN_CONTENT
                         for claim in citing):
            swap[n] = found
    if not swap:
        return None
    return [(claim, [swap.get(n, cited[n]) for n in ns]) for claim, ns in claims if ns]


def _renumbered(segments: list[Segment], quoted: bool) -> dict:
    """The answer rebuilt from its segments: one citation per passage, numbered by first use."""
    numbers: dict[str, int] = {}
    citations: list[Citation] = []
    parts = []
    for claim, sources in segments:
        markers = []
        for passage, quote in sources:
            if passage.chunk_id not in numbers:
                numbers[passage.chunk_id] = len(numbers) + 1
                citations.append(citation_for(numbers[passage.chunk_id], passage, quote))
            if numbers[passage.chunk_id] not in markers:
                markers.append(numbers[passage.chunk_id])
        marks = "".join(f"[{n}]" for n in markers)
        if not marks:
            parts.append(claim)
        else:  # quotes stay verbatim, marker after; an LLM's marker goes before its full stop
            parts.append(f"{claim} {marks}" if quoted else place_markers(claim, marks))
    return {"answer": " ".join(parts), "citations": citations}


def asks_about_now(question: str) -> bool:
    return bool(_NOW.search(question))


def dated_notice(answer: Answer) -> str | None:
    """For a question about "now" answered from the article alone, while notes with later
    facts were retrieved too: the date the answer holds for, and how far the notes run."""
    if answer.abstained or not answer.citations or not asks_about_now(answer.question):
        return None
    kinds = {r.chunk_id: _kind(r) for r in answer.retrieved}
    if any(kinds.get(c.chunk_id) != "article" for c in answer.citations):
        return None
    article_date = max(c.published or "" for c in answer.citations)
    later = [r.metadata.get("as_of") or "" for r in answer.retrieved
             if _kind(r) != "article" and (r.metadata.get("as_of") or "") > article_date]
    if not article_date or not later:
        return None
    return (f"This answer is as of {article_date}, the article's date; the background notes "
            f"found run to {max(later)}, and things may have changed since.")


def finish(answer: Answer) -> Answer:
    """Both post-steps, in order: the article's citation first, then the date notice."""
    answer = prefer_article(answer)
    notice = dated_notice(answer)
    if notice:
        answer = answer.model_copy(
            update={"notice": f"{answer.notice} {notice}" if answer.notice else notice})
    return answer
