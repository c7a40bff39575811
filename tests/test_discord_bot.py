"""The Discord bot's real handlers, driven with discord.py's own objects and no network."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re

import discord
import pytest

from bot.discord.bot import (
    INVITE_PERMISSIONS,
    BackstoryBot,
    ShardedBackstoryBot,
    invite_url,
    make_bot,
)
from bot.discord.limits import BUSY_MESSAGE
from bot.discord.render import MAX_MESSAGE_CHARS, apology
from bot.feedback import FeedbackStore
from tests.discord_fakes import (
    BOT_ID,
    CHANNEL_ID,
    EPHEMERAL,
    OTHER_CHANNEL_ID,
    SUPPRESS_EMBEDS,
    Harness,
)
from tests.fake_openai import Behaviour

TARASOV = "Who is Stanislav Tarasov?"
MISSION = "What was the Russian peacekeeping mission in Karabakh?"
FOLLOW_UP = "When did it start?"  # "it" is whatever the conversation is about
RAW_PING = re.compile(r"@(everyone|here)\b|<@[!&]?\d+>")
BARE_URL = re.compile(r"(?<![<`])https?://")  # not in <…> (no preview) nor `code` (text)
VOTER = 123_456_789_012_345_678


@pytest.fixture
def histories(answerer, monkeypatch):
    """The history each question reached the real Answerer with."""
    seen: list[tuple[str, list]] = []
    real = answerer.aanswer

    async def aanswer(question, history=None, k=None, on_token=None):
        seen.append((question, list(history or [])))
        return await real(question, history, k, on_token)

    monkeypatch.setattr(answerer, "aanswer", aanswer)
    return seen


@pytest.fixture
async def start_bot(answerer):
    """Start a bot over the real offline Answerer (or another), with settings overrides."""
    started: list[Harness] = []

    async def start(answerer_=None, **updates) -> Harness:
        updates.setdefault("discord_cooldown_s", 0)  # the cooldown test sets its own
        settings = answerer.settings.model_copy(update=updates)
        harness = await Harness.start(BackstoryBot(settings, answerer_ or answerer))
        started.append(harness)
        return harness

    yield start
    for harness in started:
        await harness.close()


def assert_safe_send(call) -> None:
    """What every answer message must carry: no pings, no previews."""
    payload = call.payload
    assert payload["allowed_mentions"]["parse"] == []
    assert payload.get("allowed_mentions", {}).get("replied_user", False) is False
    assert not RAW_PING.search(payload.get("content", ""))
    assert not BARE_URL.search(payload.get("content", ""))
    assert len(payload.get("content", "")) <= MAX_MESSAGE_CHARS


def followups(harness):
    return harness.fake.sent("POST", "/webhooks/")


# --- /ask --------------------------------------------------------------------------------
async def test_discord_ask_defers_then_answers_with_sources(start_bot):
    h = await start_bot()
    h.fake.calls.clear()
    question = "How many Russian peacekeepers were deployed in Nagorno-Karabakh?"
    await h.run_command(h.interaction("ask", options={"question": question}))

    first, *rest = h.fake.calls
    assert first.path.endswith("/callback") and first.payload == {"type": 5}  # deferred
    (answer,) = [c for c in rest if c.path == "/webhooks/{webhook_id}/{webhook_token}"]
    text = answer.content
    assert "2,000" in text and "[1]" in text
    assert "**Sources**" in text and "Sputnik, 2023-06-15" in text
    assert "<https://sputnikglobe.com/" in text  # the article's link, wrapped: no unfurl
    assert_safe_send(answer)
    assert answer.payload["flags"] & SUPPRESS_EMBEDS
    buttons = [b["custom_id"] for row in answer.payload["components"] for b in row["components"]]
    assert [b.split(":")[2] for b in buttons] == ["up", "down"]


async def test_discord_client_defaults_never_ping(start_bot):
    h = await start_bot()
    assert h.bot.allowed_mentions.to_dict() == discord.AllowedMentions.none().to_dict()
    assert h.bot.intents.message_content  # thread follow-ups arrive without a mention


async def test_discord_ask_with_a_question_too_long_says_why(start_bot):
    h = await start_bot()
    await h.run_command(h.interaction("ask", options={"question": "why " * 400}))
    (reply,) = followups(h)
    assert reply.content.startswith("Sorry — the question is 1,599 characters")


async def test_discord_answerer_that_raises_gives_the_apology(start_bot, answerer, caplog):
    class BrokenAnswerer:
        """Stands in for an Answerer whose generation blows up."""
        uses_llm = False
        store = answerer.store

        def ensure_index(self):
            return None

        async def aanswer(self, question, history=None, k=None, on_token=None):
            raise RuntimeError("internal detail the reader must not see")

    h = await start_bot(BrokenAnswerer())
    with caplog.at_level(logging.ERROR):
        await h.run_command(h.interaction("ask", options={"question": TARASOV}))
    (reply,) = followups(h)
    assert reply.content == apology()
    assert "internal detail" not in reply.content
    logged = [r for r in caplog.records if r.exc_info]
    assert logged and "internal detail" in str(logged[0].exc_info[1])


async def test_discord_failing_command_apologises_through_the_tree(start_bot, answerer,
                                                                   monkeypatch, caplog):
    h = await start_bot()

    def broken():
        raise OSError("disk on fire")

    monkeypatch.setattr(answerer.store, "documents", broken)
    h.fake.calls.clear()
    with caplog.at_level(logging.ERROR):
        await h.run_command(h.interaction("sources"))
    assert h.fake.calls[-1].content == apology()
    assert any(r.exc_info and "disk on fire" in str(r.exc_info[1]) for r in caplog.records)


# --- mentions, replies, threads ---------------------------------------------------------
async def test_discord_mention_answers_and_a_reply_follows_up_with_memory(start_bot, histories):
    h = await start_bot()
    cog = h.bot.get_cog("Q&A")
    h.fake.calls.clear()
    question = h.message(f"<@{BOT_ID}> {MISSION}", mention_bot=True)
    await cog.on_message(question)

    (answer,) = h.fake.sent("POST", "/channels/{channel_id}/messages")
    assert answer.payload["message_reference"]["message_id"] == question.id
    assert "peacekeeping" in answer.content and "**Sources**" in answer.content
    assert_safe_send(answer)
    assert histories[-1] == (MISSION, [])  # the mention itself is stripped from the question

    # A reply to the bot's answer, without a mention, continues the conversation.
    h.fake.calls.clear()
    await cog.on_message(h.message(FOLLOW_UP, author_id=43, reply_to=answer.response))
    (follow,) = h.fake.sent("POST", "/channels/{channel_id}/messages")
    question_asked, history = histories[-1]
    assert question_asked == FOLLOW_UP and [t.question for t in history] == [MISSION]
    assert "peacekeeping" in history[0].answer
    assert not follow.content.startswith("I can't answer that") and "peacekeeping" in follow.content

    # A reply to the follow-up continues the same chain, bounded by max_history_turns.
    await cog.on_message(h.message("And when did it end?", author_id=43,
                                   reply_to=h.fake.calls[-1].response))
    assert [t.question for t in histories[-1][1]] == [MISSION, FOLLOW_UP]

    # The same words as a new question carry no conversation.
    await cog.on_message(h.message(f"<@{BOT_ID}> {FOLLOW_UP}", author_id=44, mention_bot=True))
    assert histories[-1] == (FOLLOW_UP, [])


async def test_discord_thread_per_question_and_follow_up_without_mention(start_bot, histories):
    h = await start_bot(discord_thread_per_question=True)
    cog = h.bot.get_cog("Q&A")
    h.fake.calls.clear()
    await cog.on_message(h.message(f"<@{BOT_ID}> {MISSION}", mention_bot=True))

    (opened,) = h.fake.sent("POST", "/threads")
    assert opened.payload["name"] == MISSION
    thread_id = int(opened.response["id"])
    answers = [c for c in h.fake.sent("POST", "/messages") if c.url.endswith(
        f"/channels/{thread_id}/messages")]
    assert answers and "peacekeeping" in answers[0].content
    assert_safe_send(answers[0])

    h.add_thread(thread_id)  # the gateway's THREAD_CREATE
    h.fake.calls.clear()
    await cog.on_message(h.message(FOLLOW_UP, author_id=43, channel_id=thread_id))
    sent = h.fake.sent("POST", "/messages")
    assert sent and all(c.url.endswith(f"/channels/{thread_id}/messages") for c in sent)
    assert [t.question for t in histories[-1][1]] == [MISSION]
    assert "peacekeeping" in sent[0].content
    assert h.fake.sent("POST", "/threads") == []  # follow-ups stay in the thread


async def test_discord_ignores_what_is_not_for_it(start_bot):
    h = await start_bot(discord_channel_ids=[CHANNEL_ID])
    cog = h.bot.get_cog("Q&A")
    h.fake.calls.clear()
    await cog.on_message(h.message(TARASOV))  # no mention
    await cog.on_message(h.message(f"<@{BOT_ID}> {TARASOV}", mention_bot=True,
                                   channel_id=OTHER_CHANNEL_ID))  # not an allowed channel
    h.add_thread(777, owner_id=12345)
    await cog.on_message(h.message(TARASOV, channel_id=777))  # someone else's thread
    assert h.fake.calls == []

    await h.run_command(h.interaction("ask", channel_id=OTHER_CHANNEL_ID,
                                      options={"question": TARASOV}))
    (refusal,) = h.fake.calls
    assert refusal.payload["type"] == 4 and refusal.payload["data"]["flags"] & EPHEMERAL
    assert f"<#{CHANNEL_ID}>" in refusal.payload["data"]["content"]


# --- pings, previews and streaming with an LLM -------------------------------------------
async def test_discord_llm_answer_with_mentions_pings_nobody_and_streams(
        start_bot, answerer, fake_openai):
    from retrieval.answering.answerer import Answerer

    settings = answerer.settings.model_copy(update={"openai_base_url": fake_openai.base_url,
                                                    "llm_retries": 0})
    fake_openai.then(Behaviour(text=(
        "Stanislav Tarasov is a veteran Russian expert on Caucasus politics @everyone "
        "<@&123456789> <@987654321> [1]. See https://evil.example/x for more [1].")))
    h = await start_bot(Answerer(settings, store=answerer.store))
    h.bot.get_cog("Q&A").stream_interval = 0  # show every streamed piece (pacing is unit-tested)
    h.fake.calls.clear()
    await h.run_command(h.interaction("ask", options={"question": TARASOV}))

    previews = followups(h)
    edits = h.fake.sent("PATCH", "/webhooks/")
    assert previews and edits, "the streamed message was neither shown nor finished"
    final = edits[-1]
    assert "Tarasov" in final.content and "**Sources**" in final.content
    assert "evil.example" not in final.content
    for call in previews + edits:
        assert call.payload["allowed_mentions"]["parse"] == []
        assert not RAW_PING.search(call.content) and not BARE_URL.search(call.content)
    assert "@\u200beveryone" in final.content


async def test_discord_says_the_model_is_asked_before_it_streams(
        start_bot, answerer, fake_openai):
    from retrieval.answering.answerer import Answerer
    from retrieval.answering.llm import ASKING_STATUS

    settings = answerer.settings.model_copy(update={"openai_base_url": fake_openai.base_url,
                                                    "llm_retries": 0})
    fake_openai.then(Behaviour(kind="ping", seconds=0.5, text=(
        "Stanislav Tarasov is a veteran Russian expert on Caucasus politics [1].")))
    h = await start_bot(Answerer(settings, store=answerer.store))
    h.bot.get_cog("Q&A").stream_interval = 0
    h.fake.calls.clear()
    await h.run_command(h.interaction("ask", options={"question": TARASOV}))

    first, *_ = followups(h)
    assert first.content == f"*{ASKING_STATUS}*"
    final = h.fake.sent("PATCH", "/webhooks/")[-1]
    assert "Tarasov" in final.content and "**Sources**" in final.content


# --- cooldown and busy -------------------------------------------------------------------
async def test_discord_cooldown_asks_politely_to_wait(start_bot):
    h = await start_bot(discord_cooldown_s=30)
    now = [1000.0]
    h.bot.get_cog("Q&A").gate.clock = lambda: now[0]
    await h.run_command(h.interaction("ask", options={"question": TARASOV}))
    h.fake.calls.clear()

    now[0] += 5
    await h.run_command(h.interaction("ask", options={"question": TARASOV}))
    (refusal,) = h.fake.calls  # answered at once, nothing else happened
    data = refusal.payload["data"]
    assert refusal.payload["type"] == 4 and data["flags"] & EPHEMERAL
    assert "wait 25 s" in data["content"]

    h.fake.calls.clear()
    await h.run_command(h.interaction("ask", user_id=7, options={"question": TARASOV}))
    assert followups(h), "another user is not held back by someone else's cooldown"

    now[0] += 30
    h.fake.calls.clear()
    await h.run_command(h.interaction("ask", options={"question": TARASOV}))
    assert followups(h)


async def test_discord_mentions_in_a_cooldown_get_one_notice_not_one_each(start_bot):
    """Under a channel's rate limit, a notice per refused message spent the budget the
    answers needed (10 of 30 readers in a flood got no answer at all)."""
    h = await start_bot(discord_cooldown_s=30)
    cog = h.bot.get_cog("Q&A")
    now = [1000.0]
    cog.gate.clock = lambda: now[0]
    await cog.on_message(h.message(f"<@{BOT_ID}> {TARASOV}", mention_bot=True))
    h.fake.calls.clear()
    for _ in range(5):
        now[0] += 1
        await cog.on_message(h.message(f"<@{BOT_ID}> {TARASOV}", mention_bot=True))
    (notice,) = h.fake.sent("POST", "/channels/{channel_id}/messages")
    assert "please wait" in notice.content

    now[0] += 30  # a new window: answered, and a later flood gets one new notice
    h.fake.calls.clear()
    await cog.on_message(h.message(f"<@{BOT_ID}> {TARASOV}", mention_bot=True))
    await cog.on_message(h.message(f"<@{BOT_ID}> {TARASOV}", mention_bot=True))
    await cog.on_message(h.message(f"<@{BOT_ID}> {TARASOV}", mention_bot=True))
    answer, notice = h.fake.sent("POST", "/channels/{channel_id}/messages")
    assert "**Sources**" in answer.content and "please wait" in notice.content


async def test_discord_busy_when_all_slots_are_taken(start_bot, answerer):
    class SlowAnswerer:
        """The real Answerer, held until the test lets it go."""
        uses_llm = False
        store = answerer.store

        def __init__(self):
            self.started = asyncio.Event()
            self.release = asyncio.Event()

        def ensure_index(self):
            return None

        async def aanswer(self, question, history=None, k=None, on_token=None):
            self.started.set()
            await self.release.wait()
            return await answerer.aanswer(question, history, k)

    slow = SlowAnswerer()
    h = await start_bot(slow, discord_max_concurrent=1)
    cog = h.bot.get_cog("Q&A")
    h.fake.calls.clear()
    h.fake.use()
    first = asyncio.create_task(h.run_command(h.interaction("ask", options={"question": TARASOV})))
    await asyncio.wait_for(slow.started.wait(), 10)

    await h.run_command(h.interaction("ask", user_id=7, options={"question": TARASOV}))
    busy = h.fake.calls[-1]
    assert busy.payload["data"]["content"] == BUSY_MESSAGE
    assert busy.payload["data"]["flags"] & EPHEMERAL
    await cog.on_message(h.message(f"<@{BOT_ID}> {TARASOV}", author_id=8, mention_bot=True))
    assert h.fake.calls[-1].content == BUSY_MESSAGE

    slow.release.set()
    await asyncio.wait_for(first, 30)
    assert "Tarasov" in followups(h)[-1].content
    assert cog.gate.active == 0
    await h.run_command(h.interaction("ask", user_id=9, options={"question": TARASOV}))
    assert "Tarasov" in followups(h)[-1].content  # the slot was given back


# --- feedback buttons --------------------------------------------------------------------
async def test_discord_feedback_buttons_record_a_vote(start_bot):
    h = await start_bot()
    await h.run_command(h.interaction("ask", options={"question": TARASOV}))
    (answer,) = followups(h)
    up, down = [b["custom_id"] for b in answer.payload["components"][0]["components"]]

    for custom_id in (up, down):  # a user changes their mind: one vote, the latest
        h.fake.calls.clear()
        h.fake.use()
        h.bot._connection.parse_interaction_create(
            h.component_payload(custom_id, answer.response, user_id=VOTER))
        thanks = await h.fake.wait_for(lambda c: c.path.endswith("/callback"))
        assert thanks.payload["data"]["flags"] & EPHEMERAL
        assert "recorded" in thanks.payload["data"]["content"]

    (vote,) = FeedbackStore(h.bot.settings.feedback_db).votes()
    assert vote["question"] == TARASOV and vote["vote"] == -1
    assert "Tarasov" in vote["answer"] and vote["citations"]
    assert str(VOTER) not in vote["user_hash"] and len(vote["user_hash"]) == 64
    assert vote["user_hash"] != hashlib.sha256(str(VOTER).encode()).hexdigest()  # keyed


# --- commands: sync, permissions, sharding -----------------------------------------------
async def test_discord_commands_sync_only_when_their_definitions_change(start_bot):
    def syncs(harness):
        return harness.fake.sent("PUT", "/applications/{application_id}/commands")

    first = await start_bot()
    (synced,) = syncs(first)
    names = {c["name"] for c in synced.payload}
    assert names == {"ask", "sources", "about", "add-source", "remove-source"}

    again = await start_bot()
    assert syncs(again) == []  # same definitions: no sync on restart

    forced = await start_bot(force_sync=False)
    forced.bot.force_sync = True
    await forced.bot.sync_commands(force=True)
    assert len(syncs(forced)) == 1

    changed = BackstoryBot(first.bot.settings, first.bot.answerer)

    @changed.tree.command(name="extra")
    async def extra(interaction: discord.Interaction) -> None:
        """A new command."""

    changed_harness = await Harness.start(changed)
    assert len(syncs(changed_harness)) == 1
    await changed_harness.close()


async def test_discord_maintainer_commands_need_manage_server(start_bot):
    h = await start_bot()
    manage_guild = discord.Permissions(manage_guild=True).value
    for name in ("add-source", "remove-source"):
        data = h.bot.tree.get_command(name).to_dict(h.bot.tree)
        assert data["default_member_permissions"] == manage_guild
        assert data["dm_permission"] is False
    assert h.bot.tree.get_command("ask").to_dict(h.bot.tree)["default_member_permissions"] is None


def test_discord_invite_url_asks_for_commands_and_what_the_bot_needs():
    url = invite_url(1234)
    assert "client_id=1234" in url and "scope=bot+applications.commands" in url
    assert f"permissions={INVITE_PERMISSIONS.value}" in url
    assert INVITE_PERMISSIONS.send_messages_in_threads and INVITE_PERMISSIONS.create_public_threads
    assert not INVITE_PERMISSIONS.mention_everyone and not INVITE_PERMISSIONS.administrator


def test_discord_sharded_bot_when_settings_ask(answerer):
    sharded = make_bot(answerer.settings.model_copy(update={"discord_sharded": True}), answerer)
    plain = make_bot(answerer.settings, answerer)
    assert isinstance(sharded, ShardedBackstoryBot)
    assert isinstance(sharded, discord.AutoShardedClient)
    assert isinstance(plain, BackstoryBot) and not isinstance(plain, discord.AutoShardedClient)
    assert sharded.answerer is answerer  # injected, not built inside
