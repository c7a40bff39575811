"""The real `backstory discord` as a child process, pointed at a LoopbackDiscord."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.loopback_discord.server import LoopbackDiscord

REPO = Path(__file__).resolve().parents[2]
CHILD_PATH = Path(__file__).resolve().parent / "child"  # holds sitecustomize.py
START_TIMEOUT_S = 90.0  # imports and the first index load, on 2 busy cores


class BotProcess:
    """Start, watch and stop one bot; its log (stderr and stdout) goes to a file."""

    def __init__(self, server: LoopbackDiscord, root: Path, **settings: str) -> None:
        self.server = server
        self.root = root
        self.log_path = root / f"bot-{time.monotonic_ns()}.log"
        self.env = {
            **{k: v for k, v in os.environ.items()
               if not k.startswith(("BACKSTORY_", "OPENAI_", "DISCORD_"))},
            **server.child_env(),
            "PYTHONPATH": os.pathsep.join([str(CHILD_PATH), str(REPO)]),
            "OMP_WAIT_POLICY": "PASSIVE",
            "BACKSTORY_DATA_DIR": str(root / "data"),
            "BACKSTORY_CORPUS_DIR": str(root / "corpus"),
            "BACKSTORY_DISCORD_COOLDOWN_S": "0",
            "BACKSTORY_EMBED_THREADS": "1",
            **{f"BACKSTORY_{k.upper()}": v for k, v in settings.items()},
        }
        self.proc: subprocess.Popen | None = None
        self.started_at = 0.0

    def start(self) -> BotProcess:
        """Start the bot and wait until it has identified on the gateway."""
        sessions = self.server.gateway.sessions_started
        self._log = open(self.log_path, "w")  # noqa: SIM115 (closed in stop)
        self.started_at = time.monotonic()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "discord"], cwd=self.root, env=self.env,
            stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        self.wait_for(lambda: self.server.gateway.sessions_started > sessions
                      and self.server.gateway.connected.is_set(), START_TIMEOUT_S,
                      "the bot to log in and identify")
        return self

    def wait_for(self, predicate, timeout: float = 20.0, what: str = "the bot"):
        """Like LoopbackDiscord.wait_for, but fail at once (with the log) if the bot died."""
        def check():
            if self.proc is not None and self.proc.poll() is not None:
                raise AssertionError(f"the bot exited with {self.proc.returncode} while "
                                     f"waiting for {what}:\n{self.log()[-3000:]}")
            return predicate()
        try:
            return self.server.wait_for(check, timeout, what)
        except AssertionError as err:
            if "timed out" in str(err):
                raise AssertionError(f"{err}\n--- bot log ---\n{self.log()[-3000:]}") from None
            raise

    def wait_for_request(self, method: str, pattern: str, *, after: float = 0.0,
                         status: int | None = 200, timeout: float = 20.0):
        def found():
            hits = [r for r in self.server.sent(method, pattern, status) if r.at >= after]
            return hits[0] if hits else None
        return self.wait_for(found, timeout, f"{method} {pattern}")

    def signal(self, sig: int) -> None:
        assert self.proc is not None
        self.proc.send_signal(sig)

    def wait(self, timeout: float) -> int:
        assert self.proc is not None
        return self.proc.wait(timeout)

    def stop(self) -> None:
        """Make sure the bot is gone (a test that already stopped it leaves nothing to do)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if getattr(self, "_log", None):
            self._log.close()

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""
