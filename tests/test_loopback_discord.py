"""The loopback Discord itself speaks the protocol details the end-to-end tests rely on."""

from __future__ import annotations

import json
import zlib

import aiohttp
import pytest
import zstandard

from tests.loopback_discord import LoopbackDiscord
from tests.loopback_discord.payloads import CHANNEL_ID, TOKEN

AUTH = {"Authorization": f"Bot {TOKEN}"}


@pytest.fixture
def server():
    loopback = LoopbackDiscord().start()
    yield loopback
    loopback.stop()


@pytest.mark.parametrize("compress", ["zlib-stream", "zstd-stream", None])
async def test_gateway_says_hello_in_each_transport_compression(server, compress):
    query = f"?v=10&encoding=json&compress={compress}" if compress else "?v=10&encoding=json"
    async with aiohttp.ClientSession() as session, \
            session.ws_connect(server.gateway_url + query) as ws:
        msg = await ws.receive()
        if compress == "zlib-stream":
            assert msg.data.endswith(b"\x00\x00\xff\xff")  # Z_SYNC_FLUSH, as Discord ends one
            text = zlib.decompressobj().decompress(msg.data)
        elif compress == "zstd-stream":
            text = zstandard.ZstdDecompressor().decompressobj().decompress(msg.data)
        else:
            text = msg.data
        hello = json.loads(text)
        assert hello["op"] == 10 and hello["d"]["heartbeat_interval"] > 0
        await ws.send_json({"op": 2, "d": {"token": TOKEN, "intents": 0, "properties": {}}})
        await ws.close(code=1000)
    server.wait_for(lambda: any(f.t == "CLOSE" for f in server.frames), 5, "the close")
    assert [f.d["code"] for f in server.frames if f.t == "CLOSE"] == [1000]


async def test_rest_answers_as_discord_does(server):
    api = server.child_env()["LOOPBACK_DISCORD_API"]
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{api}/users/@me") as resp:
            assert resp.status == 401
        async with session.get(f"{api}/users/@me", headers=AUTH) as resp:
            # discord.py parses JSON only when Content-Type is exactly this.
            assert resp.headers["Content-Type"] == "application/json"
            assert (await resp.json())["bot"] is True

        server.fail("POST", r"/messages$", "429", retry_after=0.25)
        url = f"{api}/channels/{CHANNEL_ID}/messages"
        async with session.post(url, json={"content": "hi"}, headers=AUTH) as resp:
            assert resp.status == 429 and resp.headers["Via"]  # discord.py retries only with Via
            assert (await resp.json())["retry_after"] == 0.25

        question = server.say("a question")
        server.delete(int(question["id"]))
        reply = {"content": "an answer", "message_reference": {"message_id": question["id"]}}
        async with session.post(url, json=reply, headers=AUTH) as resp:
            body = await resp.json()
            assert resp.status == 400
            assert body["errors"]["message_reference"]["_errors"][0]["code"] == \
                "MESSAGE_REFERENCE_UNKNOWN_MESSAGE"
        reply["message_reference"]["fail_if_not_exists"] = False
        async with session.post(url, json=reply, headers=AUTH) as resp:
            assert resp.status == 200 and "message_reference" not in await resp.json()

        async with session.post(url, json={"content": "x" * 2001}, headers=AUTH) as resp:
            assert resp.status == 400
    assert [r.status for r in server.sent("POST", r"/messages$")] == [429, 400, 200, 400]
