"""Per-user cooldown, a global limit on questions answered at once, and work in flight."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

# Cooldown stamps older than this many cooldowns are forgotten when the table grows.
MAX_TRACKED_USERS = 10_000

BUSY_MESSAGE = ("I'm answering several questions right now — please ask again in a "
                "moment.")
CLOSING_MESSAGE = "I'm restarting — please ask again in a minute."


@dataclass(frozen=True)
class Refusal:
    reason: str  # "cooldown" | "busy"
    message: str
    retry_after: float = 0.0
    # The user was already told about this cooldown: a mention needs no second notice.
    already_told: bool = False


class Gate:
    """Admit a question or say politely why not; never queues, so nobody waits in silence.

    Single-threaded use from the event loop: check and admit happen without an await
    between them, so two questions cannot both take the last slot.
    """

    def __init__(self, cooldown_s: float, max_concurrent: int,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.cooldown_s = cooldown_s
        self.max_concurrent = max_concurrent
        self.clock = clock
        self.active = 0
        self._last_asked: dict[int, float] = {}
        # The cooldown each user was last told about (keyed like _last_asked): under a
        # channel's rate limit, a notice per refused message spent the budget answers need.
        self._told: dict[int, float] = {}

    def try_admit(self, user_id: int) -> Refusal | None:
        """Take a slot and start the user's cooldown, or return why not."""
        now = self.clock()
        last = self._last_asked.get(user_id)
        if last is not None and now - last < self.cooldown_s:
            wait = self.cooldown_s - (now - last)
            told = self._told.get(user_id) == last
            self._told[user_id] = last
            return Refusal("cooldown", f"You're asking quickly — please wait "
                           f"{math.ceil(wait)} s before your next question.", wait, told)
        if self.active >= self.max_concurrent:
            return Refusal("busy", BUSY_MESSAGE)
        self.active += 1
        self._stamp(user_id, now)
        return None

    def release(self) -> None:
        self.active = max(0, self.active - 1)

    def _stamp(self, user_id: int, now: float) -> None:
        if len(self._last_asked) >= MAX_TRACKED_USERS:
            self._last_asked = {u: t for u, t in self._last_asked.items()
                                if now - t < self.cooldown_s}
            self._told = {u: t for u, t in self._told.items() if u in self._last_asked}
        self._last_asked[user_id] = now


class InFlight:
    """Counts the handlers at work, so that a shutdown lets them finish and admits no more."""

    def __init__(self) -> None:
        self.count = 0
        self.closing = False
        self._idle = asyncio.Event()
        self._idle.set()

    @contextmanager
    def track(self) -> Iterator[None]:
        self.count += 1
        self._idle.clear()
        try:
            yield
        finally:
            self.count -= 1
            if self.count == 0:
                self._idle.set()

    async def drain(self, timeout: float, hurry: asyncio.Event | None = None) -> bool:
        """Admit nothing new and wait for the work in hand; False if it was cut short."""
        self.closing = True
        waits = {asyncio.ensure_future(self._idle.wait())}
        if hurry is not None:
            waits.add(asyncio.ensure_future(hurry.wait()))
        try:
            await asyncio.wait(waits, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiting in waits:
                waiting.cancel()
        return self._idle.is_set()
