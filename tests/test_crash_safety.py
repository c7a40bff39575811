"""Crash safety: an ingest killed at any point, then rerun, leaves one complete copy of each doc.

The subprocess tests `kill -9` a real `backstory ingest`; the in-process tests stop an ingest
at chosen points between its writes (where a kill is rare but possible) to hit each window
deterministically.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import CORPUS, make_corpus
from tests.index_invariants import assert_index_matches, expected_ids, fresh_store

# Enough documents (about 36 passages, 3 s of embedding here) that a kill lands mid-run.
CRASH_BACKGROUND = [
    "csto.md", "osce-minsk-group.md", "russian-peacekeeping-mission.md", "stanislav-tarasov.md",
]
RUN_TIMEOUT_S = 120
POLL_S = 0.02


class Killed(BaseException):
    """Stands in for SIGKILL in-process: nothing in the engine catches a BaseException."""


@pytest.fixture(scope="module")
def embedder():
    from retrieval.index.embeddings import make_embedder
    from retrieval.settings import Settings

    return make_embedder(Settings(_env_file=None))


def cli_env(root: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BACKSTORY_")}
    env.update(BACKSTORY_DATA_DIR=str(root / "data"), BACKSTORY_CORPUS_DIR=str(root / "corpus"),
               OMP_WAIT_POLICY="PASSIVE")
    return env


def backstory(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], cwd=root, env=cli_env(root),
                          capture_output=True, text=True, timeout=RUN_TIMEOUT_S, check=False)


def recorded(root: Path, keys: set[str] | None = None) -> int:
    """Passages the record manager holds (of `keys`, if given), read as another process would."""
    db = root / "data" / "records.sqlite"
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            rows = [k for (k,) in conn.execute("SELECT key FROM upsertion_record")]
    except sqlite3.OperationalError:  # schema not created yet
        return 0
    return len(rows) if keys is None else len(keys.intersection(rows))


def ingest_killed_when(root: Path, ready, keys: set[str] | None = None) -> int:
    """Start `backstory ingest`, SIGKILL it once `ready(recorded)` holds; return the count."""
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "ingest"], cwd=root,
                            env=cli_env(root), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + RUN_TIMEOUT_S
    try:
        while proc.poll() is None and time.monotonic() < deadline:
            count = recorded(root, keys)
            if ready(count):
                proc.send_signal(signal.SIGKILL)
                break
            time.sleep(POLL_S)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    stderr = proc.stderr.read() if proc.stderr else ""
    assert proc.returncode == -signal.SIGKILL, (
        f"ingest ended on its own (exit {proc.returncode}) before it could be killed; "
        f"the corpus is too small for this machine. stderr: {stderr[-500:]}")
    return count


def check_index(root: Path, embedder) -> dict[str, set[str]]:
    from retrieval.settings import Settings

    settings = Settings(data_dir=root / "data", corpus_dir=root / "corpus", _env_file=None)
    want = expected_ids(settings)
    assert_index_matches(fresh_store(settings, embedder), want)
    return want


def test_ingest_killed_midway_then_rerun_holds_one_copy_of_each_doc(tmp_path, embedder):
    from retrieval.settings import Settings

    make_corpus(tmp_path, CRASH_BACKGROUND)
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=tmp_path / "corpus",
                        _env_file=None)
    total = sum(len(ids) for ids in expected_ids(settings).values())

    done_when_killed = ingest_killed_when(tmp_path, lambda n: n >= total // 3)
    assert 0 < done_when_killed < total

    done = backstory(tmp_path, "ingest")
    assert done.returncode == 0, done.stderr
    want = check_index(tmp_path, embedder)

    rebuilt = backstory(tmp_path, "ingest", "--rebuild", "--json")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert check_index(tmp_path, embedder) == want


def append_paragraphs(path: Path, tag: str) -> None:
    extra = "\n\n".join(
        f"## Note {tag}{i}\n\nThis closing note {tag}{i} was added for the crash test. " * 6
        for i in range(3))
    path.write_text(path.read_text() + "\n\n" + extra + "\n")


def retitle(path: Path) -> None:
    """Change the front-matter title, which changes every passage id of the file."""
    text = path.read_text()
    assert re.search(r'^title: "', text, flags=re.MULTILINE), path
    path.write_text(re.sub(r'^title: "', 'title: "Revised: ', text, count=1, flags=re.MULTILINE))


def test_reingest_killed_after_edits_then_edited_again_and_rerun(tmp_path, embedder):
    from retrieval.index.ingest import ingest
    from retrieval.settings import Settings

    # Built in place: documents remember their absolute origin, so an index copied from
    # another folder would not notice the file removed below.
    make_corpus(tmp_path, CRASH_BACKGROUND)
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=tmp_path / "corpus",
                        _env_file=None)
    ingest(fresh_store(settings, embedder))
    before = expected_ids(settings)

    background = tmp_path / "corpus" / "background"
    files = sorted(background.glob("*.md"))
    for path in files[1:]:
        append_paragraphs(path, "a")
    files[0].unlink()  # a removed file
    shutil.copy(CORPUS / "background" / "ilham-aliyev.md", background)  # and a new one

    old = set().union(*before.values())
    new = set().union(*expected_ids(settings).values()) - old
    # Killed half-way through the edited documents: most of that time goes to embedding
    # their new passages, after their unchanged passages' records were refreshed.
    ingest_killed_when(tmp_path, lambda n: n >= len(new) // 2, keys=new)

    # The user edits again before rerunning: every passage id changes with the titles.
    for path in sorted(background.glob("*.md")):
        retitle(path)
    done = backstory(tmp_path, "ingest")
    assert done.returncode == 0, done.stderr
    check_index(tmp_path, embedder)


# --- the windows between writes, hit deterministically ------------------------------------
def edit_last_word(path: Path) -> None:
    """Change one passage's text without changing how many passages the file has."""
    text = path.read_text().rstrip()
    path.write_text(text[:-1] + " (edited for the crash test).\n")


def stop_in(monkeypatch, owner, name: str, *, after: bool = False) -> None:
    """Make owner.name raise Killed, before or after doing its work."""
    real = getattr(owner, name)

    def stopped(*args, **kwargs):
        if after:
            real(*args, **kwargs)
        raise Killed(name)

    monkeypatch.setattr(owner, name, stopped)


PEACEKEEPING = "background/russian-peacekeeping-mission.md"


@pytest.mark.parametrize("window", [
    "vectors added, records not yet",
    "records refreshed, new passages being embedded",
    "new version recorded, old passages not yet deleted",
    "passages written, lexical index not yet updated",
    "BM25 ranking committed, passage table not yet",
])
def test_edit_ingest_stopped_between_writes_then_rerun(ready_settings, embedder, monkeypatch,
                                                       window):
    from retrieval.index.ingest import ingest

    store = fresh_store(ready_settings, embedder)
    path = ready_settings.corpus_dir / PEACEKEEPING
    bm25_window = window in ("passages written, lexical index not yet updated",
                             "BM25 ranking committed, passage table not yet")
    edit_last_word(path)  # one passage replaced, so the old one has to be deleted
    if window == "passages written, lexical index not yet updated":
        # Passage count unchanged: a reader comparing counts would not notice a stale index.
        stop_in(monkeypatch, type(store.lexical()), "replace_document")
    elif bm25_window:
        # tantivy has committed the new passage; SQLite's transaction never commits, so the
        # rerun adds it again: without the repair, tantivy would hold it twice.
        text_search = type(store.lexical().text)
        real_write = text_search.write

        def write(self, add=(), **kwargs):
            add = list(add)
            real_write(self, add=add, **kwargs)
            if add:
                raise Killed("write")

        monkeypatch.setattr(text_search, "write", write)
    else:
        append_paragraphs(path, "a")  # and new passages to embed
        vectorstore = type(store.vectorstore)
        if window == "vectors added, records not yet":
            stop_in(monkeypatch, vectorstore, "add_documents", after=True)
        elif window == "records refreshed, new passages being embedded":
            stop_in(monkeypatch, vectorstore, "add_documents")
        else:
            stop_in(monkeypatch, vectorstore, "delete")
    with pytest.raises(Killed):
        ingest(store)
    monkeypatch.undo()

    if not bm25_window:
        # Edited again before the rerun, so every one of its passages changes.
        retitle(path)
    ingest(fresh_store(ready_settings, embedder))
    assert_index_matches(fresh_store(ready_settings, embedder), expected_ids(ready_settings))


def test_removal_stopped_between_vectors_and_records_then_file_restored(tmp_path, embedder,
                                                                        monkeypatch):
    """Records left without vectors must not make the restored file look already indexed."""
    from retrieval.index.ingest import ingest
    from retrieval.settings import Settings

    # Built in place (see above): a copied index would not notice the removal.
    make_corpus(tmp_path, [Path(PEACEKEEPING).name])
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=tmp_path / "corpus",
                        _env_file=None)
    ingest(fresh_store(settings, embedder))
    store = fresh_store(settings, embedder)
    path = settings.corpus_dir / PEACEKEEPING
    text = path.read_text()
    path.unlink()
    stop_in(monkeypatch, type(store.record_manager), "delete_keys")
    with pytest.raises(Killed):
        ingest(store)
    monkeypatch.undo()

    path.write_text(text)
    ingest(fresh_store(settings, embedder))
    assert_index_matches(fresh_store(settings, embedder), expected_ids(settings))


def test_removal_stopped_between_vectors_and_lexical_index_then_rerun(tmp_path, embedder,
                                                                     monkeypatch):
    """Passages gone from Chroma must not stay findable by BM25 after the next ingest, even
    though the rerun never touches the removed document again."""
    from retrieval.index.ingest import ingest
    from retrieval.settings import Settings

    make_corpus(tmp_path, [Path(PEACEKEEPING).name, "csto.md"])
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=tmp_path / "corpus",
                        _env_file=None)
    ingest(fresh_store(settings, embedder))
    store = fresh_store(settings, embedder)
    (settings.corpus_dir / PEACEKEEPING).unlink()
    real_delete = type(store.lexical()).delete

    def delete(index, ids):  # every document's update calls delete(), mostly with no ids
        ids = list(ids)
        if ids:
            raise Killed("delete")
        return real_delete(index, ids)

    monkeypatch.setattr(type(store.lexical()), "delete", delete)
    with pytest.raises(Killed):
        ingest(store)
    monkeypatch.undo()

    ingest(fresh_store(settings, embedder))
    assert_index_matches(fresh_store(settings, embedder), expected_ids(settings))


def test_rebuild_stopped_after_dropping_the_collection_then_rerun(ready_settings, embedder,
                                                                  monkeypatch):
    from retrieval.index.ingest import ingest

    store = fresh_store(ready_settings, embedder)
    stop_in(monkeypatch, type(store.record_manager), "list_keys")  # drop_everything's 2nd step
    with pytest.raises(Killed):
        ingest(store, rebuild=True)
    monkeypatch.undo()
    assert not store.collection_exists()

    ingest(fresh_store(ready_settings, embedder))
    assert_index_matches(fresh_store(ready_settings, embedder), expected_ids(ready_settings))


def test_rebuild_stopped_after_dropping_the_collection_then_remove(ready_settings, embedder,
                                                                   monkeypatch):
    """The write after a killed rebuild need not be an ingest (issue 22): a `sources remove`
    used to forget the records but leave every dropped passage in the lexical index."""
    from retrieval.errors import BackstoryError
    from retrieval.index.ingest import ingest, remove_document

    store = fresh_store(ready_settings, embedder)
    doc_id = next(iter(expected_ids(ready_settings)))
    stop_in(monkeypatch, type(store.record_manager), "list_keys")  # drop_everything's 2nd step
    with pytest.raises(Killed):
        ingest(store, rebuild=True)
    monkeypatch.undo()

    with pytest.raises(BackstoryError, match="no indexed document"):
        remove_document(fresh_store(ready_settings, embedder), doc_id)
    assert_index_matches(fresh_store(ready_settings, embedder), {})  # dropped, and agreeing

    ingest(fresh_store(ready_settings, embedder))
    assert_index_matches(fresh_store(ready_settings, embedder), expected_ids(ready_settings))
