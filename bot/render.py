"""Answer -> terminal text (plain or rich). Discord has its own renderer (bot/discord/render.py)."""

from __future__ import annotations

from bot.terminal_text import markdown_as_text, printable
from retrieval.models import Answer, Citation


def source_label(citation: Citation) -> str:
    """Title — outlet, date[, facts to as_of]: where a passage came from, when it was written
    and, for a background note, the date its facts run to (a note written in 2026 may only
    cover events to 2020, and the reader needs to know which)."""
    outlet = citation.outlet or "unknown outlet"
    date = citation.published or "undated"
    as_of = f", facts to {citation.as_of}" if citation.as_of else ""
    return f"{citation.title} — {outlet}, {date}{as_of}"


def whose_label(citation: Citation, one_sided: str | None = None) -> str | None:
    """Who the source speaks for ("TASS, Russian state news agency"); when every source of the
    answer speaks for one side, also that the answer is that side's account alone."""
    if not citation.outlet_label:
        return None
    if one_sided:
        return (f"{citation.outlet_label} — the account of {one_sided} alone: no source from "
                "another side or an independent outlet backs this answer")
    return citation.outlet_label


def emphasised(text: str, spans: list[str], mark: str = "**") -> str:
    """`text` with the first occurrence of each span wrapped in `mark` (Markdown bold), so
    the eye finds the number, date or name that answers. Spans holding markup are skipped."""
    for span in spans:
        if not span.strip() or any(ch in span for ch in "*_`[]\\"):
            continue
        at = text.find(span)
        if at >= 0:
            text = f"{text[:at]}{mark}{span}{mark}{text[at + len(span):]}"
    return text


def answer_plain(answer: Answer) -> str:
    """The whole answer as plain text: what `backstory ask` prints."""
    # The offline answer is made of quotes; the LLM's answer may use Markdown on purpose, but
    # a terminal shows the asterisks either way.
    lines = [markdown_as_text(answer.answer)]
    if answer.notice:
        lines += ["", f"Note: {answer.notice}"]
    if answer.citations:
        lines += ["", "Sources:"]
        one_sided = answer.one_sided_account()
        for c in answer.citations:
            lines.append(f"[{c.n}] {source_label(c)}")
            if whose := whose_label(c, one_sided):
                lines.append(f"    {whose}")
            if c.url:
                lines.append(f"    {c.url}")
            if c.quote and c.quote not in answer.answer:  # not a second time
                lines.append(f"    “{markdown_as_text(c.quote)}”")
    return printable("\n".join(lines))


def answer_rich(answer: Answer):
    """Rich renderables: the answer as Markdown, then a compact numbered source list."""
    from rich.console import Group
    from rich.markdown import Markdown
    from rich.text import Text

    text = emphasised(printable(answer.answer).replace("[", "\\["), answer.emphasis)
    parts = [Markdown(text)]
    if answer.citations or answer.notice:
        parts.append(Text(""))
    if answer.notice:
        parts.append(Text(printable(f"Note: {answer.notice}"), style="yellow"))
    one_sided = answer.one_sided_account()
    for c in answer.citations:
        line = Text(f"[{c.n}] ", style="bold cyan")
        line.append(printable(source_label(c)), style="bold")
        if whose := whose_label(c, one_sided):
            line.append(printable(f"\n    {whose}"), style="yellow")
        if c.url:
            line.append(printable(f"  {c.url}"), style="dim underline")
        if c.quote and c.quote not in answer.answer:  # the answer already shows it
            line.append(printable(f"\n    “{markdown_as_text(c.quote)}”"), style="italic dim")
        parts.append(line)
    return Group(*parts)


def passage_plain(citation: Citation) -> str:
    """The full passage behind one citation (chat's /sources n)."""
    head = f"[{citation.n}] {source_label(citation)}"
    if whose := whose_label(citation):
        head += f"\n{whose}"
    if citation.url:
        head += f"\n{citation.url}"
    return printable(f"{head}\n\n{citation.text}")
