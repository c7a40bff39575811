"""Feedback storage and summary, and the `backstory discord` / `backstory feedback` commands."""

from __future__ import annotations

import io
import json
import logging

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.discord.bot import REDACTED, install_redaction, run
from bot.feedback import FeedbackStore, summary
from retrieval.errors import BackstoryError
from retrieval.models import Answer, Citation

TOKEN = "MTAxNTc5.fake-token.abcdefghijklmnopqrstuvwxyz0123"
VOTER, OTHER = 123_456_789_012_345_678, 876_543_210_987_654_321


def answer(question: str, abstained: bool = False) -> Answer:
    return Answer(question=question, answer=f"About {question} [1].", abstained=abstained,
                  generator="extractive",
                  citations=[Citation(n=1, doc_id="background/csto.md", title="CSTO",
                                      outlet=None, published=None, url=None, chunk_id="c1",
                                      quote="q", text="t")])


def test_discord_feedback_votes_are_recorded_once_per_user(tmp_path):
    store = FeedbackStore(tmp_path / "feedback.sqlite")
    first, second = store.record_answer(answer("one")), store.record_answer(answer("two"))
    assert store.record_vote(first, VOTER, "up")
    assert store.record_vote(first, VOTER, "down")  # changed mind: still one vote
    assert store.record_vote(first, OTHER, "up")
    assert store.record_vote(second, OTHER, "down")
    assert not store.record_vote(999, OTHER, "up")  # unknown answer: nothing recorded
    votes = store.votes()
    assert len(votes) == 3
    assert {(v["question"], v["vote"]) for v in votes} == {("one", -1), ("one", 1), ("two", -1)}
    assert votes[0]["citations"][0]["doc_id"] == "background/csto.md"
    # The same user hashes the same way (so one vote each); their id is stored nowhere.
    assert len({v["user_hash"] for v in votes}) == 2
    raw = (tmp_path / "feedback.sqlite").read_bytes()
    assert str(VOTER).encode() not in raw and str(OTHER).encode() not in raw


def test_discord_feedback_cli_prints_a_summary(tmp_path):
    data_dir = tmp_path / "data"
    empty = CliRunner().invoke(app, ["--data-dir", str(data_dir), "feedback"])
    assert empty.exit_code == 0 and "No answers recorded yet." in empty.output

    store = FeedbackStore(data_dir / "feedback.sqlite")
    a = store.record_answer(answer("Who is Tarasov?"))
    b = store.record_answer(answer("What is on Mars?", abstained=True))
    store.record_vote(a, 1, "up")
    store.record_vote(b, 1, "down")
    store.record_vote(b, 2, "down")

    human = CliRunner().invoke(app, ["--data-dir", str(data_dir), "feedback"])
    assert human.exit_code == 0, human.output
    assert "2 answers sent (1 declined); 3 votes from 2 people: 1 👍, 2 👎" in human.output
    assert "What is on Mars?" in human.output

    result = CliRunner().invoke(app, ["--data-dir", str(data_dir), "feedback", "--json"])
    data = json.loads(result.output)
    assert data == summary(data_dir / "feedback.sqlite")
    assert (data["answers"], data["votes"], data["up"], data["down"], data["voters"]) == \
        (2, 3, 1, 2, 2)


def test_discord_command_without_a_token_says_where_to_get_one(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no .env with a token here
    result = CliRunner().invoke(app, ["--data-dir", str(tmp_path / "data"), "discord"])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: no Discord bot token")
    assert "developer portal" in lines[0] and "BACKSTORY_DISCORD_TOKEN" in lines[0]
    assert "DISCORD_TOKEN" in lines[0]


def test_discord_run_refuses_an_empty_token(settings):
    with pytest.raises(BackstoryError, match="developer portal"):
        run(settings.model_copy(update={"discord_token": None}), answerer=None)


def test_discord_token_never_reaches_the_log():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        install_redaction(TOKEN)
        logging.getLogger("discord.http").warning("sent Authorization: Bot %s", TOKEN)
        logging.getLogger("backstory").error(f"token was {TOKEN}!")
    finally:
        root.removeHandler(handler)
    assert TOKEN not in stream.getvalue()
    assert stream.getvalue().count(REDACTED) == 2
