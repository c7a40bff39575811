"""Tell an index that may not be written (permissions, a read-only mount) from a damaged one.

A read-only chroma.sqlite3 was reported as damaged, and `ingest --rebuild`, as advised, set
the healthy index aside and built another.
"""

from __future__ import annotations

import os
from pathlib import Path

# SQLite's words for a file it may not write (SQLITE_READONLY is code 8, as chromadb's Rust
# layer prints it). The mode bits alone are not enough: root ignores them, an immutable
# file (chattr +i) or a read-only mount stops root too.
_WORDS = ("readonly", "read-only", "read only file system", "permission denied", "(code: 8)")


def not_writable(err: Exception, chroma_dir: Path) -> bool:
    """Whether opening the index failed because it may not be written, not from damage."""
    text = str(err).lower()
    if isinstance(err, PermissionError) or any(word in text for word in _WORDS):
        return True
    files = [chroma_dir, chroma_dir / "chroma.sqlite3"]
    return any(f.exists() and not os.access(f, os.W_OK) for f in files)
