"""Processes opening one empty data dir at once take turns creating Chroma's tables.

chromadb 1.5.9 creates them without a lock of its own; under load three `ask` processes on
an empty data dir failed with "table collections already exists"
(tests/test_first_use.py runs that case for real, but the race shows only under load).
"""

from __future__ import annotations

import chromadb
import pytest
from filelock import FileLock, Timeout
from langchain_core.embeddings import DeterministicFakeEmbedding

from retrieval.errors import BackstoryError
from retrieval.index import embedded
from retrieval.index.store import Store
from retrieval.settings import Settings


def _settings(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path / "data", corpus_dir=tmp_path, _env_file=None)


def _held_elsewhere(path: str) -> bool:
    # flock() locks an open file description: a second FileLock on the same path conflicts
    # with the first even inside one process.
    try:
        FileLock(path, timeout=0).acquire()
    except Timeout:
        return True
    return False


def test_chroma_opens_under_the_open_lock(tmp_path, monkeypatch):
    settings = _settings(tmp_path)
    seen = []
    real = chromadb.PersistentClient

    def observed(*args, **kwargs):
        seen.append(_held_elsewhere(embedded.open_lock(settings).lock_file))
        return real(*args, **kwargs)

    monkeypatch.setattr(chromadb, "PersistentClient", observed)
    Store(settings, DeterministicFakeEmbedding(size=8)).client
    assert seen == [True]


def test_a_process_that_keeps_the_lock_gives_a_one_line_error(tmp_path, monkeypatch):
    settings = _settings(tmp_path)
    settings.data_dir.mkdir(parents=True)
    monkeypatch.setattr(embedded, "OPEN_WAIT_S", 0.0)
    other = FileLock(embedded.open_lock(settings).lock_file)
    with other:
        with pytest.raises(BackstoryError, match="busy opening its index"):
            Store(settings, DeterministicFakeEmbedding(size=8)).client
