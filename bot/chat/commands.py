"""Chat's slash commands: /sources [n], /about, /reset, /help, /quit. Each returns plain text.

Typed without the slash, the bare words (`help`, `exit`, `sources`, `clear`, …) and "what can
I ask?" are taken as the commands people meant: none of them is a question about the article.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.chat.session import ChatSession
    from retrieval.index.store import Store

logger = logging.getLogger(__name__)

HELP = """\
Ask a question about the article or its background; follow-up questions keep the context.
Commands:
  /sources      list the sources of the last answer
  /sources N    show the full passage behind citation [N]
  /about        the article and the background documents the answers come from
  /reset        forget the conversation and start a new one (also /clear)
  /help         show this help
  /quit         leave (also /exit; Ctrl-D too); Ctrl-C cancels an answer
The words help, sources, about, clear, reset, exit and quit work without the slash."""

RESET_TEXT = "Started a new conversation."
NO_ANSWER_TEXT = "No answer yet: ask a question first."
# The article's opening paragraphs, up to about this many characters, make /about's summary.
SUMMARY_MIN_CHARS = 200
SUMMARY_MAX_CHARS = 700
SENTENCE_ENDS = ".!?\"”'’)"


@dataclass(frozen=True)
class Reply:
    text: str = ""
    quit: bool = False
    reset: bool = False


# A bare word, alone on its line, that means a command rather than a question.
BARE_WORDS = {"help": "/help", "sources": "/sources", "about": "/about", "clear": "/reset",
              "reset": "/reset", "exit": "/quit", "quit": "/quit"}
# "What can I ask?", "What do you know about?", "What topics do you cover?": about the bot,
# not about the article, so they get /about's list instead of a decline. The whole line
# must be such a question: "What do you know about the CSTO?" is a question for the sources.
ABOUT_QUESTION = re.compile(
    r"^(?:so\s+|and\s+|ok(?:ay)?,?\s+)?what\s+(?:"
    r"(?:can|could|should|may)\s+i\s+ask"
    r"|(?:do|can)\s+you\s+(?:know|cover|answer)"
    r"|(?:topics|subjects|questions)\s+(?:do|can)\s+you\s+(?:know|cover|answer)"
    r"|(?:is|are)\s+(?:this|you|the\s+(?:bot|corpus|sources))"
    r")(?:\s+(?:you|about|here|questions|on|with))*\s*[?.!]*$", re.IGNORECASE)


def is_command(line: str) -> bool:
    return line.startswith("/")


def as_command(line: str) -> str | None:
    """The slash command a line means, or None when it is a question."""
    line = line.strip()
    if is_command(line):
        return line
    words = line.rstrip("?!.").split()
    if len(words) == 1 and words[0].lower() in BARE_WORDS:
        return BARE_WORDS[words[0].lower()]
    if len(words) == 2 and words[0].lower() == "sources" and words[1].strip("[]").isdigit():
        return f"/sources {words[1]}"
    if ABOUT_QUESTION.match(line):
        return "/about"
    return None


async def run_command(line: str, session: ChatSession) -> Reply:
    """Carry out one slash command against the session."""
    name, _, arg = line.strip().partition(" ")
    name, arg = name.lower(), arg.strip()
    if name in ("/quit", "/exit"):
        return Reply(quit=True)
    if name == "/help":
        return Reply(HELP)
    if name in ("/reset", "/clear"):
        session.reset()
        return Reply(RESET_TEXT, reset=True)
    if name == "/sources":
        return Reply(sources_text(session, arg))
    if name == "/about":
        answerer = await session.answerer()
        return Reply(about_text(answerer.store))
    return Reply(f"Unknown command {name}; /help lists the commands.")


def sources_text(session: ChatSession, arg: str) -> str:
    """The last answer's sources, or the full passage behind one of its citations."""
    from bot.render import passage_plain, source_label

    answer = session.last
    if answer is None:
        return NO_ANSWER_TEXT
    if not answer.citations:
        return "The last answer cites no sources."
    if not arg:
        lines = []
        for c in answer.citations:
            lines.append(f"[{c.n}] {source_label(c)}")
            if c.url:
                lines.append(f"    {c.url}")
        return "\n".join(lines)
    wanted = arg.strip("[]")
    by_n = {str(c.n): c for c in answer.citations}
    if wanted not in by_n:
        numbers = ", ".join(sorted(by_n, key=int))
        return f"No source [{wanted}] in the last answer; its sources are {numbers}."
    return passage_plain(by_n[wanted])


def about_text(store: Store) -> str:
    """What the answers come from: each article (headline, outlet, date, opening paragraph),
    then every background document's title, one a line."""
    rows = store.documents()
    if not rows:
        return "The index is empty; run `backstory ingest`."
    articles = [r for r in rows if r["kind"] == "article"]
    background = [r for r in rows if r["kind"] != "article"]
    blocks = []
    for row in articles:
        head = (f"{row['title']}\n{row['outlet'] or 'unknown outlet'}, "
                f"{row['published'] or 'undated'}")
        if row["url"]:
            head += f"\n{row['url']}"
        summary = opening_paragraphs(store, row["id"], row["title"])
        blocks.append(f"{head}\n\n{summary}" if summary else head)
    if not articles:
        blocks.append("No article is indexed (only background documents).")
    passages = sum(r["chunks"] for r in background)
    noun = "document" if len(background) == 1 else "documents"
    listing = f"Background: {len(background)} {noun} ({passages} passages)."
    if background:
        listing += "\n" + "\n".join(f"  {title_line(r)}"
                                      for r in sorted(background, key=lambda r: r["title"]))
    blocks.append(listing)
    return "\n\n".join(blocks)


def title_line(row: dict) -> str:
    """A background document in one line: its title and how recent its facts are."""
    as_of = row.get("as_of") or row.get("published")
    return f"{row['title'] or row['id']}" + (f" (facts to {as_of})" if as_of else "")


def opening_paragraphs(store: Store, doc_id: str, title: str) -> str:
    """The document's first paragraph(s), from its first passage, as a short summary."""
    lead_id = store.lexical().lead_id(doc_id)
    text = store.get_passages([lead_id]).get(lead_id, ("", {}))[0] if lead_id else ""
    if not text:
        return ""
    # Passages are stored under a "title — heading" line (see chunking.passage_text).
    label, sep, body = text.partition("\n\n")
    if sep and label.startswith(title):
        text = body
    summary = ""
    for paragraph in (p.strip() for p in text.splitlines()):
        if not paragraph:
            continue
        candidate = f"{summary} {paragraph}".strip()
        if summary and len(candidate) > SUMMARY_MAX_CHARS:
            break
        summary = candidate
        if len(summary) >= SUMMARY_MIN_CHARS:
            break
    return _whole_sentences(summary)


def _whole_sentences(text: str) -> str:
    """Drop a sentence the passage boundary cut off (a first paragraph longer than a passage)."""
    if not text or text[-1] in SENTENCE_ENDS:
        return text
    cut = max(text.rfind(f"{end} ") for end in ".!?")
    return f"{text[: cut + 1]} …" if cut > 0 else f"{text} …"
