"""Progress for embedding and evaluation runs: a rich bar on a terminal's stderr, else a
plain line now and then (a service log, a CI job or a pipe also learn how far it got)."""

from __future__ import annotations

import sys
import time

from bot.terminal_text import say

# Without a terminal, one line when the work starts, then at most one a PLAIN_EVERY_S; only
# for jobs of PLAIN_MIN_TOTAL passages or more (a few passages embed in seconds, and a
# script's stderr should then hold only what went wrong).
PLAIN_EVERY_S = 10.0
PLAIN_MIN_TOTAL = 20


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


def plain_progress(description: str, every_s: float = PLAIN_EVERY_S):
    """A progress callback that writes `description: done/total` lines to stderr."""
    last: list[float] = []

    def update(done: int, total: int) -> None:
        now = time.monotonic()
        if total < PLAIN_MIN_TOTAL or (last and now - last[0] < every_s and done < total):
            return
        last[:] = [now]
        say(f"{description}: {done}/{total}", err=True)

    return update


def run_with_progress(description: str, work, *, plain: bool = False):
    """Call work(progress=…) under a bar on a terminal, or plain lines when `plain`."""
    progress, update = progress_bar(description)
    if progress:
        with progress:
            return work(progress=update)
    if plain:
        return work(progress=plain_progress(description))
    return work()
