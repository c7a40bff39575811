"""Options shared by several commands, with their defaults and limits spelled out in --help.

The numbers are Settings' defaults, written here so that `backstory --help` does not import
pydantic; tests/test_cli_habits.py fails when they drift from retrieval/settings.py.
"""

from __future__ import annotations

from typing import Annotated

import typer

DEFAULT_K = 6
DEFAULT_MAX_K = 30

K_HELP = (f"Passages to retrieve: default {DEFAULT_K} (BACKSTORY_K), at most "
          f"{DEFAULT_MAX_K} (BACKSTORY_MAX_K).")

KOption = Annotated[int | None, typer.Option("-k", metavar="N", help=K_HELP)]


def joined_question(words: list[str]) -> str:
    """`backstory ask Who is Putin?` and `backstory ask "Who is Putin?"` ask the same thing."""
    return " ".join(words)
