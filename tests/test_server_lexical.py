"""Two machines on one Chroma server: each keeps a lexical index, and both hold the same passages.

"Machines" are two data dirs (each with its own lexical index file) and separate processes;
the server is a real `chroma run` on 127.0.0.1 (the fixture of test_writer_lock).
"""

from __future__ import annotations

import json
import sqlite3

from tests.conftest import make_corpus
from tests.test_writer_lock import backstory, chroma_server  # noqa: F401 - a fixture

NOTE = "background/zorblatt-pass.md"
NOTE_TEXT = ("---\ntitle: Zorblatt pass\nkind: background\n---\n\n"
             "The Zorblatt pass is a mountain road that was closed to traffic in 2021.\n")


def lexical_passages(settings, doc_id: str | None = None) -> list[str]:
    """Passage ids in a machine's lexical index file, read as another process would."""
    (db,) = settings.data_dir.glob("lexical-*.sqlite")
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        rows = conn.execute("SELECT chunk_id, doc_id FROM passage").fetchall()
    return sorted(i for i, d in rows if doc_id is None or d == doc_id)


def test_a_second_machine_follows_the_writers_changes(tmp_path, chroma_server):  # noqa: F811
    from retrieval.settings import Settings

    corpus = make_corpus(tmp_path)
    writer, reader = (Settings(data_dir=tmp_path / name / "data", corpus_dir=corpus,
                               _env_file=None) for name in ("writer", "reader"))
    for settings in (writer, reader):
        settings.data_dir.mkdir(parents=True)
    server = {"BACKSTORY_CHROMA_URL": chroma_server}

    ingested = backstory(writer, "ingest", "--json", **server)
    assert ingested.returncode == 0, ingested.stderr
    asked = backstory(reader, "ask", "--json", "Who is Stanislav Tarasov?", **server)
    assert asked.returncode == 0, asked.stderr
    assert "Tarasov" in json.loads(asked.stdout)["answer"]
    # Built from the server's passages on the reader's first question.
    assert lexical_passages(reader) == lexical_passages(writer) != []

    (corpus / NOTE).write_text(NOTE_TEXT)
    added = backstory(writer, "ingest", "--json", str(corpus / NOTE), **server)
    assert added.returncode == 0, added.stderr
    assert lexical_passages(writer, NOTE)

    # The reader's index file is from before the note; the writer's change marker makes
    # its next process bring it up to date.
    asked = backstory(reader, "ask", "--json", "When was the Zorblatt pass closed?", **server)
    assert asked.returncode == 0, asked.stderr
    assert lexical_passages(reader) == lexical_passages(writer)
    assert lexical_passages(reader, NOTE) == lexical_passages(writer, NOTE)
    answer = json.loads(asked.stdout)
    assert "2021" in answer["answer"]
