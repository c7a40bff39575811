"""The REST v10 routes the bot uses, answered the way Discord answers them.

Each handler takes the server and the recorded request and returns (status, JSON payload or
None for an empty body). Discord's refusals that matter to the bot are reproduced: a reply
to a deleted message (unless fail_if_not_exists is false), content over 2,000 characters,
an interaction answered after 3 s, an unknown interaction token.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from aiohttp import web

from tests.loopback_discord import payloads as p

if TYPE_CHECKING:
    from tests.loopback_discord.server import LoopbackDiscord, Request

MAX_CONTENT = 2000
INTERACTION_DEADLINE_S = 3.0


def error(status: int, code: int, message: str, errors: dict | None = None) -> web.Response:
    body = {"message": message, "code": code, **({"errors": errors} if errors else {})}
    return web.Response(status=status, body=json.dumps(body).encode(),
                        headers={"Content-Type": "application/json"})


class Refusal(Exception):
    """Raised by a handler to answer with a Discord error."""

    def __init__(self, status: int, code: int, message: str, errors: dict | None = None):
        super().__init__(message)
        self.response = error(status, code, message, errors)


def _form_error(field: str, code: str, message: str) -> Refusal:
    return Refusal(400, 50035, "Invalid Form Body",
                   {field: {"_errors": [{"code": code, "message": message}]}})


def _check_content(body: dict) -> None:
    if len(body.get("content") or "") > MAX_CONTENT:
        raise _form_error("content", "BASE_TYPE_MAX_LENGTH",
                          f"Must be {MAX_CONTENT} or fewer in length.")


# --- who the bot is ----------------------------------------------------------------------
async def users_me(server: LoopbackDiscord, record: Request) -> tuple[int, Any]:
    return 200, {**p.user_payload(p.BOT_ID, "Backstory", bot=True), "verified": True,
                 "mfa_enabled": False, "flags": 0}


async def application(server: LoopbackDiscord, record: Request) -> tuple[int, Any]:
    return 200, p.application()


async def get_commands(server: LoopbackDiscord, record: Request, app: str) -> tuple[int, Any]:
    return 200, server.commands


async def put_commands(server: LoopbackDiscord, record: Request, app: str) -> tuple[int, Any]:
    server.commands = [{**c, "id": str(next(server.ids)), "application_id": app,
                        "version": str(next(server.ids))} for c in record.body or []]
    return 200, server.commands


# --- channel messages ----------------------------------------------------------------------
def _bot_message(server: LoopbackDiscord, channel_id: int, body: dict, *,
                 reference: dict | None = None, flags: int = 0,
                 webhook_id: int | None = None) -> dict:
    data = p.message(next(server.ids), channel_id, p.BOT_ID, "Backstory", bot=True,
                     content=body.get("content") or "", components=body.get("components"),
                     reference=reference, flags=flags | int(body.get("flags") or 0),
                     webhook_id=webhook_id)
    data["embeds"] = body.get("embeds") or []
    server.messages[int(data["id"])] = data
    return data


async def create_message(server: LoopbackDiscord, record: Request,
                         channel: str) -> tuple[int, Any]:
    body = record.body or {}
    _check_content(body)
    if body.get("nonce") and body.get("enforce_nonce"):
        # Discord returns the earlier message with this nonce instead of posting it again.
        earlier = server.nonces.get((channel, str(body["nonce"])))
        if earlier is not None:
            return 200, server.messages[earlier]
    reference = None
    wanted = body.get("message_reference")
    if wanted:
        ref_id = int(wanted["message_id"])
        reference = server.messages.get(ref_id)
        if reference is None or ref_id in server.deleted:
            if wanted.get("fail_if_not_exists", True):
                raise _form_error("message_reference", "MESSAGE_REFERENCE_UNKNOWN_MESSAGE",
                                  "Unknown message")
            reference = None  # Discord posts it as a plain message
    data = _bot_message(server, int(channel), body, reference=reference)
    if body.get("nonce"):
        server.nonces[(channel, str(body["nonce"]))] = int(data["id"])
    await server.gateway.dispatch("MESSAGE_CREATE", data)
    return 200, data


async def edit_message(server: LoopbackDiscord, record: Request, channel: str,
                       message: str) -> tuple[int, Any]:
    data = server.messages.get(int(message))
    if data is None or int(message) in server.deleted:
        raise Refusal(404, 10008, "Unknown Message")
    body = record.body or {}
    _check_content(body)
    for key in ("content", "components", "embeds"):
        if key in body:
            data[key] = body[key] or ([] if key != "content" else "")
    data["edited_timestamp"] = "2026-11-27T12:00:01+00:00"
    return 200, data


async def typing(server: LoopbackDiscord, record: Request, channel: str) -> tuple[int, Any]:
    return 204, None


async def start_thread(server: LoopbackDiscord, record: Request, channel: str,
                       message: str) -> tuple[int, Any]:
    if int(message) not in server.messages or int(message) in server.deleted:
        raise Refusal(404, 10008, "Unknown Message")
    # A thread started from a message takes the message's id.
    data = p.thread(int(message), int(channel), (record.body or {}).get("name", "thread"))
    server.threads[int(message)] = data
    await server.gateway.dispatch("THREAD_CREATE", {**data, "newly_created": True})
    return 201, data


# --- interactions ----------------------------------------------------------------------
def _interaction(server: LoopbackDiscord, token: str) -> dict:
    entry = server.interactions.get(token)
    if entry is None:
        raise Refusal(404, 10015, "Unknown Webhook")
    return entry


async def callback(server: LoopbackDiscord, record: Request, interaction: str,
                   token: str) -> tuple[int, Any]:
    entry = server.interactions.get(token)
    if entry is None or entry["payload"]["id"] != interaction:
        raise Refusal(404, 10062, "Unknown interaction")
    if entry["answered"] is not None:
        raise Refusal(400, 40060, "Interaction has already been acknowledged.")
    if time.monotonic() - entry["sent_at"] > INTERACTION_DEADLINE_S:
        raise Refusal(404, 10062, "Unknown interaction")
    body = record.body or {}
    kind = body.get("type")
    entry["answered"] = kind
    data = body.get("data") or {}
    result: dict = {"interaction": {
        "id": interaction, "type": entry["payload"]["type"],
        "response_message_loading": kind == 5,
        "response_message_ephemeral": bool(int(data.get("flags") or 0) & p.EPHEMERAL)}}
    if kind in (4, 5):  # a message (or the "thinking…" placeholder) now exists
        _check_content(data)
        channel = int(entry["payload"]["channel_id"])
        original = _bot_message(server, channel, data, flags=128 if kind == 5 else 0,
                                webhook_id=p.APP_ID)
        entry["original"] = int(original["id"])
        result["interaction"]["response_message_id"] = original["id"]
        result["resource"] = {"type": kind, "message": original}
    return 200, result


async def followup(server: LoopbackDiscord, record: Request, app: str,
                   token: str) -> tuple[int, Any]:
    entry = _interaction(server, token)
    body = record.body or {}
    _check_content(body)
    channel = int(entry["payload"]["channel_id"])
    data = _bot_message(server, channel, body, webhook_id=p.APP_ID)
    return 200, data


async def edit_webhook_message(server: LoopbackDiscord, record: Request, app: str, token: str,
                               message: str) -> tuple[int, Any]:
    entry = _interaction(server, token)
    message_id = entry.get("original") if message == "@original" else int(message)
    if message_id is None:
        raise Refusal(404, 10008, "Unknown Message")
    return await edit_message(server, record, entry["payload"]["channel_id"], str(message_id))


async def get_original(server: LoopbackDiscord, record: Request, app: str,
                       token: str) -> tuple[int, Any]:
    entry = _interaction(server, token)
    if entry.get("original") is None:
        raise Refusal(404, 10008, "Unknown Message")
    return 200, server.messages[entry["original"]]


ROUTES = [
    ("GET", r"/users/@me", users_me),
    ("GET", r"/oauth2/applications/@me", application),
    ("GET", r"/applications/(?P<app>\d+)/commands", get_commands),
    ("PUT", r"/applications/(?P<app>\d+)/commands", put_commands),
    ("POST", r"/channels/(?P<channel>\d+)/messages", create_message),
    ("PATCH", r"/channels/(?P<channel>\d+)/messages/(?P<message>\d+)", edit_message),
    ("POST", r"/channels/(?P<channel>\d+)/typing", typing),
    ("POST", r"/channels/(?P<channel>\d+)/messages/(?P<message>\d+)/threads", start_thread),
    ("POST", r"/interactions/(?P<interaction>\d+)/(?P<token>[^/]+)/callback", callback),
    ("POST", r"/webhooks/(?P<app>\d+)/(?P<token>[^/]+)", followup),
    ("PATCH", r"/webhooks/(?P<app>\d+)/(?P<token>[^/]+)/messages/(?P<message>[^/]+)",
     edit_webhook_message),
    ("GET", r"/webhooks/(?P<app>\d+)/(?P<token>[^/]+)/messages/@original", get_original),
]
