"""What reaches the terminal: no escape sequences from documents or readers, bounded echoes.

A document's title, outlet and text, and a reader's question, can hold escape sequences (an
OSC 8 link that shows one address and opens another, clear-screen, a window title, a
carriage return that overwrites a line) and bidirectional overrides. `sources`, `ask`,
`chat` and `feedback` print them as plain text; `--json` keeps the values (still valid JSON)
and escapes them. Each test fails when `bot.terminal_text.printable` (or `json_line`) is
bypassed: checked by making both return their input unchanged.
"""

from __future__ import annotations

import io
import json
import re
import shutil

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.feedback import FeedbackStore
from bot.terminal_text import bounded, printable

# Everything a terminal obeys rather than prints, as the tests look for it.
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
HOSTILE_TITLE = ("Zorblat Quenvik\x1b]8;;https://evil.example/\x1b\\ profile\x1b]8;;\x1b\\"
                 "\x1b[2J\u202e")
HOSTILE_NOTE = (
    "---\n"
    'title: "Zorblat Quenvik\\e]8;;https://evil.example/\\e\\\\ profile\\e]8;;\\e\\\\\\e[2J'
    '\\u202e"\n'
    'kind: background\noutlet: "Hostile\\e[31m Terminal"\nurl: https://example.org/zq\n---\n\n'
    "Zorblat Quenvik is a Belgian chemist who studies hostile terminals.\x1b[2J\x1b]0;pwned\x07 "
    "He was born in Ghent in 1970.\r Quenvik won the Francqui Prize in 2011.\n"
)
QUESTION = "Who is Zorblat Quenvik?"


@pytest.fixture(scope="module")
def hostile_index(tmp_path_factory):
    """An index holding one note whose title, outlet and text carry escape sequences."""
    root = tmp_path_factory.mktemp("hostile-terminal")
    (root / "corpus" / "background").mkdir(parents=True)
    (root / "corpus" / "background" / "zq.md").write_text(HOSTILE_NOTE)
    result = run(root, "ingest")
    assert result.exit_code == 0, result.output
    return root


def run(root, *args: str, script: str | None = None):
    return CliRunner().invoke(app, ["--data-dir", str(root / "data"), *args], input=script,
                              env={"BACKSTORY_CORPUS_DIR": str(root / "corpus")},
                              catch_exceptions=False)


def assert_plain(text: str) -> None:
    found = sorted({f"U+{ord(c):04X}" for c in CONTROL.findall(text)})
    assert not found, f"control characters reached the terminal: {found}"


def test_printable_keeps_text_and_drops_what_a_terminal_obeys():
    assert printable(HOSTILE_TITLE) == "Zorblat Quenvik profile"
    assert printable("a\x1b[31mred\x1b[0m \x9b2Jb\rc\x07d\x00e\x7f") == "ared bcde"
    assert printable("\x1bPq#0;2;0;0;0#0~~@@vv\x1b\\after") == "after"  # a DCS (sixel) string
    # Newlines, tabs and ordinary non-ASCII text (accents, Arabic, emoji) are kept.
    kept = "Line one\n\tGhent — café, مرحبا, 👍"
    assert printable(kept) == kept


def test_sources_lists_a_hostile_title_as_plain_text(hostile_index):
    result = run(hostile_index, "sources")
    assert result.exit_code == 0, result.output
    assert "Zorblat Quenvik profile — Hostile Terminal, undated" in result.stdout
    assert_plain(result.output)


def test_ask_prints_hostile_quotes_and_titles_as_plain_text(hostile_index):
    result = run(hostile_index, "ask", QUESTION)
    assert result.exit_code == 0, result.output
    assert "[1] Zorblat Quenvik profile — Hostile Terminal" in result.stdout
    assert "Belgian chemist" in result.stdout
    assert_plain(result.output)


def test_json_keeps_the_values_and_escapes_them(hostile_index):
    """`ask --json` and `sources --json` stay JSON whose values are what was ingested."""
    asked = run(hostile_index, "ask", "--json", QUESTION)
    listed = run(hostile_index, "sources", "--json")
    for result in (asked, listed):
        assert result.exit_code == 0, result.output
        assert_plain(result.stdout)
    assert json.loads(asked.stdout)["citations"][0]["title"] == HOSTILE_TITLE
    assert json.loads(listed.stdout)[0]["outlet"] == "Hostile\x1b[31m Terminal"


def test_chat_prints_hostile_text_plainly_piped_and_as_json(hostile_index):
    script = f"{QUESTION}\n/sources\n/sources 1\nWhy\x1b]0;pwned\x07 \u202eis it?\n"
    piped = run(hostile_index, "chat", script=script)
    as_json = run(hostile_index, "chat", "--json", script=f"{QUESTION}\n")
    assert piped.exit_code == as_json.exit_code == 0, piped.output + as_json.output
    assert "Zorblat Quenvik profile — Hostile Terminal" in piped.stdout
    assert_plain(piped.output)
    assert_plain(as_json.stdout)
    assert json.loads(as_json.stdout)["citations"][0]["title"] == HOSTILE_TITLE


def test_interactive_chat_renders_answers_and_streamed_text_plainly(hostile_index, tmp_path):
    """The rich renderables chat prints at a terminal (colour off, so every escape sequence
    in the output would have come from the document)."""
    from rich.console import Console

    from bot.chat.loop import AnswerView
    from bot.render import answer_rich
    from retrieval.answering.answerer import Answerer
    from retrieval.settings import Settings

    shutil.copytree(hostile_index, tmp_path / "copy")
    settings = Settings(data_dir=tmp_path / "copy" / "data",
                        corpus_dir=tmp_path / "copy" / "corpus", _env_file=None)
    answer = Answerer(settings).answer(QUESTION)
    assert answer.citations, answer
    streamed = AnswerView(warmup=None)
    streamed.on_token("The LLM wrote\x1b[2J\x1b]0;title\x07 this")
    out = io.StringIO()
    console = Console(file=out, color_system=None, force_terminal=False, width=200)
    console.print(answer_rich(answer))
    console.print(streamed)
    assert "Zorblat Quenvik profile" in out.getvalue()
    assert "The LLM wrote this" in out.getvalue()
    assert_plain(out.getvalue())


def test_feedback_prints_a_hostile_question_plainly(tmp_path):
    from retrieval.models import Answer

    data_dir = tmp_path / "data"
    store = FeedbackStore(data_dir / "feedback.sqlite")
    answer_id = store.record_answer(Answer(
        question="Who\x1b[2J\x1b]0;pwned\x07 is \u202eTarasov?", answer="I don't know.",
        abstained=True, generator="extractive", citations=[]))
    store.record_vote(answer_id, 1, "down")
    result = CliRunner().invoke(app, ["--data-dir", str(data_dir), "feedback"])
    assert result.exit_code == 0, result.output
    assert "Who is Tarasov?" in result.stdout
    assert_plain(result.output)


# --- a huge line is not echoed back --------------------------------------------------------
def test_bounded_says_how_long_the_rest_was():
    assert bounded("short") == "short"
    assert bounded("é" * 300, limit=10) == "é" * 10 + "…(600 bytes)"


def test_chat_json_echoes_only_the_start_of_a_huge_line(hostile_index):
    """Without the bound the error object carries the whole 4 MB line back (and stderr names
    a 4 MB command)."""
    huge = "x" * 4_000_000
    result = run(hostile_index, "chat", "--json", script=f"{huge}\n/{huge}\n")
    assert result.exit_code == 1
    (error,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert error["question"] == "x" * 200 + "…(4,000,000 bytes)"
    assert "limit is 1,000" in error["error"]
    assert len(result.stdout) < 1_000
    assert len(result.stderr) < 1_000
