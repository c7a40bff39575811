"""The gateway half of the loopback Discord: HELLO, IDENTIFY/READY, heartbeats, RESUME.

One session at a time (the bot is not sharded). Events dispatched while the bot is
disconnected are kept with their sequence numbers and replayed on RESUME, as Discord does,
so a test can check that nothing is lost across a reconnect.
"""

from __future__ import annotations

import asyncio
import json
import time
import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from tests.loopback_discord import payloads as p

if TYPE_CHECKING:
    from tests.loopback_discord.server import LoopbackDiscord

DISPATCH, HEARTBEAT, IDENTIFY, RESUME, RECONNECT, INVALID_SESSION, HELLO, HEARTBEAT_ACK = (
    0, 1, 2, 6, 7, 9, 10, 11)
ABNORMAL = 1006  # what a websocket reports when the peer vanished without a close frame


@dataclass
class Frame:
    """One gateway frame or connection event, as the tests see it."""

    direction: str  # "in" (from the bot), "out" (to the bot) or "conn" (connect/close)
    op: int | None
    t: str | None = None
    d: Any = None
    at: float = field(default_factory=time.monotonic)


class Compressor:
    """Transport compression as the query string asks: zstd-stream, zlib-stream or none."""

    def __init__(self, kind: str | None) -> None:
        self.kind = kind
        if kind == "zstd-stream":
            import zstandard

            self._z = zstandard.ZstdCompressor().compressobj()
            self._flush = zstandard.COMPRESSOBJ_FLUSH_BLOCK
        elif kind == "zlib-stream":
            self._z = zlib.compressobj()
        elif kind:
            raise ValueError(f"unknown gateway compression {kind}")

    def pack(self, text: str) -> bytes | str:
        if self.kind == "zstd-stream":
            return self._z.compress(text.encode()) + self._z.flush(self._flush)
        if self.kind == "zlib-stream":
            return self._z.compress(text.encode()) + self._z.flush(zlib.Z_SYNC_FLUSH)
        return text


class Gateway:
    """The session state and the websocket handler."""

    def __init__(self, server: LoopbackDiscord) -> None:
        self.server = server
        self.session_id: str | None = None
        self.seq = 0
        self.backlog: list[dict] = []  # every dispatched event, for RESUME replay
        self.ws: web.WebSocketResponse | None = None
        self.request: web.Request | None = None
        self.compressor: Compressor | None = None
        self.heartbeat_ms = 41_250
        self.ack_delay_s = 0.0
        self.connected = asyncio.Event()
        self.sessions_started = 0

    # --- sending -------------------------------------------------------------------------
    async def send(self, payload: dict) -> None:
        ws = self.ws
        if ws is None or ws.closed:
            return
        data = self.compressor.pack(json.dumps(payload)) if self.compressor else \
            json.dumps(payload)
        self.server.frames.append(Frame("out", payload["op"], payload.get("t"), payload.get("d")))
        try:
            if isinstance(data, bytes):
                await ws.send_bytes(data)
            else:
                await ws.send_str(data)
        except (ConnectionError, RuntimeError):
            pass  # the bot went away; it will RESUME and get the event again

    async def dispatch(self, event: str, data: dict) -> None:
        """Queue an event in the session and send it now if the bot is connected."""
        self.seq += 1
        payload = {"op": DISPATCH, "t": event, "s": self.seq, "d": data}
        self.backlog.append(payload)
        if self.connected.is_set():  # after READY or RESUME; else it waits for a RESUME
            await self.send(payload)

    # --- faults on cue -------------------------------------------------------------------
    async def reconnect(self) -> None:
        await self.send({"op": RECONNECT, "d": None})

    async def invalidate(self, resumable: bool) -> None:
        if not resumable:
            self.session_id = None
        await self.send({"op": INVALID_SESSION, "d": resumable})

    async def drop(self) -> None:
        """Cut the TCP connection with no close frame, as a network failure would."""
        if self.request is not None and self.request.transport is not None:
            self.request.transport.abort()

    # --- the websocket -------------------------------------------------------------------
    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        self.server.frames.append(Frame("conn", None, "CONNECT", dict(request.query)))
        if self.ws is not None and not self.ws.closed:
            await self.ws.close(code=4000)
        self.ws, self.request = ws, request
        self.connected.clear()
        self.compressor = Compressor(request.query.get("compress"))
        await self.send({"op": HELLO, "d": {"heartbeat_interval": self.heartbeat_ms}})
        code = ABNORMAL  # unless the bot sends a close frame
        try:
            while True:
                msg = await ws.receive()
                if msg.type in (WSMsgType.TEXT, WSMsgType.BINARY):
                    await self.received(json.loads(msg.data))
                elif msg.type is WSMsgType.CLOSE:
                    code = msg.data  # the bot's own close code (aiohttp may overwrite close_code)
                    break
                else:  # CLOSING, CLOSED, ERROR: the connection went away
                    break
        finally:
            self.server.frames.append(Frame("conn", None, "CLOSE", {"code": code}))
            if self.ws is ws:
                self.ws = None
                self.connected.clear()
        return ws

    async def received(self, payload: dict) -> None:
        op, d = payload.get("op"), payload.get("d")
        self.server.frames.append(Frame("in", op, None, d))
        if op == HEARTBEAT:
            asyncio.get_running_loop().create_task(self._ack())
        elif op == IDENTIFY:
            await self._identify(d)
        elif op == RESUME:
            await self._resume(d)

    async def _ack(self) -> None:
        if self.ack_delay_s:
            await asyncio.sleep(self.ack_delay_s)
        await self.send({"op": HEARTBEAT_ACK, "d": None})

    async def _identify(self, d: dict) -> None:
        if d.get("token") != p.TOKEN:
            await self.ws.close(code=4004)  # Authentication failed
            return
        self.sessions_started += 1
        self.session_id = f"loopback-session-{self.sessions_started}"
        self.backlog.clear()
        self.seq = 0
        ready = {"v": 10, "user": {**p.user_payload(p.BOT_ID, "Backstory", bot=True),
                                   "verified": True, "mfa_enabled": False, "flags": 0},
                 "guilds": [{"id": str(p.GUILD_ID), "unavailable": True}],
                 "session_id": self.session_id, "resume_gateway_url": self.server.gateway_url,
                 "application": {"id": str(p.APP_ID), "flags": 0},
                 "private_channels": [], "relationships": [], "presences": []}
        self.connected.set()
        await self.dispatch("READY", ready)
        await self.dispatch("GUILD_CREATE", self.server.guild_payload())

    async def _resume(self, d: dict) -> None:
        if d.get("token") != p.TOKEN or d.get("session_id") != self.session_id \
                or self.session_id is None:
            await self.send({"op": INVALID_SESSION, "d": False})
            return
        sent = d.get("seq") or 0
        while missed := [e for e in self.backlog if e["s"] > sent]:  # events may arrive meanwhile
            for event in missed:
                await self.send(event)
                sent = event["s"]
        self.connected.set()
        await self.dispatch("RESUMED", {})
