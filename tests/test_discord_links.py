"""Links and pings from documents: titles, outlets and quotes reach Discord as text.

An ingested page's <title>, og:site_name and og:url (or a note's front matter) are the
page author's words. In the Sources line, /sources, /about and the maintainers' replies they
must not become a masked link ("[Official site](https://elsewhere)"), a ping, or a link with
a preview; a URL is shown only when it is plain http(s), in <…>. Checked to fail without the
fix by rendering with the old `safe()` in place of `as_text` and `shown_url` returning
every URL unchanged.
"""

from __future__ import annotations

import re

import pytest

from bot.discord.admin import ingest_reply
from bot.discord.bot import BackstoryBot
from bot.discord.render import (
    about_embed,
    answer_messages,
    as_text,
    shown_url,
    sources_messages,
)
from bot.discord.reply import quote_question
from retrieval.index.ingest import ingest
from retrieval.models import Answer, Citation
from tests.discord_fakes import Harness

EVIL = "https://evil.example/login"
HOSTILE_TITLE = f"Official [statement]({EVIL}) for @everyone, <@&12345> and <#678> **now**"
HOSTILE_OUTLET = f"[Reuters](<{EVIL}>) <@!4242>"
HOSTILE_QUOTE = f"Read the [full report]({EVIL}) @here `code` ||spoiler||"
BAD_URLS = ["javascript:alert(1)", f"{EVIL}> [x]({EVIL}", "https://user:hunter2@example.org/a",
            "ftp://example.org/file", "https://", "data:text/html,hi"]
GOOD_URL = "https://example.org/report?id=7&lang=en"

# A masked link: [words](target), with neither bracket escaped.
MASKED_LINK = re.compile(r"(?<!\\)\[[^\]\n]*(?<!\\)\]\s*\(")
RAW_PING = re.compile(r"@(everyone|here)\b|(?<!\\)<@[!&]?\d+>|(?<!\\)<#\d+>")
# A URL Discord would link and preview: not in <…> and not in `code` (which is plain text).
BARE_URL = re.compile(r"(?<![<\w`])https?://")
ANGLE_LINK = re.compile(r"(?<!\\)<([^<>\s]+)>")


def assert_text_only(text: str) -> None:
    assert not MASKED_LINK.search(text), text
    assert not RAW_PING.search(text), text
    assert not BARE_URL.search(text), text
    for target in ANGLE_LINK.findall(text):  # every <…> Discord would link is a plain URL
        assert shown_url(target) == target, (target, text)
    assert "javascript:" not in text and "hunter2" not in text


def citation(n: int, url: str | None, **fields) -> Citation:
    base = {"doc_id": f"background/d{n}.md", "title": HOSTILE_TITLE, "outlet": HOSTILE_OUTLET,
            "published": "2026-11-27", "chunk_id": f"c{n}", "quote": HOSTILE_QUOTE,
            "text": "t"}
    return Citation(n=n, url=url, **{**base, **fields})


def test_as_text_shows_markdown_and_mentions_as_written():
    shown = as_text(HOSTILE_TITLE)
    assert_text_only(shown)
    # Escaped, not removed: Discord shows the title's own characters.
    assert shown.startswith(r"Official \[statement\](`https://evil.example/login`) for @")
    assert r"\<@&12345\>" in shown and r"\*\*now\*\*" in shown
    assert as_text("line one\n# heading\n> quote") == r"line one # heading \> quote"


@pytest.mark.parametrize("url", BAD_URLS)
def test_only_plain_http_urls_are_shown(url):
    assert shown_url(url) is None
    assert shown_url(GOOD_URL) == GOOD_URL


@pytest.mark.parametrize("url", [*BAD_URLS, GOOD_URL, None])
def test_sources_line_shows_titles_outlets_and_quotes_as_text(url):
    answer = Answer(question="q", abstained=False, generator="llm",
                    answer="The ministry said so [1]. It was repeated [2].",
                    citations=[citation(1, url), citation(2, url, doc_id="articles/a.md")])
    text = "\n".join(answer_messages(answer))
    assert_text_only(text)
    assert ("<" + GOOD_URL + ">" in text) == (url == GOOD_URL)
    assert r"Read the \[full report\]" in text  # the quote is there, as text


def test_an_answer_cannot_dress_a_cited_link_as_other_words():
    """The LLM (or a quoted sentence) writing [words](the cited URL): the link stays, the
    mask does not."""
    answer = Answer(question="q", abstained=False, generator="llm",
                    answer=f"See [the official site]({GOOD_URL}) [1].",
                    citations=[citation(1, GOOD_URL)])
    assert not MASKED_LINK.search(answer_messages(answer)[0])


@pytest.mark.parametrize("url", [*BAD_URLS, GOOD_URL])
def test_sources_listing_and_about_embed_check_urls(url):
    row = {"id": "articles/a`b.md", "kind": "article", "title": HOSTILE_TITLE,
           "outlet": HOSTILE_OUTLET, "published": "2023-06-15", "url": url}
    assert_text_only("\n".join(sources_messages([row])))
    embed = about_embed(row, HOSTILE_QUOTE)
    assert embed.url == (GOOD_URL if url == GOOD_URL else None)
    assert_text_only(embed.title)
    assert_text_only(embed.description)
    assert "@everyone" not in embed.footer.text and "<@!4242>" not in embed.footer.text


def test_maintainer_replies_and_quoted_questions_show_titles_as_text():
    from retrieval.index.ingest import IngestReport

    report = IngestReport(docs_added=["background/d1.md"])
    rows = {"background/d1.md": {"id": "background/d1.md", "title": HOSTILE_TITLE, "chunks": 3}}
    reply = ingest_reply(report, rows)
    assert_text_only(reply)
    assert "(`background/d1.md`, 3 passages)" in reply
    assert_text_only(quote_question(HOSTILE_QUOTE, "The answer."))


# --- through the bot, from an ingested page --------------------------------------------------
HOSTILE_PAGE = f"""<html><head><title>Peacekeepers [verified]({EVIL}) @everyone</title>
<meta property="og:site_name" content="[Sputnik]({EVIL}) &lt;@&amp;777&gt;">
<meta property="og:url" content="javascript:alert(document.cookie)">
</head><body><article><p>The Zorblat peacekeeping brigade had 4,100 soldiers in Quenvik
province, the [ministry]({EVIL}) said in May 2026.</p></article></body></html>"""
HOSTILE_ARTICLE = f"""---
title: "Karabakh [live]({EVIL}) <@&999>"
kind: article
outlet: "**Sputnik** @here"
url: "{EVIL}) [x](https://evil.example/2"
published: 2023-06-15
---

The Quenvik brigade article says 4,100 soldiers were there.
"""


@pytest.fixture
async def hostile_bot(answerer, tmp_path):
    page = tmp_path / "page.html"
    page.write_text(HOSTILE_PAGE)
    article = answerer.settings.corpus_dir / "articles" / "hostile.md"
    article.write_text(HOSTILE_ARTICLE)
    report = ingest(answerer.store, [str(page), str(article)])
    assert not report.failed and len(report.docs_added) == 2, report
    settings = answerer.settings.model_copy(update={"discord_cooldown_s": 0})
    harness = await Harness.start(BackstoryBot(settings, answerer))
    yield harness
    await harness.close()


def sent_texts(harness) -> list[str]:
    texts = []
    for call in harness.fake.calls:
        payload = call.payload or {}
        texts.append(payload.get("content") or "")
        for embed in payload.get("embeds") or []:
            texts += [embed.get("title") or "", embed.get("description") or ""]
            url = embed.get("url")
            assert url is None or shown_url(url) == url, url
    return texts


async def test_bot_shows_an_ingested_pages_words_as_text(hostile_bot):
    h = hostile_bot
    for command, options in (("sources", None), ("about", None),
                             ("ask", {"question": "How many soldiers did the Zorblat "
                                                  "peacekeeping brigade have?"})):
        h.fake.calls.clear()
        await h.run_command(h.interaction(command, options=options))
        texts = sent_texts(h)
        joined = "\n".join(texts)
        assert "Peacekeepers" in joined or "Karabakh" in joined, (command, joined)
        for text in texts:
            assert_text_only(text)
        for call in h.fake.calls:
            assert (call.payload or {}).get("allowed_mentions", {"parse": []})["parse"] == []
