"""Find and read corpus files without being led outside the folder, blocked, or flooded.

A corpus folder is untrusted input: it may hold links to /etc/passwd or to a `.env` with
keys, FIFOs that block whoever opens them, /proc files whose reported size is 0, and file
names that are not UTF-8. Everything here refuses those cases with a one-line reason.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from retrieval.errors import IngestError

TEXT_SUFFIXES = {".md", ".markdown", ".txt"}
HTML_SUFFIXES = {".html", ".htm"}
PDF_SUFFIXES = {".pdf"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | PDF_SUFFIXES
# Files a corpus folder legitimately holds that are not documents.
SKIPPED_NAMES = {"README.md", "readme.md"}
READ_BLOCK = 1 << 20


def printable_path(path: Path | str) -> str:
    """The path as text that can always be printed and stored: undecodable bytes as \\xNN."""
    raw = os.fsencode(str(path))
    return raw.decode("utf-8", errors="backslashreplace")


def is_utf8_name(path: Path | str) -> bool:
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:  # a surrogate-escaped byte that is not UTF-8
        return False
    return True


@dataclass
class Walk:
    files: list[Path] = field(default_factory=list)
    # Entries that were deliberately not read, each with why: links, odd names.
    skipped: list[IngestError] = field(default_factory=list)
    failed: list[IngestError] = field(default_factory=list)


def walk_corpus(folder: Path) -> Walk:
    """Document files under `folder`, sorted; links are never followed.

    A link that leads out of the folder is how /etc/passwd or a `.env` got indexed, and a
    link inside it only repeats a file that is read under its own name anyway, so every
    link is skipped (with a note) rather than resolved.
    """
    root = folder.resolve()
    walk = Walk()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        here = Path(dirpath)
        # Hidden folders inside the corpus are skipped; the folder's own path may contain a
        # hidden parent and still be read.
        visible = [d for d in dirnames if not d.startswith(".")]
        for name in sorted(visible):
            if (here / name).is_symlink():
                walk.skipped.append(_link_note(here / name, root))
        dirnames[:] = sorted(d for d in visible if not (here / d).is_symlink())
        for name in sorted(filenames):
            path = here / name
            if name.startswith(".") or name in SKIPPED_NAMES:
                continue
            if path.suffix.lower() not in SUPPORTED_SUFFIXES:
                continue
            if not is_utf8_name(path):
                walk.failed.append(IngestError(printable_path(path), "the file name is not "
                                               "UTF-8; rename it"))
                continue
            if path.is_symlink():
                walk.skipped.append(_link_note(path, root))
                continue
            walk.files.append(path)
    walk.files.sort()
    return walk


def iter_corpus_files(folder: Path) -> Iterator[Path]:
    yield from walk_corpus(folder).files


def _link_note(path: Path, root: Path) -> IngestError:
    target = path.resolve()
    if target.is_relative_to(root):
        where = f"to {printable_path(target.relative_to(root))} inside the folder"
    else:
        where = f"out of the folder, to {printable_path(target)}"
    return IngestError(printable_path(path), f"a link {where}; links are not followed")


def read_regular_file(path: Path, max_bytes: int) -> bytes:
    """The file's bytes, if it is a regular file of at most `max_bytes` bytes read.

    The size check counts what read() returns, not what stat() says: /proc files report 0.
    The file is opened non-blocking and checked again after opening, so a FIFO or device
    swapped in after the first check cannot block the run either.
    """
    origin = printable_path(path)
    try:
        before = os.stat(path)
    except OSError as err:
        raise IngestError(origin, f"cannot read ({err.strerror})") from None
    if not stat.S_ISREG(before.st_mode):
        raise IngestError(origin, f"not a regular file ({_kind(before.st_mode)}); only files "
                          "are read")
    if before.st_size > max_bytes:
        raise IngestError(origin, f"too large ({before.st_size:,} bytes; the cap is "
                          f"{max_bytes:,})")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as err:
        raise IngestError(origin, f"cannot read ({err.strerror})") from None
    with os.fdopen(fd, "rb", buffering=0) as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise IngestError(origin, "not a regular file; only files are read")
        chunks: list[bytes] = []
        total = 0
        while True:
            block = handle.read(READ_BLOCK)
            if not block:
                break
            total += len(block)
            if total > max_bytes:
                raise IngestError(origin, f"too large (more than the {max_bytes:,}-byte cap "
                                  "was read)")
            chunks.append(block)
    return b"".join(chunks)


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISDIR, "a folder"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a file"
