"""The `backstory` command line: init, ingest, ask, chat, sources, eval, discord, feedback.

The longer commands are in bot/commands/; Settings and the Answerer come from
bot/startup.py. Imports of the engine happen inside commands, so `--help` and the chat
prompt come up fast.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated

import typer

from bot.commands.evaluate import eval_command
from bot.commands.index import ingest, sources_app
from bot.commands.init import init_command
from bot.options import KOption, joined_question
from bot.startup import load_settings, make_answerer, ready_for, state
from bot.terminal_text import json_line, say
from bot.user_errors import user_errors
from retrieval.redact import install_log_redaction

app = typer.Typer(
    help="Cited background answers about a news article: ask in the terminal or in Discord.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain click help: typer's rich help prints `<bool>` after every flag (typer 0.29),
    # which reads as if `--json true` were expected.
    rich_markup_mode=None,
)
app.add_typer(sources_app, name="sources")


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


# --- init and ingest --------------------------------------------------------------------
app.command("init")(init_command)
app.command()(ingest)


# --- ask --------------------------------------------------------------------------------
@app.command()
def ask(
    question: Annotated[list[str], typer.Argument(
        metavar="QUESTION", help="The question; quotes are optional (the words are joined).",
        show_default=False)],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    k: KOption = None,
) -> None:
    """Answer one question with numbered, quoted sources."""
    with user_errors():
        settings = load_settings()
        answerer = make_answerer(settings)
        question = joined_question(question)
        ready_for(answerer, question)
        answer = answerer.answer(question, k=k)
        if as_json:
            typer.echo(json_line(answer.to_json_dict()))
        else:
            from bot.render import answer_plain

            say(answer_plain(answer))


# --- eval -------------------------------------------------------------------------------
app.command("eval")(eval_command)


# --- chat -------------------------------------------------------------------------------
@app.command()
def chat(
    as_json: Annotated[bool, typer.Option(
        "--json", help="Read questions from stdin, one a line (/reset starts over); print "
                       "one JSON object per question.")] = False,
    k: KOption = None,
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
