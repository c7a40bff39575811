"""A chroma.sqlite3 that may not be written is diagnosed as such, never as damaged, and no
advice or rebuild sets the healthy index aside.

The tests run as root, which ignores file modes; an immutable file (chattr +i) stops root
too, so the first test makes a real read-only index that way (skipped where the file system
cannot). The second gives Store the exact error chromadb raised for it, so it runs anywhere.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest

from retrieval.errors import BackstoryError, IndexNotWritable
from retrieval.index.embeddings import make_embedder
from retrieval.index.ingest import ingest
from retrieval.index.store import Store

# What chromadb 1.5.9 raised when opening an immutable chroma.sqlite3.
READ_ONLY_ERROR = ("error returned from database: (code: 8) attempt to write a readonly "
                   "database")


def _chattr(flag: str, path) -> bool:
    if shutil.which("chattr") is None:
        return False
    done = subprocess.run(["chattr", flag, str(path)], capture_output=True, check=False)
    return done.returncode == 0


def test_an_immutable_index_is_reported_as_not_writable_and_never_set_aside(ready_settings):
    database = ready_settings.chroma_dir / "chroma.sqlite3"
    if not _chattr("+i", database):
        pytest.skip("chattr +i is not available here")
    try:
        store = Store(ready_settings, make_embedder(ready_settings))
        with pytest.raises(IndexNotWritable) as err:
            store.count()
        assert "cannot be written" in str(err.value)
        assert "--rebuild" not in str(err.value)
        # The rebuild the old message advised set the healthy index aside as damaged.
        with pytest.raises(IndexNotWritable):
            ingest(Store(ready_settings, make_embedder(ready_settings)), rebuild=True)
        assert database.exists()
        assert not list(ready_settings.data_dir.glob("chroma.damaged-*"))
    finally:  # (where a broken version set it aside, the moved file is immutable too)
        for path in ready_settings.data_dir.glob("chroma*/chroma.sqlite3"):
            _chattr("-i", path)


def test_the_read_only_error_is_told_from_damage(ready_settings, monkeypatch):
    import chromadb

    def refuse(*args, **kwargs):
        raise RuntimeError(message)

    monkeypatch.setattr(chromadb, "PersistentClient", refuse)
    message = READ_ONLY_ERROR
    with pytest.raises(IndexNotWritable):
        Store(ready_settings, make_embedder(ready_settings)).count()
    with pytest.raises(IndexNotWritable):
        Store(ready_settings, make_embedder(ready_settings)).drop_everything()
    assert (ready_settings.chroma_dir / "chroma.sqlite3").exists()

    message = "file is not a database"  # real damage is still damage, and still set aside
    with pytest.raises(BackstoryError) as err:
        Store(ready_settings, make_embedder(ready_settings)).count()
    assert not isinstance(err.value, IndexNotWritable)
    assert "--rebuild" in str(err.value)
