"""`backstory discord` when Discord cannot be reached: one line that says so, no traceback."""

from __future__ import annotations

import socket

import discord
from typer.testing import CliRunner

from bot.cli import app

TOKEN = "MTAxNTc5.fake-token.abcdefghijklmnopqrstuvwxyz0123"


def closed_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_discord_unreachable_is_one_line(ready_settings, monkeypatch):
    monkeypatch.setattr(discord.http.Route, "BASE", f"http://127.0.0.1:{closed_port()}/api/v10")
    result = CliRunner().invoke(
        app, ["--data-dir", str(ready_settings.data_dir), "discord"],
        env={"BACKSTORY_CORPUS_DIR": str(ready_settings.corpus_dir),
             "BACKSTORY_DISCORD_TOKEN": TOKEN}, catch_exceptions=False)
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    assert "cannot reach Discord" in errors[0], errors[0]
    assert "Traceback" not in result.stderr
    assert TOKEN not in result.stderr
