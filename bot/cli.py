"""The `backstory` command line: ingest, ask, chat, sources, eval, discord, feedback.

Imports of the engine happen inside commands, so `--help` and the chat prompt come up fast.
"""

from __future__ import annotations

import json
import logging
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Optional

import typer

app = typer.Typer(
    help="Cited background answers about a news article: ask in the terminal or in Discord.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
sources_app = typer.Typer(help="List or remove indexed documents.", invoke_without_command=True)
app.add_typer(sources_app, name="sources")

logger = logging.getLogger("backstory")


class State:
    verbose: int = 0
    data_dir: Path | None = None


state = State()


@app.callback()
def main_options(
    verbose: Annotated[int, typer.Option("--verbose", "-v", count=True,
                                         help="Log to stderr; -vv for debug detail.")] = 0,
    data_dir: Annotated[Optional[Path], typer.Option(
        "--data-dir", help="Where the index lives (default: BACKSTORY_DATA_DIR or ./data).")] = None,
) -> None:
    state.verbose = verbose
    state.data_dir = data_dir
    configure_logging(verbose)


def configure_logging(verbose: int) -> None:
    """Quiet unless -v: the level sits on the handler, since libraries set their own loggers'."""
    level = logging.CRITICAL + 1 if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(level)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=min(level, logging.INFO), handlers=[handler], force=True)


def load_settings():
    from pydantic import ValidationError

    from retrieval.errors import BackstoryError
    from retrieval.settings import Settings

    overrides = {"data_dir": state.data_dir} if state.data_dir else {}
    try:
        return Settings(**overrides)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "settings"
        raise BackstoryError(f"bad setting {where}: {first['msg']}") from None


@contextmanager
def user_errors():
    """Turn the one user-facing error type into a one-line message and exit code 1."""
    from retrieval.errors import BackstoryError

    try:
        yield
    except BackstoryError as err:
        logger.debug("user-facing error", exc_info=True)
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        raise typer.Exit(130) from None


def progress_bar(description: str):
    """A rich progress callback on a terminal's stderr; nothing when piped."""
    if not sys.stderr.isatty():
        return None, None
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    progress = Progress(
        "[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
        TimeRemainingColumn(), console=Console(stderr=True), transient=True,
    )
    task = progress.add_task(description, total=None)

    def update(done: int, total: int) -> None:
        progress.update(task, completed=done, total=total)

    return progress, update


def make_answerer(settings, announce_build: bool = True):
    """An Answerer over a ready index, building it from the corpus on first use."""
    from retrieval.answer import Answerer

    answerer = Answerer(settings)
    if answerer.store.count() == 0:
        if announce_build:
            typer.echo(f"Building the index from {settings.corpus_dir} (first use)…", err=True)
        progress, update = progress_bar("Embedding passages")
        if progress:
            with progress:
                report = answerer.ensure_index(progress=update)
        else:
            report = answerer.ensure_index()
        if report and report.failed:
            for failure in report.failed:
                typer.echo(f"skipped {failure.origin}: {failure.reason}", err=True)
    return answerer


# --- ingest -----------------------------------------------------------------------------
@app.command()
def ingest(
    targets: Annotated[Optional[list[str]], typer.Argument(
        help="Files, folders or URLs (default: the corpus folder).")] = None,
    rebuild: Annotated[bool, typer.Option(
        "--rebuild", help="Drop the index and embed everything again.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON report.")] = False,
) -> None:
    """Add, update and remove documents in the index; unchanged ones are skipped."""
    with user_errors():
        from retrieval.embeddings import make_embedder
        from retrieval.ingest import ingest as run_ingest
        from retrieval.store import Store

        settings = load_settings()
        store = Store(settings, make_embedder(settings))
        progress, update = progress_bar("Embedding passages")
        if progress:
            with progress:
                report = run_ingest(store, targets, rebuild=rebuild, progress=update)
        else:
            report = run_ingest(store, targets, rebuild=rebuild)
        if as_json:
            typer.echo(json.dumps(report.to_json_dict(), ensure_ascii=False))
        else:
            typer.echo(
                f"documents: {len(report.docs_added)} added, {len(report.docs_updated)} updated, "
                f"{len(report.docs_unchanged)} unchanged, {len(report.docs_deleted)} deleted; "
                f"{report.embedded} passages embedded"
            )
            for item in report.flagged:
                typer.echo(f"warning: {item['doc_id']}: instruction-like sentence (never quoted): "
                           f"{item['sentence'][:120]}", err=True)
            for failure in report.failed:
                typer.echo(f"failed: {failure.origin}: {failure.reason}", err=True)
        if report.failed:
            raise typer.Exit(1)


# --- ask --------------------------------------------------------------------------------
@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, in quotes.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    k: Annotated[Optional[int], typer.Option("-k", help="Passages to retrieve.")] = None,
) -> None:
    """Answer one question with numbered, quoted sources."""
    with user_errors():
        settings = load_settings()
        answerer = make_answerer(settings)
        answer = answerer.answer(question, k=k)
        if as_json:
            typer.echo(json.dumps(answer.to_json_dict(), ensure_ascii=False))
        else:
            from bot.render import answer_plain

            typer.echo(answer_plain(answer))


# --- sources ----------------------------------------------------------------------------
@sources_app.callback()
def sources(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
) -> None:
    """List the indexed documents: id, title, kind, outlet, date, url, passages."""
    if ctx.invoked_subcommand is not None:
        return
    with user_errors():
        from retrieval.embeddings import make_embedder
        from retrieval.store import Store

        settings = load_settings()
        rows = Store(settings, make_embedder(settings)).documents()
        if as_json:
            for row in rows:
                row.pop("origin", None)
            typer.echo(json.dumps(rows, ensure_ascii=False))
            return
        if not rows:
            typer.echo("The index is empty; run `backstory ingest`.")
            return
        for row in rows:
            date = row["published"] or "undated"
            as_of = f", facts to {row['as_of']}" if row.get("as_of") else ""
            typer.echo(f"{row['id']}  [{row['kind']}] {row['title']} — "
                       f"{row['outlet'] or 'unknown outlet'}, {date}{as_of}; "
                       f"{row['chunks']} passages" + (f"\n    {row['url']}" if row["url"] else ""))


@sources_app.command("remove")
def sources_remove(
    doc_id: Annotated[str, typer.Argument(help="The document id, as `backstory sources` shows.")],
) -> None:
    """Remove one document from the index (its file stays; delete it to keep it out)."""
    with user_errors():
        from retrieval.embeddings import make_embedder
        from retrieval.ingest import remove_document
        from retrieval.store import Store

        settings = load_settings()
        removed = remove_document(Store(settings, make_embedder(settings)), doc_id)
        typer.echo(f"removed {doc_id} ({removed} passages)")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
