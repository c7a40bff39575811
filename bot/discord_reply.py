"""Where an answer goes (an interaction's follow-ups or a channel), and paced streaming edits."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, Protocol

import discord

from bot.discord_render import streaming_preview

logger = logging.getLogger(__name__)

# Discord allows about 5 edits per 5 s per channel; one edit per 1.5 s leaves room for
# other messages and never trips the rate limiter.
STREAM_EDIT_INTERVAL_S = 1.5

NO_PINGS = discord.AllowedMentions.none()


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


class MessageReplier:
    """A reply to the asking message, or messages in the thread opened for it."""

    def __init__(self, message: discord.Message,
                 channel: discord.abc.Messageable | None = None) -> None:
        self.message = message
        self.channel = channel or message.channel
        self._replied = False

    async def send(self, content: str, view: discord.ui.View | None = None) -> Any:
        options: dict = {"allowed_mentions": NO_PINGS, "suppress_embeds": True, **_view(view)}
        if not self._replied and self.channel is self.message.channel:
            self._replied = True
            return await self.message.reply(content, mention_author=False, **options)
        return await self.channel.send(content, **options)

    async def edit(self, message: Any, content: str, view: discord.ui.View | None = None) -> None:
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
