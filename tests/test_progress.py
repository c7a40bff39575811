"""What the first `ask` and a one-file `ingest` say while they work, and how long it took."""

from __future__ import annotations

import re

from typer.testing import CliRunner

from bot.cli import app


def test_first_ask_without_a_terminal_counts_and_says_how_long(settings, tmp_path):
    result = CliRunner().invoke(
        app, ["--data-dir", str(tmp_path / "fresh"), "ask", "Who is Stanislav Tarasov?"],
        env={"BACKSTORY_CORPUS_DIR": str(settings.corpus_dir)})

    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert lines[0] == f"Building the index from {settings.corpus_dir} (first use)…"
    total = int(re.fullmatch(r"Embedding passages: 0/(\d+)", lines[1]).group(1))
    assert lines[-2] == f"Embedding passages: {total}/{total}"
    assert re.fullmatch(rf"Built the index: 4 documents, {total} passages in \d+\.\d s\.",
                        lines[-1])
    assert "Tarasov" in result.stdout


def test_a_one_file_ingest_says_what_it_does_and_how_long_it_took(ready_settings, tmp_path):
    note = tmp_path / "bridge.md"
    note.write_text("---\ntitle: The Old Mill Bridge\nkind: background\noutlet: Notes\n"
                    "published: 2024-01-02\n---\nThe Old Mill Bridge was built in "
                    "1911 and closed to cars in 2024.\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["--data-dir", str(ready_settings.data_dir), "ingest",
                                      str(note)],
                                env={"BACKSTORY_CORPUS_DIR": str(ready_settings.corpus_dir)})

    assert result.exit_code == 0, result.output
    first, summary = result.stdout.splitlines()
    assert first == f"Indexing {note}: reading, then embedding new and changed passages…"
    assert re.fullmatch(r"documents: 1 added, 0 updated, 0 unchanged, 0 deleted; 1 passages "
                        r"embedded in \d+\.\d s", summary)
    assert result.stderr == ""  # one passage: no count lines, nothing went wrong
