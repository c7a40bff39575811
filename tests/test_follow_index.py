"""A running bot or chat follows its index: another process's rebuild or ingest is seen by
the next question, without a restart. Real Chroma on one data dir."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from retrieval.answering.answerer import Answerer
from retrieval.index.ingest import ingest

NOTE = ("---\ntitle: Ferry note\nkind: background\noutlet: Notes\npublished: 2024-01-02\n---\n\n"
        "The Zangilan ferry across the lake began regular service in 1978, run by a "
        "cooperative of twelve boatmen.\n")
QUESTION = "When did the Zangilan ferry begin service?"


def cited(answer) -> set[str]:
    return {c.doc_id for c in answer.citations}


def test_a_rebuild_by_another_store_is_followed_by_the_running_one(ready_settings, tmp_path):
    """Without the reopen, the running answerer fails with NotFoundError (the bot said
    "Sorry, something went wrong" on every question until it was restarted)."""
    running = Answerer(ready_settings)
    assert running.answer("What is the CSTO?").citations  # opens and caches the collection

    other = Answerer(ready_settings)
    note = tmp_path / "ferry.md"
    note.write_text(NOTE)
    ingest(other.store, rebuild=True)  # deletes and re-creates the collection
    ingest(other.store, [str(note)])

    assert running.answer("What is the CSTO?").citations
    assert "file:ferry.md" in cited(running.answer(QUESTION))


def test_the_store_reopens_when_the_collection_was_deleted_under_it(ready_settings):
    from retrieval.index.store import Store

    running = Answerer(ready_settings)
    assert running.store.all_metadata()[0]
    Store(ready_settings, running.store.embedder).client.delete_collection(
        ready_settings.collection)
    # No stamp was written (a server-side drop, say): the read itself notices and reopens.
    assert running.store.all_metadata() == ([], [])


def test_an_ingest_by_another_process_is_seen_by_the_next_question(ready_settings, tmp_path):
    """An embedded Chroma client never shows another process's new vectors; the stamp
    written after each ingest makes the running process reopen it."""
    running = Answerer(ready_settings)
    assert "file:ferry.md" not in cited(running.answer(QUESTION))

    note = tmp_path / "ferry.md"
    note.write_text(NOTE)
    env = {k: v for k, v in os.environ.items() if not k.startswith("BACKSTORY_")}
    env.update(BACKSTORY_DATA_DIR=str(ready_settings.data_dir),
               BACKSTORY_CORPUS_DIR=str(ready_settings.corpus_dir), OMP_WAIT_POLICY="PASSIVE",
               PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    done = subprocess.run([sys.executable, "-m", "bot.cli", "ingest", str(note)], env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr

    assert "file:ferry.md" in cited(running.answer(QUESTION))
    nearest = running.store.dense_search(running.store.embedder.embed_query(QUESTION), 3)
    passages = running.store.get_passages([i for i, _ in nearest])
    assert any(meta["doc_id"] == "file:ferry.md" for _, meta in passages.values())
