"""The data dir's memory of every source ingested, so that nothing but a deletion drops one.

A corpus-folder file is its own record (the folder is the truth about it). A loose file and
a URL are not: `ingest --rebuild` once re-read only the corpus folder and silently dropped
every page, PDF and note added by path, URL or Discord. Their bytes, as read, are kept under
`DATA_DIR/sources/` (named by their SHA-256), so a rebuild re-reads a URL without the network
and a loose file that has since gone missing is kept as it was.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

# How a document came in; only "file" and "url" need a saved copy to be re-read.
ROUTES = ("corpus", "upload", "file", "url")


@dataclass(frozen=True)
class SourceRecord:
    doc_id: str
    route: str  # one of ROUTES
    origin: str  # corpus-relative path, absolute path of a loose file, or the URL
    suffix: str  # how its bytes are parsed: .md, .txt, .html, .pdf
    url: str | None = None  # where a download really came from (after redirects)
    copy: str | None = None  # SHA-256 name of the saved bytes under sources/
    # What it said when last read (retrieval/index/duplicates.py): the same text reached by
    # another route is not indexed twice, and a changed copy under the same title is noted.
    content: str | None = None  # SHA-256 of its title and text, whitespace and case folded
    title: str | None = None


class SourceRegister:
    """`sources.json` (doc id -> record) plus the saved bytes it points at."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / "sources.json"
        self.copies = data_dir / "sources"

    def load(self) -> dict[str, SourceRecord]:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError):
            # A damaged register must not stop ingest; it loses only the memory of loose
            # sources, which is said loudly, and the index itself still holds them.
            logger.warning("cannot read %s; loose sources are not remembered", self.path,
                           exc_info=True)
            return {}
        fields = set(SourceRecord.__dataclass_fields__)
        return {
            doc_id: SourceRecord(**{k: v for k, v in row.items() if k in fields})
            for doc_id, row in raw.items()
            if isinstance(row, dict) and row.get("route") in ROUTES
        }

    def remember(self, entries: list[tuple[SourceRecord, bytes | None]]) -> None:
        """Record these sources (and save the bytes of those that need a copy)."""
        if not entries:
            return
        records = self.load()
        for record, raw in entries:
            if raw is not None and record.route in ("file", "url"):
                name = hashlib.sha256(raw).hexdigest()
                self.copies.mkdir(parents=True, exist_ok=True)
                target = self.copies / name
                if not target.exists():
                    _write_atomically(target, raw)
                record = SourceRecord(**{**asdict(record), "copy": name})
            records[record.doc_id] = record
        self._save(records)

    def forget(self, doc_ids: list[str]) -> None:
        records = self.load()
        dropped = [records.pop(d) for d in doc_ids if d in records]
        if not dropped:
            return
        self._save(records)
        still_used = {r.copy for r in records.values()}
        for record in dropped:
            if record.copy and record.copy not in still_used:
                (self.copies / record.copy).unlink(missing_ok=True)

    def saved_bytes(self, record: SourceRecord) -> bytes | None:
        if not record.copy:
            return None
        try:
            return (self.copies / record.copy).read_bytes()
        except OSError:
            return None

    def id_for_file(self, origin: str, name: str) -> str:
        """A loose file's id: `file:NAME`, made unique, and the same each time it is read.

        Never its absolute path: that was shown in `sources`, in `--json` and to Discord
        readers.
        """
        records = self.load()
        for record in records.values():
            if record.route == "file" and record.origin == origin:
                return record.doc_id
        wanted = f"file:{name}"
        if wanted not in records:
            return wanted
        return f"file:{hashlib.sha256(origin.encode()).hexdigest()[:8]}-{name}"

    def _save(self, records: dict[str, SourceRecord]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        body = json.dumps({k: asdict(v) for k, v in sorted(records.items())}, indent=1)
        _write_atomically(self.path, body.encode("utf-8"))


def is_corpus_id(doc_id: str) -> bool:
    """Corpus files are named relative to the folder; loose files `file:NAME`; URLs by URL."""
    return not (Path(doc_id).is_absolute() or "://" in doc_id or doc_id.startswith("file:"))


def _write_atomically(path: Path, data: bytes) -> None:
    """A crash leaves the old file or the new one, never half of one."""
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
