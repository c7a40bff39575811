"""One document per text: the same text reached by a second route is not indexed again.

A note ingested by its path and again as a copy in the corpus folder, or a page added by URL
and again as a saved file, became two documents with the same title; once one copy was
edited they answered with conflicting facts. The register keeps each document's content key
and title; a document new to the index whose key an indexed one already has is left out, with
a `note:`, and one that shares only its title (a changed copy) is indexed with a `note:`.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

from retrieval.errors import IngestError
from retrieval.index.corpus import LoadResult
from retrieval.index.register import SourceRegister
from retrieval.models import SourceDoc


def content_key(doc: SourceDoc) -> str:
    """Title and text with whitespace and case folded: a page and its saved copy agree."""
    folded = " ".join(f"{doc.title}\n{doc.text}".split()).casefold()
    return hashlib.sha256(folded.encode("utf-8")).hexdigest()


def drop_duplicates(loaded: LoadResult, register: SourceRegister, indexed: set[str],
                    corpus_dir: Path) -> None:
    """Leave out of `loaded` each new document whose text is indexed under another id.

    `indexed` is the index before this run. A document already in it is never left out (it
    is updated as usual), so ids stay stable; among new ones the first read wins. Each kept
    document's key and title go into its record, which the register saves after the run.
    """
    keys = {doc.doc_id: content_key(doc) for doc in loaded.docs}
    # What the others said when last read; a document read again says it anew, first.
    # A corpus file no longer in the folder is on its way out: a file renamed in the folder
    # is not a copy of its old self (left out as one, it was lost when the old id went).
    records = register.load()
    known = [r for r in records.values()
             if r.doc_id in indexed and r.content and r.doc_id not in keys
             and (r.route not in ("corpus", "upload") or (corpus_dir / r.doc_id).is_file())]
    by_key = {r.content: r.doc_id for r in known}
    by_title = {(r.title or "").casefold(): r.doc_id for r in known}
    # Indexed documents whose text did not change claim it before those edited this time.
    again = [d for d in loaded.docs if d.doc_id in indexed]
    unchanged = {d.doc_id for d in again
                 if d.doc_id in records and records[d.doc_id].content == keys[d.doc_id]}
    for doc in sorted(again, key=lambda d: d.doc_id not in unchanged):
        by_key.setdefault(keys[doc.doc_id], doc.doc_id)
        by_title.setdefault(doc.title.casefold(), doc.doc_id)
    kept: list[SourceDoc] = []
    for doc in loaded.docs:
        key, title = keys[doc.doc_id], doc.title.casefold()
        twin = by_key.get(key)
        if twin not in (None, doc.doc_id):
            if doc.doc_id not in indexed:
                loaded.notes.append(IngestError(doc.origin, f"same text as {twin}, which is "
                                                "indexed already; not indexed a second time"))
                continue
            # Both indexed (one edited into a copy of the other): kept, ids are stable.
            loaded.notes.append(IngestError(doc.origin, f"now the same text as {twin}; both "
                                            "stay indexed (`backstory sources remove` one)"))
        namesake = by_title.get(title)
        if doc.doc_id not in indexed and namesake not in (None, doc.doc_id):
            loaded.notes.append(IngestError(doc.origin, f"same title as {namesake} but a "
                                            "different text; indexed as another document (if "
                                            "one is an edited copy, `backstory sources remove` "
                                            "the stale one)"))
        by_key.setdefault(key, doc.doc_id)
        by_title.setdefault(title, doc.doc_id)
        if doc.doc_id in loaded.records:
            record, raw = loaded.records[doc.doc_id]
            loaded.records[doc.doc_id] = (replace(record, content=key, title=doc.title), raw)
        kept.append(doc)
    loaded.docs = kept
