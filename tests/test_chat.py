"""`backstory chat` driven as a script would: lines on stdin, exact text on stdout."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from bot.chat.commands import HELP, NO_ANSWER_TEXT, RESET_TEXT
from bot.cli import app
from tests.declines import SPUTNIK_DECLINE

ARTICLE_TITLE = "Moscow questions Washington's sanity amid reports of US meddling in Karabakh"
ARTICLE_URL = (
    "https://sputnikglobe.com/20230615/moscow-questions-washingtons-sanity-amid-reports-of-us-"
    "meddling-in-karabakh-1111183621.html"
)
ARTICLE_LEDE = (
    "Reports of Biden administration officials making threats of renewed bloodshed in "
    "Nagorno-Karabakh are troubling, and raise questions about the “sanity” of US mediators, "
    "a Russian Foreign Ministry spokesperson has told Sputnik."
)
TARASOV = "Stanislav Tarasov, Russian commentator on the Caucasus, Turkey and Iran"
TARASOV_LABEL = f"{TARASOV} — backstory background notes, 2026-11-27, facts to 2025-09-01"
DEATH_SENTENCE = ("Stanislav Tarasov died in late August 2025; the news agency IA REX "
                  "published an obituary on 29 August 2025.")
DEATH_PASSAGE = (
    f"{TARASOV} — Death\n\n{DEATH_SENTENCE} The Russian news site regions.ru reported that "
    "Tarasov's funeral service would be held at the Church of St Demetrius of Thessaloniki in "
    "Moscow and that he would be buried on 1 September 2025 at the Novobogorodskoye cemetery in "
    "the village of Timokhovo in the Bogorodsky district of Moscow Region."
)


def chat(settings, script: str, *args: str):
    """Run `backstory chat` over the given index with `script` as stdin."""
    runner = CliRunner()
    return runner.invoke(
        app, ["--data-dir", str(settings.data_dir), "chat", *args], input=script,
        env={"BACKSTORY_CORPUS_DIR": str(settings.corpus_dir)}, catch_exceptions=False,
    )


def test_help_unknown_and_quit_need_no_engine(settings):
    """Commands that need no index answer at once: `settings` has no index and none is built."""
    result = chat(settings, "/help\n/frobnicate now\n/sources\n/quit\nWho is Tarasov?\n")

    assert result.exit_code == 0
    assert result.stdout == (
        f"{HELP}\n\n"
        "Unknown command /frobnicate; /help lists the commands.\n\n"
        f"{NO_ANSWER_TEXT}\n"
    )
    assert not (settings.data_dir / "chroma").exists()  # /quit stopped before the question


def test_help_text_lists_every_command():
    for command in ("/sources", "/sources N", "/about", "/reset", "/help", "/quit"):
        assert f"  {command} " in HELP


def test_answer_then_sources_then_reset(ready_settings):
    script = ("When did Stanislav Tarasov die?\n/sources\n/sources 1\n/sources 9\n"
              "/reset\n/sources 1\n")
    result = chat(ready_settings, script)

    assert result.exit_code == 0, result.output
    answer, commands = result.stdout.split("\n\n[1] ", 1)
    assert answer.startswith(f"{DEATH_SENTENCE} [1]")
    # A background note has no URL of its own, so none is shown (not its first source's).
    assert f"Sources:\n[1] {TARASOV_LABEL}" in answer
    assert answer.count(DEATH_SENTENCE) == 1  # quoted in the answer, not again under it
    assert "[1] " + commands == (
        # /sources lists the cited sources: two passages of the same note
        f"[1] {TARASOV_LABEL}\n[2] {TARASOV_LABEL}\n"
        "\n"
        f"[1] {TARASOV_LABEL}\n\n{DEATH_PASSAGE}\n"  # /sources 1: the passage
        "\n"
        "No source [9] in the last answer; its sources are 1, 2.\n"
        "\n"
        f"{RESET_TEXT}\n"
        "\n"
        f"{NO_ANSWER_TEXT}\n"  # /reset forgot the last answer too
    )


@pytest.mark.parametrize("typed", ["/about", "What can I ask you about?", "what do you know?"])
def test_about_describes_article_and_lists_the_background(ready_settings, store_counts, typed):
    result = chat(ready_settings, f"{typed}\n")

    assert result.exit_code == 0, result.output
    documents, passages = store_counts
    assert documents == 3
    assert result.stdout == (
        f"{ARTICLE_TITLE}\nSputnik, 2023-06-15\n{ARTICLE_URL}\n\n{ARTICLE_LEDE}\n\n"
        f"Background: {documents} documents ({passages} passages).\n"
        "  Collective Security Treaty Organization (CSTO) and Armenia (facts to 2025-11-27)\n"
        "  Russian peacekeeping mission in Nagorno-Karabakh (2020–2024) (facts to 2024-06-12)\n"
        f"  {TARASOV} (facts to 2025-09-01)\n"
    )


def test_a_question_about_a_topic_is_not_taken_for_about(ready_settings):
    result = chat(ready_settings, "What do you know about the CSTO?\n")

    assert result.exit_code == 0, result.output
    assert "Background:" not in result.stdout
    assert "Sources:" in result.stdout and "CSTO" in result.stdout


def test_bare_words_act_as_their_commands_in_piped_chat(settings):
    """No index is built: none of these lines is taken for a question."""
    result = chat(settings, "help\nsources\nclear\nexit\nWho is Tarasov?\n")

    assert result.exit_code == 0
    assert result.stdout == f"{HELP}\n\n{NO_ANSWER_TEXT}\n\n{RESET_TEXT}\n"
    assert not (settings.data_dir / "chroma").exists()


def test_follow_up_keeps_context_until_reset(ready_settings):
    """"What did he say?" borrows its subject from the turn before; after /reset it has none."""
    script = "Who is Stanislav Tarasov?\nWhat did he say?\n/reset\nWhat did he say?\n"
    result = chat(ready_settings, script)

    assert result.exit_code == 0, result.output
    before_reset, after_reset = result.stdout.split(f"\n\n{RESET_TEXT}\n\n")
    _, first_sources_and_follow_up, follow_up_sources = before_reset.split("\n\nSources:\n")
    follow_up = first_sources_and_follow_up.split("\n\n", 1)[1]
    assert "Tarasov" in follow_up and "[1]" in follow_up
    assert follow_up_sources.startswith(f"[1] {TARASOV_LABEL}")
    assert after_reset == f"{SPUTNIK_DECLINE}\n"


def test_bad_k_is_refused_before_anything_runs(settings):
    result = chat(settings, "Who is Tarasov?\n", "-k", "0")

    assert result.exit_code == 1
    assert result.stderr == "error: k must be between 1 and 30\n"
    assert result.stdout == ""


def test_a_refused_question_does_not_end_the_chat(ready_settings):
    long_question = "why " * 400
    result = chat(ready_settings, f"{long_question}\n/help\n")

    assert result.exit_code == 1
    assert "error: the question is 1,599 characters; the limit is 1,000" in result.stderr
    assert result.stdout == f"{HELP}\n"


@pytest.fixture
def store_counts(ready_settings):
    """(background documents, their passages) as the index holds them."""
    from retrieval.index.embeddings import make_embedder
    from retrieval.index.store import Store

    rows = Store(ready_settings, make_embedder(ready_settings)).documents()
    background = [r for r in rows if r["kind"] == "background"]
    return len(background), sum(r["chunks"] for r in background)
