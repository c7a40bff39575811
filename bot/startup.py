"""Settings and the Answerer, built the same way for every front end (CLI, chat, Discord)."""

from __future__ import annotations

import time
from pathlib import Path

from bot.progress import run_with_progress
from bot.terminal_text import say


class State:
    verbose: int = 0
    data_dir: Path | None = None


state = State()


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


def make_answerer(settings, announce_build: bool = True):
    """An Answerer over a ready index, building it from the corpus on first use."""
    from retrieval.answering.answerer import Answerer

    answerer = Answerer(settings)
    if answerer.store.count() == 0:
        announce = announce_build and settings.corpus_dir.exists()
        if announce:
            say(f"Building the index from {settings.corpus_dir} (first use)…", err=True)
        started = time.monotonic()
        report = run_with_progress("Embedding passages", answerer.ensure_index, plain=announce)
        if report and report.failed:
            for failure in report.failed:
                say(f"skipped {failure.origin}: {failure.reason}", err=True)
        if announce and report:
            documents = len(report.docs_added) + len(report.docs_updated)
            say(f"Built the index: {documents} documents, {report.embedded} passages in "
                f"{time.monotonic() - started:.1f} s.", err=True)
    from retrieval.preload import load_vectors_in_background

    load_vectors_in_background(answerer.store)  # while the question is read and parsed
    return answerer


def ready_for(answerer, question: str) -> None:
    """Build the multilingual index first when `question` needs it and it is not built yet
    (`ask` can wait; chat and Discord build it in the background and say so)."""
    if answerer.uses_llm or not answerer.other_languages.needs_index(question):
        return
    say("Building the index for questions in other languages than English (once; about a "
        "minute)…", err=True)
    run_with_progress("Embedding passages (multilingual)", answerer.other_languages.build_index,
                      plain=True)
