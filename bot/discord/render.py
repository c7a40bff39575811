"""Answer -> Discord messages: at most 2,000 characters each, no pings, no link previews."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import discord

from bot.render import emphasised, source_label, whose_label
from bot.terminal_text import markdown_as_text
from retrieval.answering.llm import ABSTAIN_TOKEN
from retrieval.index.safety import sanitize_output, strip_mentions
from retrieval.models import Answer, Citation, one_sided_account
from retrieval.redact import redact

# Discord's limits (https://discord.com/developers/docs/resources/message).
MAX_MESSAGE_CHARS = 2000
EMBED_TITLE_MAX = 256
EMBED_DESCRIPTION_MAX = 4096
EMBED_FOOTER_MAX = 2048
EMBED_TOTAL_MAX = 6000
THREAD_NAME_MAX = 100

# Our own limits.
TITLE_MAX_CHARS = 200  # one source line stays readable
ABOUT_MAX_CHARS = 900  # /about is one paragraph, not the article
QUOTE_MAX_CHARS = 400  # a quoted sentence under a source line
# One mention once made the bot post 84 messages (a 162 KB LLM answer): an answer is cut to
# fit this many, its sources kept.
MAX_MESSAGES_PER_ANSWER = 3
CUT_NOTE = "*(The answer was cut here: it was too long to post.)*"
ELLIPSIS = "…"
STREAM_CURSOR = " ▌"
# A paragraph break is preferred only when it leaves the message at least this full;
# otherwise a later sentence break makes better use of the message.
MIN_FILL = 0.5

FENCE = re.compile(r"^ {0,3}(```+|~~~+)(.*)$", re.MULTILINE)
_SENTENCE_END = re.compile(r"[.!?…][\"”’')\]]*(?:\s*\[\d+\])*(?=\s)")
# A link already in <…> or in `code` (which Discord neither links nor previews) is left alone.
_URL = re.compile(r"(?<![<\w`])(https?://[^\s<>`]+[^\s<>`.,;:!?'\")\]])")


# --- safety --------------------------------------------------------------------------------
def no_unfurl(text: str) -> str:
    """Wrap bare links in <…>, which Discord shows as links without a preview."""
    return _URL.sub(r"<\1>", text)


def safe(text: str) -> str:
    """Text Discord will neither ping from nor unfurl (AllowedMentions.none() is the belt)."""
    return no_unfurl(strip_mentions(without_bidi(text)))


# Bidirectional controls (U+202E RIGHT-TO-LEFT OVERRIDE and kin) make "exe.txt" read
# "txt.exe" and turn a shown address around; nothing shown needs them.
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def without_bidi(text: str) -> str:
    return _BIDI.sub("", text)


# What documents and readers write is shown as text: these characters make Markdown (bold,
# italics, strikethrough, code, spoilers, the [words] of a masked link [x](y), <links>,
# <@mentions>, <t:timestamps>), and a backslash before each makes Discord show it as itself.
# Headings, lists and quotes start a line, and the text is kept to one line.
_MARKDOWN_CHAR = re.compile(r"([\\*_~`|\[\]<>])")
_ANY_URL = re.compile(r"https?://[^\s<>`]+[^\s<>`.,;:!?'\")\]]", re.IGNORECASE)
_URL_UNSAFE = re.compile(r"[\s<>`\\\x00-\x1f\x7f]")


def as_text(text: str) -> str:
    """A title, outlet, quote or question shown as written: one line, no Markdown, no pings.

    A link written in it stays visible but is not a link: shown in `code`, which Discord
    does not make clickable. A planted title or quote once put a phishing link under every
    answer citing it; only a document's own source URL (link_suffix) is clickable."""
    text = " ".join(without_bidi(text).split())  # a line break could start a heading
    parts, end = [], 0
    for m in _ANY_URL.finditer(text):
        parts += [_MARKDOWN_CHAR.sub(r"\\\1", text[end:m.start()]), f"`{m.group(0)}`"]
        end = m.end()
    parts.append(_MARKDOWN_CHAR.sub(r"\\\1", text[end:]))
    return strip_mentions("".join(parts))


def as_code(text: str) -> str:
    """An id in `code` (how /remove-source wants it typed), or as text if it holds a backtick."""
    # A file name is an id too: U+202E in one reached /sources until stripped here.
    text = without_bidi(text)
    return f"`{strip_mentions(text)}`" if "`" not in text else as_text(text)


def shown_url(url: str | None) -> str | None:
    """The URL when Discord can show it as a plain http(s) link, else None (not shown).

    A password in it is never shown (ingest removes it; this is the belt)."""
    if not url or _URL_UNSAFE.search(url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    if "@" in parts.netloc:
        return None
    return url


def link_suffix(url: str | None) -> str:
    """' · <url>' after a source line, or nothing when the URL cannot be shown."""
    url = shown_url(url)
    return f" · <{url}>" if url else ""


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - len(ELLIPSIS)].rstrip() + ELLIPSIS


# --- splitting -----------------------------------------------------------------------------
def split_message(text: str, limit: int = MAX_MESSAGE_CHARS) -> list[str]:
    """Split on paragraph, line or sentence boundaries; a code block is never cut open.

    A block that fits in one message moves whole to the next; one longer than a message is
    cut between lines, closed at the end of each part and reopened at the start of the next.
    """
    text = text.strip()
    parts: list[str] = []
    while len(text) > limit:
        head, text = _cut(text, limit)
        parts.append(head)
    if text:
        parts.append(text)
    return parts


def _cut(text: str, limit: int) -> tuple[str, str]:
    cut = _boundary(text, limit)
    fence = _open_fence_at(text, cut)
    if fence is None:
        return text[:cut].rstrip(), text[cut:].lstrip()
    start, opener, mark = fence
    closing, end = _block_end(text, start)
    if end - start <= limit:  # the block fits one message: keep it whole
        cut = start if start > 0 else end
        return text[:cut].rstrip(), text[cut:].lstrip()
    if start >= limit * MIN_FILL:  # enough text before it: the block starts the next message
        return text[:start].rstrip(), text[start:]
    closer = "\n" + mark
    budget = min(limit - len(closer), closing)
    opener_end = start + len(opener)
    if opener_end + 1 >= budget:  # an opening line longer than a message: nothing to keep
        return text[:limit], text[limit:]
    cut = _boundary(text, budget, lines_only=True, floor=opener_end + 1)
    rest = text[cut:]
    rest = rest.removeprefix("\n")  # blank lines inside code survive
    return text[:cut].rstrip() + closer, f"{opener}\n{rest}"


def _boundary(text: str, limit: int, lines_only: bool = False, floor: int = 0) -> int:
    """The best place to cut text so the head is at most `limit` characters."""
    window = text[: limit + 1]
    kinds = ["line"] if lines_only else ["paragraph", "line", "sentence", "space"]
    for fill in ((0.0,) if lines_only else (MIN_FILL, 0.0)):
        lowest = max(floor + 1, int(limit * fill))
        for kind in kinds:
            ends = [e for e in _ends(kind, window) if lowest <= e <= limit]
            if ends:
                return ends[-1]
    return max(limit, floor + 1)  # no boundary at all: a hard cut


def _ends(kind: str, window: str) -> list[int]:
    if kind == "sentence":
        return [m.end() for m in _SENTENCE_END.finditer(window)]
    pattern = {"paragraph": r"\n\s*\n", "line": r"\n", "space": r" "}[kind]
    return [m.start() for m in re.finditer(pattern, window)]


def _open_fence_at(text: str, pos: int) -> tuple[int, str, str] | None:
    """(start, opening line, fence) of the code block that `pos` falls inside, if any."""
    opened: tuple[int, str, str] | None = None
    for m in FENCE.finditer(text):
        if m.start() >= pos:
            break
        if opened is None:
            opened = (m.start(), m.group(0).rstrip(), m.group(1))
        elif _closes(m, opened[2]):
            opened = None
    return opened


def _closes(match: re.Match, mark: str) -> bool:
    """A closing fence: the same character, at least as long, and no info string."""
    fence = match.group(1)
    return fence[0] == mark[0] and len(fence) >= len(mark) and not match.group(2).strip()


def _block_end(text: str, start: int) -> tuple[int, int]:
    """Where the block opened at `start` has its closing fence, and where that line ends."""
    opener = FENCE.match(text, start)
    assert opener is not None
    for m in FENCE.finditer(text, opener.end()):
        if _closes(m, opener.group(1)):
            return m.start(), m.end()
    return len(text), len(text)


# --- answers -------------------------------------------------------------------------------
def answer_messages(answer: Answer, limit: int = MAX_MESSAGE_CHARS) -> list[str]:
    """The answer with its [n] markers, then its sources; split to Discord's limit."""
    allowed = {c.url for c in answer.citations if shown_url(c.url)}
    # The answer keeps its Markdown (an LLM may write lists), but no masked links: "](" is
    # broken, so "[words](cited URL)" cannot dress a link up as something else.
    text = no_unfurl(sanitize_output(without_bidi(answer.answer), allowed)).replace("](", "]\\(")
    text = emphasised(text, answer.emphasis)  # the number, date or name that answers
    rest: list[str] = []
    if answer.notice:
        rest += ["", f"*Note: {safe(answer.notice)}*"]
    if answer.citations:
        rest += ["", "**Sources**"]
        rest += _source_lines(answer.citations, answer.answer)
    parts = split_message("\n".join([text, *rest]), limit)
    if len(parts) <= MAX_MESSAGES_PER_ANSWER:
        return parts
    # Splitting wastes some room at sentence breaks: a quarter of a message is left spare.
    budget = max(limit // 2, MAX_MESSAGES_PER_ANSWER * limit - len("\n".join(rest))
                 - limit // 4 - len(CUT_NOTE))
    parts = split_message("\n".join([clip(text, budget), CUT_NOTE, *rest]), limit)
    return parts[:MAX_MESSAGES_PER_ANSWER]


def _source_lines(citations: list[Citation], answer_text: str) -> list[str]:
    """One line per source; the quoted sentence too unless the answer already says it verbatim.

    The extractive answer is made of its quotes, so repeating them would double its length.
    """
    by_doc: dict[str, list[Citation]] = {}
    for c in citations:  # several sentences of one document share one source line
        by_doc.setdefault(c.doc_id, []).append(c)
    lines = []
    one_sided = one_sided_account(citations)
    for group in by_doc.values():
        first = group[0]
        label = as_text(clip(source_label(first), TITLE_MAX_CHARS))
        link = link_suffix(first.url)
        lines.append(f"**{' '.join(f'[{c.n}]' for c in group)}** {label}{link}")
        if whose := whose_label(first, one_sided):  # Discord's small grey subtext line
            lines.append(f"-# {as_text(clip(whose, TITLE_MAX_CHARS))}")
        for c in group:
            if c.quote and c.quote not in answer_text:
                tag = f"[{c.n}] " if len(group) > 1 else ""
                quote = markdown_as_text(c.quote)
                lines.append(f"> {tag}“{as_text(clip(quote, QUOTE_MAX_CHARS))}”")
    return lines


def streaming_preview(raw: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """What to show while the LLM is still writing: no links at all until citations are checked."""
    if ABSTAIN_TOKEN.startswith(raw.strip()[: len(ABSTAIN_TOKEN)]) or ABSTAIN_TOKEN in raw:
        return ELLIPSIS
    # Not checked yet, so at least redacted: a server echoed the API key into its stream.
    text = without_bidi(sanitize_output(redact(raw), set())).strip()
    room = limit - len(STREAM_CURSOR)
    return clip(text, room) + STREAM_CURSOR if text else ELLIPSIS


def apology(detail: str | None = None) -> str:
    if detail:  # an error's words, which may quote what a server sent back
        return safe(redact(f"Sorry — {detail.rstrip('.')}."))
    return ("Sorry — something went wrong while answering. Please try again in a moment; "
            "the maintainers can find the details in the bot's log.")


# --- corpus listings -------------------------------------------------------------------------
def sources_messages(rows: list[dict], limit: int = MAX_MESSAGE_CHARS) -> list[str]:
    """What /sources shows: the article(s) first, then the background documents."""
    if not rows:
        return ["The index is empty; a maintainer can add documents with `/add-source`."]
    articles = [r for r in rows if r.get("kind") == "article"]
    background = [r for r in rows if r.get("kind") != "article"]
    lines: list[str] = []
    for heading, group in (("Article", articles), ("Background", background)):
        if not group:
            continue
        if lines:
            lines.append("")
        lines.append(f"**{heading}** ({len(group)})")
        lines += [_row_line(r) for r in group]
    return split_message("\n".join(lines), limit)


def _row_line(row: dict) -> str:
    outlet = row.get("outlet") or "unknown outlet"
    date = row.get("published") or "undated"
    label = as_text(clip(f"{row.get('title') or row['id']} — {outlet}, {date}", TITLE_MAX_CHARS))
    return f"• {label}{link_suffix(row.get('url'))} ({as_code(row['id'])})"


def about_embed(row: dict, paragraph: str) -> discord.Embed:
    """The article in one paragraph, as an embed (a titled link, no preview, no pings)."""
    outlet = row.get("outlet") or "unknown outlet"
    date = row.get("published") or "undated"
    # The title links to the article only when its URL is a plain http(s) one. The footer
    # renders no Markdown, so it is only defused of mentions.
    embed = discord.Embed(
        title=clip(as_text(row.get("title") or row["id"]), EMBED_TITLE_MAX),
        url=shown_url(row.get("url")),
        description=clip(as_text(paragraph), min(ABOUT_MAX_CHARS, EMBED_DESCRIPTION_MAX)),
    )
    embed.set_footer(text=clip(strip_mentions(f"{outlet}, {date} · ask me about it with /ask"),
                               EMBED_FOOTER_MAX))
    assert len(embed) <= EMBED_TOTAL_MAX
    return embed


def first_paragraph(text: str, limit: int = ABOUT_MAX_CHARS) -> str:
    """The opening paragraph of a passage, cut at a sentence end when it runs long."""
    body = text.split("\n\n", 1)[1] if "\n\n" in text else text  # drop the title line
    para = next((p.strip() for p in re.split(r"\n\s*\n|\n", body) if p.strip()), "")
    if len(para) <= limit:
        return para
    ends = [m.end() for m in _SENTENCE_END.finditer(para[: limit + 1])]
    return para[: ends[-1]] if ends else clip(para, limit)


def thread_name(question: str) -> str:
    return clip(" ".join(strip_mentions(question).split()), THREAD_NAME_MAX) or "Question"
