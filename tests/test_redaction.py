"""Secrets stay out of errors, logs, the index and citations.

The loopback OpenAI server quotes the API key back in its 401 error, as OpenAI does; a URL
given to ingest carries a password; so does OPENAI_BASE_URL. None of them may reach the
terminal (one-line errors, `-v` logs and their tracebacks), the stored documents, or what
`sources` and `ask` show. Checked to fail without the fix by making `redact` and
`strip_userinfo` return their input.
"""

from __future__ import annotations

import json
import logging

import pytest
from typer.testing import CliRunner

from bot.cli import app
from retrieval.redact import REDACTED, redact, register, strip_userinfo
from tests.conftest import loopback_site
from tests.fake_openai import Behaviour

KEY = "sk-test-redact-me-0123456789abcdef"
PASSWORD = "hunter2-url-password"
PAGE = b"""<html><head><title>Zorblat brigade</title></head><body><article><p>The Zorblat
peacekeeping brigade had 4,100 soldiers in Quenvik province in May 2026.</p></article>
</body></html>"""


def cli(settings, *args: str, **env: str):
    return CliRunner().invoke(
        app, ["--data-dir", str(settings.data_dir), *args],
        env={"BACKSTORY_CORPUS_DIR": str(settings.corpus_dir), **env}, catch_exceptions=False)


@pytest.fixture(autouse=True)
def quiet_root_logger():
    """The CLI's -v handler writes to the stderr CliRunner captures; leave none behind."""
    yield
    logging.basicConfig(handlers=[logging.NullHandler()], force=True)


def test_redact_and_strip_userinfo():
    register(KEY)
    assert redact(f"Incorrect API key provided: {KEY}.") == \
        f"Incorrect API key provided: {REDACTED}."
    assert redact(f"GET https://ann:{PASSWORD}@example.org/x") == \
        f"GET https://{REDACTED}@example.org/x"
    assert strip_userinfo(f"https://ann:{PASSWORD}@example.org:8443/a?b=1#c") == \
        "https://example.org:8443/a?b=1#c"
    assert strip_userinfo("https://example.org/@handle") == "https://example.org/@handle"


def test_an_echoed_key_is_redacted_from_the_llm_log(ready_settings, fake_openai):
    """`-v ask` with the LLM: the 401's body (with the key) is logged with its traceback,
    and the answer falls back to quoting."""
    fake_openai.then(Behaviour(kind="status", status=401, echo_key=True,
                               error_code="invalid_api_key"))
    result = cli(ready_settings, "-v", "ask", "Who is Stanislav Tarasov?",
                 OPENAI_API_KEY=KEY, OPENAI_BASE_URL=fake_openai.base_url,
                 BACKSTORY_LLM_RETRIES="0")
    assert result.exit_code == 0, result.output
    assert fake_openai.requests, "the LLM was not asked"
    assert "Incorrect API key provided" in result.stderr  # the server's words are logged ...
    assert KEY not in result.output and KEY not in result.stderr  # ... without the key
    assert REDACTED in result.stderr


@pytest.mark.parametrize("verbose", [[], ["-v"]])
def test_an_echoed_key_is_redacted_from_the_embedders_error(settings, fake_openai, verbose):
    """The OpenAI embedder's 401 ends ingest with a one-line error (a traceback with -v)."""
    fake_openai.default = Behaviour(kind="status", status=401, echo_key=True)
    result = cli(settings, *verbose, "ingest", OPENAI_API_KEY=KEY,
                 OPENAI_BASE_URL=fake_openai.base_url, BACKSTORY_EMBEDDER="openai",
                 BACKSTORY_LLM_RETRIES="0")
    assert result.exit_code == 1
    assert fake_openai.requests and fake_openai.requests[0]["path"].endswith("/embeddings")
    assert "error:" in result.stderr
    assert KEY not in result.output and KEY not in result.stderr
    assert REDACTED in result.stderr


def test_a_password_in_an_ingested_url_is_used_not_kept(ready_settings):
    """The page is fetched with its URL, and stored, cited, listed and logged without the
    password."""
    with loopback_site({"/zorblat": PAGE}) as base:
        url = base.replace("http://", f"http://ann:{PASSWORD}@") + "/zorblat"
        ingested = cli(ready_settings, "-v", "ingest", "--json", url)
    assert ingested.exit_code == 0, ingested.output
    assert json.loads(ingested.stdout)["documents"]["added"] == [f"{base}/zorblat"]
    listed = cli(ready_settings, "sources", "--json")
    asked = cli(ready_settings, "ask", "--json", "How many soldiers did the Zorblat brigade have?")
    (row,) = [r for r in json.loads(listed.stdout) if r["id"] == f"{base}/zorblat"]
    assert row["url"] == f"{base}/zorblat"
    assert json.loads(asked.stdout)["citations"][0]["url"] == f"{base}/zorblat"
    stored = (ready_settings.data_dir / "chroma" / "chroma.sqlite3").read_bytes()
    for text in (ingested.output, ingested.stderr, listed.output, asked.output):
        assert PASSWORD not in text
    assert PASSWORD.encode() not in stored


def test_a_failed_url_is_named_without_its_password(ready_settings):
    with loopback_site({}) as base:
        url = base.replace("http://", f"http://ann:{PASSWORD}@") + "/missing"
        result = cli(ready_settings, "ingest", url)
    assert result.exit_code == 1
    # One line, and no "error: Exit: 1" after it (typer 0.29's Exit is no longer click's).
    assert result.stderr == f"failed: {base}/missing: HTTP 404\n"
    assert PASSWORD not in result.output + result.stderr


def test_a_password_in_front_matter_urls_is_not_stored(store, corpus):
    from retrieval.index.ingest import ingest

    (corpus / "background" / "zorblat.md").write_text(
        f"---\ntitle: Zorblat\nkind: background\nurl: https://ann:{PASSWORD}@example.org/z\n"
        f"sources:\n  - https://bob:{PASSWORD}@example.org/s\n---\n\nThe Zorblat brigade.\n")
    ingest(store)
    (row,) = [r for r in store.documents() if r["id"] == "background/zorblat.md"]
    assert row["url"] == "https://example.org/z"
    assert row["sources"] == ["https://example.org/s"]


def test_a_password_in_openai_base_url_stays_out_of_the_debug_log(ready_settings, fake_openai):
    fake_openai.then(Behaviour(text="Tarasov was a commentator [{cite:commentator}]."))
    base = fake_openai.base_url.replace("http://", f"http://llm:{PASSWORD}@")
    result = cli(ready_settings, "-vv", "ask", "Who is Stanislav Tarasov?",
                 OPENAI_BASE_URL=base, BACKSTORY_LLM_RETRIES="0")
    assert result.exit_code == 0, result.output
    assert fake_openai.requests, "the LLM was not asked"
    assert "127.0.0.1" in result.stderr  # the requests are logged ...
    assert PASSWORD not in result.output and PASSWORD not in result.stderr  # ... redacted
