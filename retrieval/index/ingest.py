"""Ingest: documents -> passages -> Chroma, incrementally, through LangChain's indexing API."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from langchain_core.documents import Document
from langchain_core.indexing import index

from retrieval.errors import BackstoryError, IngestError
from retrieval.index import rebuild as carry
from retrieval.index.chunking import chunk_document, to_documents
from retrieval.index.corpus import load_targets, located
from retrieval.index.duplicates import drop_duplicates
from retrieval.index.fts import DIRTY, follow_server, publish_change, sync_with_chroma
from retrieval.index.locking import writer_lock
from retrieval.index.register import SourceRegister, is_corpus_id
from retrieval.index.remembered import load_remembered
from retrieval.index.safety import find_planted_instructions
from retrieval.index.store import Store
from retrieval.settings import Settings

logger = logging.getLogger(__name__)

Progress = Callable[[int, int], None]  # (passages done, passages in all)
# Asked before deleting more than half the indexed documents: (doc ids, documents indexed).
ConfirmPrune = Callable[[list[str], int], bool]


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
    # Skipped links, redirects to another host, folders with nothing in them.
    notes: list[IngestError] = field(default_factory=list)
    # Documents whose files are gone but that were kept: too many at once without --prune.
    docs_withheld: list[str] = field(default_factory=list)

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
                "withheld": self.docs_withheld,
            },
            "flagged": self.flagged,
            "notes": [{"path": n.origin, "note": n.reason} for n in self.notes],
        }


def ingest(
    store: Store,
    targets: Iterable[str] | None = None,
    *,
    rebuild: bool = False,
    prune: bool = False,
    confirm_prune: ConfirmPrune | None = None,
    progress: Progress | None = None,
) -> IngestReport:
    """Bring the index in line with the named files, folders and URLs (default: the corpus).

    Documents whose files are gone are deleted, but never on the evidence of an empty
    folder, and more than half the index only with `prune` (or `confirm_prune` saying yes):
    an emptied or unmounted corpus folder once wiped the whole index with exit 0.
    """
    settings = store.settings
    register = SourceRegister(settings.data_dir)
    named = list(targets or [])
    # Reading files and downloading URLs never touches the index, so it happens before the
    # writer lock: a slow server cannot hold other writers up.
    loaded = load_targets(
        named or [str(settings.corpus_dir)], settings.corpus_dir, settings.max_file_bytes,
        settings.fetch_timeout_s, register=register,
    )
    if not named:
        load_remembered(loaded, register, settings.corpus_dir, settings.max_file_bytes)
    if rebuild and not loaded.docs:
        raise BackstoryError(
            f"nothing readable to rebuild the index from in "
            f"{', '.join(named or [str(settings.corpus_dir)])}; the index was left as it is"
        )
    with writer_lock(settings):
        if not rebuild:
            store.check_embedder()  # refused before the index is marked as being written
        with _writing(store, whole=rebuild) as recovering:
            report = _ingest_locked(store, loaded, register, named, rebuild, recovering, prune,
                                    confirm_prune, progress)
        return report


def _ingest_locked(store, loaded, register, named, rebuild, recovering, prune, confirm_prune,
                   progress) -> IngestReport:
    settings = store.settings
    carry.restore_pending(store)
    indexed_before = _indexed_ids(store, tolerate_damage=rebuild)
    replaced = carry.replaced_legacy_ids(loaded, indexed_before)
    drop_duplicates(loaded, register, indexed_before - replaced, settings.corpus_dir)
    report = IngestReport(failed=loaded.failed, notes=loaded.notes)
    if rebuild:
        kept = carry.kept_through_rebuild(store, loaded, indexed_before - replaced, bool(named),
                                          report, prune, confirm_prune)
        carried = carry.snapshot(store, kept) if kept else carry.Carried()
        if carried.ids:
            carry.save_pending(store, carried)
        store.drop_everything()
        if carried.ids:
            carry.put_back(store, carried)
            carry.pending_path(store).unlink(missing_ok=True)
    store.check_embedder()
    # The whole check runs only after a run that did not finish (see _writing); a rebuild
    # starts from nothing, so there is nothing to reconcile but the carried passages.
    report_orphans, held = _reconcile(store) if recovering and not rebuild else (0, {})
    report.deleted += report_orphans
    manager = store.record_manager

    batches: list[tuple[list[Document], list[str]]] = []
    for doc in loaded.docs:
        try:
            chunks = _chunk_within_cap(doc, settings)
        except IngestError as err:
            report.failed.append(err)
            continue
        docs = to_documents(doc, chunks)
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
            {"doc_id": doc.doc_id, "sentence": s}
            for s in find_planted_instructions(f"{doc.title}.\n\n{doc.text}")
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
        # After Chroma, as every write: a crash in between is repaired by the next run.
        store.lexical().replace_document(docs[0].metadata["doc_id"], [
            (d.id, d.metadata["position"], d.page_content) for d in docs])
        report.embedded += result["num_added"] + result["num_updated"]
        report.unchanged += result["num_skipped"]
        report.deleted += result["num_deleted"]
        if strays:
            _delete_doc(store, docs[0].metadata["doc_id"], strays)
            report.deleted += len(strays)
        done += len(docs)
        if progress:
            progress(done, total)

    register.remember([loaded.records[d.doc_id] for d in loaded.docs
                       if d.doc_id in loaded.records])
    failed_origins = {str(located(Path(f.origin))) for f in report.failed}
    seen = {d.doc_id for d in loaded.docs}
    gone = [] if rebuild else _find_removed(store, loaded.scanned_dirs, seen, failed_origins)
    keep = _withheld(gone, loaded, store, report, prune, confirm_prune, len(indexed_before))
    for doc_id in [d for d in gone if d not in keep] + sorted(replaced):
        ids = _ids_of(store, doc_id)
        _delete_doc(store, doc_id, ids)
        report.docs_deleted.append(doc_id)
        report.deleted += len(ids)
    register.forget([d for d in report.docs_deleted if d not in seen])
    # The multilingual mirror (questions in other languages) follows every change.
    from retrieval.index.multilingual import sync_after_ingest

    sync_after_ingest(store)
    return report


def remove_document(store: Store, doc_id: str) -> int:
    """Delete one document's passages; returns how many were removed."""
    with writer_lock(store.settings), _writing(store) as recovering:
        if recovering:
            _reconcile(store)
        ids = _ids_of(store, doc_id)
        if not ids:
            raise BackstoryError(f"no indexed document has the id {doc_id!r}; see `backstory "
                                 "sources`")
        _delete_doc(store, doc_id, ids)
        SourceRegister(store.settings.data_dir).forget([doc_id])
        return len(ids)


@contextmanager
def _writing(store: Store, whole: bool = False):
    """Mark the index as being written until the writes end; yields whether the last run
    ended half-way, in which case the whole index is checked first (the one whole pass a
    normal ingest makes only after a crash; `whole`: a rebuild, which drops it all anyway).

    Every write goes Chroma first, then records and the lexical index. Checking everything
    on each run cost time in proportion to the index (34 s at 100,000 passages); the mark
    makes that check happen only when a run did not finish. An error leaves the mark too.
    """
    lexical = store.lexical()
    if store.settings.chroma_url and not whole:
        follow_server(lexical, store)  # start from what other machines wrote
    recovering = lexical.get_mark(DIRTY) == "1"
    written = lexical.rows_written
    lexical.set_mark(DIRTY, "1")
    if recovering and not whole:  # (a rebuild drops everything first)
        logger.info("the last write to the index did not finish; checking the whole index")
        if store.collection_exists():
            sync_with_chroma(lexical, store)
        else:  # a rebuild killed after its drop: no passage is left for BM25 to find
            lexical.clear()
    else:
        lexical.repair_text()  # two counts compared; rebuilt if the tantivy folder was lost
    try:
        yield recovering
        lexical.set_mark(DIRTY, "0")
    finally:
        store.mark_changed()  # running processes reopen on their next question (follow())
    if store.settings.chroma_url and lexical.rows_written != written:
        publish_change(lexical, store)


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


def _chunk_within_cap(doc, settings: Settings):
    """The document's passages, refusing one that would make more than the cap.

    A 15 MB line without spaces made 19,231 passages; the estimate from its length refuses
    such a file before the splitter spends minutes on it.
    """
    cap = settings.max_passages_per_doc
    step = max(1, settings.chunk_chars - min(settings.chunk_overlap, settings.chunk_chars // 2))
    estimate = len(doc.text) // step
    if estimate > cap:
        raise IngestError(doc.origin, f"too long: about {estimate:,} passages, over the cap of "
                          f"{cap:,} (BACKSTORY_MAX_PASSAGES_PER_DOC)")
    chunks = chunk_document(doc, settings.chunk_chars, settings.chunk_overlap)
    if len(chunks) > cap:
        raise IngestError(doc.origin, f"too long: {len(chunks):,} passages, over the cap of "
                          f"{cap:,} (BACKSTORY_MAX_PASSAGES_PER_DOC)")
    return chunks


def _find_removed(
    store: Store, scanned_dirs: list[Path], seen: set[str], failed_origins: set[str]
) -> dict[str, Path]:
    """Documents indexed from a folder read whole that this walk did not find, by path."""
    if not scanned_dirs or not store.collection_exists():
        return {}
    gone = {}
    for row in store.documents():
        origin = row.get("origin") or ""
        if row["id"] in seen or origin in failed_origins or "://" in origin:
            continue
        # A corpus document is found by its id under today's corpus folder, so a project
        # moved since it was indexed still notices files that are gone.
        doc_id = row["id"]
        in_corpus = is_corpus_id(doc_id)
        path = (store.settings.corpus_dir.resolve() / doc_id) if in_corpus else Path(origin)
        # The walk is the truth about a folder read whole: a file in it that was not read
        # (deleted, or now a link, which is never followed) no longer counts.
        if any(path.is_relative_to(d) for d in scanned_dirs):
            gone[doc_id] = path
    return gone


def _withheld(
    gone: dict[str, Path],
    loaded,
    store: Store,
    report: IngestReport,
    prune: bool,
    confirm_prune: ConfirmPrune | None,
    indexed: int,
) -> set[str]:
    """The documents among `gone` to keep this time, noted in the report.

    `indexed` is the count before this run: counted after its additions, a different corpus
    folder of 30 notes made the 29 real documents "less than half" and deleted them all.
    """
    if not gone or prune:
        return set()
    keep: set[str] = set()
    corpus = store.settings.corpus_dir.resolve()
    for folder in loaded.empty_dirs:
        under = [d for d, path in gone.items() if path.is_relative_to(folder)]
        if under:
            report.notes.append(IngestError(str(folder), f"{len(under)} documents indexed from "
                                            "it were kept: an empty folder deletes nothing "
                                            "(--prune deletes them)"))
            keep.update(under)
    rest = [d for d in gone if d not in keep]
    if rest and 2 * len(rest) > indexed and not (confirm_prune and confirm_prune(rest, indexed)):
        report.notes.append(IngestError(str(corpus), f"{len(rest)} of {indexed} indexed "
                                        "documents have no file any more; none were deleted "
                                        "(more than half: run `backstory ingest --prune`)"))
        keep.update(rest)
    report.docs_withheld = sorted(keep)
    return keep


def _indexed_ids(store: Store, tolerate_damage: bool) -> set[str]:
    """The documents in the index before this run; none when a rebuild finds it damaged.

    Read from the lexical index, which holds each passage's document: reading Chroma's
    metadata would cost a pass over the whole index on every ingest."""
    try:
        if not store.collection_exists():
            return set()
        return store.lexical().doc_ids()
    except BackstoryError:
        if tolerate_damage:
            return set()
        raise


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
