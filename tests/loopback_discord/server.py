"""LoopbackDiscord: the server, its recording, its faults, and what a test can make happen.

It runs an aiohttp app on 127.0.0.1 in a thread with its own event loop. Tests call its
methods from the test thread (each hops onto the server's loop) and read `requests` and
`frames`, which only ever grow.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.loopback_discord import payloads as p
from tests.loopback_discord.gateway import Frame, Gateway
from tests.loopback_discord.rest import ROUTES, Refusal, error

API = "/api/v10"


@dataclass
class Request:
    """One REST request as the bot sent it, and what the server answered."""

    method: str
    path: str  # without the /api/v10 prefix
    query: dict
    body: Any  # parsed JSON (or a multipart request's payload_json), else None
    headers: dict
    status: int = 0
    response: Any = None
    at: float = field(default_factory=time.monotonic)

    @property
    def content(self) -> str:
        body = self.body if isinstance(self.body, dict) else {}
        return body.get("content") or (body.get("data") or {}).get("content") or ""


@dataclass
class Fault:
    """What to do instead of answering the next `times` matching requests."""

    method: str
    pattern: str  # a regular expression matched against the path
    kind: str  # "429", "5xx", "drop" (before handling), "drop-after" (after) or "delay"
    times: int = 1
    retry_after: float = 0.5
    status: int = 500
    seconds: float = 0.0


class LoopbackDiscord:
    """Discord's REST v10, gateway and CDN on one loopback port."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.frames: list[Frame] = []
        self.faults: list[Fault] = []
        self.ids = p.Snowflakes()
        self.messages: dict[int, dict] = {}  # every message, by id
        self.deleted: set[int] = set()
        self.nonces: dict[tuple[str, str], int] = {}  # (channel, nonce) -> message id
        self.threads: dict[int, dict] = {}
        self.commands: list[dict] = []
        self.interactions: dict[str, dict] = {}  # token -> {"payload", "sent_at", "answered"}
        self.cdn: dict[str, bytes] = {}
        self.bucket: tuple[int, float] | None = None  # (requests, seconds) per channel route
        self._buckets: dict[str, list[float]] = {}
        self.gateway = Gateway(self)
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.port = 0

    # --- lifecycle -----------------------------------------------------------------------
    def start(self) -> LoopbackDiscord:
        self._thread.start()
        self.call(self._start())
        return self

    async def _start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("GET", "/gateway", self.gateway.handle)
        app.router.add_route("GET", "/cdn/{path:.*}", self._cdn)
        app.router.add_route("*", API + "/{path:.*}", self._rest)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]

    def stop(self) -> None:
        self.call(self._runner.cleanup())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)

    def call(self, coro, timeout: float = 10.0) -> Any:
        """Run a coroutine on the server's loop from the test thread."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    def child_env(self) -> dict[str, str]:
        """What child/sitecustomize.py reads to point discord.py here."""
        return {"LOOPBACK_DISCORD_API": self.base_url + API,
                "LOOPBACK_DISCORD_GATEWAY": self.gateway_url,
                "BACKSTORY_DISCORD_TOKEN": p.TOKEN}

    # --- what the tests read -------------------------------------------------------------
    def sent(self, method: str | None = None, pattern: str = "",
             status: int | None = None) -> list[Request]:
        return [r for r in list(self.requests)
                if (method is None or r.method == method) and re.search(pattern, r.path)
                and (status is None or r.status == status)]

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 20.0,
                 what: str = "the bot") -> Any:
        """Poll until predicate() is truthy; fail the test with `what` if it never is."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = predicate()
            if found:
                return found
            time.sleep(0.05)
        raise AssertionError(f"timed out after {timeout} s waiting for {what}")

    def wait_for_request(self, method: str, pattern: str, *, after: float = 0.0,
                         status: int | None = 200, timeout: float = 20.0,
                         where: Callable[[Request], bool] = lambda r: True) -> Request:
        def found() -> Request | None:
            hits = [r for r in self.sent(method, pattern, status) if r.at >= after and where(r)]
            return hits[0] if hits else None
        return self.wait_for(found, timeout, f"{method} {pattern}")

    def fail(self, method: str, pattern: str, kind: str, **options: Any) -> Fault:
        fault = Fault(method, pattern, kind, **options)
        self.faults.append(fault)
        return fault

    # --- what a test can make happen -----------------------------------------------------
    def say(self, content: str, *, user_id: int = p.READER_ID, channel_id: int = p.CHANNEL_ID,
            mention: bool = False, reply_to: int | None = None) -> dict:
        """A reader posts a message (MESSAGE_CREATE)."""
        if mention:
            content = f"<@{p.BOT_ID}> {content}"
        mentions = [p.user_payload(p.BOT_ID, "Backstory", bot=True)] if mention else []
        reference = self.messages.get(reply_to) if reply_to is not None else None
        data = p.message(next(self.ids), channel_id, user_id, f"user{user_id}", content=content,
                         mentions=mentions, reference=reference)
        self.messages[int(data["id"])] = data
        self.call(self.gateway.dispatch("MESSAGE_CREATE", data))
        return data

    def delete(self, message_id: int) -> None:
        data = self.messages[message_id]
        self.deleted.add(message_id)
        self.call(self.gateway.dispatch("MESSAGE_DELETE", {
            "id": str(message_id), "channel_id": data["channel_id"], "guild_id": str(p.GUILD_ID)}))

    def command(self, name: str, options: dict | None = None, *, user_id: int = p.READER_ID,
                roles: list[int] = (), channel_id: int = p.CHANNEL_ID,
                attachments: dict[str, tuple[str, bytes]] | None = None,
                focused: str | None = None) -> dict:
        """A reader runs a slash command (or types into an autocompleted option)."""
        command = next((c for c in self.commands if c["name"] == name), None)
        opts, resolved = [], {}
        for key, value in (options or {}).items():
            opts.append({"type": 3, "name": key, "value": value,
                         **({"focused": True} if key == focused else {})})
        for key, (filename, body) in (attachments or {}).items():
            attachment_id = str(next(self.ids))
            url = f"{self.base_url}/cdn/attachments/{channel_id}/{attachment_id}/{filename}"
            self.cdn[url.split("/cdn/", 1)[1]] = body
            resolved[attachment_id] = {"id": attachment_id, "filename": filename,
                                       "size": len(body), "url": url, "proxy_url": url,
                                       "content_type": "text/markdown"}
            opts.append({"type": 11, "name": key, "value": attachment_id})
        data: dict = {"id": command["id"] if command else str(next(self.ids)), "name": name,
                      "type": 1, "options": opts}
        if resolved:
            data["resolved"] = {"attachments": resolved}
        return self._interact(4 if focused else 2, data, user_id, roles, channel_id)

    def click(self, custom_id: str, message: dict, *, user_id: int = p.READER_ID) -> dict:
        """A reader presses a button under one of the bot's messages."""
        return self._interact(3, {"custom_id": custom_id, "component_type": 2}, user_id, (),
                              int(message["channel_id"]), message=message)

    def _interact(self, kind: int, data: dict, user_id: int, roles, channel_id: int,
                  message: dict | None = None) -> dict:
        token = f"interaction-token-{next(self.ids)}"
        payload = p.interaction(next(self.ids), token, kind, data, user_id=user_id, roles=roles,
                                channel=self.channel_payload(channel_id), message=message)
        self.interactions[token] = {"payload": payload, "sent_at": time.monotonic(),
                                    "answered": None}
        self.call(self.gateway.dispatch("INTERACTION_CREATE", payload))
        return payload

    def reconnect(self) -> None:
        self.call(self.gateway.reconnect())

    def invalidate(self, resumable: bool = False) -> None:
        self.call(self.gateway.invalidate(resumable))

    def drop_gateway(self) -> None:
        self.call(self.gateway.drop())

    # --- state the handlers share --------------------------------------------------------
    def guild_payload(self) -> dict:
        data = p.guild_create()
        data["threads"] = list(self.threads.values())
        return data

    def channel_payload(self, channel_id: int) -> dict:
        if channel_id in self.threads:
            return self.threads[channel_id]
        return {"id": str(channel_id), "type": 0, "guild_id": str(p.GUILD_ID), "name": "general",
                "permission_overwrites": []}

    # --- the HTTP side -------------------------------------------------------------------
    async def _cdn(self, request: web.Request) -> web.Response:
        body = self.cdn.get(request.match_info["path"])
        self.requests.append(Request("GET", "/cdn/" + request.match_info["path"], {}, None,
                                     dict(request.headers), 200 if body is not None else 404))
        if body is None:
            return web.Response(status=404)
        return web.Response(body=body, content_type="application/octet-stream")

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["path"]
        record = Request(request.method, path, dict(request.query), await _body(request),
                         dict(request.headers))
        self.requests.append(record)
        response = await self._answer(request, record)
        record.status = response.status
        return response

    async def _answer(self, request: web.Request, record: Request) -> web.StreamResponse:
        if request.headers.get("Authorization") != f"Bot {p.TOKEN}" and \
                not record.path.startswith(("/webhooks/", "/interactions/")):
            return error(401, 0, "401: Unauthorized")
        fault = self._take_fault(record)
        if fault is not None:
            if fault.kind == "429":
                return _too_many(fault.retry_after)
            if fault.kind == "5xx":
                return error(fault.status, 0, "Internal Server Error")
            if fault.kind == "drop":
                request.transport.abort()
                return web.Response(status=499)  # never reaches the bot
            if fault.kind == "delay":
                await asyncio.sleep(fault.seconds)
        limited = self._spend_bucket(record)
        if limited is not None:
            return limited
        for method, pattern, handler in ROUTES:
            match = re.fullmatch(pattern, record.path)
            if match and method == request.method:
                try:
                    status, payload = await handler(self, record, **match.groupdict())
                except Refusal as refusal:
                    return refusal.response
                record.response = payload
                if fault is not None and fault.kind == "drop-after":
                    # Done, but the answer is lost on the way back, as in a network failure.
                    request.transport.abort()
                    return web.Response(status=499)
                if payload is None:
                    return web.Response(status=status)
                return _json(status, payload, self._bucket_headers(record))
        return error(404, 0, f"404: Not Found ({request.method} {record.path})")

    def _take_fault(self, record: Request) -> Fault | None:
        for fault in self.faults:
            if fault.times > 0 and fault.method == record.method and \
                    re.search(fault.pattern, record.path):
                fault.times -= 1
                return fault
        return None

    # Channel routes carry a per-channel bucket when `bucket` is set: Discord sends its state
    # in X-RateLimit-* headers, and a bot that ignores them gets 429s.
    def _bucket_key(self, record: Request) -> str | None:
        match = re.match(r"/channels/(\d+)/messages", record.path)
        return f"{record.method}:{match.group(1)}" if match and self.bucket else None

    def _spend_bucket(self, record: Request) -> web.Response | None:
        key = self._bucket_key(record)
        if key is None:
            return None
        limit, window = self.bucket  # type: ignore[misc]
        now = time.monotonic()
        spent = [t for t in self._buckets.get(key, []) if now - t < window]
        if len(spent) >= limit:
            self._buckets[key] = spent
            return _too_many(round(window - (now - spent[0]), 3), self._bucket_headers(record))
        self._buckets[key] = spent + [now]
        return None

    def _bucket_headers(self, record: Request) -> dict:
        key = self._bucket_key(record)
        if key is None:
            return {}
        limit, window = self.bucket  # type: ignore[misc]
        spent = self._buckets.get(key, [])
        reset_after = max(0.001, window - (time.monotonic() - spent[0])) if spent else window
        return {"X-RateLimit-Limit": str(limit),
                "X-RateLimit-Remaining": str(max(0, limit - len(spent))),
                "X-RateLimit-Reset-After": f"{reset_after:.3f}",
                "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
                "X-RateLimit-Bucket": key.replace(":", "-")}


def _json(status: int, payload: Any, headers: dict | None = None) -> web.Response:
    # discord.py parses a body as JSON only when Content-Type is exactly application/json.
    # (aiohttp's content_type= would append "; charset=utf-8").
    return web.Response(status=status, body=json.dumps(payload).encode(),
                        headers={**(headers or {}), "Content-Type": "application/json"})


def _too_many(retry_after: float, headers: dict | None = None) -> web.Response:
    # Without a Via header discord.py takes a 429 for a Cloudflare ban and does not retry.
    return _json(429, {"message": "You are being rate limited.", "retry_after": retry_after,
                       "global": False},
                 {**(headers or {}), "Via": "1.1 google", "X-RateLimit-Scope": "user"})


async def _body(request: web.Request) -> Any:
    if not request.can_read_body:
        return None
    if request.content_type == "multipart/form-data":
        form = await request.post()
        raw = form.get("payload_json")
        return json.loads(raw) if isinstance(raw, str) else None
    text = await request.text()
    try:
        return json.loads(text) if text else None
    except ValueError:
        return text
