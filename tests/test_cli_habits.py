"""The command line as people type it: flags as flags, limits in --help, unquoted questions,
eval files whose errors name the field and the line, and `eval --squad` without a file."""

from __future__ import annotations

import json
import shlex

import pytest
from typer.testing import CliRunner

from bot.cli import app

COMMANDS_WITH_FLAGS = ["ask", "chat", "ingest", "sources", "eval", "discord", "feedback"]


def run(command_line: str, *extra: str):
    """Split as a shell would (no quotes given means no quotes), then run `backstory`."""
    return CliRunner().invoke(app, [*extra, *shlex.split(command_line)])


@pytest.mark.parametrize("command", COMMANDS_WITH_FLAGS)
def test_help_shows_flags_without_a_value(command):
    result = run(f"{command} --help")
    assert result.exit_code == 0, result.output
    assert "<bool>" not in result.output
    assert "--json " in result.output or "--sync " in result.output
    assert " ".join(result.output.split()).count("--help Show this message and exit.") == 1


def test_a_flag_takes_no_value():
    """`--json` is a switch; `--json true` would make `true` part of the question."""
    result = run("ask --json --help")
    assert result.exit_code == 0
    assert "--json  Print one JSON object." in result.output


@pytest.mark.parametrize("command", ["ask", "chat", "eval"])
def test_k_help_names_its_default_and_its_limit(command):
    from retrieval.settings import Settings

    default = Settings.model_fields["k"].default
    limit = Settings.model_fields["max_k"].default
    help_text = " ".join(run(f"{command} --help").output.split())
    assert f"-k N Passages to retrieve: default {default} (BACKSTORY_K), at most {limit} " \
           "(BACKSTORY_MAX_K)." in help_text


def test_an_unquoted_question_is_the_same_question(ready_settings, monkeypatch):
    monkeypatch.setenv("BACKSTORY_CORPUS_DIR", str(ready_settings.corpus_dir))
    data = ["--data-dir", str(ready_settings.data_dir)]
    unquoted = run("ask --json Who is Stanislav Tarasov?", *data)
    quoted = run('ask --json "Who is Stanislav Tarasov?"', *data)
    assert unquoted.exit_code == 0, unquoted.output
    one, other = json.loads(unquoted.stdout), json.loads(quoted.stdout)
    assert one["question"] == other["question"] == "Who is Stanislav Tarasov?"
    assert one["answer"] == other["answer"] and not one["abstained"]
    assert "Tarasov" in one["answer"]


def test_a_k_beyond_the_limit_says_the_limit(ready_settings, monkeypatch):
    monkeypatch.setenv("BACKSTORY_CORPUS_DIR", str(ready_settings.corpus_dir))
    result = run("ask -k 31 Who is Stanislav Tarasov?", "--data-dir", str(ready_settings.data_dir))
    assert result.exit_code == 1
    assert result.stderr == "error: k must be between 1 and 30\n"


@pytest.mark.parametrize("lines, expected", [
    (['{"id": "a", "q": "Who?"}'], ":1: not a valid eval question (the field `kind` is missing)"),
    (['{"id": "a", "kind": "article", "q": "Who?"}', '{"kind": "article", "q": "When?"}'],
     ":2: not a valid eval question (the field `id` is missing)"),
    (['{"id": "a", "kind": "article"}'], ":1: not a valid eval question (needs `q` or `turns`)"),
    (['{"id": "a", "kind": "article", "q": "Who?", "abstain": "maybe"}'],
     (":1: not a valid eval question (the field `abstain`: Input should be a valid boolean, "
      "unable to interpret input)")),
    (['{"id": "a", "kind": "article", "q": "Who?",}'],
     (":1: not a valid eval question (not JSON: Expecting property name enclosed in double "
      "quotes, column 44)")),
])
def test_an_eval_line_error_names_the_field_and_the_line(tmp_path, lines, expected):
    path = tmp_path / "questions.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run(f"eval {path}", "--data-dir", str(tmp_path / "data"))
    assert result.exit_code == 1
    assert result.stderr == f"error: {path}{expected}\n"


def test_eval_squad_without_a_file_says_where_the_public_data_is(tmp_path):
    result = run("eval --squad", "--data-dir", str(tmp_path / "data"))
    assert result.exit_code == 1
    assert result.stderr.startswith("error: --squad needs the SQuAD 2.0 JSON file: "
                                    "`backstory eval --squad FILE`. It is public")
    assert "https://rajpurkar.github.io/SQuAD-explorer/" in result.stderr
    missing = run(f"eval --squad {tmp_path / 'dev.json'}", "--data-dir", str(tmp_path / "data"))
    assert missing.exit_code == 1
    assert missing.stderr.startswith(f"error: no SQuAD file at {tmp_path / 'dev.json'}. ")
    assert not (tmp_path / "data").exists()  # nothing was built for a file that is not there


def test_sources_short_is_one_line_per_document(ready_settings, store_counts_all):
    base = ["--data-dir", str(ready_settings.data_dir)]
    result = run("sources --short", *base)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == store_counts_all
    assert lines[0] == ("articles/2023-06-15-sputnik-moscow-questions-washingtons-sanity.md  "
                        "[article] Moscow questions Washington's sanity amid reports of US "
                        "meddling in Karabakh — Sputnik, 2023-06-15")
    assert "background/csto.md  [background] Collective Security Treaty Organization (CSTO) " \
           "and Armenia — backstory background notes, facts to 2025-11-27" in lines
    assert len(run("sources", *base).stdout.splitlines()) > len(lines)


@pytest.fixture
def store_counts_all(ready_settings):
    from retrieval.index.embeddings import make_embedder
    from retrieval.index.store import Store

    return len(Store(ready_settings, make_embedder(ready_settings)).documents())
