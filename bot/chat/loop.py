"""`backstory chat`: the interactive terminal conversation, or piped lines in and answers out.

Cold start: only prompt_toolkit and rich load before the first prompt. The engine (Chroma,
LangChain, the embedder) is built in a background thread that starts once the prompt has
been drawn, so the user types the first question while it loads.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any, NoReturn

from bot.chat.commands import as_command, run_command
from bot.chat.session import ChatSession, Warmup, interactive_factory
from bot.terminal_text import printable

if TYPE_CHECKING:
    from retrieval.settings import Settings

logger = logging.getLogger(__name__)

HISTORY_FILE = "chat_history"
PROMPT = [("bold fg:ansicyan", "> ")]
SPINNER_REFRESH_PER_SECOND = 12
CANCELLED_TEXT = "Cancelled."


def run_chat(settings: Settings, k: int | None = None, as_json: bool = False) -> int:
    """Chat on a terminal (the process ends when the chat does: see leave); with --json or
    piped input, answer stdin's lines and return the exit code."""
    from retrieval.errors import BackstoryError

    if k is not None and not 1 <= k <= settings.max_k:
        raise BackstoryError(f"k must be between 1 and {settings.max_k}")
    if as_json or not sys.stdin.isatty():
        return asyncio.run(_run_piped(settings, k, as_json))
    leave(asyncio.run(InteractiveChat(settings, k).run()))


def leave(code: int) -> NoReturn:
    """End the process once the chat is over, without the interpreter's teardown.

    The engine loads in a daemon thread; after an early /quit it may still be inside
    onnxruntime or Chroma's native code, and finalizing the interpreter under a native
    thread can abort ("terminate called without an active exception", exit 134). An index
    build has already been waited for (_finish_build) and the history file is written per
    line, so what is left to do is flush the logs and the terminal."""
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed terminal: nothing more can be shown
            pass
    os._exit(code)


async def _run_piped(settings: Settings, k: int | None, as_json: bool) -> int:
    from bot.chat.script import run_script
    from bot.startup import make_answerer

    session = ChatSession(settings, Warmup(lambda _warmup: make_answerer(settings)), k)
    return await run_script(session, sys.stdin, sys.stdout, sys.stderr, as_json)


class AnswerView:
    """What shows while an answer is produced: a spinner, then the LLM's text as it streams."""

    def __init__(self, warmup: Warmup) -> None:
        from rich.spinner import Spinner

        self.warmup = warmup
        self.spinner = Spinner("dots", style="cyan")
        self.streamed: list[str] = []
        self.status: str | None = None  # what the answerer waits for, e.g. the LLM

    def on_token(self, piece: str) -> None:
        self.streamed.append(piece)

    def on_status(self, status: str) -> None:
        self.status = status

    def __rich__(self):
        from rich.markdown import Markdown
        from rich.text import Text

        if self.streamed:
            return Markdown(printable("".join(self.streamed)).replace("[", "\\["))
        self.spinner.update(text=Text(self.status or self.warmup.status, style="dim"))
        return self.spinner


class InteractiveChat:
    """The prompt_toolkit loop; answers and command output are printed with rich."""

    def __init__(self, settings: Settings, k: int | None) -> None:
        from rich.console import Console

        self.settings = settings
        self.console = Console(highlight=False)
        self.warmup = Warmup(interactive_factory(settings))
        self.session = ChatSession(settings, self.warmup, k)
        self.current: asyncio.Task | None = None

    async def run(self) -> int:
        from prompt_toolkit import PromptSession
        from prompt_toolkit.auto_suggest import AutoSuggestFromHistory

        prompt: PromptSession[str] = PromptSession(
            history=self._history(), auto_suggest=AutoSuggestFromHistory()
        )
        # Start loading the engine only once the prompt is on screen, so the two do not
        # compete for the interpreter before the user sees it.
        prompt.app.after_render += lambda _app: self.warmup.start()
        self._banner()
        code = await self._loop(prompt)
        await self._finish_build()
        return code

    async def _loop(self, prompt) -> int:
        while True:
            try:
                line = (await prompt.prompt_async(PROMPT)).strip()
            except KeyboardInterrupt:  # Ctrl-C at the prompt clears the line, like a shell
                continue
            except EOFError:  # Ctrl-D
                return 0
            if not line:
                continue
            self._catch_sigint()
            command = as_command(line)
            if command is not None:
                # /about waits for the engine: show the spinner while it loads.
                run = self._with_spinner if not self.warmup.ready else self._cancellable
                reply = await run(run_command(command, self.session))
                if reply is not None and reply.quit:
                    return 0
                if reply is not None and reply.text:
                    self.console.print(printable(reply.text), markup=False)
                    self.console.print()
            else:
                await self._answer(line)
            while self.warmup.notes:
                self.console.print(printable(self.warmup.notes.pop(0)), style="yellow",
                                   markup=False)
            if self.warmup.failed:
                return 1

    async def _finish_build(self) -> None:
        """Let a first-use index build finish: interrupting Chroma mid-write can corrupt it."""
        if not self.warmup.building:
            return
        self._catch_sigint()
        self.console.print("Finishing the index build before leaving (Ctrl-C abandons it)…",
                           style="yellow")
        await self._cancellable(self.warmup.get())

    def _banner(self) -> None:
        how = (f"answers written by {self.settings.llm_model} and checked against the sources"
               if self.settings.uses_llm else "answers quote the sources (no language model set)")
        self.console.print("[bold]backstory chat[/bold]: ask about the article and its "
                           "background. /help lists the commands, Ctrl-D leaves.")
        self.console.print(f"[dim]{how}[/dim]")

    def _history(self):
        from prompt_toolkit.history import FileHistory, InMemoryHistory

        try:
            self.settings.data_dir.mkdir(parents=True, exist_ok=True)
            return FileHistory(str(self.settings.data_dir / HISTORY_FILE))
        except OSError:
            logger.warning("cannot keep chat history in %s", self.settings.data_dir)
            return InMemoryHistory()

    def _catch_sigint(self) -> None:
        """Make Ctrl-C cancel the running task (prompt_toolkit drops this handler at the prompt)."""
        try:
            asyncio.get_running_loop().add_signal_handler(signal.SIGINT, self._cancel_current)
        except (NotImplementedError, RuntimeError):  # Windows: Ctrl-C raises instead
            pass

    def _cancel_current(self) -> None:
        if self.current is not None and not self.current.done():
            self.current.cancel()

    async def _cancellable(self, coro: Coroutine[Any, Any, Any]) -> Any:
        """Run one answer or command as a task Ctrl-C can cancel; None when it failed."""
        from retrieval.errors import BackstoryError

        self.current = asyncio.create_task(coro)
        try:
            await asyncio.wait({self.current})
        except KeyboardInterrupt:
            self.current.cancel()
        task, self.current = self.current, None
        if task.cancelled():
            self.console.print(CANCELLED_TEXT, style="yellow")
            return None
        error = task.exception()
        if error is None:
            return task.result()
        if isinstance(error, BackstoryError):
            self.console.print(printable(f"error: {error}"), style="red", markup=False)
        else:
            logger.error("chat failed", exc_info=error)
            self.console.print(f"error: something went wrong ({type(error).__name__}); "
                               "run with -v to see the details", style="red", markup=False)
        return None

    async def _with_spinner(self, coro: Coroutine[Any, Any, Any],
                            view: AnswerView | None = None) -> Any:
        """Run a cancellable task under a spinner (or the streamed text) that then vanishes."""
        from rich.live import Live

        with Live(view or AnswerView(self.warmup), console=self.console, transient=True,
                  refresh_per_second=SPINNER_REFRESH_PER_SECOND):
            return await self._cancellable(coro)

    async def _answer(self, question: str) -> None:
        from bot.render import answer_rich

        view = AnswerView(self.warmup)
        answer = await self._with_spinner(self.session.ask(question, on_token=view.on_token,
                                                         on_status=view.on_status), view)
        if answer is not None:
            self.console.print(answer_rich(answer))
            self.console.print()
