"""Discord rendering: the 2,000-character split, code fences, pings, link previews, streaming."""

from __future__ import annotations

import re

import pytest

from bot.discord.render import (
    EMBED_DESCRIPTION_MAX,
    EMBED_TOTAL_MAX,
    MAX_MESSAGE_CHARS,
    _open_fence_at,
    about_embed,
    answer_messages,
    split_message,
    streaming_preview,
)
from bot.discord.reply import STREAM_EDIT_INTERVAL_S, StreamingReply
from retrieval.models import Answer, Citation

SENTENCE = "The ministry said the reports were troubling and raised questions [1]. "
URL = "https://example.org/report?id=7&lang=en"
BARE_URL = re.compile(r"(?<![<`])https?://")  # not in <…> (no preview) nor `code` (text)


def prose(n: int) -> str:
    """Exactly n characters of sentences, ending on a full stop when n allows."""
    text = (SENTENCE * (n // len(SENTENCE) + 2))[:n]
    return text[:-1] + "." if n > 1 else text


def assert_valid(parts: list[str], original: str) -> None:
    assert all(0 < len(p) <= MAX_MESSAGE_CHARS for p in parts), [len(p) for p in parts]
    for p in parts:
        assert p.count("```") % 2 == 0, f"a part opens a fence it does not close: {p[-80:]!r}"
    # Nothing is lost or invented outside the fences we add: the words survive in order.
    fence_free = [w for p in parts for w in p.split() if not w.startswith("```")]
    assert fence_free == [w for w in original.split() if not w.startswith("```")]


@pytest.mark.parametrize("length, expected_parts", [(1999, 1), (2000, 1), (2001, 2), (9000, 5)])
def test_discord_split_lengths(length, expected_parts):
    text = prose(length)
    assert len(text) == length
    parts = split_message(text)
    assert len(parts) == expected_parts
    assert_valid(parts, text)
    if expected_parts > 1:  # cut on a sentence end, not mid-word
        assert all(re.search(r"(\.|\[\d+\]\.?)$", p) for p in parts[:-1]), [p[-20:] for p in parts]


def test_discord_split_prefers_paragraphs():
    first, second = prose(1200), prose(1200)
    parts = split_message(f"{first}\n\n{second}")
    assert parts == [first, second]


def test_discord_split_moves_a_code_block_whole_to_the_next_message():
    lines = [f"value_{i} = compute({i})  # step" for i in range(30)]
    code = "```python\n" + "\n".join(lines) + "\n```"
    text = prose(1700) + "\n\n" + code + "\n\nAfter the code."
    assert text.index("```") < MAX_MESSAGE_CHARS < text.rindex("```")  # the cut falls in it
    parts = split_message(text)
    assert_valid(parts, text)
    assert any(code in p for p in parts), "the block that fits one message was cut"


def test_discord_split_closes_and_reopens_a_code_block_longer_than_a_message():
    code = "```js\n" + "\n".join(f"const line{i} = {i};" for i in range(300)) + "\n```"
    text = "Here is the script:\n\n" + code
    parts = split_message(text)
    assert len(parts) > 2
    assert_valid(parts, text)
    for p in parts[1:]:
        assert p.startswith("```js\n"), p[:20]  # the language survives the cut
    for p in parts[:-1]:
        assert p.endswith("\n```")


def test_discord_split_hard_cuts_text_without_boundaries():
    parts = split_message("x" * 4500)
    assert [len(p) for p in parts] == [2000, 2000, 500]


def citation(n: int, doc: str = "background/tarasov.md", url: str | None = URL,
             quote: str = "Tarasov died in 2025.") -> Citation:
    return Citation(n=n, doc_id=doc, title="Stanislav Tarasov", outlet="Regnum",
                    published="2023-06-15", url=url, chunk_id=f"c{n}", quote=quote, text=quote)


def test_discord_answer_with_mentions_pings_nobody():
    answer = Answer(question="q", abstained=False, generator="llm",
                    answer="Hey @everyone and @here, <@&123456> and <@98765> and <@!98765> [1].",
                    citations=[citation(1, quote="Ping @everyone about <@&42> now.")])
    text = "\n".join(answer_messages(answer))
    assert not re.search(r"@(everyone|here)\b", text)
    assert not re.search(r"<@[!&]?\d+>", text)
    assert "Ping @\u200beveryone" in text  # defused, still readable


def test_discord_source_urls_do_not_unfurl():
    answer = Answer(question="q", abstained=False, generator="extractive",
                    answer="Tarasov died in 2025. [1] See https://example.org/report too.",
                    citations=[citation(1)])
    text = "\n".join(answer_messages(answer))
    assert f"<{URL}>" in text
    assert not BARE_URL.search(text), text


def test_discord_links_in_code_or_brackets_are_left_alone():
    from bot.discord.render import safe

    assert safe("id `https://a.org/x` and <https://b.org/y>") == \
        "id `https://a.org/x` and <https://b.org/y>"
    assert safe("see https://c.org/z.") == "see <https://c.org/z>."


def test_discord_sources_group_sentences_of_one_document_and_quote_what_the_answer_does_not():
    answer = Answer(question="q", abstained=False, generator="llm",
                    answer="He died in 2025 [1]. He wrote for Regnum [2]. Russia said so [3].",
                    citations=[citation(1), citation(2, quote="Tarasov wrote for Regnum."),
                               citation(3, doc="articles/a.md", url=None, quote="Russia said.")])
    text = answer_messages(answer)[0]
    assert text.count("Stanislav Tarasov — Regnum, 2023-06-15") == 2  # one line per document
    assert "**[1] [2]** Stanislav Tarasov" in text
    assert "> [2] “Tarasov wrote for Regnum.”" in text
    assert "**[3]** Stanislav Tarasov — Regnum, 2023-06-15\n> “Russia said.”" in text


def test_discord_extractive_answer_is_not_quoted_twice():
    quote = "Tarasov died in 2025."
    answer = Answer(question="q", abstained=False, generator="extractive",
                    answer=f"{quote} [1]", citations=[citation(1, quote=quote)])
    assert answer_messages(answer)[0].count(quote) == 1


def test_discord_long_answer_with_sources_splits_within_limits():
    answer = Answer(question="q", abstained=False, generator="llm",
                    answer=prose(5000), citations=[citation(i) for i in range(1, 9)])
    parts = answer_messages(answer)
    assert len(parts) >= 3
    assert all(len(p) <= MAX_MESSAGE_CHARS for p in parts)
    assert "**Sources**" in parts[-1]


def test_discord_streaming_preview_hides_links_and_the_abstain_token():
    assert streaming_preview("NOT_IN_") == "…"
    assert streaming_preview("NOT_IN_SOURCES") == "…"
    shown = streaming_preview(f"Read {URL} and tell @everyone")
    assert "http" not in shown and "@everyone" not in shown
    assert len(streaming_preview("word " * 1000)) <= MAX_MESSAGE_CHARS


class RecordingReplier:
    def __init__(self):
        self.sent: list[str] = []
        self.edited: list[str] = []

    async def send(self, content, view=None):
        self.sent.append(content)
        return object()

    async def edit(self, message, content, view=None):
        self.edited.append(content)


async def test_discord_streaming_edits_are_paced():
    assert STREAM_EDIT_INTERVAL_S >= 1.5  # Discord allows about one edit a second per channel
    now = [0.0]
    replier = RecordingReplier()
    stream = StreamingReply(replier, clock=lambda: now[0])
    for _ in range(40):  # 40 tokens, 0.25 s apart: 10 s of streaming
        now[0] += 0.25
        await stream.on_token("word ")
    updates = len(replier.sent) + len(replier.edited)
    assert replier.sent and updates <= 10 / STREAM_EDIT_INTERVAL_S + 1
    assert updates >= 10 / STREAM_EDIT_INTERVAL_S - 1  # and it does show progress


def test_discord_about_embed_stays_within_limits():
    row = {"id": "a.md", "title": "T" * 400, "outlet": "Sputnik", "published": "2023-06-15",
           "url": URL}
    embed = about_embed(row, "Long paragraph. " * 1000)
    assert len(embed.title) <= 256
    assert len(embed.description) <= EMBED_DESCRIPTION_MAX
    assert len(embed) <= EMBED_TOTAL_MAX


def _pieces():
    """Prose, line breaks and whole code blocks (some longer than a message)."""
    from hypothesis import strategies as st

    word = st.text(alphabet="abcdefgh", min_size=1, max_size=12)
    line = st.lists(word, min_size=1, max_size=12).map(" ".join)
    block = st.tuples(st.sampled_from(["```", "```py", "~~~"]),
                      st.lists(st.one_of(line, st.just(""), st.just("y" * 150)), max_size=40))
    return st.lists(st.one_of(
        word, word.map(lambda w: w + "."), st.just("\n"), st.just("\n\n"), st.just("x" * 300),
        block.map(lambda b: f"\n{b[0]}\n" + "\n".join(b[1]) + f"\n{b[0][:3]}\n"),
    ), max_size=300)


def test_discord_split_never_exceeds_the_limit_or_leaves_a_fence_open():
    from hypothesis import given, settings

    @settings(max_examples=150, deadline=None)
    @given(_pieces(), st_limit())
    def check(pieces, limit):
        text = " ".join(pieces)
        parts = split_message(text, limit)
        assert all(0 < len(p) <= limit for p in parts), [len(p) for p in parts]
        if len(text.strip()) <= limit:
            assert parts == ([text.strip()] if text.strip() else [])
        for p in parts:  # every part is valid Markdown on its own: fences balanced
            assert _open_fence_at(p + "\n", len(p) + 1) is None, p

    check()


def st_limit():
    from hypothesis import strategies as st

    return st.sampled_from([200, 500, MAX_MESSAGE_CHARS])
