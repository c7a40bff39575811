"""(bench only: the lexical index as it was before tantivy ranked, kept to measure against.)

BM25 over passages in SQLite FTS5: on disk, updated by the document, read by many processes.

The text FTS5 indexes is the project's own token stream (`lexical.tokenize`: stop words out,
Snowball stems, "2,000" -> "2000") joined by spaces, so FTS5's tokenizer only splits on the
spaces and ranking sees exactly the tokens the old bm25s index saw. FTS5's `bm25()` uses
k1 = 1.2, b = 0.75, as bm25s did.

Beside the text, a plain table maps each passage to its document and position, so a
document's passages and its opening passage are one indexed lookup instead of a scan of
Chroma's metadata. A `meta` table holds the passage count (FTS5 has no cheap count) and
the marks that keep it consistent with Chroma (see `Store.lexical` and `ingest`).
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

logger = logging.getLogger(__name__)

# Tokens are \w+ runs: keep "_" inside them and leave accents alone (tokenize() already
# lower-cased; FTS5 folding diacritics would merge words the old index kept apart).
FTS_TOKENIZER = "unicode61 remove_diacritics 0 tokenchars '_'"
SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS passage(
    rowid INTEGER PRIMARY KEY, chunk_id TEXT NOT NULL UNIQUE,
    doc_id TEXT NOT NULL, position INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS passage_by_doc ON passage(doc_id, position);
CREATE VIRTUAL TABLE IF NOT EXISTS passage_text USING fts5(tokens, tokenize="{FTS_TOKENIZER}");
CREATE VIRTUAL TABLE IF NOT EXISTS passage_vocab USING fts5vocab(passage_text, row);
"""
# Marks in `meta`. COMPLETE: built over every passage once. DIRTY: a writer started and has
# not finished; the next writer compares the whole index with Chroma before anything else.
COMPLETE, DIRTY, GENERATION, PASSAGES = "complete", "dirty", "generation", "passages"
BUSY_TIMEOUT_S = 30.0
# Passages (postings of the rarest question words) ranked per query; see _rare_terms.
RANKING_BUDGET = 10_000  # a reader waits this long for a writer's transaction to commit
_memory_names = itertools.count()


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
            self._keeper.executescript(SCHEMA)

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
        row = self._db.execute("SELECT doc FROM passage_vocab WHERE term = ?",
                               (token,)).fetchone()
        return int(row[0]) if row else 0

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
        tokens = tokenize(query)
        if not tokens or k < 1:
            return []
        # Quoted, each token is a plain term; OR makes any of them enough, as in bm25s.
        match = " OR ".join(f'"{t}"' for t in tokens)
        rare = self._rare_terms(tokens)
        if rare:
            # Only passages with one of the rarer words are ranked (by every word's BM25).
            match = "(" + " OR ".join(f'"{t}"' for t in rare) + f") AND ({match})"
        rows = self._db.execute(
            "SELECT p.chunk_id, -t.rank FROM passage_text AS t JOIN passage AS p "
            "ON p.rowid = t.rowid WHERE passage_text MATCH ? ORDER BY t.rank LIMIT ?",
            (match, k),
        ).fetchall()
        return [(chunk_id, float(score)) for chunk_id, score in rows if score > 0]

    def _rare_terms(self, tokens: list[str]) -> list[str]:
        """The rarest of the question's words whose passages add up to RANKING_BUDGET, when
        all of them together match more (else []).

        FTS5 computes bm25() for every matching passage, 5-10 us each: a question with
        "Russian" and "Karabakh" matched 79,000 of 100,000 passages and took 0.4-0.8 s.
        Ranking only passages that hold a rarer word bounds that; a passage with none of
        them scores low on BM25 anyway (common words have low idf), and dense retrieval
        still sees every passage.
        """
        if len(self) <= RANKING_BUDGET:
            return []
        frequency = {t: self.document_frequency(t) for t in set(tokens)}
        rare: list[str] = []
        total = 0
        for token in sorted(frequency, key=frequency.get):
            if rare and total + frequency[token] > RANKING_BUDGET:
                break
            rare.append(token)
            total += frequency[token]
        return rare if len(rare) < len(frequency) else []

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
        added = 0
        with self._transaction() as db:
            for chunk_id, doc_id, position, text in passages:
                cur = db.execute(
                    "INSERT OR IGNORE INTO passage(chunk_id, doc_id, position) VALUES (?,?,?)",
                    (chunk_id, doc_id, int(position)))
                if cur.rowcount:
                    db.execute("INSERT INTO passage_text(rowid, tokens) VALUES (?, ?)",
                               (cur.lastrowid, " ".join(tokenize(text))))
                    added += 1
            self._bump(db, added)
        self.rows_written += added
        return added

    def delete(self, chunk_ids: Iterable[str]) -> int:
        """Remove these passages (ids not indexed are ignored); one transaction."""
        removed = 0
        with self._transaction() as db:
            for chunk_id in chunk_ids:
                row = db.execute("SELECT rowid FROM passage WHERE chunk_id = ?",
                                 (chunk_id,)).fetchone()
                if row:
                    db.execute("DELETE FROM passage_text WHERE rowid = ?", row)
                    db.execute("DELETE FROM passage WHERE rowid = ?", row)
                    removed += 1
            self._bump(db, -removed)
        self.rows_written += removed
        return removed

    def clear(self) -> None:
        """Forget every passage (for --rebuild, once the collection is gone); marks stay."""
        with self._transaction() as db:
            db.execute("DELETE FROM passage_text")
            db.execute("DELETE FROM passage")
            db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, '0')", (PASSAGES,))
            db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, '1')", (COMPLETE,))

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
