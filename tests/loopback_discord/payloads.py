"""Discord-shaped payloads for the loopback server: one guild, two channels, a few users.

The user, member, message and thread shapes are the in-process fakes' (tests/discord_fakes),
so both kinds of test speak the same dialect of Discord's API.
"""

from __future__ import annotations

import itertools
import time

from tests.discord_fakes import (
    ADMIN_ROLE_ID,
    APP_ID,
    BOT_ID,
    CHANNEL_ID,
    GUILD_ID,
    OTHER_CHANNEL_ID,
    FakeDiscord,
    member_payload,
    user_payload,
)

__all__ = ["ADMIN_ROLE_ID", "APP_ID", "BOT_ID", "CHANNEL_ID", "GUILD_ID", "OTHER_CHANNEL_ID",
           "READER_ID", "ADMIN_ID", "TOKEN", "Snowflakes", "application", "guild_create",
           "message", "thread", "interaction", "member_payload", "user_payload"]

READER_ID = 700_000_000_000_000_042
ADMIN_ID = 700_000_000_000_000_043
TOKEN = "loopback-bot-token"
DISCORD_EPOCH_MS = 1_420_070_400_000
EPHEMERAL = 1 << 6


class Snowflakes:
    """Increasing ids with the current time in their top bits, as Discord's are."""

    def __init__(self) -> None:
        self._counter = itertools.count(1)

    def __next__(self) -> int:
        return ((int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22) | (next(self._counter) & 0xFFF)


def application() -> dict:
    """GET /oauth2/applications/@me, with the keys discord.py's AppInfo reads."""
    return {"id": str(APP_ID), "name": "Backstory", "icon": None, "description": "",
            "bot_public": True, "bot_require_code_grant": False,
            "owner": user_payload(ADMIN_ID, "maintainer"), "verify_key": "0" * 64,
            "flags": 0, "team": None, "summary": "", "rpc_origins": []}


def guild_create() -> dict:
    return {
        "id": str(GUILD_ID), "name": "Readers", "owner_id": str(ADMIN_ID), "member_count": 3,
        "unavailable": False, "large": False, "features": [], "emojis": [], "stickers": [],
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
        "threads": [], "members": [{**member_payload(BOT_ID, "Backstory"),
                                    "user": user_payload(BOT_ID, "Backstory", bot=True)}],
        "voice_states": [], "presences": [], "joined_at": "2026-11-27T12:00:00+00:00",
    }


def message(message_id: int, channel_id: int, author_id: int, author: str, *,
            content: str = "", bot: bool = False, mentions: list[dict] = (),
            reference: dict | None = None, components: list | None = None,
            roles: list[int] = (), flags: int = 0, webhook_id: int | None = None) -> dict:
    data = FakeDiscord.message_payload(message_id, channel_id, author_id, author,
                                       content=content, bot=bot, mentions=mentions,
                                       reference=reference, components=components, roles=roles)
    data["flags"] = flags
    if webhook_id is not None:
        data["webhook_id"] = str(webhook_id)
    return data


def thread(thread_id: int, parent_id: int, name: str, owner_id: int = BOT_ID) -> dict:
    return FakeDiscord.thread_payload(thread_id, parent_id, name, owner_id)


def interaction(interaction_id: int, token: str, kind: int, data: dict, *, user_id: int,
                roles: list[int] = (), channel: dict, message: dict | None = None) -> dict:
    """INTERACTION_CREATE: 2 application command, 3 component, 4 autocomplete."""
    payload = {
        "id": str(interaction_id), "application_id": str(APP_ID), "type": kind,
        "token": token, "version": 1, "guild_id": str(GUILD_ID),
        "channel_id": channel["id"], "channel": channel,
        "member": {**member_payload(user_id, f"user{user_id}", roles), "permissions": "0"},
        "data": data, "attachment_size_limit": 25 * 1024 * 1024, "app_permissions": "0",
        "locale": "en-US", "guild_locale": "en-US", "authorizing_integration_owners": {},
        "context": 0, "entitlements": [],
    }
    if message is not None:
        payload["message"] = message
    return payload
