"""`ingest --rebuild` without losses: documents it does not re-read are carried over as they are.

A rebuild drops the collection and embeds again what it reads. Whatever it does not read (the
rest of the index under `--rebuild PATH`, a remembered source that cannot be read any more, a
document kept because its deletion was not confirmed) is copied out before the drop and put
back after it: same passages, same ids, same records. The copy is also written to the data dir
first, so a rebuild killed between the drop and the put-back restores it on the next ingest.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from retrieval.errors import IngestError
from retrieval.index.corpus import LoadResult, located
from retrieval.index.register import SourceRegister, is_corpus_id
from retrieval.index.store import Store

logger = logging.getLogger(__name__)

BATCH = 500
# Asked before a rebuild deletes documents whose files are gone: (doc ids, documents indexed).
ConfirmPrune = Callable[[list[str], int], bool]


@dataclass
class Carried:
    ids: list[str] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)
    metadatas: list[dict] = field(default_factory=list)
    embeddings: list[list[float]] | None = None  # None: embed again (another embedder)


def snapshot(store: Store, doc_ids: list[str]) -> Carried:
    """The passages of these documents, with their vectors, read before the drop."""
    from retrieval.index.store import EMBEDDER_KEY

    # Not store.collection: that refuses an index built with another embedder, which is
    # exactly what a rebuild is for. Those vectors are not kept; the text is embedded again.
    collection = store.client.get_collection(store.settings.collection)
    same = (collection.metadata or {}).get(EMBEDDER_KEY, store.embedder_name) == store.embedder_name
    carried = Carried(embeddings=[])
    for doc_id in doc_ids:
        got = collection.get(where={"doc_id": doc_id},
                                   include=["documents", "metadatas", "embeddings"])
        carried.ids.extend(got["ids"])
        carried.documents.extend(d or "" for d in got["documents"])
        carried.metadatas.extend(m or {} for m in got["metadatas"])
        carried.embeddings.extend([float(x) for x in e] for e in got["embeddings"])
    if not same:
        carried.embeddings = None
    return carried


def save_pending(store: Store, carried: Carried) -> None:
    """Write what must be put back; the vectors are left out (they can be computed again)."""
    body = {"ids": carried.ids, "documents": carried.documents, "metadatas": carried.metadatas}
    store.settings.data_dir.mkdir(parents=True, exist_ok=True)
    path = pending_path(store)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(body), encoding="utf-8")
    tmp.replace(path)


def restore_pending(store: Store) -> int:
    """Put back what a rebuild killed half-way had carried; returns the passages restored."""
    path = pending_path(store)
    if not path.exists():
        return 0
    body = json.loads(path.read_text(encoding="utf-8"))
    carried = Carried(body["ids"], body["documents"], body["metadatas"], None)
    missing = set(carried.ids) - set(store.collection.get(ids=carried.ids, include=[])["ids"]
                                     if carried.ids else [])
    keep = [i for i, chunk_id in enumerate(carried.ids) if chunk_id in missing]
    put_back(store, Carried([carried.ids[i] for i in keep], [carried.documents[i] for i in keep],
                            [carried.metadatas[i] for i in keep], None))
    path.unlink()
    logger.info("restored %d passages carried by an interrupted rebuild", len(keep))
    return len(keep)


def put_back(store: Store, carried: Carried) -> None:
    """Add the carried passages to the (new) collection and record them."""
    for start in range(0, len(carried.ids), BATCH):
        ids = carried.ids[start : start + BATCH]
        documents = carried.documents[start : start + BATCH]
        metadatas = carried.metadatas[start : start + BATCH]
        if carried.embeddings is not None:
            vectors = carried.embeddings[start : start + BATCH]
        else:
            vectors = store.embedder.embed_documents(documents)
        store.collection.add(ids=ids, embeddings=vectors, documents=documents,
                             metadatas=metadatas)
        store.record_manager.update(ids, group_ids=[m.get("doc_id") for m in metadatas])
        # After Chroma and the records, as every write (retrieval/index/fts.py).
        store.lexical().put((chunk_id, m.get("doc_id", ""), m.get("position", 0), text)
                            for chunk_id, m, text in zip(ids, metadatas, documents))
    store.forget_count()


def pending_path(store: Store):
    return store.settings.data_dir / f"rebuild-carried-{store.settings.collection}.json"


def replaced_legacy_ids(loaded: LoadResult, before: set[str]) -> set[str]:
    """Loose files once indexed under their absolute path, now read under a `file:` id."""
    return {record.origin for record, _ in loaded.records.values()
            if record.route == "file" and record.origin in before} - {
                d.doc_id for d in loaded.docs}


def kept_through_rebuild(store: Store, loaded: LoadResult, before: set[str], named: bool,
                          report, prune: bool,
                          confirm_prune: ConfirmPrune | None) -> list[str]:
    """Indexed documents a rebuild does not read again and must carry over as they are.

    `--rebuild PATH` keeps everything it does not name. A plain rebuild re-reads the corpus
    folder and every remembered source; a corpus file that is gone is deleted only with
    --prune or a yes at the terminal (a script never deletes by default), and any other
    document it cannot read is kept and reported.
    """
    seen = {d.doc_id for d in loaded.docs}
    unread = sorted(before - seen)
    if named:
        return unread
    failed = {str(located(Path(f.origin))) for f in report.failed}
    origins = {row["id"]: row.get("origin") or "" for row in store.documents()} if unread else {}
    gone = [d for d in unread if is_corpus_id(d) and origins.get(d) not in failed]
    deletes = bool(gone) and (prune or bool(confirm_prune and confirm_prune(gone, len(before))))
    if gone and not deletes:
        report.notes.append(IngestError(str(store.settings.corpus_dir), f"{len(gone)} of "
                                        f"{len(before)} indexed documents have no file in the "
                                        "corpus folder; they were kept (--prune deletes them)"))
        report.docs_withheld = gone
    for doc_id in unread:
        if not is_corpus_id(doc_id):
            report.notes.append(IngestError(doc_id, "not read again by this rebuild; kept in "
                                            "the index as it was"))
    if deletes:
        report.docs_deleted.extend(gone)
        SourceRegister(store.settings.data_dir).forget(gone)
    return [d for d in unread if not (deletes and d in gone)]
