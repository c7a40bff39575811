"""Split a SourceDoc into passages that follow its headings and keep character offsets."""

from __future__ import annotations

import hashlib
import json
import re

from langchain_core.documents import Document
from langchain_text_splitters import RecursiveCharacterTextSplitter

from retrieval.models import Chunk, SourceDoc

HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$", re.MULTILINE)


def split_sections(text: str) -> list[tuple[str, int, int]]:
    """(heading path, start, end) for each run of text under one Markdown heading."""
    sections: list[tuple[str, int, int]] = []
    path: list[tuple[int, str]] = []
    matches = list(HEADING.finditer(text))
    cursor = 0
    heading = ""
    for match in matches:
        if text[cursor : match.start()].strip():
            sections.append((heading, cursor, match.start()))
        level = len(match.group(1))
        path = [(lvl, name) for lvl, name in path if lvl < level] + [(level, match.group(2))]
        heading = " > ".join(name for _, name in path)
        cursor = match.end()
    if text[cursor:].strip():
        sections.append((heading, cursor, len(text)))
    return sections


def chunk_document(doc: SourceDoc, chunk_chars: int = 900, overlap: int = 120) -> list[Chunk]:
    splitter = RecursiveCharacterTextSplitter(
        chunk_size=chunk_chars,
        chunk_overlap=min(overlap, chunk_chars // 2),
        separators=["\n\n", "\n", ". ", "? ", "! ", "; ", ", ", " ", ""],
        keep_separator="end",
        add_start_index=True,
    )
    # The origin (absolute path) is left out so that moving the corpus folder re-embeds nothing.
    meta_digest = _digest({k: v for k, v in doc_metadata(doc).items() if k != "origin"})
    chunks: list[Chunk] = []
    for heading, start, end in split_sections(doc.text):
        section = doc.text[start:end]
        for piece in splitter.create_documents([section]):
            body = piece.page_content.strip()
            if not body:
                continue
            offset = start + piece.metadata["start_index"] + piece.page_content.index(body)
            position = len(chunks)
            chunk_id = _digest([doc.doc_id, meta_digest, position, body])[:24]
            chunks.append(
                Chunk(
                    chunk_id=chunk_id,
                    doc_id=doc.doc_id,
                    text=body,
                    start=offset,
                    end=offset + len(body),
                    heading=heading,
                    position=position,
                )
            )
    return chunks


def passage_text(doc: SourceDoc, chunk: Chunk) -> str:
    """What gets embedded, searched and shown: the passage under its title and heading.

    The title line lets a passage about "the mission" match a question about "Russian
    peacekeepers" even when the passage itself never repeats the document's subject.
    """
    label = doc.title if not chunk.heading else f"{doc.title} — {chunk.heading}"
    return f"{label}\n\n{chunk.text}"


def doc_metadata(doc: SourceDoc) -> dict:
    """Document fields stored on every passage (Chroma metadata takes scalars only)."""
    return {
        "doc_id": doc.doc_id,
        "origin": doc.origin,
        "title": doc.title,
        "kind": doc.kind,
        "url": doc.url or "",
        "outlet": doc.outlet or "",
        "published": doc.published.isoformat() if doc.published else "",
        "as_of": doc.as_of.isoformat() if doc.as_of else "",
        "language": doc.language,
        "sources": json.dumps(list(doc.sources)),
    }


def to_documents(doc: SourceDoc, chunks: list[Chunk]) -> list[Document]:
    """Passages with their metadata; a document's `sources` list rides on its first passage.

    Copied onto every passage, a long list cost its size times the passage count: 17 MB of
    sources on 150 passages aborted Chroma at 6.4 GB.
    """
    base = doc_metadata(doc)
    listed = base.pop("sources")
    return [
        Document(
            id=chunk.chunk_id,
            page_content=passage_text(doc, chunk),
            metadata={
                **base,
                "sources": listed if i == 0 else "[]",
                "chunk_id": chunk.chunk_id,
                "heading": chunk.heading,
                "start": chunk.start,
                "end": chunk.end,
                "position": chunk.position,
            },
        )
        for i, chunk in enumerate(chunks)
    ]


def _digest(value) -> str:
    return hashlib.sha1(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()
