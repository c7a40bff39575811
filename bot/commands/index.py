"""`backstory ingest` and `backstory sources`: what is in the index."""

from __future__ import annotations

import sys
import time
from typing import Annotated

import typer

from bot.progress import plain_progress, progress_bar
from bot.startup import load_settings
from bot.terminal_text import json_line, say
from bot.user_errors import user_errors

sources_app = typer.Typer(help="List or remove indexed documents.", invoke_without_command=True)


# A background note may list a dozen source URLs; the listing shows the first few.
SOURCE_URLS_SHOWN = 3


# --- ingest -----------------------------------------------------------------------------
def ingest(
    targets: Annotated[list[str] | None, typer.Argument(
        metavar="TARGET", show_default=False, help="Files, folders or URLs (default: the corpus folder).")] = None,
    rebuild: Annotated[bool, typer.Option(
        "--rebuild", help="Drop the index and embed everything again; a document "
                        "that cannot be read again is kept as it was. With PATHs: rebuild "
                        "those, keep the rest.")] = False,
    prune: Annotated[bool, typer.Option(
        "--prune", help="Delete documents whose files are gone even when that is more than "
                        "half the index or their folder is empty.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON report.")] = False,
) -> None:
    """Add, update and remove documents in the index; unchanged ones are skipped.

    Exit 1 when a document failed or deletions were held back (see the notes)."""
    with user_errors():
        from retrieval.index.embeddings import make_embedder
        from retrieval.index.ingest import ingest as run_ingest
        from retrieval.index.store import Store

        settings = load_settings()
        started = time.monotonic()
        if not as_json:
            say(f"Indexing {what_is_read(targets, settings.corpus_dir)}: reading, then "
                "embedding new and changed passages…")
        store = Store(settings, make_embedder(settings))
        progress, update = progress_bar("Embedding passages")
        if not progress and not as_json:
            update = plain_progress("Embedding passages")

        def confirm(doc_ids: list[str], indexed: int) -> bool:
            if progress:
                progress.stop()  # the bar would draw over the question
            return confirm_mass_delete(doc_ids, indexed)

        asks = not as_json and at_a_terminal()
        options = {"rebuild": rebuild, "prune": prune, "confirm_prune": confirm if asks else None}
        if progress:
            with progress:
                report = run_ingest(store, targets, progress=update, **options)
        else:
            report = run_ingest(store, targets, progress=update, **options)
        if as_json:
            typer.echo(json_line(report.to_json_dict()))
        else:
            say(
                f"documents: {len(report.docs_added)} added, {len(report.docs_updated)} updated, "
                f"{len(report.docs_unchanged)} unchanged, {len(report.docs_deleted)} deleted; "
                f"{report.embedded} passages embedded in {time.monotonic() - started:.1f} s"
            )
            for note in report.notes:
                say(f"note: {note.origin}: {note.reason}", err=True)
            for item in report.flagged:
                say(f"warning: {item['doc_id']}: instruction-like sentence (never quoted): "
                           f"{item['sentence'][:120]}", err=True)
            for failure in report.failed:
                say(f"failed: {failure.origin}: {failure.reason}", err=True)
        if report.failed or report.docs_withheld:
            raise typer.Exit(1)


def what_is_read(targets: list[str] | None, corpus_dir) -> str:
    """`1 file (x.md)`, `the corpus folder corpus`, `3 targets`: what this ingest reads."""
    if not targets:
        return f"the corpus folder {corpus_dir}"
    if len(targets) == 1:
        return targets[0]
    return f"{len(targets)} files, folders or URLs"


def at_a_terminal() -> bool:
    """Only a person at a terminal is asked; scripts and --json get the safe answer, no."""
    return sys.stdin.isatty()


def confirm_mass_delete(doc_ids: list[str], indexed: int) -> bool:
    shown = ", ".join(doc_ids[:5]) + (f" and {len(doc_ids) - 5} more" if len(doc_ids) > 5 else "")
    return typer.confirm(f"{len(doc_ids)} of {indexed} indexed documents have no file any more "
                         f"({shown}). Delete them from the index?", default=False, err=True)


# --- sources ----------------------------------------------------------------------------
@sources_app.callback()
def sources(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
    short: Annotated[bool, typer.Option(
        "--short", help="One line per document: id, kind, title, outlet, date.")] = False,
) -> None:
    """List the indexed documents: id, title, kind, outlet, dates, url, source URLs, passages."""
    if ctx.invoked_subcommand is not None:
        return
    with user_errors():
        from retrieval.index.embeddings import make_embedder
        from retrieval.index.store import Store

        settings = load_settings()
        rows = Store(settings, make_embedder(settings)).documents()
        if as_json:
            for row in rows:
                row.pop("origin", None)
            typer.echo(json_line(rows))
            return
        if not rows:
            say("The index is empty; run `backstory ingest`.")
            return
        if short:
            for row in rows:
                say(short_line(row))
            return
        for row in rows:
            date = row["published"] or "undated"
            as_of = f", facts to {row['as_of']}" if row.get("as_of") else ""
            # "Sputnik, Russian state media" rather than "Sputnik": whose outlet it is
            outlet = row.get("outlet_label") or row["outlet"] or "unknown outlet"
            say(f"{row['id']}  [{row['kind']}] {row['title']} — "
                       f"{outlet}, {date}{as_of}; "
                       f"{row['chunks']} passages" + (f"\n    {row['url']}" if row["url"] else ""))
            labels = row.get("source_labels") or [None] * len(row["sources"])
            shown = list(zip(row["sources"], labels))[:SOURCE_URLS_SHOWN]
            more = len(row["sources"]) - len(shown)
            for url, label in shown:
                say(f"    source: {url}" + (f"  ({label})" if label else ""))
            if more:
                say(f"    … and {more} more sources (--json lists them all)")


def short_line(row: dict) -> str:
    date = f"facts to {row['as_of']}" if row.get("as_of") else row["published"] or "undated"
    return (f"{row['id']}  [{row['kind']}] {row['title']} — "
            f"{row['outlet'] or 'unknown outlet'}, {date}")


@sources_app.command("remove")
def sources_remove(
    doc_id: Annotated[str, typer.Argument(help="The document id, as `backstory sources` shows.")],
) -> None:
    """Remove one document from the index (its file stays; delete it to keep it out)."""
    with user_errors():
        from retrieval.index.embeddings import make_embedder
        from retrieval.index.ingest import remove_document
        from retrieval.index.store import Store

        settings = load_settings()
        removed = remove_document(Store(settings, make_embedder(settings)), doc_id)
        say(f"removed {doc_id} ({removed} passages)")
