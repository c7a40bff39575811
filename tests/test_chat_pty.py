"""The real interactive `backstory chat` in a pseudo-terminal: prompt, cited answer, Ctrl-C, Ctrl-D."""

from __future__ import annotations

import os
import re
import shutil
import sys
import time
from pathlib import Path

import pytest

from tests.fake_openai import Behaviour

pexpect = pytest.importorskip("pexpect")

TIMEOUT_S = 30
PROMPT = "> "
ANSI = r"(?:\x1b\[[0-9;?]*[A-Za-z])*"  # rich styles sit between the words we look for


def styled(*parts: str) -> str:
    """A pattern for parts printed in a row, with any terminal styling between them."""
    return ANSI.join(re.escape(p) for p in parts)


def backstory_command() -> list[str]:
    """The installed console script beside this interpreter, as a user would run it."""
    script = Path(sys.executable).with_name("backstory")
    if script.exists():
        return [str(script)]
    found = shutil.which("backstory")
    return [found] if found else [sys.executable, "-m", "bot.cli"]


def spawn_chat(settings, **env: str):
    command = backstory_command()
    child_env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(settings.data_dir.parent),
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
        "OMP_WAIT_POLICY": "PASSIVE",
        # pexpect does not answer prompt_toolkit's cursor-position queries as a terminal does.
        "PROMPT_TOOLKIT_NO_CPR": "1",
        "BACKSTORY_DATA_DIR": str(settings.data_dir),
        "BACKSTORY_CORPUS_DIR": str(settings.corpus_dir),
        # A worktree's code, when the tests run with PYTHONPATH pointing at it.
        **({"PYTHONPATH": os.environ["PYTHONPATH"]} if "PYTHONPATH" in os.environ else {}),
        **env,
    }
    return pexpect.spawn(command[0], [*command[1:], "chat"], env=child_env,
                         cwd=str(settings.data_dir.parent), dimensions=(40, 160),
                         encoding="utf-8", timeout=TIMEOUT_S)


def wait_for(condition, timeout_s: float = TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


def test_cited_answer_in_a_terminal_then_ctrl_d(ready_settings):
    child = spawn_chat(ready_settings)
    try:
        child.expect_exact("/help lists the commands, Ctrl-D leaves.")
        child.expect_exact(PROMPT)
        child.sendline("When did Stanislav Tarasov die?")
        # The date that answers "when" is in bold, so escape codes sit around it.
        child.expect_exact("Stanislav Tarasov died in ")
        child.expect_exact("late August 2025")
        child.expect(styled("[1] ", "Stanislav Tarasov, Russian commentator on the Caucasus, "
                            "Turkey and Iran — backstory background notes, 2026-11-27"))
        child.expect_exact(PROMPT)
        child.sendline("/sources 1")
        child.expect_exact("Turkey and Iran — Death")  # the passage, under its heading
        child.expect_exact("Timokhovo")
        child.expect_exact(PROMPT)
        child.sendcontrol("d")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0
    # The line editor kept what was typed, for the next session's up-arrow.
    history = (ready_settings.data_dir / "chat_history").read_text()
    assert "+When did Stanislav Tarasov die?" in history


def test_ctrl_c_cancels_the_answer_not_the_chat(ready_settings, fake_openai):
    fake_openai.then(Behaviour(kind="stall", seconds=3, text="Too late [1]."),
                     Behaviour(text="Stanislav Tarasov died in 2025 [1]."))
    child = spawn_chat(ready_settings, BACKSTORY_OPENAI_BASE_URL=fake_openai.base_url,
                       BACKSTORY_LLM_RETRIES="0")
    try:
        child.expect_exact(PROMPT)
        child.sendline("When did Stanislav Tarasov die?")
        wait_for(lambda: len(fake_openai.requests) == 1)  # the LLM is now "thinking"
        child.sendintr()
        child.expect_exact("Cancelled.")
        child.expect_exact(PROMPT)
        child.sendline("When did Stanislav Tarasov die?")
        child.expect_exact("Stanislav Tarasov died in 2025 [1].")
        child.expect_exact(PROMPT)
        child.sendcontrol("d")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0
    assert "Too late" not in child.before


QUIT_RUNS = 5


@pytest.mark.slow
def test_quit_at_a_fresh_prompt_exits_cleanly_every_time(ready_settings):
    """`/quit` typed before the engine has loaded: the loading thread is in onnxruntime or
    Chroma's C++ code, and tearing the interpreter down under it aborted ("terminate called
    without an active exception", exit 134) about one run in three. Five runs, five exit 0s."""
    codes = []
    for _ in range(QUIT_RUNS):
        child = spawn_chat(ready_settings)
        try:
            child.expect_exact(PROMPT)
            child.sendline("/quit")
            child.expect(pexpect.EOF)
            output = child.before
        finally:
            child.close()
        assert "terminate called" not in output, output
        codes.append((child.exitstatus, child.signalstatus))
    assert codes == [(0, None)] * QUIT_RUNS


def test_bare_words_act_as_their_commands_in_a_terminal(ready_settings):
    """`help`, `sources`, `clear`, "what can I ask?" and `exit`, typed without the slash."""
    from bot.chat.commands import NO_ANSWER_TEXT, RESET_TEXT

    child = spawn_chat(ready_settings)
    try:
        child.expect_exact(PROMPT)
        child.sendline("help")
        child.expect_exact("/sources N    show the full passage behind citation [N]")
        child.expect_exact(PROMPT)
        child.sendline("sources")
        child.expect_exact(NO_ANSWER_TEXT)
        child.expect_exact(PROMPT)
        child.sendline("What can I ask you about?")
        child.expect_exact("Background: 3 documents")
        child.expect_exact("Collective Security Treaty Organization (CSTO) and Armenia")
        child.expect_exact(PROMPT)
        child.sendline("clear")
        child.expect_exact(RESET_TEXT)
        child.expect_exact(PROMPT)
        child.sendline("exit")
        child.expect(pexpect.EOF)
        output = child.before
    finally:
        child.close()
    assert child.exitstatus == 0
    assert "I can't answer that" not in output  # none of them was taken for a question
