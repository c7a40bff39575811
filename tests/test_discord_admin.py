"""Maintainer commands in Discord: /add-source and /remove-source, gated twice."""

from __future__ import annotations

import pytest

from bot.discord.admin import NO_ADMINS, NOT_ADMIN, safe_filename
from bot.discord.bot import BackstoryBot
from tests.conftest import loopback_site
from tests.discord_fakes import ADMIN_ROLE_ID, EPHEMERAL, Harness

NOTE = b"""---
title: "The Goris test bridge"
kind: background
outlet: Test Gazette
published: 2024-05-01
---
The Goris test bridge was painted bright green in 1999 by the Syunik Painters Guild.
The guild chose green because the bridge crosses the Vorotan river near the old mill.
"""
UPLOAD_ID = "uploads/goris-bridge.md"


@pytest.fixture
async def admin_bot(answerer):
    """A bot whose maintainers are the holders of the Editors role."""
    settings = answerer.settings.model_copy(update={"discord_admin_ids": [ADMIN_ROLE_ID]})
    harness = await Harness.start(BackstoryBot(settings, answerer))
    harness.fake.calls.clear()
    yield harness
    await harness.close()


def doc_ids(harness) -> set[str]:
    return {row["id"] for row in harness.bot.answerer.store.documents()}


def immediate_reply(harness) -> dict:
    (call,) = harness.fake.calls
    assert call.payload["type"] == 4 and call.payload["data"]["flags"] & EPHEMERAL
    return call.payload["data"]


async def add_file(harness, name: str, data: bytes, size: int | None = None, **who):
    attachment = harness.attachment(name, data, size)
    await harness.run_command(harness.interaction(
        "add-source", options={"file": None}, attachments={"file": attachment}, **who))
    return attachment


async def test_discord_add_source_refused_for_users_not_on_the_allowlist(admin_bot):
    before = doc_ids(admin_bot)
    await add_file(admin_bot, "goris-bridge.md", NOTE, user_id=42, roles=[])
    assert immediate_reply(admin_bot)["content"] == NOT_ADMIN
    assert admin_bot.fake.cdn_requests == []  # not even downloaded
    assert not (admin_bot.bot.settings.corpus_dir / "uploads").exists()
    assert doc_ids(admin_bot) == before

    admin_bot.fake.calls.clear()
    await admin_bot.run_command(admin_bot.interaction(
        "remove-source", options={"document": sorted(before)[0]}, user_id=42))
    assert immediate_reply(admin_bot)["content"] == NOT_ADMIN
    assert doc_ids(admin_bot) == before


async def test_discord_add_source_refused_when_no_maintainers_are_configured(answerer):
    harness = await Harness.start(BackstoryBot(answerer.settings, answerer))
    harness.fake.calls.clear()
    await add_file(harness, "goris-bridge.md", NOTE, user_id=1, roles=[ADMIN_ROLE_ID])
    assert immediate_reply(harness)["content"] == NO_ADMINS
    assert harness.fake.cdn_requests == []
    await harness.close()


@pytest.mark.parametrize("name, size, why", [
    ("payload.exe", None, "can't read .exe"),
    ("huge.md", 50_000_000, "the limit is 20,000,000"),
])
async def test_discord_upload_checked_before_download(admin_bot, name, size, why):
    await add_file(admin_bot, name, NOTE, size=size, roles=[ADMIN_ROLE_ID])
    assert why in immediate_reply(admin_bot)["content"]
    assert admin_bot.fake.cdn_requests == []
    assert not (admin_bot.bot.settings.corpus_dir / "uploads").exists()


async def test_discord_add_and_remove_an_uploaded_file(admin_bot):
    settings = admin_bot.bot.settings
    attachment = await add_file(admin_bot, "Goris bridge.md", NOTE, user_id=7,
                                roles=[ADMIN_ROLE_ID])
    defer, reply = admin_bot.fake.calls[0], admin_bot.fake.calls[-1]
    assert defer.payload == {"type": 5, "data": {"flags": EPHEMERAL}}
    assert admin_bot.fake.cdn_requests == [attachment["url"]]
    path = settings.corpus_dir / "uploads" / "Goris_bridge.md"
    assert path.read_bytes() == NOTE  # kept, so `backstory ingest` can rebuild from the corpus
    assert reply.content.startswith("Added **The Goris test bridge** (`uploads/Goris_bridge.md`")
    assert "uploads/Goris_bridge.md" in doc_ids(admin_bot)

    # Members can now get answers from it.
    admin_bot.fake.calls.clear()
    await admin_bot.run_command(admin_bot.interaction(
        "ask", user_id=8, options={"question": "What colour was the Goris test bridge painted?"}))
    answer = admin_bot.fake.sent("POST", "/webhooks/")[-1].content
    assert "green" in answer and "The Goris test bridge — Test Gazette" in answer

    # Autocomplete offers it to maintainers only.
    admin_bot.fake.calls.clear()
    await admin_bot.run_command(admin_bot.interaction(
        "remove-source", options={"document": "goris"}, focused="document", user_id=7,
        roles=[ADMIN_ROLE_ID]))
    await admin_bot.run_command(admin_bot.interaction(
        "remove-source", options={"document": "goris"}, focused="document", user_id=42))
    offered, hidden = [c.payload for c in admin_bot.fake.calls]
    assert offered["type"] == 8 and [c["value"] for c in offered["data"]["choices"]] == [
        "uploads/Goris_bridge.md"]
    assert hidden["data"]["choices"] == []

    admin_bot.fake.calls.clear()
    await admin_bot.run_command(admin_bot.interaction(
        "remove-source", options={"document": "uploads/Goris_bridge.md"}, user_id=7,
        roles=[ADMIN_ROLE_ID]))
    assert admin_bot.fake.calls[-1].content.startswith("Removed **The Goris test bridge**")
    assert "uploads/Goris_bridge.md" not in doc_ids(admin_bot)
    assert not path.exists()


async def test_discord_remove_source_of_a_corpus_file_says_the_file_stays(admin_bot):
    await admin_bot.run_command(admin_bot.interaction(
        "remove-source", options={"document": "background/csto.md"}, roles=[ADMIN_ROLE_ID]))
    text = admin_bot.fake.calls[-1].content
    assert text.startswith("Removed **Collective Security Treaty Organization")
    assert "stays in the corpus folder" in text
    assert (admin_bot.bot.settings.corpus_dir / "background" / "csto.md").exists()

    admin_bot.fake.calls.clear()
    await admin_bot.run_command(admin_bot.interaction(
        "remove-source", options={"document": "background/nope.md"}, roles=[ADMIN_ROLE_ID]))
    assert admin_bot.fake.calls[-1].content.startswith("Nothing removed: no indexed document")


async def test_discord_add_source_from_a_url(admin_bot):
    page = (b"<html><head><title>Vorotan mill history</title></head><body><p>The old "
            b"Vorotan mill was rebuilt in 1911 by the Syunik Millers Union.</p></body></html>")
    with loopback_site({"/mill.html": page}) as site:
        url = f"{site}/mill.html"
        await admin_bot.run_command(admin_bot.interaction(
            "add-source", options={"url": url}, roles=[ADMIN_ROLE_ID]))
    reply = admin_bot.fake.calls[-1].content
    assert reply.startswith(f"Added **Vorotan mill history** (`{url}`")  # code: no preview
    assert url in doc_ids(admin_bot)

    admin_bot.fake.calls.clear()
    await admin_bot.run_command(admin_bot.interaction(
        "add-source", options={"url": "file:///etc/passwd"}, roles=[ADMIN_ROLE_ID]))
    assert "must start with http" in immediate_reply(admin_bot)["content"]


def test_discord_upload_file_names_are_made_safe():
    assert safe_filename("../../etc/passwd.md") == "passwd.md"
    assert safe_filename(".hidden.MD") == "hidden.md"
    assert safe_filename("Notes (final) v2.txt") == "Notes_final_v2.txt"
    assert len(safe_filename("x" * 500 + ".pdf")) <= 120


async def test_discord_upload_of_a_copy_of_an_indexed_document_is_not_kept(admin_bot):
    settings = admin_bot.bot.settings
    copy = (settings.corpus_dir / "background" / "csto.md").read_bytes()
    await add_file(admin_bot, "csto-copy.md", copy, roles=[ADMIN_ROLE_ID])
    text = admin_bot.fake.calls[-1].content
    assert "Note: csto-copy.md: same text as background/csto.md" in text
    assert "uploads/csto-copy.md" not in doc_ids(admin_bot)
    # Its file would bring the note back at every `backstory ingest`.
    assert not (settings.corpus_dir / "uploads" / "csto-copy.md").exists()
