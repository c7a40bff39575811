"""At the command line's edge, a failure becomes one line and an exit code; the traceback goes to
the log.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager

import typer

from bot.terminal_text import say

logger = logging.getLogger("backstory")


# Errors raised by these libraries come from the index's storage (Chroma, the records).
STORAGE_MODULES = {"chromadb", "sqlite3", "sqlalchemy"}


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
