"""The lexical index: which passages exist, and BM25 over their words; on disk, updated by
the document, read by many processes.

Two stores in the data dir, one per collection:
- a SQLite file (`lexical-<collection>.sqlite`): a table mapping each passage to its
  document and position (a document's passages and its opening passage are one indexed
  lookup instead of a scan of Chroma's metadata), the passage's tokens, and a `meta`
  table with the passage count and the marks that keep it consistent with Chroma (see
  `Store.lexical` and `ingest`). SQLite's WAL lets other processes read while one writes.
- a tantivy folder (`lexical-<collection>.tantivy`, text_search.py) that ranks by BM25.
  It is derived from the SQLite table: every write goes to both in one step, and after a
  writer that did not finish it is rebuilt from the table when the two disagree.

The tokens are the project's own (`lexical.tokenize`: stop words out, Snowball stems,
"2,000" -> "2000") joined by spaces, so ranking sees exactly the tokens bm25s saw.
SQLite FTS5 ranked here before; tantivy replaced it (docs/scale.md has the numbers).
"""

from __future__ import annotations

import itertools
import logging
import math
import shutil
import sqlite3
import threading
import uuid
from collections.abc import Iterable
from contextlib import contextmanager
from pathlib import Path

from retrieval.index.lexical import tokenize
from retrieval.index.text_search import TextSearch

logger = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS passage(
    rowid INTEGER PRIMARY KEY, chunk_id TEXT NOT NULL UNIQUE,
    doc_id TEXT NOT NULL, position INTEGER NOT NULL, tokens TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS passage_by_doc ON passage(doc_id, position);
"""
# Marks in `meta`. COMPLETE: built over every passage once. DIRTY: a writer started and has
# not finished; the next writer compares the whole index with Chroma before anything else.
COMPLETE, DIRTY, GENERATION, PASSAGES = "complete", "dirty", "generation", "passages"
BUSY_TIMEOUT_S = 30.0  # a reader waits this long for a writer's transaction to commit
_memory_names = itertools.count()


def text_path(path: Path) -> Path:
    """The tantivy folder beside a SQLite file."""
    return path.with_suffix(".tantivy")


class FtsIndex:
    """One SQLite file (or a shared in-memory database for tests and small jobs)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        if path is None:
            self._uri = f"file:backstory-fts-{next(_memory_names)}?mode=memory&cache=shared"
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._uri = f"file:{path}"
        self._local = threading.local()
        self._write_lock = threading.Lock()
        self.rows_written = 0  # passages this object added or removed, for change markers
        # The in-memory database lives while one connection to it is open.
        self._keeper = self._connect()
        with self._keeper:
            _drop_fts5_tables(self._keeper)
            self._keeper.executescript(SCHEMA)
        self.text = TextSearch(None if path is None else text_path(path))

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self._uri, uri=True, timeout=BUSY_TIMEOUT_S,
                               check_same_thread=False, isolation_level=None)
        if self.path is not None:
            # WAL: readers in other processes go on reading while a writer commits.
            conn.execute("PRAGMA journal_mode=WAL")
        return conn

    @property
    def _db(self) -> sqlite3.Connection:
        """This thread's connection (sqlite3 connections are not for sharing across threads)."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._connect() if self.path else self._keeper
        return conn

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None and conn is not self._keeper:
            conn.close()
        self._local = threading.local()
        self._keeper.close()

    # --- marks --------------------------------------------------------------------------
    def get_mark(self, key: str, default: str = "") -> str:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set_mark(self, key: str, value: str) -> None:
        with self._write_lock:
            self._db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
                             (key, value))

    @property
    def complete(self) -> bool:
        return self.get_mark(COMPLETE) == "1"

    # --- reading ------------------------------------------------------------------------
    def __len__(self) -> int:
        return int(self.get_mark(PASSAGES, "0"))

    def passage_ids(self) -> list[str]:
        """Every passage id (for consistency checks; a whole read)."""
        return [r[0] for r in self._db.execute("SELECT chunk_id FROM passage")]

    def doc_ids(self) -> set[str]:
        """The indexed documents' ids (from the passage table's doc_id index, not Chroma)."""
        return {r[0] for r in self._db.execute("SELECT DISTINCT doc_id FROM passage")}

    def known(self, chunk_ids: list[str]) -> set[str]:
        """Which of these passage ids the index holds."""
        found: set[str] = set()
        for start in range(0, len(chunk_ids), 5000):  # under SQLite's variable limit
            part = chunk_ids[start : start + 5000]
            marks = ",".join("?" * len(part))
            found.update(r[0] for r in self._db.execute(
                f"SELECT chunk_id FROM passage WHERE chunk_id IN ({marks})", part))
        return found

    def ids_of(self, doc_id: str) -> list[str]:
        rows = self._db.execute("SELECT chunk_id FROM passage WHERE doc_id = ? ORDER BY position",
                                (doc_id,))
        return [r[0] for r in rows]

    def lead_id(self, doc_id: str) -> str | None:
        """The id of the document's first passage (position 0), by index, not by scan."""
        row = self._db.execute(
            "SELECT chunk_id FROM passage WHERE doc_id = ? ORDER BY position LIMIT 1", (doc_id,)
        ).fetchone()
        return row[0] if row else None

    def document_frequency(self, token: str) -> int:
        """How many passages hold the (stemmed) word."""
        return self.text.document_frequency(token)

    def knows(self, token: str) -> bool:
        """True when the (stemmed) word occurs in some passage."""
        return self.document_frequency(token) > 0

    def idf(self, token: str) -> float:
        """BM25's inverse document frequency: high for rare words, near 0 for ubiquitous ones.
        A word no passage holds gets the highest value."""
        passages = len(self)
        found = self.document_frequency(token)
        return math.log(1 + (passages - found + 0.5) / (found + 0.5))

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        """The k best passages by BM25, as (id, score), best first; scores are positive."""
        return self.text.search(tokenize(query), k)

    # --- writing ------------------------------------------------------------------------
    @contextmanager
    def _transaction(self):
        """One write transaction under the write lock: committed whole, or rolled back."""
        with self._write_lock:
            db = self._db
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

    def put(self, passages: Iterable[tuple[str, str, int, str]]) -> int:
        """Add (chunk_id, doc_id, position, text) rows not already there; one transaction."""
        new: list[tuple[str, str]] = []
        with self._transaction() as db:
            for chunk_id, doc_id, position, text in passages:
                tokens = " ".join(tokenize(text))
                cur = db.execute(
                    "INSERT OR IGNORE INTO passage(chunk_id, doc_id, position, tokens) "
                    "VALUES (?,?,?,?)", (chunk_id, doc_id, int(position), tokens))
                if cur.rowcount:
                    new.append((chunk_id, tokens))
            self._bump(db, len(new))
            # Inside the transaction: if tantivy fails, the table rolls back with it. A kill
            # between tantivy's commit and SQLite's leaves the dirty mark (repair_text).
            if new:
                self.text.write(add=new)
        self.rows_written += len(new)
        return len(new)

    def delete(self, chunk_ids: Iterable[str]) -> int:
        """Remove these passages (ids not indexed are ignored); one transaction."""
        removed: list[str] = []
        with self._transaction() as db:
            for chunk_id in chunk_ids:
                if db.execute("DELETE FROM passage WHERE chunk_id = ?", (chunk_id,)).rowcount:
                    removed.append(chunk_id)
            self._bump(db, -len(removed))
            if removed:
                self.text.write(delete=removed)
        self.rows_written += len(removed)
        return len(removed)

    def clear(self) -> None:
        """Forget every passage (for --rebuild, once the collection is gone); marks stay."""
        with self._transaction() as db:
            db.execute("DELETE FROM passage")
            db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, '0')", (PASSAGES,))
            db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, '1')", (COMPLETE,))
            self.text.write(clear=True)

    def repair_text(self) -> bool:
        """Rebuild the tantivy index from the table when they disagree (a writer was killed
        between the two commits, or the folder was lost); True when it was rebuilt."""
        self.text.reload()
        if len(self.text) == len(self):
            return False
        logger.info("rebuilding the BM25 index from the passage table (%d passages)", len(self))
        with self._write_lock:
            rows = self._db.execute("SELECT chunk_id, tokens FROM passage")
            self.text.rebuild(rows)
        return True

    def replace_document(self, doc_id: str, passages: list[tuple[str, int, str]]) -> None:
        """Make the document's passages exactly these (chunk_id, position, text) rows."""
        keep = {chunk_id for chunk_id, _, _ in passages}
        self.delete([i for i in self.ids_of(doc_id) if i not in keep])
        self.put((chunk_id, doc_id, position, text) for chunk_id, position, text in passages)

    def _bump(self, db: sqlite3.Connection, change: int) -> None:
        db.execute("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET "
                   "value = CAST(value AS INTEGER) + ?", (PASSAGES, str(max(change, 0)), change))

    @classmethod
    def build(cls, ids: list[str], texts: list[str], doc_ids: list[str] | None = None,
              path: Path | None = None) -> FtsIndex:
        """A complete index over these passages (in memory unless `path` is given)."""
        index = cls(path)
        docs = doc_ids or [""] * len(ids)
        index.put((i, d, n, t) for n, (i, d, t) in enumerate(zip(ids, docs, texts)))
        index.set_mark(COMPLETE, "1")
        return index


def sync_with_chroma(index: FtsIndex, store) -> tuple[int, int]:
    """Make the index hold exactly Chroma's passages; returns (added, removed).

    A whole pass over the collection, in pages: run when the index is first built, after
    a writer died half-way, and in server mode when another machine changed the collection.
    Passage ids derive from their content, so an id present in both is the same passage.
    """
    present: set[str] = set()
    added = 0
    for got in store.pages(["documents", "metadatas"]):
        ids = list(got["ids"])
        present.update(ids)
        have = index.known(ids)
        rows = [(i, (m or {}).get("doc_id", ""), int((m or {}).get("position", 0)), t or "")
                for i, t, m in zip(ids, got["documents"], got["metadatas"]) if i not in have]
        if rows:
            added += index.put(rows)
    removed = index.delete([i for i in index.passage_ids() if i not in present])
    index.repair_text()
    if added or removed:
        logger.info("lexical index synced with Chroma: %d passages added, %d removed",
                    added, removed)
    index.set_mark(COMPLETE, "1")
    return added, removed


def open_lexical(store) -> FtsIndex:
    """The store's index file, built from Chroma under the writer lock if never completed."""
    from retrieval.index.locking import writer_lock

    path = store.lexical_path
    try:
        index = FtsIndex(path)
    except sqlite3.DatabaseError:
        # Everything in it can be rebuilt from Chroma, so a damaged file is replaced.
        logger.warning("lexical index %s unreadable; rebuilding it", path, exc_info=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        shutil.rmtree(text_path(path), ignore_errors=True)
        index = FtsIndex(path)
    if not index.complete:
        with writer_lock(store.settings):
            if not index.complete:
                if store.collection_exists():
                    marker = server_marker(store) if store.settings.chroma_url else ""
                    sync_with_chroma(index, store)
                    index.set_mark(GENERATION, marker)  # this copy is current as of it
                else:
                    index.set_mark(COMPLETE, "1")
                # The bm25s files of earlier versions are not read any more.
                shutil.rmtree(store.settings.data_dir / f"bm25-{store.settings.collection}",
                              ignore_errors=True)
    return index


# --- server mode: every machine keeps its own copy, current by a change marker ----------
def _marker_collection(store):
    # A collection of its own: the passages' collection metadata cannot be changed without
    # restating its distance function, which chromadb refuses.
    return store.client.get_or_create_collection(
        f"{store.settings.collection}-changes", embedding_function=None)


def server_marker(store) -> str:
    """The change marker writers bump in the Chroma server ("" before the first write)."""
    got = _marker_collection(store).get(ids=["generation"], include=["documents"])
    return (got["documents"] or [""])[0] or ""


def follow_server(index: FtsIndex, store) -> None:
    """Bring this machine's copy up to the server's passages when a writer changed them."""
    marker = server_marker(store)
    if marker and marker != index.get_mark(GENERATION) and store.collection_exists():
        logger.info("the Chroma server's passages changed; updating the lexical index")
        sync_with_chroma(index, store)
        index.set_mark(GENERATION, marker)  # read before the sync: a later change shows


def publish_change(index: FtsIndex, store) -> None:
    """Tell other machines' processes that the server's passages changed."""
    marker = uuid.uuid4().hex
    _marker_collection(store).upsert(ids=["generation"], documents=[marker],
                                     embeddings=[[0.0]])
    index.set_mark(GENERATION, marker)


def _drop_fts5_tables(db: sqlite3.Connection) -> None:
    """Files written before tantivy ranked held FTS5 tables and no tokens column: they
    lose their passages (and their COMPLETE mark), so they are built again from Chroma."""
    columns = [r[1] for r in db.execute("PRAGMA table_info(passage)")]
    if columns and "tokens" not in columns:
        logger.info("lexical index from an earlier version; it is built again")
        db.executescript("""
            DROP TABLE IF EXISTS passage_vocab; DROP TABLE IF EXISTS passage_text;
            DROP TABLE IF EXISTS passage; DELETE FROM meta;""")
