"""The `backstory` command line: ingest, ask, chat, sources, eval, discord, feedback.

Imports of the engine happen inside commands, so `--help` and the chat prompt come up fast.
"""

from __future__ import annotations

import logging
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from bot.terminal_text import json_line, say
from retrieval.redact import install_log_redaction

app = typer.Typer(
    help="Cited background answers about a news article: ask in the terminal or in Discord.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
sources_app = typer.Typer(help="List or remove indexed documents.", invoke_without_command=True)
app.add_typer(sources_app, name="sources")

logger = logging.getLogger("backstory")
# A background note may list a dozen source URLs; the listing shows the first few.
SOURCE_URLS_SHOWN = 3
# Errors raised by these libraries come from the index's storage (Chroma, the records).
STORAGE_MODULES = {"chromadb", "sqlite3", "sqlalchemy"}


class State:
    verbose: int = 0
    data_dir: Path | None = None


state = State()


@app.callback()
def main_options(
    verbose: Annotated[int, typer.Option("--verbose", "-v", count=True,
                                         help="Log to stderr; -vv for debug detail.")] = 0,
    data_dir: Annotated[Path | None, typer.Option(
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
    install_log_redaction()


def load_settings():
    from pydantic import ValidationError

    from retrieval.errors import BackstoryError
    from retrieval.settings import Settings

    overrides = {"data_dir": state.data_dir} if state.data_dir else {}
    try:
        settings = Settings(**overrides)
    except ValidationError as err:
        first = err.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "settings"
        raise BackstoryError(f"bad setting BACKSTORY_{field.upper()}: {first['msg']}") from None
    except UnicodeDecodeError as err:  # pydantic-settings reads .env as UTF-8
        raise BackstoryError(f".env is not UTF-8 text (byte {err.start}); save it as UTF-8"
                             ) from None
    if settings.data_dir.exists() and not settings.data_dir.is_dir():
        raise BackstoryError(f"the data folder {settings.data_dir} is a file; point "
                             "BACKSTORY_DATA_DIR (or --data-dir) at a folder")
    return settings


@contextmanager
def user_errors():
    """Turn any failure into a one-line message and exit code 1; the traceback goes to the
    log (stderr with -v), never to the screen by default."""
    import click

    from retrieval.errors import BackstoryError

    try:
        yield
    except (typer.Exit, typer.Abort, click.exceptions.Exit, click.exceptions.Abort,
            click.ClickException):
        # typer's own ways out (an exit code chosen by the command, a declined prompt);
        # since typer 0.29 its Exit and Abort are no longer click's.
        raise
    except BackstoryError as err:
        logger.debug("user-facing error", exc_info=True)
        say(f"error: {err}", err=True)
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        say("interrupted", err=True)
        raise typer.Exit(130) from None
    except OSError as err:  # full disk, read-only or missing folders: the system's words
        logger.error("system error", exc_info=True)
        where = f": {err.filename}" if err.filename else ""
        say(f"error: {err.strerror or err}{where}", err=True)
        raise typer.Exit(1) from None
    except Exception as err:  # a library's failure (a damaged or full database, ...)
        logger.error("unexpected error", exc_info=True)
        storage = type(err).__module__.split(".")[0] in STORAGE_MODULES
        hint = "the index could not be read or written (is the disk full or read-only?); "
        say(f"error: {hint if storage else ''}{one_line(err)}; run with -v for the "
                   "details", err=True)
        raise typer.Exit(1) from None


def one_line(err: Exception) -> str:
    text = " ".join(str(err).split())[:300]
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


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
    from retrieval.answering.answerer import Answerer

    answerer = Answerer(settings)
    if answerer.store.count() == 0:
        if announce_build and settings.corpus_dir.exists():
            say(f"Building the index from {settings.corpus_dir} (first use)…", err=True)
        progress, update = progress_bar("Embedding passages")
        if progress:
            with progress:
                report = answerer.ensure_index(progress=update)
        else:
            report = answerer.ensure_index()
        if report and report.failed:
            for failure in report.failed:
                say(f"skipped {failure.origin}: {failure.reason}", err=True)
    return answerer


# --- ingest -----------------------------------------------------------------------------
@app.command()
def ingest(
    targets: Annotated[list[str] | None, typer.Argument(
        help="Files, folders or URLs (default: the corpus folder).")] = None,
    rebuild: Annotated[bool, typer.Option(
        "--rebuild", help="Drop the index and embed everything again.")] = False,
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
        store = Store(settings, make_embedder(settings))
        progress, update = progress_bar("Embedding passages")

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
            report = run_ingest(store, targets, **options)
        if as_json:
            typer.echo(json_line(report.to_json_dict()))
        else:
            say(
                f"documents: {len(report.docs_added)} added, {len(report.docs_updated)} updated, "
                f"{len(report.docs_unchanged)} unchanged, {len(report.docs_deleted)} deleted; "
                f"{report.embedded} passages embedded"
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


def at_a_terminal() -> bool:
    """Only a person at a terminal is asked; scripts and --json get the safe answer, no."""
    return sys.stdin.isatty()


def confirm_mass_delete(doc_ids: list[str], indexed: int) -> bool:
    shown = ", ".join(doc_ids[:5]) + (f" and {len(doc_ids) - 5} more" if len(doc_ids) > 5 else "")
    return typer.confirm(f"{len(doc_ids)} of {indexed} indexed documents have no file any more "
                         f"({shown}). Delete them from the index?", default=False, err=True)


# --- ask --------------------------------------------------------------------------------
@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, in quotes.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    k: Annotated[int | None, typer.Option("-k", help="Passages to retrieve.")] = None,
) -> None:
    """Answer one question with numbered, quoted sources."""
    with user_errors():
        settings = load_settings()
        answerer = make_answerer(settings)
        answer = answerer.answer(question, k=k)
        if as_json:
            typer.echo(json_line(answer.to_json_dict()))
        else:
            from bot.render import answer_plain

            say(answer_plain(answer))


# --- sources ----------------------------------------------------------------------------
@sources_app.callback()
def sources(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
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
        for row in rows:
            date = row["published"] or "undated"
            as_of = f", facts to {row['as_of']}" if row.get("as_of") else ""
            say(f"{row['id']}  [{row['kind']}] {row['title']} — "
                       f"{row['outlet'] or 'unknown outlet'}, {date}{as_of}; "
                       f"{row['chunks']} passages" + (f"\n    {row['url']}" if row["url"] else ""))
            shown = row["sources"][:SOURCE_URLS_SHOWN]
            more = len(row["sources"]) - len(shown)
            for url in shown:
                say(f"    source: {url}")
            if more:
                say(f"    … and {more} more sources (--json lists them all)")


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


# --- eval -------------------------------------------------------------------------------
@app.command("eval")
def eval_command(
    file: Annotated[Path | None, typer.Argument(
        help="Questions, one JSON object a line (default: tests/eval/questions.jsonl).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    k: Annotated[int | None, typer.Option("-k", help="Passages to retrieve.")] = None,
    baseline: Annotated[str | None, typer.Option(
        "--baseline", help="Also run a baseline side by side: naive (textbook dense RAG).")
    ] = None,
    squad: Annotated[bool, typer.Option(
        "--squad", help="Evaluate on SQuAD 2.0 instead (FILE: a SQuAD-format JSON, default "
                        "the shared copy): ingests its articles into their own index under "
                        "DATA_DIR and reports answers, citations and abstention P/R.")] = False,
    split: Annotated[str, typer.Option(
        "--split", help="With --squad: which articles, test (held out), val or train.")
    ] = "test",
    sample: Annotated[int, typer.Option(
        "--sample", help="With --squad: questions to ask, a seeded sample (0: all).")] = 300,
) -> None:
    """Score answers, citations, abstentions, retrieval and latency on an eval set."""
    with user_errors():
        from retrieval.errors import BackstoryError
        from retrieval.evaluation.harness import DEFAULT_FILE, format_report, load_questions

        if squad:
            _squad_eval(file, split, sample, k, as_json)
            return

        if baseline not in (None, "naive"):
            raise BackstoryError(f"unknown baseline {baseline!r}; the one baseline is `naive`")
        items = load_questions(file or DEFAULT_FILE)
        settings = load_settings()
        k = settings.k if k is None else k
        if not 1 <= k <= settings.max_k:
            raise BackstoryError(f"k must be between 1 and {settings.max_k}")
        runs = [_eval_run(make_answerer(settings), items, k, "ours")]
        if baseline:
            from retrieval.evaluation.baseline import NaiveRAG

            say("Building the naive baseline's index…", err=True)
            with NaiveRAG(settings) as naive:
                naive.build()
                run = _eval_run(naive, items, k, "naive")
                run.notes = {"chunks": naive.chunks, "index_seconds": round(naive.build_seconds, 1)}
                runs.append(run)
        if as_json:
            typer.echo(json_line({"file": str(file or DEFAULT_FILE), "k": k,
                                   "questions": len(items),
                                   **{run.name: run.to_json_dict() for run in runs}}))
        else:
            say(format_report(runs))


def _squad_eval(file: Path | None, split: str, sample: int, k: int | None,
                as_json: bool) -> None:
    from retrieval.errors import BackstoryError
    from retrieval.evaluation.squad import SPLITS, evaluate
    from retrieval.train.squad import DEFAULT_SQUAD

    if split not in SPLITS:
        raise BackstoryError(f"--split must be one of {', '.join(SPLITS)}, not {split!r}")
    path = file or DEFAULT_SQUAD
    if not path.is_file():
        raise BackstoryError(f"no SQuAD file at {path}; pass one: `backstory eval --squad FILE`")
    settings = load_settings()
    say(f"Indexing the SQuAD {split} articles (first run only)…", err=True)
    progress, update = progress_bar("Evaluating (squad)")
    if progress:
        with progress:
            report = evaluate(settings, path, split, sample or None, k=k, progress=update)
    else:
        report = evaluate(settings, path, split, sample or None, k=k)
    summary = report.to_json_dict()
    if as_json:
        typer.echo(json_line(summary))
        return
    for key, value in summary.items():
        say(f"{key:22} {', '.join(value) if isinstance(value, list) else value}")


def _eval_run(system, items, k: int, name: str):
    from retrieval.evaluation.harness import run_eval

    progress, update = progress_bar(f"Evaluating ({name})")
    if progress:
        with progress:
            return run_eval(system, items, k, name=name, progress=update)
    return run_eval(system, items, k, name=name)


# --- chat -------------------------------------------------------------------------------
@app.command()
def chat(
    as_json: Annotated[bool, typer.Option(
        "--json", help="Read questions from stdin, one a line (/reset starts over); print "
                       "one JSON object per question.")] = False,
    k: Annotated[int | None, typer.Option("-k", help="Passages to retrieve.")] = None,
) -> None:
    """Hold a conversation about the article; follow-ups keep the context, /help lists commands."""
    with user_errors():
        from bot.chat.loop import run_chat

        code = run_chat(load_settings(), k=k, as_json=as_json)
    if code:
        raise typer.Exit(code)


# --- discord ----------------------------------------------------------------------------
@app.command()
def discord(
    sync: Annotated[bool, typer.Option(
        "--sync", help="Register the slash commands with Discord now, changed or not.")] = False,
) -> None:
    """Run the Discord bot (token from BACKSTORY_DISCORD_TOKEN or DISCORD_TOKEN)."""
    with user_errors():
        from retrieval.errors import BackstoryError

        settings = load_settings()
        if settings.discord_token is None or not settings.discord_token.get_secret_value():
            from bot.discord.bot import NO_TOKEN

            raise BackstoryError(NO_TOKEN)
        configure_logging(max(state.verbose, 1))  # a service logs by default
        from bot.discord.bot import run

        run(settings, make_answerer(settings), force_sync=sync)


# --- feedback ---------------------------------------------------------------------------
@app.command()
def feedback(
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Summarise the 👍 / 👎 votes readers gave the bot's answers in Discord."""
    with user_errors():
        from bot.feedback import summary, summary_text

        data = summary(load_settings().feedback_db)
        if as_json:
            typer.echo(json_line(data))
        else:
            say(summary_text(data))


def main() -> None:
    app()


if __name__ == "__main__":
    main()
