"""The Q&A cog: /ask, mentions, thread and reply-chain follow-ups, /sources, /about."""

from __future__ import annotations

import asyncio
import logging
import re
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.limits import CLOSING_MESSAGE, Gate
from bot.discord.memory import Conversations
from bot.discord.render import (
    about_embed,
    answer_messages,
    apology,
    first_paragraph,
    sources_messages,
    thread_name,
)
from bot.discord.reply import (
    NO_PINGS,
    STREAM_EDIT_INTERVAL_S,
    InteractionReplier,
    MessageReplier,
    Replier,
    StreamingReply,
    deliver,
)
from bot.feedback import feedback_view
from retrieval.answering.followup import Turn
from retrieval.errors import BackstoryError

if TYPE_CHECKING:
    from bot.discord.bot import BackstoryBot

logger = logging.getLogger(__name__)

MAX_ABOUT_ARTICLES = 3  # /about shows at most this many articles (one embed each)
THREAD_ARCHIVE_MINUTES = 1440
HINT = ("Ask me about the article or its background — mention me with your question, or use "
        "`/ask`. `/about` says what the article is; `/sources` lists what I answer from.")


class QACog(commands.Cog, name="Q&A"):
    """Answers questions about the article, with numbered sources."""

    def __init__(self, bot: BackstoryBot) -> None:
        self.bot = bot
        self.settings = bot.settings
        self.gate = Gate(self.settings.discord_cooldown_s, self.settings.discord_max_concurrent)
        self.memory = Conversations(self.settings.max_history_turns)
        self.stream_interval = STREAM_EDIT_INTERVAL_S

    # --- where the bot answers ---------------------------------------------------------------
    def channel_allowed(self, channel: Any) -> bool:
        allowed = self.settings.discord_channel_ids
        if not allowed or channel is None or getattr(channel, "guild", None) is None:
            return True  # no allowlist, or a DM
        ids = {getattr(channel, "id", None), getattr(channel, "parent_id", None)}
        return bool(ids & set(allowed))

    def where_message(self) -> str:
        places = ", ".join(f"<#{i}>" for i in self.settings.discord_channel_ids)
        return f"I answer questions in {places}."

    # --- /ask --------------------------------------------------------------------------------
    @app_commands.command(name="ask")
    @app_commands.describe(question="What you want to know about the article or its background")
    async def ask(self, interaction: discord.Interaction, question: str) -> None:
        """Ask about the article; the answer cites its sources."""
        if not self.channel_allowed(interaction.channel):
            await interaction.response.send_message(self.where_message(), ephemeral=True,
                                                    allowed_mentions=NO_PINGS)
            return
        if self.bot.in_flight.closing:
            await interaction.response.send_message(CLOSING_MESSAGE, ephemeral=True)
            return
        refusal = self.gate.try_admit(interaction.user.id)
        if refusal is not None:
            await interaction.response.send_message(refusal.message, ephemeral=True)
            return
        try:
            with self.bot.in_flight.track():
                await interaction.response.defer(thinking=True)
                key = interaction.channel.id if isinstance(interaction.channel, discord.Thread) \
                    else interaction.id
                await self.answer_into(InteractionReplier(interaction), question, key)
        finally:
            self.gate.release()

    # --- mentions, replies and threads ------------------------------------------------------
    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        me = self.bot.user
        if me is None or message.author.bot or message.guild is None:
            return
        if not self.channel_allowed(message.channel):
            return
        in_thread = isinstance(message.channel, discord.Thread)
        ref_id = message.reference.message_id if message.reference else None
        chain = self.memory.key_for(ref_id)
        resolved = message.reference.resolved if message.reference else None
        replied_to_me = isinstance(resolved, discord.Message) and resolved.author.id == me.id
        my_thread = in_thread and getattr(message.channel, "owner_id", None) == me.id
        if not (me in message.mentions or chain is not None or replied_to_me or my_thread):
            return

        question = re.sub(rf"<@!?{me.id}>", " ", message.content).strip()
        if not question:
            await self._short_reply(message, HINT)
            return
        if self.bot.in_flight.closing:
            await self._short_reply(message, CLOSING_MESSAGE)
            return
        refusal = self.gate.try_admit(message.author.id)
        if refusal is not None:
            if not refusal.already_told:  # one notice per cooldown, not one per message
                await self._short_reply(message, refusal.message)
            return
        try:
            with self.bot.in_flight.track():
                replier = MessageReplier(message, question=question)
                key = message.channel.id if in_thread else chain or message.id
                if self.settings.discord_thread_per_question and not in_thread and chain is None:
                    thread = await self._open_thread(message, question)
                    if thread is not None:
                        replier = MessageReplier(message, channel=thread, question=question)
                        key = thread.id
                async with replier.channel.typing():
                    await self.answer_into(replier, question, key)
        finally:
            self.gate.release()

    @staticmethod
    async def _short_reply(message: discord.Message, text: str) -> None:
        # fail_if_not_exists=False: if the message was deleted meanwhile, say it anyway.
        await message.channel.send(text, reference=message.to_reference(fail_if_not_exists=False),
                                   mention_author=False, allowed_mentions=NO_PINGS)

    async def _open_thread(self, message: discord.Message, question: str) -> Any:
        try:
            return await message.create_thread(name=thread_name(question),
                                               auto_archive_duration=THREAD_ARCHIVE_MINUTES)
        except discord.HTTPException:
            logger.warning("could not open a thread (missing permission?); answering inline",
                           exc_info=True)
            return None

    # --- the shared answering path ------------------------------------------------------------
    async def answer_into(self, replier: Replier, question: str, key: int) -> list[Any]:
        """Answer with the conversation's history, stream if the LLM does, remember the turn."""
        stream = StreamingReply(replier, self.stream_interval) if self.bot.answerer.uses_llm \
            else None
        try:
            # Only the LLM path streams and reports progress.
            progress = {"on_token": stream.on_token, "on_status": stream.on_status} \
                if stream else {}
            answer = await self.bot.answerer.aanswer(question, self.memory.history(key),
                                                     **progress)
        except BackstoryError as err:
            await deliver(replier, [apology(str(err))], placeholder=stream and stream.message)
            return []
        except Exception:
            logger.exception("answering a question failed")
            await deliver(replier, [apology()], placeholder=stream and stream.message)
            return []
        view = None
        try:
            answer_id = await asyncio.to_thread(self.bot.feedback.record_answer, answer)
            view = feedback_view(answer_id)
        except Exception:  # feedback is a nicety; the answer still goes out
            logger.exception("recording the answer for feedback failed")
        messages = await deliver(replier, answer_messages(answer), view,
                                 placeholder=stream and stream.message)
        self.memory.add(key, Turn(answer.question, answer.answer))
        self.memory.link([m.id for m in messages if m is not None], key)
        return messages

    # --- /sources and /about --------------------------------------------------------------
    @app_commands.command(name="sources")
    async def sources(self, interaction: discord.Interaction) -> None:
        """List the article and background documents the answers come from."""
        with self.bot.in_flight.track():
            await interaction.response.defer(ephemeral=True, thinking=True)
            rows = await asyncio.to_thread(self.bot.answerer.store.documents)
            await deliver(InteractionReplier(interaction, ephemeral=True),
                          sources_messages(rows))

    @app_commands.command(name="about")
    async def about(self, interaction: discord.Interaction) -> None:
        """What the article is about, in one paragraph."""
        with self.bot.in_flight.track():
            await interaction.response.defer(thinking=True)
            embeds = await asyncio.to_thread(self._about_embeds)
            if not embeds:
                await interaction.followup.send("No article is indexed yet.", ephemeral=True)
                return
            await interaction.followup.send(embeds=embeds, allowed_mentions=NO_PINGS)

    def _about_embeds(self) -> list[discord.Embed]:
        store = self.bot.answerer.store
        articles = [r for r in store.documents() if r["kind"] == "article"][:MAX_ABOUT_ARTICLES]
        if not articles:
            return []
        lexical = store.lexical()
        first = {r["id"]: lead for r in articles if (lead := lexical.lead_id(r["id"]))}
        passages = store.get_passages(list(first.values()))
        return [about_embed(row, first_paragraph(passages.get(first[row["id"]], ("", {}))[0]))
                for row in articles if row["id"] in first]
