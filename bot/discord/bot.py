"""The Discord bot: a commands.Bot with its Answerer injected, set up in setup_hook.

Dependencies are built outside the bot and handed in (discord.py's advanced_startup
example); the Q&A and maintainer commands live in cogs.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import signal
from typing import Any

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.limits import InFlight
from bot.discord.render import apology
from bot.feedback import FeedbackStore, VoteButton
from retrieval.answering.answerer import Answerer
from retrieval.errors import BackstoryError
from retrieval.redact import (  # noqa: F401 - REDACTED is re-exported for callers
    REDACTED,
    RedactingFilter,
    install_log_redaction,
    register,
)
from retrieval.settings import Settings

logger = logging.getLogger(__name__)

COMMANDS_HASH_FILE = "discord-commands.sha256"
NO_TOKEN = (
    "no Discord bot token: create an application in the Discord developer portal "
    "(https://discord.com/developers/applications → Bot → Reset Token) and set "
    "BACKSTORY_DISCORD_TOKEN (or DISCORD_TOKEN)"
)


# What the bot needs in a channel: read and answer, open and post in threads, embed /about.
INVITE_PERMISSIONS = discord.Permissions(
    view_channel=True, send_messages=True, send_messages_in_threads=True,
    create_public_threads=True, read_message_history=True, embed_links=True,
)
INVITE_SCOPES = ("bot", "applications.commands")


def invite_url(application_id: int) -> str:
    """The link a server admin opens to add the bot with the permissions it needs."""
    return discord.utils.oauth_url(application_id, permissions=INVITE_PERMISSIONS,
                                   scopes=INVITE_SCOPES)


def bot_intents() -> discord.Intents:
    """Default intents plus message content, which follow-ups in threads need (no mention)."""
    intents = discord.Intents.default()
    intents.message_content = True
    return intents


class BackstoryBotMixin:
    """What both bot classes share; mixed in before commands.Bot / commands.AutoShardedBot."""

    def __init__(self, settings: Settings, answerer: Answerer, *,
                 feedback: FeedbackStore | None = None, force_sync: bool = False,
                 **options: Any) -> None:
        super().__init__(  # type: ignore[call-arg]
            command_prefix=commands.when_mentioned,  # required; no prefix commands exist
            intents=bot_intents(),
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
            **options,
        )
        self.settings = settings
        self.answerer = answerer
        self.feedback = feedback or FeedbackStore(settings.feedback_db)
        self.force_sync = force_sync
        self.in_flight = InFlight()

    async def setup_hook(self) -> None:
        from bot.discord.admin import AdminCog
        from bot.discord.cog import QACog

        await asyncio.to_thread(self.answerer.ensure_index)
        await self.add_cog(QACog(self))  # type: ignore[arg-type]
        await self.add_cog(AdminCog(self))  # type: ignore[arg-type]
        self.add_dynamic_items(VoteButton)
        self.tree.error(self.on_app_command_error)
        await self.sync_commands(force=self.force_sync)

    async def on_message(self, message: discord.Message) -> None:
        """Questions are handled by the Q&A cog's listener; there are no prefix commands."""

    async def on_ready(self) -> None:
        logger.info("connected as %s to %d servers; invite it with %s", self.user,
                    len(self.guilds), invite_url(self.application_id or 0))

    # --- slash command sync --------------------------------------------------------------
    def commands_digest(self) -> str:
        """A hash of what `tree.sync` would register, for this application."""
        payload = sorted((c.to_dict(self.tree) for c in self.tree.get_commands()),
                         key=lambda d: (d["name"], d.get("type", 1)))
        blob = json.dumps({"application_id": self.application_id, "commands": payload},
                          sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()

    async def sync_commands(self, force: bool = False) -> bool:
        """Sync when asked or when the definitions changed (Discord caps creations per day)."""
        path = self.settings.data_dir / COMMANDS_HASH_FILE
        digest = self.commands_digest()
        if not force and path.exists() and path.read_text().strip() == digest:
            logger.info("slash commands unchanged since the last sync")
            return False
        try:
            synced = await self.tree.sync()
        except discord.HTTPException:
            # The commands registered before still work; try again at the next start.
            logger.exception("syncing the slash commands failed")
            return False
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(digest + "\n")
        logger.info("synced %d slash commands (global; may take a while to show)", len(synced))
        return True

    # --- errors --------------------------------------------------------------------------
    async def on_app_command_error(self, interaction: discord.Interaction,
                                   error: app_commands.AppCommandError) -> None:
        """Any failure in a slash command: a traceback in the log, a short apology in Discord."""
        original = getattr(error, "original", error)
        if isinstance(original, BackstoryError):
            text = apology(str(original))
        else:
            name = interaction.command.name if interaction.command else "?"
            logger.error("/%s failed", name, exc_info=original)
            text = apology()
        try:
            if interaction.response.is_done():
                await interaction.followup.send(text, ephemeral=True)
            else:
                await interaction.response.send_message(text, ephemeral=True)
        except discord.HTTPException:
            logger.warning("could not send the apology", exc_info=True)


class BackstoryBot(BackstoryBotMixin, commands.Bot):
    """The bot for one process and up to a couple of thousand servers."""


class ShardedBackstoryBot(BackstoryBotMixin, commands.AutoShardedBot):
    """The same bot, sharded automatically (settings.discord_sharded)."""


def make_bot(settings: Settings, answerer: Answerer, **options: Any) -> BackstoryBot:
    cls = ShardedBackstoryBot if settings.discord_sharded else BackstoryBot
    return cls(settings, answerer, **options)  # type: ignore[return-value]


def install_redaction(secret: str) -> RedactingFilter:
    """Redact the token (and the other registered secrets) from every root handler's records."""
    register(secret)
    return install_log_redaction()


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


async def serve(bot: commands.Bot, token: str, grace_s: float) -> None:
    """Run until Discord refuses us or a stop signal comes; then let answers finish, close.

    discord.py's Client.run handles only SIGINT (as KeyboardInterrupt, which cancels answers
    being written) and dies on SIGTERM, what systemd and `docker stop` send, without closing
    the gateway. Here both signals stop new work, wait up to grace_s for the work in hand
    (a second signal cuts the wait short), then close the gateway and the HTTP session.
    """
    loop = asyncio.get_running_loop()
    stop, hurry = asyncio.Event(), asyncio.Event()

    def on_signal() -> None:
        (hurry if stop.is_set() else stop).set()

    installed = []
    for sig in STOP_SIGNALS:
        try:
            loop.add_signal_handler(sig, on_signal)
            installed.append(sig)
        except (NotImplementedError, RuntimeError):  # Windows: Ctrl-C stays KeyboardInterrupt
            pass
    try:
        async with bot:
            running = asyncio.create_task(bot.start(token))
            stopping = asyncio.create_task(stop.wait())
            await asyncio.wait({running, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if running.done():
                stopping.cancel()
                running.result()  # Discord's refusal (bad token, intents) surfaces here
                return
            in_flight = getattr(bot, "in_flight", None)
            if in_flight is not None:
                logger.info("stopping: letting %d answer(s) in flight finish (up to %.0f s)",
                            in_flight.count, grace_s)
                if not await in_flight.drain(grace_s, hurry):
                    logger.warning("stopping with %d answer(s) unfinished", in_flight.count)
            # Stop the gateway reader before closing: Client.close() while it is reading
            # makes aiohttp wake the reader, which then closes with discord.py's 4000
            # (a resumable close: the bot would linger online) instead of a clean 1000.
            running.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await running
            await bot.close()  # closes the gateway with 1000, then the HTTP session
            logger.info("disconnected from Discord")
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)


def run(settings: Settings, answerer: Answerer, *, force_sync: bool = False) -> None:
    """Connect and serve until interrupted; Discord's refusals become BackstoryErrors."""
    if settings.discord_token is None:
        raise BackstoryError(NO_TOKEN)
    token = settings.discord_token.get_secret_value().strip()
    if not token:
        raise BackstoryError(NO_TOKEN)
    install_redaction(token)
    bot = make_bot(settings, answerer, force_sync=force_sync)
    try:
        asyncio.run(serve(bot, token, settings.discord_shutdown_grace_s))
    except discord.LoginFailure:
        raise BackstoryError(
            "Discord refused the token; copy it again from the developer portal (Bot → Reset "
            "Token) into BACKSTORY_DISCORD_TOKEN") from None
    except discord.PrivilegedIntentsRequired:
        raise BackstoryError(
            "turn on the Message Content intent for the bot in the developer portal "
            "(Bot → Privileged Gateway Intents), then start it again") from None
    except (OSError, aiohttp.ClientError, discord.GatewayNotFound) as err:
        # No network, DNS, a proxy or a firewall: say which, in one line, not a traceback
        # (the bot logs by default, so the OSError edge in the CLI would print one).
        logger.debug("connecting to Discord failed", exc_info=True)
        detail = " ".join(str(err).split())[:200] or type(err).__name__
        raise BackstoryError(f"cannot reach Discord ({detail}); check the network "
                             "connection and any proxy or firewall, then start it again"
                             ) from None
