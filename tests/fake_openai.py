"""A small HTTP server on 127.0.0.1 that speaks OpenAI's chat-completions protocol.

Tests queue what it should do next (reply, fail with a status, optionally quoting the
API key back as OpenAI's 401 does, stall, reset the
connection, send an empty or truncated completion, send llama.cpp's ": ping" keep-alive
comments forever or before replying) and the real `openai` client and `langchain-openai`
talk to it over the loopback interface.

A reply may cite by content: "{cite:Stepanakert}" becomes the number of the first source
in the request whose text contains "Stepanakert", so a scenario does not depend on the
order retrieval happens to return passages in.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Behaviour:
    kind: str = "reply"  # reply | status | stall | reset | empty | truncated | ping
    text: str = ""
    status: int = 200
    error_code: str = ""  # e.g. rate_limit_exceeded, insufficient_quota
    seconds: float = 0.0  # stall: the wait; ping: how long to ping before replying
    ping_every: float = 0.2  # ping: seconds between ": ping" comments
    forever: bool = False  # ping: never reply (bounded by PING_LIMIT_S, for safety)
    echo_key: bool = False  # status: quote the request's API key in the error, as OpenAI does


# A "forever" pinging stream still stops by itself, so a broken client cannot hang a test.
PING_LIMIT_S = 60.0


@dataclass
class FakeOpenAI:
    host: str = "127.0.0.1"
    queue: deque = field(default_factory=deque)
    default: Behaviour = field(default_factory=lambda: Behaviour(text="I don't know."))
    requests: list = field(default_factory=list)
    # (request number, seconds from the request until the client hung up) for pinged streams
    hangups: list = field(default_factory=list)

    def __post_init__(self) -> None:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # keep test output clean
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                fake.requests.append({"path": self.path, "body": body})
                behaviour = fake.queue.popleft() if fake.queue else fake.default
                fake.handle(self, body, behaviour)

        class Server(ThreadingHTTPServer):
            def handle_error(self, request, client_address) -> None:
                pass  # clients that time out or hang up mid-stream are the point of some tests

        self.server = Server((self.host, 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.server.server_address[1]}/v1"

    def start(self) -> FakeOpenAI:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def then(self, *behaviours: Behaviour) -> None:
        self.queue.extend(behaviours)

    # --- responses ---------------------------------------------------------------------
    def handle(self, handler: BaseHTTPRequestHandler, body: dict, b: Behaviour) -> None:
        if b.kind == "stall":
            time.sleep(b.seconds)
            b = Behaviour(text=b.text or "late")
        if b.kind == "reset":
            handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                          b"\x01\x00\x00\x00\x00\x00\x00\x00")
            # The socket closes (with a RST, linger 0) once the handler's files let go of
            # it; without close_connection the handler would wait for a next request and
            # the client would see a stall instead of a reset.
            handler.close_connection = True
            handler.connection.close()
            return
        if b.kind == "status":
            message = f"fake {b.status}"
            if b.echo_key:  # OpenAI's 401 says "Incorrect API key provided: sk-..."
                key = (handler.headers.get("authorization") or "").removeprefix("Bearer ")
                message = f"Incorrect API key provided: {key}. You can find your API key at ..."
            payload = {"error": {"message": message, "type": b.error_code or "error",
                                 "code": b.error_code or None}}
            self._send_json(handler, payload, b.status)
            return
        text = "" if b.kind == "empty" else self._resolve(body, b.text)
        if b.kind == "ping":
            self._send_pings(handler, body, b, text)
            return
        if body.get("stream"):
            self._send_stream(handler, body, text, truncated=b.kind == "truncated")
        else:
            self._send_json(handler, self._completion(body, text), 200)

    @staticmethod
    def _resolve(body: dict, text: str) -> str:
        """Replace {cite:PHRASE} with the number of the first source holding PHRASE."""
        user = " ".join(str(m.get("content", "")) for m in body.get("messages", [])
                        if m.get("role") == "user")
        sources = re.findall(r'<source n="(\d+)"[^>]*>(.*?)</source>', user, re.S)

        def number(match: re.Match) -> str:
            phrase = match.group(1).lower()
            return next((n for n, t in sources if phrase in t.lower()), "99")
        return re.sub(r"\{cite:([^}]+)\}", number, text)

    def _send_pings(self, handler, body: dict, b: Behaviour, text: str) -> None:
        """What llama.cpp does while it reads a long prompt: an SSE comment every so often."""
        handler.send_response(200)
        handler.send_header("content-type", "text/event-stream")
        handler.send_header("connection", "close")
        handler.end_headers()
        number = len(self.requests)
        started = time.monotonic()
        limit = PING_LIMIT_S if b.forever else b.seconds
        try:
            while time.monotonic() - started < limit:
                handler.wfile.write(b": ping\n\n")
                handler.wfile.flush()
                time.sleep(b.ping_every)
        except OSError:  # the client closed the stream: what a deadline must do
            self.hangups.append((number, time.monotonic() - started))
            handler.close_connection = True
            return
        if b.forever:
            handler.close_connection = True
            return
        self._send_stream(handler, body, text, truncated=False)

    @staticmethod
    def _completion(body: dict, text: str) -> dict:
        return {
            "id": "chatcmpl-fake", "object": "chat.completion", "created": int(time.time()),
            "model": body.get("model", "fake"),
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": text}}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }

    @staticmethod
    def _send_json(handler, payload: dict, status: int) -> None:
        data = json.dumps(payload).encode()
        handler.send_response(status)
        handler.send_header("content-type", "application/json")
        handler.send_header("content-length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    @staticmethod
    def _send_stream(handler, body: dict, text: str, truncated: bool) -> None:
        handler.send_response(200)
        handler.send_header("content-type", "text/event-stream")
        handler.send_header("connection", "close")
        handler.end_headers()
        words = text.split(" ")
        pieces = [w + (" " if i < len(words) - 1 else "") for i, w in enumerate(words)] if text else []
        if truncated:
            pieces = pieces[: max(1, len(pieces) // 2)]
        for piece in pieces:
            chunk = {"id": "chatcmpl-fake", "object": "chat.completion.chunk",
                     "created": int(time.time()), "model": body.get("model", "fake"),
                     "choices": [{"index": 0, "delta": {"content": piece},
                                  "finish_reason": None}]}
            handler.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            handler.wfile.flush()
        if truncated:  # the connection drops before the stream says it is done
            handler.close_connection = True
            return
        end = {"id": "chatcmpl-fake", "object": "chat.completion.chunk",
               "created": int(time.time()), "model": body.get("model", "fake"),
               "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
        handler.wfile.write(f"data: {json.dumps(end)}\n\ndata: [DONE]\n\n".encode())
        handler.wfile.flush()
        handler.close_connection = True
