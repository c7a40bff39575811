"""Text for the terminal: what documents and readers wrote, without the bytes a terminal obeys.

A document title or a reader's question can carry escape sequences (clear the screen,
retitle the window, rewrite an earlier line with a carriage return, or an OSC 8 hyperlink
that shows one address and opens another) and bidirectional overrides that make text read
differently from how it is stored. Every terminal print path passes its text through
`printable`; JSON output goes through `json_line`, which keeps the values and escapes those
characters, so it stays valid JSON that prints harmlessly.
"""

from __future__ import annotations

import json
import re
from typing import Any

import typer

from retrieval.redact import redact

# ESC and what follows it: CSI (ESC [ ... final), OSC (ESC ] ... BEL or ESC \), the string
# commands DCS/SOS/PM/APC (ESC P/X/^/_ ... ESC \), and two-byte escapes (ESC 7, ESC c, ...).
_ESCAPE_SEQUENCE = re.compile(
    r"\x1b(?:\[[0-?]*[ -/]*[@-~]?"
    r"|\][^\x07\x1b]*(?:\x07|\x1b\\)?"
    r"|[PX^_][^\x1b]*(?:\x1b\\)?"
    r"|[ -/]*[0-~])?"
    # The one-character C1 form of CSI, with its parameters.
    r"|\x9b[0-?]*[ -/]*[@-~]?"
)
# Left after the sequences: C0 controls but newline and tab, DEL, C1 controls, and the
# bidirectional embeddings, overrides and isolates (U+202A-202E, U+2066-2069).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# What JSON leaves raw (it escapes only C0, quotes and backslashes) but a terminal may obey.
_JSON_RAW = re.compile("[\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """The text with escape sequences and control characters removed (newlines, tabs kept),
    and secrets (a key a server echoed, a password in a URL) replaced by [redacted]."""
    return _CONTROL.sub("", _ESCAPE_SEQUENCE.sub("", redact(text)))


def json_line(value: Any) -> str:
    """One line of JSON (non-ASCII kept readable) that is safe to print to a terminal."""
    text = redact(json.dumps(value, ensure_ascii=False))
    return _JSON_RAW.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)


def say(text: str, err: bool = False) -> None:
    """typer.echo for text that may hold what documents or readers wrote."""
    typer.echo(printable(text), err=err)


def bounded(text: str, limit: int = 200) -> str:
    """At most `limit` characters of what someone typed, saying how long the rest was: an
    error about a 300 MB line must not print the line back."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}…({len(text.encode('utf-8', 'surrogateescape')):,} bytes)"


def markdown_as_text(text: str) -> str:
    """A quote as a reader sees it, without the source's emphasis markers
    (`**Peacekeepers.**` shows as Peacekeepers.). markdown-it (rich's own parser) reads the
    inline syntax, so underscores inside words and a lone `5 * 3` stay as written; links,
    images and inline HTML stay as written too, for each front end to show as text. Display
    only: the JSON keeps each quote verbatim, as it stands in its passage."""
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").parseInline(text)
    if not tokens or tokens[0].children is None:
        return text
    parts, links = [], []  # links: the open link tokens, innermost last
    for token in tokens[0].children:
        if token.type in ("text", "code_inline", "html_inline"):
            parts.append(token.content)
        elif token.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif token.type == "link_open":
            links.append(token)
            parts.append("<" if token.markup == "autolink" else "[")
        elif token.type == "link_close" and links:
            opener = links.pop()
            parts.append(">" if opener.markup == "autolink"
                         else f"]({opener.attrs.get('href', '')})")
        elif token.type == "image":
            parts.append(f"![{token.content}]({token.attrs.get('src', '')})")
        # strong_open/close and em_open/close: the markers are what is dropped
    return "".join(parts)
