"""`backstory chat --json`: one conversation from stdin, exactly one JSON object per question."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from bot.cli import app

TARASOV_DOC = "background/stanislav-tarasov.md"


def run(settings, *args: str, script: str):
    return CliRunner().invoke(
        app, ["--data-dir", str(settings.data_dir), *args], input=script,
        env={"BACKSTORY_CORPUS_DIR": str(settings.corpus_dir)}, catch_exceptions=False,
    )


def json_lines(stdout: str) -> list[dict]:
    """Every stdout line must be one JSON object: nothing else may be printed there."""
    return [json.loads(line) for line in stdout.splitlines()]


def test_follow_ups_and_reset_end_to_end(ready_settings):
    script = (
        "Who is Stanislav Tarasov?\n"
        "What did he say the US wants to block?\n"
        "\n"
        "/reset\n"
        "What did he say?\n"
    )
    result = run(ready_settings, "chat", "--json", script=script)

    assert result.exit_code == 0, result.output
    first, follow_up, after_reset = json_lines(result.stdout)
    assert [first["question"], follow_up["question"], after_reset["question"]] == [
        "Who is Stanislav Tarasov?", "What did he say the US wants to block?", "What did he say?"
    ]
    # The follow-up is answered about Tarasov: cited, from a passage that names him.
    assert not follow_up["abstained"]
    assert "corridor" in follow_up["answer"]
    assert follow_up["citations"], follow_up
    assert all("Tarasov" in c["text"] for c in follow_up["citations"])
    assert f"[{follow_up['citations'][0]['n']}]" in follow_up["answer"]
    # After /reset "he" refers to nobody: the same kind of question is declined.
    assert after_reset["abstained"] is True
    assert after_reset["citations"] == []
    assert result.stderr == ""


def test_each_object_has_the_ask_json_shape(ready_settings):
    question = "Who is Stanislav Tarasov?"
    chat_result = run(ready_settings, "chat", "--json", script=f"{question}\n")
    ask_result = run(ready_settings, "ask", "--json", question, script="")

    assert chat_result.exit_code == ask_result.exit_code == 0
    (from_chat,) = json_lines(chat_result.stdout)
    (from_ask,) = json_lines(ask_result.stdout)
    assert set(from_chat["timings_ms"]) == set(from_ask["timings_ms"]) == {
        "retrieve", "generate", "total"}
    from_chat.pop("timings_ms"), from_ask.pop("timings_ms")
    assert from_chat == from_ask
    assert from_chat["citations"][0]["doc_id"] == TARASOV_DOC


def test_other_commands_are_noted_on_stderr_only(settings):
    """No index is needed (or built) when no question is asked."""
    result = run(settings, "chat", "--json", script="/help\n/about\n/reset\n/quit\nWho?\n")

    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr == (
        "ignored /help: with --json only /reset and /quit work\n"
        "ignored /about: with --json only /reset and /quit work\n"
    )
    assert not (settings.data_dir / "chroma").exists()


def test_a_refused_question_still_gets_its_line(ready_settings):
    script = f"{'x' * 1200}\nWho is Stanislav Tarasov?\n"
    result = run(ready_settings, "chat", "--json", script=script)

    assert result.exit_code == 1  # a script learns that something failed ...
    refused, answered = json_lines(result.stdout)  # ... and every question kept its line
    # The refused question is echoed by its first 200 characters and its length.
    assert refused == {"question": "x" * 200 + "…(1,200 bytes)",
                       "error": "the question is 1,200 characters; the limit is 1,000"}
    assert answered["citations"][0]["doc_id"] == TARASOV_DOC
    assert result.stderr == "error: the question is 1,200 characters; the limit is 1,000\n"
