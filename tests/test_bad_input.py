"""Bad files and URLs at ingest: a one-line error each, the rest ingested, nothing lost."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from bot.cli import app
from retrieval.index.ingest import ingest
from tests.conftest import loopback_site

GOOD = "background/csto.md"


@pytest.fixture
def pages():
    """A loopback web server: /ok.html serves a page, /missing 404s, /slow stalls."""
    ok = (b"<html><head><title>Test page</title><meta property="
          b"\"article:published_time\" content=\"2024-01-02T10:00:00Z\"></head>"
          b"<body><article><p>The test page says the bridge opened in 2024.</p>"
          b"</article></body></html>")
    with loopback_site({"/ok.html": ok}, delays={"/slow": 3}) as url:
        yield url


def write_bad_files(folder, settings):
    (folder / "binary.md").write_bytes(b"---\ntitle: x\n---\n\x00\x01\x02 binary")
    (folder / "empty.md").write_text("")
    (folder / "huge.txt").write_text("word " * (settings.max_file_bytes // 5 + 10))
    (folder / "latin1.txt").write_bytes("caf\xe9 in Stepanakert".encode("latin-1"))
    (folder / "badyaml.md").write_text("---\ntitle: [unclosed\nkind: background\n---\nBody.\n")
    (folder / "baddate.md").write_text("---\ntitle: T\npublished: last tuesday\n---\nBody text.\n")
    (folder / "badkind.md").write_text("---\ntitle: T\nkind: opinion\n---\nBody text.\n")


EXPECTED_REASONS = {
    "binary.md": "binary content",
    "empty.md": "empty file",
    "huge.txt": "too large",
    "latin1.txt": "not UTF-8",
    "badyaml.md": "malformed front matter",
    "baddate.md": "not an ISO date",
    "badkind.md": "kind must be article or background",
}


def test_each_bad_file_fails_alone_with_its_reason(store, corpus):
    store.settings.max_file_bytes = 50_000
    write_bad_files(corpus / "background", store.settings)
    report = ingest(store)
    reasons = {f.origin.rsplit("/", 1)[-1]: f.reason for f in report.failed}
    assert set(reasons) == set(EXPECTED_REASONS)
    for name, expected in EXPECTED_REASONS.items():
        assert expected in reasons[name], (name, reasons[name])
    assert GOOD in report.docs_added and len(report.docs_added) == 4
    assert not any(name in row["id"] for row in store.documents() for name in EXPECTED_REASONS)


def test_cli_reports_one_line_per_failure_and_exits_non_zero(tmp_path, corpus, monkeypatch, pages):
    from retrieval.settings import Settings

    monkeypatch.setenv("BACKSTORY_CORPUS_DIR", str(corpus))
    monkeypatch.setenv("BACKSTORY_MAX_FILE_BYTES", "50000")
    # A total deadline: long enough for a loopback 404 on a busy machine, short of /slow's 3 s.
    monkeypatch.setenv("BACKSTORY_FETCH_TIMEOUT_S", "2")
    write_bad_files(corpus / "background", Settings(max_file_bytes=50_000, _env_file=None))
    args = ["--data-dir", str(tmp_path / "d"), "ingest", "--json", str(corpus),
            str(tmp_path / "no-such-file.md"), f"{pages}/missing", f"{pages}/slow",
            f"{pages}/ok.html"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    errors = {f["path"].rsplit("/", 1)[-1]: f["error"] for f in report["failed"]}
    assert errors["no-such-file.md"] == "no such file or folder"
    assert errors["missing"] == "HTTP 404"
    assert errors["slow"] == "timed out after 2 s"
    assert len(errors) == len(EXPECTED_REASONS) + 3
    assert report["added"] > 0  # the good files and the good URL went in
    assert "Traceback" not in result.output

    human = CliRunner().invoke(app, args[:3] + args[4:])
    assert human.exit_code == 1
    failed_lines = [line for line in human.stderr.splitlines() if line.startswith("failed: ")]
    assert len(failed_lines) == len(EXPECTED_REASONS) + 3
    assert "Traceback" not in human.stderr


def test_a_url_page_is_ingested_with_its_metadata(store, pages):
    report = ingest(store, [f"{pages}/ok.html"])
    assert report.docs_added == [f"{pages}/ok.html"]
    row = next(r for r in store.documents() if r["id"] == f"{pages}/ok.html")
    assert row["title"] == "Test page" and row["published"] == "2024-01-02"


def test_a_file_that_turns_bad_keeps_its_old_passages(store, corpus):
    ingest(store)
    before = {r["id"]: r["chunks"] for r in store.documents()}
    (corpus / GOOD).write_text("---\ntitle: [broken\n---\nnew text\n")
    report = ingest(store)
    assert [f.origin.endswith("csto.md") for f in report.failed] == [True]
    assert {r["id"]: r["chunks"] for r in store.documents()} == before


def test_unsupported_type_is_refused(store, tmp_path):
    odd = tmp_path / "notes.docx"
    odd.write_bytes(b"PK\x03\x04")
    report = ingest(store, [str(odd)])
    assert "unsupported type .docx" in report.failed[0].reason


def test_a_bad_setting_is_a_one_line_error(tmp_path, monkeypatch):
    monkeypatch.setenv("BACKSTORY_K", "many")
    result = CliRunner().invoke(app, ["--data-dir", str(tmp_path / "d"), "ask", "Who?"])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: bad setting BACKSTORY_K: ")
    assert result.stderr.count("\n") == 1


def test_no_index_and_no_corpus_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("BACKSTORY_CORPUS_DIR", str(tmp_path / "missing"))
    result = CliRunner().invoke(app, ["--data-dir", str(tmp_path / "d"), "ask", "Who?"])
    assert result.exit_code == 1
    assert result.stderr == (f"error: the index is empty and there is no corpus folder at "
                             f"{tmp_path / 'missing'}; run `backstory ingest PATH` or set "
                             "BACKSTORY_CORPUS_DIR\n")
