"""One row per indexed document, read from its passages' metadata (for `sources`, /about)."""

from __future__ import annotations

import json
from collections import defaultdict

from retrieval.index.outlets import load_policy


def document_rows(metas: list[dict]) -> list[dict]:
    """Rows of id, title, kind, outlet, dates, url, sources, labels and passage count."""
    rows: dict[str, dict] = {}
    counts: dict[str, int] = defaultdict(int)
    for meta in metas:
        doc_id = meta.get("doc_id", "?")
        counts[doc_id] += 1
        rows.setdefault(doc_id, {
            "id": doc_id,
            "title": meta.get("title", ""),
            "kind": meta.get("kind", ""),
            "outlet": meta.get("outlet") or None,
            "published": meta.get("published") or None,
            "as_of": meta.get("as_of") or None,
            "url": meta.get("url") or None,
            "sources": [],
            "origin": meta.get("origin", ""),
        })
        # Newer indexes keep the list on a document's first passage only.
        rows[doc_id]["sources"] = rows[doc_id]["sources"] or _source_urls(meta)
    policy = load_policy()
    for doc_id, row in rows.items():
        row["chunks"] = counts[doc_id]
        # whom the document's outlet and each of its sources speak for (None: unlabelled)
        row["outlet_label"] = policy.label_for(row["url"], row["outlet"])
        row["source_labels"] = [policy.label_for(url) for url in row["sources"]]
    return sorted(rows.values(), key=lambda r: (r["kind"] != "article", r["id"]))


def _source_urls(meta: dict) -> list[str]:
    """The public URLs a background note's facts rest on (its front matter's `sources`)."""
    try:
        urls = json.loads(meta.get("sources") or "[]")
    except ValueError:
        return []
    return [str(u) for u in urls] if isinstance(urls, list) else []
