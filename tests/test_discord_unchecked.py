"""Discord shows nothing that was not checked: previews redacted, foreign links inert, no
bidirectional controls."""

from __future__ import annotations

import re

from bot.discord.render import answer_messages, as_text, streaming_preview
from retrieval.models import Answer, Citation
from retrieval.redact import register

# What Discord turns into a clickable link: a bare URL or one in <…>, outside `code`.
CLICKABLE = re.compile(r"(?<!`)<?https?://[^\s>`]+")


def test_a_streaming_preview_never_shows_a_registered_secret():
    """An LLM server that echoed the API key in its stream showed it in the preview edits."""
    register("sk-test-preview-secret-4242")
    shown = streaming_preview("Your key is sk-test-preview-secret-4242, thanks")
    assert "sk-test-preview-secret-4242" not in shown and "[redacted]" in shown


def test_links_in_titles_outlets_and_quotes_are_not_clickable():
    shown = as_text("Breaking: https://phish.example/login now")
    assert not CLICKABLE.search(shown)
    assert "`https://phish.example/login`" in shown  # still visible, as text

    citation = Citation(n=1, doc_id="background/d.md", title="See https://phish.example/a",
                        outlet="https://phish.example/b", published="2024-01-01",
                        url="https://own.example/page", chunk_id="c1",
                        quote="Log in at https://phish.example/c today.", text="t")
    answer = Answer(question="q", answer="The note says so [1].", abstained=False,
                    generator="extractive", citations=[citation])
    text = "\n".join(answer_messages(answer))
    assert CLICKABLE.findall(text) == ["<https://own.example/page"]  # the document's own URL


def test_bidi_controls_are_stripped_everywhere_shown():
    rlo = "\u202e"
    assert rlo not in as_text(f"invoice{rlo}fdp.exe")
    assert rlo not in streaming_preview(f"The answer{rlo} reversed")
    citation = Citation(n=1, doc_id="background/d.md", title=f"T{rlo}itle", outlet="O",
                        published="2024-01-01", url=None, chunk_id="c1",
                        quote=f"Q{rlo}uote.", text="t")
    answer = Answer(question="q", answer=f"An{rlo}swer [1].", abstained=False,
                    generator="extractive", citations=[citation])
    assert not any(c in "\n".join(answer_messages(answer))
                   for c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
