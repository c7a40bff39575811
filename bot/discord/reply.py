"""Where an answer goes (an interaction's follow-ups or a channel), and paced streaming edits."""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Callable
from typing import Any, Protocol

import aiohttp
import discord

from bot.discord.render import MAX_MESSAGE_CHARS, as_text, clip, streaming_preview

logger = logging.getLogger(__name__)

# Discord allows about 5 edits per 5 s per channel; one edit per 1.5 s leaves room for
# other messages and never trips the rate limiter.
STREAM_EDIT_INTERVAL_S = 1.5

NO_PINGS = discord.AllowedMentions.none()
QUOTE_MAX_CHARS = 200  # of the question, above an answer whose question was deleted
MIN_QUOTE_CHARS = 20  # a shorter quote says nothing; the answer goes out without it
RESENDS_AFTER_DROP = 2  # a connection that broke before Discord answered is tried again


class Replier(Protocol):
    """Sends and edits the messages of one answer."""

    async def send(self, content: str, view: discord.ui.View | None = None) -> Any: ...

    async def edit(self, message: Any, content: str,
                   view: discord.ui.View | None = None) -> None: ...


def _view(view: discord.ui.View | None) -> dict:
    # Passing view=None to an edit would strip the buttons; leave the argument out instead.
    return {"view": view} if view is not None else {}


class InteractionReplier:
    """Follow-ups of a deferred interaction; the first replaces the "thinking…" message."""

    def __init__(self, interaction: discord.Interaction, ephemeral: bool = False) -> None:
        self.interaction = interaction
        self.ephemeral = ephemeral

    async def send(self, content: str, view: discord.ui.View | None = None) -> Any:
        return await self.interaction.followup.send(
            content, wait=True, ephemeral=self.ephemeral, allowed_mentions=NO_PINGS,
            suppress_embeds=True, **_view(view))

    async def edit(self, message: Any, content: str, view: discord.ui.View | None = None) -> None:
        await message.edit(content=content, allowed_mentions=NO_PINGS, **_view(view))


def quote_question(question: str, content: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """The answer under a one-line quote of its question, within Discord's limit."""
    room = min(QUOTE_MAX_CHARS, limit - len(content) - len("> \n"))
    if room < MIN_QUOTE_CHARS:
        return content
    line = clip(" ".join(question.split()), room)
    return f"> {as_text(line)}\n{content}"


async def send_once(channel: discord.abc.Messageable, content: str, **options: Any) -> Any:
    """channel.send, tried again if the connection drops before Discord answers.

    discord.py retries a reset connection only on macOS and Windows (errno 54, 10054), so on
    Linux the answer was lost. Sending again could post it twice, had the first attempt
    reached Discord; one nonce for every attempt, which discord.py sends with
    enforce_nonce, makes Discord return the first message instead of posting another.
    """
    nonce = secrets.randbits(63)
    for attempt in range(RESENDS_AFTER_DROP + 1):
        try:
            return await channel.send(content, nonce=nonce, **options)
        except aiohttp.ClientConnectionError:
            if attempt == RESENDS_AFTER_DROP:
                raise
            logger.warning("the connection dropped while sending a message; sending again")
            await asyncio.sleep(0.5 * (attempt + 1))


class MessageReplier:
    """A reply to the asking message, or messages in the thread opened for it."""

    def __init__(self, message: discord.Message,
                 channel: discord.abc.Messageable | None = None, question: str = "") -> None:
        self.message = message
        self.channel = channel or message.channel
        self.question = question or message.content
        self._replied = False
        self._unattached: int | None = None  # the first message, if its question was deleted

    async def send(self, content: str, view: discord.ui.View | None = None) -> Any:
        options: dict = {"allowed_mentions": NO_PINGS, "suppress_embeds": True, **_view(view)}
        if not self._replied and self.channel is self.message.channel:
            self._replied = True
            # A reader may delete the question while the answer is being written. A plain
            # reply is then refused (400 MESSAGE_REFERENCE_UNKNOWN_MESSAGE) and the answer
            # lost; with fail_if_not_exists=False Discord posts it unattached instead, and
            # the quote says what it answers.
            reference = self.message.to_reference(fail_if_not_exists=False)
            sent = await send_once(self.channel, content, reference=reference,
                                   mention_author=False, **options)
            if sent.reference is None:
                self._unattached = sent.id
                await self.edit(sent, content, view)
            return sent
        return await send_once(self.channel, content, **options)

    async def edit(self, message: Any, content: str, view: discord.ui.View | None = None) -> None:
        if self._unattached is not None and message.id == self._unattached:
            content = quote_question(self.question, content)
        await message.edit(content=content, allowed_mentions=NO_PINGS, **_view(view))


class StreamingReply:
    """Show the LLM's text as it arrives, editing one message no faster than the interval."""

    def __init__(self, replier: Replier, interval: float = STREAM_EDIT_INTERVAL_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.replier = replier
        self.interval = interval
        self.clock = clock
        self.raw = ""
        self.message: Any = None
        self.shown = ""
        self.edits = 0
        self._last = clock()

    async def on_status(self, status: str) -> None:
        """Say what is being waited for (a local model may take a minute to its first
        token); the first streamed text replaces it."""
        if self.message is not None or self.raw:
            return
        try:
            self.message = await self.replier.send(f"*{status}*")
            self.shown = f"*{status}*"
            self._last = self.clock()
        except discord.HTTPException:
            logger.warning("the progress message failed", exc_info=True)

    async def on_token(self, piece: str) -> None:
        self.raw += piece
        now = self.clock()
        if now - self._last < self.interval:
            return
        preview = streaming_preview(self.raw)
        if preview == self.shown:
            return
        self._last = now
        try:
            if self.message is None:
                self.message = await self.replier.send(preview)
            else:
                await self.replier.edit(self.message, preview)
                self.edits += 1
            self.shown = preview
        except discord.HTTPException:
            # A lost preview costs nothing: the final answer replaces it.
            logger.warning("a streaming edit failed", exc_info=True)


async def deliver(replier: Replier, parts: list[str], view: discord.ui.View | None = None,
                  placeholder: Any = None) -> list[Any]:
    """Send the parts in order (the first replaces a streamed placeholder); buttons go last."""
    messages = []
    for i, part in enumerate(parts):
        last_view = view if i == len(parts) - 1 else None
        if i == 0 and placeholder is not None:
            await replier.edit(placeholder, part, last_view)
            messages.append(placeholder)
        else:
            messages.append(await replier.send(part, last_view))
    return messages
