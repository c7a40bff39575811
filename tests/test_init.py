"""`backstory init DIR --article FILE|URL`: your own article, then ask about it from DIR."""

from __future__ import annotations

import datetime as dt
import json

import frontmatter
from typer.testing import CliRunner

from bot.cli import app
from retrieval.answering.declines import decline_message
from tests.conftest import loopback_site

BRIDGE_TEXT = """\
The Riverside town council voted 7 to 2 on Monday to close the Old Mill Bridge to cars from
1 May 2024.

Mayor Ana Lopes said the bridge, built in 1911, failed its last two safety inspections.
Repairs would cost about 4 million euros, which the town cannot raise this year.
"""
BRIDGE_TITLE = "Town council votes to close the old bridge"


def invoke(*args: str):
    return CliRunner().invoke(app, list(args))


def test_init_from_a_file_then_ask_from_the_folder(tmp_path, monkeypatch):
    source = tmp_path / "bridge.txt"
    source.write_text(BRIDGE_TEXT, encoding="utf-8")
    target = tmp_path / "mine"

    result = invoke("init", str(target), "--article", str(source), "--title", BRIDGE_TITLE,
                    "--outlet", "Riverside Gazette", "--published", "2024-03-02")

    assert result.exit_code == 0, result.output
    article = target / "corpus" / "articles" / "2024-03-02-town-council-votes-to-close-the-old-bridge.md"
    assert f"wrote {article} ({BRIDGE_TITLE}; 51 words)" in result.stdout
    post = frontmatter.load(article)
    assert post.metadata == {"title": BRIDGE_TITLE, "kind": "article",
                             "outlet": "Riverside Gazette", "published": dt.date(2024, 3, 2),
                             "language": "en"}
    assert post.content.startswith("The Riverside town council voted 7 to 2")
    assert (target / "corpus" / "background").is_dir()
    assert (target / ".env").read_text(encoding="utf-8").splitlines()[-2:] == [
        f"BACKSTORY_DATA_DIR={target / 'data'}", f"BACKSTORY_CORPUS_DIR={target / 'corpus'}"]

    monkeypatch.chdir(target)  # backstory reads ./.env, as a user who did `cd mine` would
    answer = json.loads(invoke("ask", "--json", "How did the council vote on the bridge?").stdout)
    assert "7 to 2" in answer["answer"]
    assert answer["citations"][0]["title"] == BRIDGE_TITLE
    assert answer["citations"][0]["outlet"] == "Riverside Gazette"
    assert (target / "data" / "chroma").is_dir()  # the index went where .env said

    declined = json.loads(invoke("ask", "--json", "What is the capital of Australia?").stdout)
    assert declined["abstained"]
    assert declined["answer"] == decline_message([BRIDGE_TITLE])
    assert f"the article “{BRIDGE_TITLE}” or its background documents" in declined["answer"]

    about = CliRunner().invoke(app, ["chat"], input="/about\n")
    assert about.stdout.startswith(f"{BRIDGE_TITLE}\nRiverside Gazette, 2024-03-02\n\n"
                                   "The Riverside town council voted 7 to 2")
    assert about.stdout.endswith("Background: 0 documents (0 passages).\n")


def test_init_from_a_url_keeps_the_page_title_date_and_address(tmp_path):
    page = (b"<html><head><title>Bridge to close in May</title>"
            b"<meta property=\"article:published_time\" content=\"2024-03-02T08:00:00Z\">"
            b"<meta property=\"og:site_name\" content=\"Riverside Gazette\"></head><body>"
            b"<nav>Home | Sport</nav><article><p>The Riverside town council voted 7 to 2 to "
            b"close the Old Mill Bridge.</p><p>It was built in 1911.</p></article></body></html>")
    with loopback_site({"/news/bridge.html": page}) as base:
        result = invoke("init", str(tmp_path / "mine"), "--article", f"{base}/news/bridge.html")

    assert result.exit_code == 0, result.output
    [article] = (tmp_path / "mine" / "corpus" / "articles").iterdir()
    assert article.name == "2024-03-02-bridge-to-close-in-may.md"
    post = frontmatter.load(article)
    assert post.metadata["title"] == "Bridge to close in May"
    assert post.metadata["outlet"] == "Riverside Gazette"
    assert post.metadata["url"] == f"{base}/news/bridge.html"
    assert post.content == ("The Riverside town council voted 7 to 2 to close the Old Mill "
                            "Bridge.\n\nIt was built in 1911.")
    assert "Home | Sport" not in article.read_text(encoding="utf-8")


def test_init_says_what_the_source_lacks(tmp_path):
    source = tmp_path / "bridge.txt"
    source.write_text(BRIDGE_TEXT, encoding="utf-8")
    result = invoke("init", str(tmp_path / "mine"), "--article", str(source))
    assert result.exit_code == 0, result.output
    assert result.stderr == "note: bridge.md: no outlet or published; add it to the front " \
                            "matter\n"


def test_init_refuses_a_used_folder_and_writes_nothing_for_a_bad_source(tmp_path):
    used = tmp_path / "used"
    used.mkdir()
    (used / "notes.txt").write_text("mine", encoding="utf-8")
    source = tmp_path / "bridge.txt"
    source.write_text(BRIDGE_TEXT, encoding="utf-8")

    refused = invoke("init", str(used), "--article", str(source))
    assert refused.exit_code == 1
    assert refused.stderr == (f"error: {used} already exists and is not an empty folder; pick "
                              "a new one (nothing was written)\n")
    assert sorted(p.name for p in used.iterdir()) == ["notes.txt"]

    missing = invoke("init", str(tmp_path / "new"), "--article", str(tmp_path / "nope.md"))
    assert missing.exit_code == 1
    assert missing.stderr == f"error: no such file: {tmp_path / 'nope.md'}\n"
    assert not (tmp_path / "new").exists()
    with loopback_site({}) as base:
        gone = invoke("init", str(tmp_path / "new"), "--article", f"{base}/gone.html")
    assert gone.exit_code == 1 and gone.stderr.startswith(f"error: {base}/gone.html: ")
    assert not (tmp_path / "new").exists()


def test_quotes_are_shown_without_the_sources_markdown(tmp_path, monkeypatch):
    """The terminal shows `7 to 2`, not `**7 to 2**`; the JSON keeps the passage verbatim."""
    source = tmp_path / "bridge.md"
    source.write_text(BRIDGE_TEXT.replace("voted 7 to 2", "voted **7 to 2**"), encoding="utf-8")
    assert invoke("init", str(tmp_path / "mine"), "--article", str(source), "--title",
                  BRIDGE_TITLE).exit_code == 0
    monkeypatch.chdir(tmp_path / "mine")

    shown = invoke("ask", "How did the council vote on the bridge?")
    raw = json.loads(invoke("ask", "--json", "How did the council vote on the bridge?").stdout)

    assert "voted **7 to 2**" in raw["citations"][0]["quote"]
    assert "voted **7 to 2**" in raw["answer"]
    assert "**" not in shown.stdout
    assert shown.stdout.startswith("The Riverside town council voted 7 to 2 on Monday")
    # The quote is the answer here, so it is not printed again under the sources.
    assert shown.stdout.count("The Riverside town council voted 7 to 2 on Monday") == 1
