"""Read remembered loose files and URLs again for a run over the corpus folder, offline."""

from __future__ import annotations

from pathlib import Path

from retrieval.errors import IngestError
from retrieval.index.corpus import LoadResult, _collect, load_file, parse_bytes
from retrieval.index.register import SourceRecord, SourceRegister
from retrieval.models import SourceDoc


def load_saved(record: SourceRecord, register: SourceRegister, corpus_dir: Path,
               max_bytes: int, result: LoadResult) -> SourceDoc | None:
    """Read a remembered loose file or URL again, without the network.

    A loose file is read from its path when it is still there (it may have been edited);
    otherwise, and for a URL always, from the copy saved when it was ingested. None when
    neither can be read; the caller keeps the indexed document as it is.
    """
    if record.route == "file" and Path(record.origin).is_file():
        before = len(result.failed)
        _collect(result, lambda: load_file(Path(record.origin), corpus_dir, max_bytes,
                                           result, register), record.origin)
        if len(result.failed) == before:
            return result.docs.pop()
        result.failed.pop()  # the saved copy below is the fallback, reported as a note
    raw = register.saved_bytes(record)
    if raw is None:
        return None
    name = Path(record.origin).stem if record.route == "file" else (
        record.origin.rstrip("/").rsplit("/", 1)[-1] or record.origin)
    doc = parse_bytes(raw, record.suffix, doc_id=record.doc_id, origin=record.origin,
                      name=name, url=record.url, notes=result.notes)
    if record.route == "url":
        # As when it was downloaded (load_url): where the bytes came from, and never the
        # article, whatever the page says of itself.
        doc = doc.model_copy(update={"url": record.url or doc.url, "kind": "background"})
    if record.route == "file":
        result.notes.append(IngestError(record.origin, f"cannot be read now; {record.doc_id} "
                                        "is kept from the copy saved when it was ingested "
                                        f"(`backstory sources remove {record.doc_id}` drops it)"))
    result.records[record.doc_id] = (record, None)
    return doc


def load_remembered(loaded: LoadResult, register: SourceRegister, corpus_dir: Path,
                    max_bytes: int) -> None:
    """Add the loose files and URLs ingested before to a run over the corpus folder."""
    have = {d.doc_id for d in loaded.docs}
    for record in register.load().values():
        if record.route not in ("file", "url") or record.doc_id in have:
            continue
        try:
            doc = load_saved(record, register, corpus_dir, max_bytes, loaded)
        except IngestError as err:
            doc, reason = None, err.reason
        else:
            reason = "no saved copy"
        if doc is None:
            loaded.notes.append(IngestError(record.origin, f"cannot be read again ({reason}); "
                                            f"{record.doc_id} is kept in the index as it is"))
            continue
        loaded.docs.append(doc)
