"""The real `backstory discord` process against a loopback Discord (tests/loopback_discord).

Everything here is checked from what crossed the wire: the REST requests the bot sent and
the gateway frames it exchanged. One bot process serves most tests (extractive answerer,
small prebuilt index); the lifecycle tests start their own.
"""

from __future__ import annotations

import json
import re
import shutil
import signal
import sqlite3
import time

import pytest

from bot.discord.render import MAX_MESSAGE_CHARS
from tests.fake_openai import Behaviour, FakeOpenAI
from tests.loopback_discord import LoopbackDiscord
from tests.loopback_discord.bot_process import BotProcess
from tests.loopback_discord.payloads import ADMIN_ID, APP_ID, BOT_ID, EPHEMERAL, READER_ID

pytestmark = pytest.mark.slow

TARASOV = "Who is Stanislav Tarasov?"
MISSION = "What was the Russian peacekeeping mission in Karabakh?"
CSTO = "What is the CSTO?"
CHANNEL_MESSAGES = r"^/channels/\d+/messages$"
RAW_PING = re.compile(r"@(everyone|here)\b|<@[!&]?\d+>")
NOTE = b"""---
title: "The Goris test bridge"
kind: background
outlet: Test Gazette
published: 2024-05-01
---
The Goris test bridge was painted bright green in 1999 by the Syunik Painters Guild.
The guild chose green because the bridge crosses the Vorotan river near the old mill.
"""


def copy_index(built_index, root):
    root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(built_index / "data", root / "data")
    shutil.copytree(built_index / "corpus", root / "corpus")
    return root


@pytest.fixture(scope="module")
def server():
    loopback = LoopbackDiscord()
    loopback.gateway.heartbeat_ms = 1000  # frequent heartbeats, so delayed ACKs show
    loopback.start()
    yield loopback
    loopback.stop()


@pytest.fixture(scope="module")
def bot(server, built_index, tmp_path_factory):
    root = copy_index(built_index, tmp_path_factory.mktemp("e2e") / "bot")
    process = BotProcess(server, root, discord_admin_ids=str(ADMIN_ID),
                         generator="extractive").start()
    yield process
    process.stop()


def reply_to(bot: BotProcess, question: dict, timeout: float = 30.0):
    """The bot's successful reply to a reader's message."""
    def found():
        hits = [r for r in bot.server.sent("POST", CHANNEL_MESSAGES, status=200)
                if str(((r.body or {}).get("message_reference") or {}).get("message_id"))
                == question["id"]]
        return hits[0] if hits else None
    return bot.wait_for(found, timeout, f"a reply to {question['content']!r}")


def webhook_posts(server: LoopbackDiscord, interaction: dict):
    return server.sent("POST", rf"^/webhooks/{APP_ID}/{interaction['token']}$", status=200)


def callback_of(bot: BotProcess, interaction: dict):
    return bot.wait_for_request("POST", rf"^/interactions/{interaction['id']}/.*/callback$")


def followup_of(bot: BotProcess, interaction: dict, timeout: float = 30.0):
    return bot.wait_for(lambda: (webhook_posts(bot.server, interaction) or [None])[0], timeout,
                        f"a follow-up to /{interaction['data']['name']}")


def assert_pings_nobody(body: dict) -> None:
    assert body["allowed_mentions"]["parse"] == []
    assert body["allowed_mentions"].get("replied_user", False) is False
    assert not RAW_PING.search(body.get("content") or "")
    assert len(body.get("content") or "") <= MAX_MESSAGE_CHARS


# --- answering -----------------------------------------------------------------------------
def test_mention_gets_a_cited_reply_that_pings_nobody(server, bot):
    question = server.say(TARASOV, mention=True)
    reply = reply_to(bot, question)
    body = reply.body
    assert body["message_reference"]["fail_if_not_exists"] is False
    assert_pings_nobody(body)
    assert "Tarasov" in body["content"] and "[1]" in body["content"]
    assert "**Sources**" in body["content"]
    assert server.sent("POST", r"^/channels/\d+/typing$"), "no typing indicator"
    # The answer is a reply: Discord attached it to the question.
    assert reply.response["message_reference"]["message_id"] == question["id"]


def test_ask_is_deferred_within_3_s_and_answered_by_a_follow_up(server, bot):
    interaction = server.command("ask", {"question": MISSION})
    callback = callback_of(bot, interaction)
    sent_at = server.interactions[interaction["token"]]["sent_at"]
    assert callback.body["type"] == 5  # deferred, "thinking…"
    assert callback.at - sent_at < 3.0 and callback.status == 200
    followup = followup_of(bot, interaction)
    assert followup.at >= callback.at
    assert "peacekeep" in followup.content.lower() and "**Sources**" in followup.content
    assert_pings_nobody(followup.body)


def test_a_reply_to_the_answer_follows_up_without_a_mention(server, bot):
    question = server.say(MISSION, mention=True)
    answer = reply_to(bot, question)
    # The bot links its message to the conversation once Discord has answered the POST;
    # a reader replies seconds later, not in the same millisecond.
    time.sleep(1.0)
    follow = server.say("When did it start?", user_id=READER_ID + 1,
                        reply_to=int(answer.response["id"]))
    reply = reply_to(bot, follow)
    assert "**Sources**" in reply.content, "the follow-up lost the conversation"


def test_a_vote_is_stored(server, bot):
    question = server.say(CSTO, mention=True)
    answer = reply_to(bot, question)
    buttons = [c for row in answer.body["components"] for c in row["components"]]
    up = next(b["custom_id"] for b in buttons if ":up:" in b["custom_id"])
    click = server.click(up, answer.response)
    callback = callback_of(bot, click)
    assert callback.body["type"] == 4
    assert callback.body["data"]["flags"] & EPHEMERAL
    assert "recorded" in callback.body["data"]["content"]
    answer_id = int(up.rsplit(":", 1)[1])
    with sqlite3.connect(bot.root / "data" / "feedback.sqlite") as db:
        votes = db.execute("SELECT vote FROM votes WHERE answer_id = ?", (answer_id,)).fetchall()
    assert votes == [(1,)]


def test_about_and_sources_answer(server, bot):
    about = server.command("about")
    assert callback_of(bot, about).body["type"] == 5
    embeds = followup_of(bot, about).body["embeds"]
    assert embeds and embeds[0]["title"]
    sources = server.command("sources")
    callback = callback_of(bot, sources)
    assert callback.body["type"] == 5 and callback.body["data"]["flags"] & EPHEMERAL
    listing = followup_of(bot, sources)
    assert "csto" in listing.content.lower() and listing.body["flags"] & EPHEMERAL


def test_add_source_downloads_the_attachment_ingests_it_and_answers_from_it(server, bot):
    add = server.command("add-source", user_id=ADMIN_ID,
                         attachments={"file": ("goris-bridge.md", NOTE)})
    reply = followup_of(bot, add, timeout=60)
    assert "Added **The Goris test bridge**" in reply.content
    downloads = server.sent("GET", r"^/cdn/attachments/.*/goris-bridge\.md$", status=200)
    assert len(downloads) == 1
    assert (bot.root / "corpus" / "uploads" / "goris-bridge.md").read_bytes() == NOTE

    # Autocomplete offers it to /remove-source; a question is answered from it.
    typing = server.command("remove-source", {"document": "goris"}, user_id=ADMIN_ID,
                            focused="document")
    choices = callback_of(bot, typing).body
    assert choices["type"] == 8
    assert [c["value"] for c in choices["data"]["choices"]] == ["uploads/goris-bridge.md"]
    question = server.say("What colour was the Goris test bridge painted?", mention=True)
    assert "green" in reply_to(bot, question).content


# --- faults --------------------------------------------------------------------------------
def test_a_reply_to_a_deleted_question_is_still_posted_quoting_it(server, bot):
    # The typing indicator goes out before the answer is written: holding it keeps the
    # question open long enough to delete it, as a reader would.
    server.fail("POST", r"^/channels/\d+/typing$", "delay", seconds=1.5)
    started = time.monotonic()
    question = server.say("Who was Stanislav Tarasov?", mention=True)
    bot.wait_for(lambda: server.sent("POST", r"/typing$", status=None)
                 and server.sent("POST", r"/typing$", status=None)[-1].at >= started,
                 10, "the typing indicator")
    server.delete(int(question["id"]))
    posted = reply_to(bot, question)
    assert posted.response.get("message_reference") is None  # Discord posted it unattached
    edit = bot.wait_for_request("PATCH", rf"^/channels/\d+/messages/{posted.response['id']}$")
    assert edit.content.startswith("> Who was Stanislav Tarasov?\n")
    assert "**Sources**" in edit.content and len(edit.content) <= MAX_MESSAGE_CHARS
    assert not server.sent("POST", CHANNEL_MESSAGES, status=400)


def test_a_429_is_waited_out_and_nothing_is_sent_twice(server, bot):
    server.fail("POST", CHANNEL_MESSAGES, "429", retry_after=1.0)
    question = server.say(CSTO, mention=True)
    reply = reply_to(bot, question)
    limited = [r for r in server.sent("POST", CHANNEL_MESSAGES, status=429)
               if str((r.body.get("message_reference") or {}).get("message_id")) == question["id"]]
    assert len(limited) == 1 and reply.at - limited[0].at >= 0.95
    answers = [m for m in server.messages.values()
               if (m.get("message_reference") or {}).get("message_id") == question["id"]]
    assert len(answers) == 1


def test_a_connection_dropped_after_posting_is_retried_without_posting_twice(server, bot):
    server.fail("POST", CHANNEL_MESSAGES, "drop-after")  # posted, but the answer never came
    question = server.say(TARASOV, mention=True)
    reply_to(bot, question)
    tries = [r for r in server.sent("POST", CHANNEL_MESSAGES, status=None)
             if str((r.body.get("message_reference") or {}).get("message_id")) == question["id"]]
    assert [r.status for r in tries] == [499, 200]
    assert tries[0].body["nonce"] == tries[1].body["nonce"] and tries[1].body["enforce_nonce"]
    answers = [m for m in server.messages.values()
               if (m.get("message_reference") or {}).get("message_id") == question["id"]]
    assert len(answers) == 1


def test_a_spent_rate_limit_bucket_is_respected_and_a_5xx_retried(server, bot):
    started = time.monotonic()
    server.bucket = (1, 2.0)  # one message per channel per 2 s
    try:
        first = server.say(TARASOV, mention=True)
        second = server.say(MISSION, user_id=READER_ID + 2, mention=True)
        a, b = sorted([reply_to(bot, first), reply_to(bot, second)], key=lambda r: r.at)
        assert b.at - a.at >= 1.5  # the bot waited for the bucket to refill
        assert not [r for r in server.sent("POST", CHANNEL_MESSAGES, status=429)
                    if r.at >= started]
    finally:
        server.bucket = None
    server.fail("POST", CHANNEL_MESSAGES, "5xx", status=502)
    third = server.say(CSTO, mention=True)
    reply_to(bot, third)
    tries = [r for r in server.sent("POST", CHANNEL_MESSAGES, status=None)
             if str((r.body.get("message_reference") or {}).get("message_id")) == third["id"]]
    assert [r.status for r in tries] == [502, 200]


def test_the_bot_answers_again_after_reconnect_resume_and_invalid_session(server, bot):
    def frames_since(t, op):
        return [f for f in server.frames if f.direction == "in" and f.op == op and f.at >= t]

    started = time.monotonic()
    server.reconnect()
    bot.wait_for(lambda: frames_since(started, 6), 20, "a RESUME after RECONNECT")
    reply_to(bot, server.say(TARASOV, mention=True))

    # A dropped connection: the question asked meanwhile is replayed on RESUME.
    started = time.monotonic()
    server.drop_gateway()
    asked_while_away = server.say(CSTO, mention=True)
    bot.wait_for(lambda: frames_since(started, 6), 20, "a RESUME after a dropped connection")
    reply_to(bot, asked_while_away)

    # An invalid session: a fresh IDENTIFY, and answers again.
    started = time.monotonic()
    sessions = server.gateway.sessions_started
    server.invalidate(resumable=False)
    bot.wait_for(lambda: server.gateway.sessions_started > sessions
                 and server.gateway.connected.is_set(), 20, "a new IDENTIFY")
    reply_to(bot, server.say(MISSION, mention=True))


def test_late_heartbeat_acks_do_not_stop_the_bot(server, bot):
    connects = len([f for f in server.frames if f.t == "CONNECT"])
    server.gateway.ack_delay_s = 2.5  # each ACK comes after the next heartbeat is due
    try:
        time.sleep(3)
        reply_to(bot, server.say(TARASOV, mention=True))
    finally:
        server.gateway.ack_delay_s = 0
    assert len([f for f in server.frames if f.t == "CONNECT"]) == connects


# --- stopping and starting -----------------------------------------------------------------
def stop_with_answer_in_flight(server: LoopbackDiscord, process: BotProcess, sig: int):
    """Send `sig` while an answer is being written; return (exit code, seconds, the reply)."""
    server.fail("POST", r"^/channels/\d+/typing$", "delay", seconds=1.5)
    started = time.monotonic()
    question = server.say(TARASOV, mention=True)
    process.wait_for(lambda: [r for r in server.sent("POST", r"/typing$", status=None)
                              if r.at >= started], 15, "the typing indicator")
    signalled = time.monotonic()
    process.signal(sig)
    code = process.wait(30)
    took = time.monotonic() - signalled
    replies = [r for r in server.sent("POST", CHANNEL_MESSAGES, status=200)
               if str((r.body.get("message_reference") or {}).get("message_id"))
               == question["id"]]
    return code, took, replies


def gateway_closes(server: LoopbackDiscord) -> list:
    return [f.d["code"] for f in server.frames if f.t == "CLOSE"]


def test_stop_signals_finish_the_answer_close_cleanly_and_a_restart_skips_the_sync(
        built_index, tmp_path):
    """SIGINT, then SIGTERM (systemd, docker stop) on a restarted bot over the same data."""
    server = LoopbackDiscord().start()
    root = copy_index(built_index, tmp_path / "bot")
    try:
        for start, sig in enumerate([signal.SIGINT, signal.SIGTERM]):
            process = BotProcess(server, root, generator="extractive")
            try:
                process.start()
                code, took, replies = stop_with_answer_in_flight(server, process, sig)
                assert code == 0, process.log()[-2000:]
                assert len(replies) == 1 and "**Sources**" in replies[0].content
                # A clean close (1000), not a dropped connection (1006) or a resumable 4000.
                assert gateway_closes(server)[start:] == [1000]
                assert took < 8, f"took {took:.1f} s to stop"
            finally:
                process.stop()
        puts = server.sent("PUT", rf"^/applications/{APP_ID}/commands$", status=200)
        assert len(puts) == 1, "the unchanged commands were synced again at the restart"
        names = sorted(c["name"] for c in puts[0].body)
        assert names == ["about", "add-source", "ask", "remove-source", "sources"]
        assert server.gateway.sessions_started == 2
    finally:
        server.stop()


# --- streaming with an LLM -----------------------------------------------------------------
LLM_ANSWER = (
    "Stanislav Tarasov was a Russian historian, journalist and political commentator who "
    "specialised in the Middle East, Turkey, Iran and the South Caucasus [1]. He died in "
    "late August 2025 and was buried near Moscow on 1 September 2025 [1]. @everyone "
    "see https://evil.example/x for more [1].")


class SlowStreamOpenAI(FakeOpenAI):
    """The loopback OpenAI server, streaming one word every `delay` seconds."""

    delay = 0.15

    def _send_stream(self, handler, body, text, truncated):
        real_write = handler.wfile.write

        def paced(data):
            if data.startswith(b"data: {") and b'"content"' in data:
                time.sleep(self.delay)
            return real_write(data)

        handler.wfile.write = paced
        super()._send_stream(handler, body, text, truncated)


@pytest.fixture(scope="module")
def llm(built_index, tmp_path_factory):
    """A bot that writes with an LLM (the loopback OpenAI server) and opens a thread per
    question; yields (discord server, openai server, bot)."""
    server = LoopbackDiscord().start()
    openai = SlowStreamOpenAI().start()
    openai.default = Behaviour(text=LLM_ANSWER)
    root = copy_index(built_index, tmp_path_factory.mktemp("e2e") / "llm")
    process = BotProcess(server, root, openai_base_url=openai.base_url,
                         openai_api_key="loopback", llm_retries="0",
                         discord_thread_per_question="true")
    try:
        yield server, openai, process.start()
    finally:
        process.stop()
        openai.stop()
        server.stop()


def test_streamed_edits_are_paced_and_end_with_the_checked_answer(llm):
    server, openai, bot = llm
    question = server.say(TARASOV, mention=True)
    thread = bot.wait_for_request(
        "POST", rf"^/channels/\d+/messages/{question['id']}/threads$", status=201)
    channel = thread.response["id"]
    in_thread = rf"^/channels/{channel}/messages(/\d+)?$"

    def finished():
        edits = [r for r in server.sent(None, in_thread, status=200)
                 if "**Sources**" in r.content]
        return edits[-1] if edits else None
    final = bot.wait_for(finished, 90, "the finished answer")
    writes = [r for r in server.sent(None, in_thread, status=200) if r.at <= final.at]
    assert writes[0].method == "POST" and all(w.method == "PATCH" for w in writes[1:])
    assert len(writes) >= 3, "the answer was not shown while it was written"
    gaps = [b.at - a.at for a, b in zip(writes, writes[1:-1])]  # the final edit is not paced
    assert min(gaps) >= 1.4, f"streamed edits {gaps} came faster than one per 1.5 s"
    assert "Tarasov" in final.content and "evil.example" not in final.content
    assert "▌" not in final.content
    for write in writes:
        assert_pings_nobody(write.body)


def test_a_follow_up_in_the_bots_thread_needs_no_mention(llm):
    server, openai, bot = llm
    threads = bot.wait_for(lambda: list(server.threads), 60, "a thread opened by the bot")
    asked = len(openai.requests)
    follow = server.say("When did he die?", channel_id=threads[0])
    bot.wait_for(lambda: len(openai.requests) > asked, 20, "the follow-up reaching the LLM")
    prompt = json.dumps(openai.requests[-1]["body"]["messages"])
    assert TARASOV in prompt  # the thread's earlier question came along as history
    bot.wait_for(lambda: [r for r in server.sent("PATCH", rf"^/channels/{threads[0]}/messages/",
                                                 status=200)
                          if "**Sources**" in r.content and r.at > follow_at(server, follow)],
                 40, "the follow-up's answer in the thread")


def follow_at(server: LoopbackDiscord, message: dict) -> float:
    return next(f.at for f in server.frames
                if f.t == "MESSAGE_CREATE" and f.d["id"] == message["id"])
