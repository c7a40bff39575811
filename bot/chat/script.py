"""Chat with stdin not a terminal: one question a line, answers as plain text or JSON lines.

`--json` prints exactly one JSON object per question on stdout (the `ask --json` shape, or
`{"question", "error"}` when that question was refused) and nothing else; notes go to stderr.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, TextIO

from bot.chat.commands import as_command, is_command, run_command
from bot.terminal_text import bounded, json_line, printable

if TYPE_CHECKING:
    from bot.chat.session import ChatSession

logger = logging.getLogger(__name__)

JSON_COMMANDS = ("/reset", "/quit")


async def run_script(session: ChatSession, lines: Iterable[str], out: TextIO, err: TextIO,
                     as_json: bool) -> int:
    """Answer each line in one conversation; the exit code is 1 if any question failed."""
    from retrieval.errors import BackstoryError

    failed = 0
    printed = False
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        # With --json every line that is not a /command is a question, as documented;
        # plain piped chat reads bare words as a person typing them would mean them.
        command = line if as_json else as_command(line)
        if command is not None and is_command(command):
            line = command
            if as_json and line.split()[0].lower() not in JSON_COMMANDS:
                _write(err, f"ignored {bounded(line.split()[0])}: with --json only "
                            f"{' and '.join(JSON_COMMANDS)} work")
                continue
            reply = await run_command(line, session)
            if reply.quit:
                break
            if reply.text and not as_json:
                printed = _block(out, reply.text, printed)
            continue
        # A failure to load the index is fatal (raised here); a bad question is not.
        await session.answerer()
        try:
            answer = await session.ask(line)
        except BackstoryError as error:
            failed += 1
            _write(err, f"error: {error}")
            if as_json:
                # The question is echoed so a script can match the error to its line, but
                # only its start: a 300 MB line must not come back whole.
                _write(out, json_line({"question": bounded(line), "error": str(error)}))
            continue
        if as_json:
            _write(out, json_line(answer.to_json_dict()))
        else:
            from bot.render import answer_plain

            printed = _block(out, answer_plain(answer), printed)
    return 1 if failed else 0


def _block(out: TextIO, text: str, printed: bool) -> bool:
    """Write one reply, a blank line between replies."""
    _write(out, f"\n{text}" if printed else text)
    return True


def _write(stream: TextIO, text: str) -> None:
    # Flushed per line: a script reading our stdout through a pipe waits for each answer.
    stream.write(printable(text) + "\n")
    stream.flush()
