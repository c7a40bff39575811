"""Discord without the network: the bot's real objects, with HTTP answered in-process.

discord.py sends everything through two choke points: `HTTPClient.request` (channel
messages, threads, command sync, CDN downloads) and `AsyncWebhookAdapter.request`
(interaction responses and follow-ups). `FakeDiscord` replaces both, records each call with
its JSON payload exactly as discord.py built it, and answers with payloads shaped like
Discord's, so the handlers, `Interaction`, `Message`, views and `AllowedMentions` merging
all run for real. Gateway objects (guild, channels, members, messages, interactions) are
built from payload dicts through the bot's own `ConnectionState`, as discord.py's tests do.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from dataclasses import dataclass
from typing import Any

import discord
from discord.webhook.async_ import AsyncWebhookAdapter, async_context

BOT_ID = 900_000_000_000_000_001
APP_ID = 900_000_000_000_000_002
GUILD_ID = 900_000_000_000_000_003
CHANNEL_ID = 900_000_000_000_000_004
OTHER_CHANNEL_ID = 900_000_000_000_000_005
ADMIN_ROLE_ID = 900_000_000_000_000_006
SUPPRESS_EMBEDS = 1 << 2
EPHEMERAL = 1 << 6
NOW = "2026-11-27T12:00:00+00:00"


@dataclass
class Call:
    method: str
    path: str  # the route template, e.g. /channels/{channel_id}/messages
    url: str
    payload: Any
    response: Any = None

    @property
    def content(self) -> str:
        return (self.payload or {}).get("content") or ""


def user_payload(user_id: int, name: str, bot: bool = False) -> dict:
    return {"id": str(user_id), "username": name, "discriminator": "0", "global_name": name,
            "avatar": None, "bot": bot}


def member_payload(user_id: int, name: str, roles: list[int] = ()) -> dict:
    return {"user": user_payload(user_id, name), "roles": [str(r) for r in roles],
            "joined_at": NOW, "deaf": False, "mute": False, "flags": 0}


class RecordingWebhookAdapter(AsyncWebhookAdapter):
    """Interaction responses and follow-ups, recorded instead of sent."""

    def __init__(self, fake: FakeDiscord) -> None:
        super().__init__()
        self.fake = fake

    async def request(self, route, session=None, *, payload=None, multipart=None, files=None,
                      params=None, **_: Any) -> Any:
        if payload is None and multipart:
            payload = json.loads(multipart[0]["value"])
        return self.fake.record(route, payload)


class FakeDiscord:
    """Stands in for discord.com: records requests, returns Discord-shaped payloads."""

    def __init__(self, bot: discord.Client) -> None:
        self.bot = bot
        self.calls: list[Call] = []
        self.cdn: dict[str, bytes] = {}
        self.cdn_requests: list[str] = []
        self._ids = itertools.count(950_000_000_000_000_000)
        self._changed = asyncio.Event()
        self.adapter = RecordingWebhookAdapter(self)
        bot.http.request = self._http_request  # type: ignore[method-assign]
        bot.http.get_from_cdn = self._get_from_cdn  # type: ignore[method-assign]
        self.use()

    def use(self) -> None:
        """Route webhook traffic of the current task (and tasks it starts) through the fake."""
        async_context.set(self.adapter)

    def next_id(self) -> int:
        return next(self._ids)

    # --- what the bot sent -------------------------------------------------------------------
    def sent(self, method: str | None = None, contains: str = "") -> list[Call]:
        return [c for c in self.calls
                if (method is None or c.method == method) and contains in c.path]

    def messages(self) -> list[Call]:
        """Everything that created or edited a visible message, in order."""
        return [c for c in self.calls if c.payload and ("content" in c.payload
                or "embeds" in c.payload or (c.payload.get("data") or {}).get("content"))]

    async def wait_for(self, predicate, timeout: float = 10.0) -> Call:
        """Wait until a call matching predicate has been recorded (for work in tasks)."""
        async def wait() -> Call:
            while True:
                found = [c for c in self.calls if predicate(c)]
                if found:
                    return found[0]
                self._changed.clear()
                await self._changed.wait()
        return await asyncio.wait_for(wait(), timeout)

    # --- the two choke points ----------------------------------------------------------------
    async def _http_request(self, route, *, files=None, form=None, **kwargs: Any) -> Any:
        payload = kwargs.get("json")
        if payload is None and form:
            payload = json.loads(form[0]["value"])
        return self.record(route, payload)

    async def _get_from_cdn(self, url: str) -> bytes:
        self.cdn_requests.append(url)
        return self.cdn[url]

    def record(self, route, payload: Any) -> Any:
        call = Call(route.method, route.path, route.url, payload)
        call.response = self.respond(route, payload)
        self.calls.append(call)
        self._changed.set()
        return call.response

    def respond(self, route, payload: Any) -> Any:
        path, method = route.path, route.method
        if path.endswith("/callback"):
            return {"interaction": {"id": str(route.webhook_id), "type": 2,
                                    "response_message_id": str(self.next_id())}}
        if path == "/channels/{channel_id}/messages/{message_id}/threads":
            return self.thread_payload(self.next_id(), int(route.channel_id),
                                       (payload or {}).get("name", "thread"))
        if path == "/applications/{application_id}/commands":
            return []
        if path.endswith("/typing"):
            return None
        if method in ("POST", "PATCH") and "messages" in path or path.startswith("/webhooks/"):
            channel_id = getattr(route, "channel_id", None) or CHANNEL_ID
            message_id = getattr(route, "message_id", None)
            if message_id in (None, "@original"):
                message_id = self.next_id()
            return self.message_payload(int(message_id), int(channel_id), BOT_ID, "Backstory",
                                        bot=True, **(payload or {}))
        return None

    # --- payloads --------------------------------------------------------------------------
    @staticmethod
    def message_payload(message_id: int, channel_id: int, author_id: int, author: str, *,
                        content: str = "", bot: bool = False, mentions: list[dict] = (),
                        reference: dict | None = None, components: list | None = None,
                        roles: list[int] = (), message_reference: dict | None = None,
                        **_: Any) -> dict:
        data = {
            "id": str(message_id), "channel_id": str(channel_id), "guild_id": str(GUILD_ID),
            "author": user_payload(author_id, author, bot=bot),
            "member": {k: v for k, v in member_payload(author_id, author, roles).items()
                       if k != "user"},
            "content": content, "timestamp": NOW, "edited_timestamp": None, "tts": False,
            "mention_everyone": False, "mentions": list(mentions), "mention_roles": [],
            "attachments": [], "embeds": [], "pinned": False, "type": 0, "flags": 0,
            "components": components or [],
        }
        if reference is not None:
            data["type"] = 19
            data["message_reference"] = {"message_id": reference["id"],
                                         "channel_id": reference["channel_id"],
                                         "guild_id": str(GUILD_ID)}
            data["referenced_message"] = reference
        elif message_reference is not None:  # a reply as the bot sent it: Discord echoes it
            data["type"] = 19
            data["message_reference"] = {k: str(v) for k, v in message_reference.items()
                                         if k in ("message_id", "channel_id", "guild_id")}
        return data

    @staticmethod
    def thread_payload(thread_id: int, parent_id: int, name: str, owner_id: int = BOT_ID) -> dict:
        return {"id": str(thread_id), "guild_id": str(GUILD_ID), "parent_id": str(parent_id),
                "owner_id": str(owner_id), "name": name, "type": 11, "message_count": 0,
                "member_count": 1, "rate_limit_per_user": 0, "last_message_id": None,
                "thread_metadata": {"archived": False, "auto_archive_duration": 1440,
                                    "archive_timestamp": NOW, "locked": False}}


class Harness:
    """A logged-in-looking bot in one guild with a #general channel, driven by payloads."""

    def __init__(self, bot, fake: FakeDiscord) -> None:
        self.bot = bot
        self.fake = fake
        self.state = bot._connection
        self.guild: discord.Guild = None  # type: ignore[assignment]

    @classmethod
    async def start(cls, bot) -> Harness:
        fake = FakeDiscord(bot)
        harness = cls(bot, fake)
        state = bot._connection
        state.user = discord.ClientUser(state=state, data=user_payload(BOT_ID, "Backstory", True))
        state.application_id = APP_ID
        guild = discord.Guild(state=state, data={
            "id": str(GUILD_ID), "name": "Readers", "owner_id": "1", "member_count": 3,
            "roles": [{"id": str(GUILD_ID), "name": "@everyone", "permissions": "0",
                       "position": 0, "color": 0, "hoist": False, "managed": False,
                       "mentionable": False},
                      {"id": str(ADMIN_ROLE_ID), "name": "Editors", "permissions": "32",
                       "position": 1, "color": 0, "hoist": False, "managed": False,
                       "mentionable": True}],
            "channels": [{"id": str(i), "type": 0, "name": n, "position": p,
                          "guild_id": str(GUILD_ID), "permission_overwrites": []}
                         for p, (i, n) in enumerate([(CHANNEL_ID, "general"),
                                                     (OTHER_CHANNEL_ID, "off-topic")])],
            "members": [member_payload(BOT_ID, "Backstory")],
        })
        state._add_guild(guild)
        harness.guild = guild
        await bot._async_setup_hook()
        await bot.setup_hook()
        return harness

    async def close(self) -> None:
        self.bot._connection.clear()

    # --- gateway objects ----------------------------------------------------------------------
    def channel(self, channel_id: int = CHANNEL_ID):
        return self.guild.get_channel(channel_id) or self.guild.get_thread(channel_id)

    def add_thread(self, thread_id: int, parent_id: int = CHANNEL_ID, owner_id: int = BOT_ID):
        thread = discord.Thread(guild=self.guild, state=self.state,
                                data=FakeDiscord.thread_payload(thread_id, parent_id, "t",
                                                                owner_id))
        self.guild._add_thread(thread)
        return thread

    def message(self, content: str, *, author_id: int = 42, author: str = "reader",
                channel_id: int = CHANNEL_ID, mention_bot: bool = False,
                reply_to: dict | None = None) -> discord.Message:
        mentions = [user_payload(BOT_ID, "Backstory", bot=True)] if mention_bot else []
        data = FakeDiscord.message_payload(self.fake.next_id(), channel_id, author_id, author,
                                           content=content, mentions=mentions,
                                           reference=reply_to)
        return discord.Message(state=self.state, channel=self.channel(channel_id), data=data)

    def interaction(self, command: str, *, user_id: int = 42, roles: list[int] = (),
                    channel_id: int = CHANNEL_ID, options: dict | None = None,
                    attachments: dict | None = None,
                    focused: str | None = None) -> discord.Interaction:
        """An application-command interaction (autocomplete when `focused` names an option)."""
        channel = self.channel(channel_id)
        opts = []
        for name, value in (options or {}).items():
            kind = 11 if attachments and name in attachments else 3
            opts.append({"type": kind, "name": name,
                         "value": attachments[name]["id"] if kind == 11 else value,
                         **({"focused": True} if name == focused else {})})
        data: dict = {"id": str(APP_ID + 10), "name": command, "type": 1, "options": opts}
        if attachments:
            data["resolved"] = {"attachments": {a["id"]: a for a in attachments.values()}}
        channel_data = {"id": str(channel_id), "type": 11 if isinstance(channel, discord.Thread)
                        else 0, "guild_id": str(GUILD_ID), "name": "general"}
        if isinstance(channel, discord.Thread):
            channel_data.update(parent_id=str(channel.parent_id), owner_id=str(channel.owner_id),
                                thread_metadata={"archived": False, "auto_archive_duration": 1440,
                                                 "archive_timestamp": NOW, "locked": False})
        payload = {
            "id": str(self.fake.next_id()), "application_id": str(APP_ID),
            "type": 4 if focused else 2,
            "token": f"interaction-token-{self.fake.next_id()}", "version": 1,
            "guild_id": str(GUILD_ID), "channel_id": str(channel_id), "channel": channel_data,
            "member": {**member_payload(user_id, f"user{user_id}", roles), "permissions": "0"},
            "data": data, "attachment_size_limit": 25 * 1024 * 1024, "app_permissions": "0",
            "locale": "en-US", "authorizing_integration_owners": {}, "context": 0,
        }
        return discord.Interaction(data=payload, state=self.state)

    def component_payload(self, custom_id: str, message: dict, user_id: int = 42) -> dict:
        """A button click on a message the bot sent, as INTERACTION_CREATE delivers it."""
        return {
            "id": str(self.fake.next_id()), "application_id": str(APP_ID), "type": 3,
            "token": f"interaction-token-{self.fake.next_id()}", "version": 1,
            "guild_id": str(GUILD_ID), "channel_id": str(CHANNEL_ID),
            "channel": {"id": str(CHANNEL_ID), "type": 0, "guild_id": str(GUILD_ID),
                        "name": "general"},
            "member": {**member_payload(user_id, f"user{user_id}"), "permissions": "0"},
            "message": message, "data": {"custom_id": custom_id, "component_type": 2},
            "attachment_size_limit": 25 * 1024 * 1024, "app_permissions": "0",
            "locale": "en-US", "authorizing_integration_owners": {}, "context": 0,
        }

    async def run_command(self, interaction: discord.Interaction) -> None:
        """What the tree does with INTERACTION_CREATE (`_from_interaction`), awaited in place."""
        self.fake.use()
        tree = self.bot.tree
        try:
            await tree._call(interaction)
        except discord.app_commands.AppCommandError as err:
            await tree._dispatch_error(interaction, err)

    def attachment(self, filename: str, data: bytes, size: int | None = None) -> dict:
        attachment_id = str(self.fake.next_id())
        url = f"https://cdn.discordapp.com/attachments/{CHANNEL_ID}/{attachment_id}/{filename}"
        self.fake.cdn[url] = data
        return {"id": attachment_id, "filename": filename, "size": len(data) if size is None
                else size, "url": url, "proxy_url": url, "content_type": "text/markdown"}
