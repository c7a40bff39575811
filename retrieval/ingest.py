"""Ingest: documents -> passages -> Chroma, incrementally, through LangChain's indexing API."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from filelock import FileLock, Timeout
from langchain_core.documents import Document
from langchain_core.indexing import index

from retrieval.chunking import chunk_document, to_documents
from retrieval.corpus import load_targets
from retrieval.errors import BackstoryError, IngestError
from retrieval.lexical import LexicalIndex
from retrieval.safety import find_planted_instructions
from retrieval.settings import Settings
from retrieval.store import Store

logger = logging.getLogger(__name__)

Progress = Callable[[int, int], None]  # (passages done, passages in all)


@dataclass
class IngestReport:
    """What one ingest run did; counts are passages, the doc lists name documents."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    embedded: int = 0
    failed: list[IngestError] = field(default_factory=list)
    docs_added: list[str] = field(default_factory=list)
    docs_updated: list[str] = field(default_factory=list)
    docs_unchanged: list[str] = field(default_factory=list)
    docs_deleted: list[str] = field(default_factory=list)
    flagged: list[dict] = field(default_factory=list)

    def to_json_dict(self) -> dict:
        return {
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "deleted": self.deleted,
            "embedded": self.embedded,
            "failed": [{"path": f.origin, "error": f.reason} for f in self.failed],
            "documents": {
                "added": self.docs_added,
                "updated": self.docs_updated,
                "unchanged": self.docs_unchanged,
                "deleted": self.docs_deleted,
            },
            "flagged": self.flagged,
        }


@contextmanager
def writer_lock(settings: Settings):
    """One writer per data dir: Chroma's embedded mode is not safe for concurrent writers."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(settings.lock_path), timeout=settings.lock_timeout_s)
    try:
        lock.acquire()
    except Timeout:
        raise BackstoryError(
            f"another backstory process is writing to {settings.data_dir} (waited "
            f"{settings.lock_timeout_s:g} s); try again when it finishes, or run a Chroma "
            "server and set BACKSTORY_CHROMA_URL for several writers"
        ) from None
    try:
        yield
    finally:
        lock.release()


def ingest(
    store: Store,
    targets: Iterable[str] | None = None,
    *,
    rebuild: bool = False,
    progress: Progress | None = None,
) -> IngestReport:
    """Bring the index in line with the named files, folders and URLs (default: the corpus)."""
    settings = store.settings
    targets = list(targets or [str(settings.corpus_dir)])
    with writer_lock(settings):
        if rebuild:
            store.drop_everything()
        store.check_embedder()
        report_orphans, held = _reconcile(store)
        loaded = load_targets(
            targets, settings.corpus_dir, settings.max_file_bytes, settings.fetch_timeout_s
        )
        report = IngestReport(failed=loaded.failed, deleted=report_orphans)
        manager = store.record_manager

        batches: list[tuple[list[Document], list[str]]] = []
        for doc in loaded.docs:
            docs = to_documents(doc, chunk_document(doc, settings.chunk_chars,
                                                    settings.chunk_overlap))
            grouped = set(manager.list_keys(group_ids=[doc.doc_id]))
            before = grouped | held.get(doc.doc_id, set())
            now = {d.id for d in docs}
            if not before:
                report.docs_added.append(doc.doc_id)
                report.added += len(now)
            elif before == now:
                report.docs_unchanged.append(doc.doc_id)
            else:
                report.docs_updated.append(doc.doc_id)
                report.updated += len(now - before)
            report.flagged.extend(
                {"doc_id": doc.doc_id, "sentence": s} for s in find_planted_instructions(doc.text)
            )
            # index() re-stamps a document's unchanged passages without their group before
            # it embeds the new ones; a run killed in between leaves records that its
            # incremental cleanup never finds. Chroma still knows their document.
            batches.append((docs, sorted(before - now - grouped)))

        total = sum(len(b) for b, _ in batches)
        done = 0
        if progress:
            progress(0, total)
        for docs, strays in batches:
            # One call per document, in one batch: LangChain's incremental cleanup deletes a
            # source's keys not yet seen in this run, so a document split across two batches
            # loses its second half after the first batch and embeds it again.
            result = index(
                docs,
                manager,
                store.vectorstore,
                cleanup="incremental",
                source_id_key="doc_id",
                key_encoder=lambda d: d.id,
                batch_size=max(1, len(docs)),
            )
            store.forget_count()
            report.embedded += result["num_added"] + result["num_updated"]
            report.unchanged += result["num_skipped"]
            report.deleted += result["num_deleted"]
            if strays:
                _delete_doc(store, docs[0].metadata["doc_id"], strays)
                report.deleted += len(strays)
            done += len(docs)
            if progress:
                progress(done, total)

        failed_origins = {str(Path(f.origin).resolve()) for f in loaded.failed}
        seen = {d.doc_id for d in loaded.docs}
        report.deleted += _delete_removed(store, loaded.scanned_dirs, seen, failed_origins,
                                          report)
        if report.embedded or report.deleted or rebuild or _lexical_stale(store):
            store.refresh_lexical()
        return report


def remove_document(store: Store, doc_id: str) -> int:
    """Delete one document's passages; returns how many were removed."""
    with writer_lock(store.settings):
        ids = _ids_of(store, doc_id)
        if not ids:
            raise BackstoryError(f"no indexed document has the id {doc_id!r}; see `backstory "
                                 "sources`")
        _delete_doc(store, doc_id, ids)
        store.refresh_lexical()
        return len(ids)


def _ids_of(store: Store, doc_id: str) -> list[str]:
    keys = set(store.record_manager.list_keys(group_ids=[doc_id]))
    if store.collection_exists():
        got = store.collection.get(where={"doc_id": doc_id}, include=[])
        keys.update(got["ids"])
    return sorted(keys)


def _delete_doc(store: Store, doc_id: str, ids: list[str]) -> None:
    # Vectors first, records second: a crash in between leaves records that the next
    # ingest's orphan sweep and incremental cleanup settle, never vectors nobody tracks.
    store.delete_ids(ids)
    store.record_manager.delete_keys(ids)


def _delete_removed(
    store: Store,
    scanned_dirs: list[Path],
    seen: set[str],
    failed_origins: set[str],
    report: IngestReport,
) -> int:
    """Delete documents whose files were removed from a folder that was read whole."""
    if not scanned_dirs or not store.collection_exists():
        return 0
    deleted = 0
    for row in store.documents():
        origin = row.get("origin") or ""
        if row["id"] in seen or origin in failed_origins or "://" in origin:
            continue
        # A corpus document is found by its id under today's corpus folder, so a project
        # moved since it was indexed still notices files that are gone.
        doc_id = row["id"]
        in_corpus = not Path(doc_id).is_absolute() and "://" not in doc_id
        path = (store.settings.corpus_dir.resolve() / doc_id) if in_corpus else Path(origin)
        inside = any(path.is_relative_to(d) for d in scanned_dirs)
        if inside and not path.exists():
            ids = _ids_of(store, row["id"])
            _delete_doc(store, row["id"], ids)
            report.docs_deleted.append(row["id"])
            deleted += len(ids)
    return deleted


def _lexical_stale(store: Store) -> bool:
    """True when the saved BM25 index is not over Chroma's passages (a run died before saving)."""
    saved = LexicalIndex.saved_ids(store.lexical_dir)
    present = store.collection.get(include=[])["ids"] if store.collection_exists() else []
    return saved is None or sorted(saved) != sorted(present)


def _reconcile(store: Store) -> tuple[int, dict[str, set[str]]]:
    """Make vectors and records agree again after a run that was killed half-way.

    Vectors nobody records are deleted; records whose vectors are gone are forgotten, so
    the documents they belong to are embedded again in this run instead of being skipped.
    Returns the number of orphaned vectors removed and the passage ids kept, by document.
    """
    if not store.collection_exists():
        known = store.record_manager.list_keys()
        if known:
            store.record_manager.delete_keys(known)
        return 0, {}
    known = set(store.record_manager.list_keys())
    ids, metas = store.all_metadata()
    present = set(ids)
    orphans = sorted(present - known)
    if orphans:
        logger.info("removing %d orphaned passages", len(orphans))
        store.delete_ids(orphans)
    missing = sorted(known - present)
    if missing:
        logger.info("forgetting %d records whose passages are gone", len(missing))
        store.record_manager.delete_keys(missing)
    held: dict[str, set[str]] = defaultdict(set)
    for chunk_id, meta in zip(ids, metas):
        if chunk_id in known:
            held[meta.get("doc_id", "")].add(chunk_id)
    return len(orphans), held
