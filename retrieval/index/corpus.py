"""Read documents (Markdown/text with front matter, HTML, PDF, URLs) into SourceDocs."""

from __future__ import annotations

import codecs
import datetime as dt
import io
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urldefrag, urlparse

from retrieval.errors import IngestError
from retrieval.index.front_matter import (  # noqa: F401
    MAX_FRONT_MATTER_CHARS,
    missing_front_matter,
    split_front_matter,
)
from retrieval.index.html_shape import block_texts, check_html_shape
from retrieval.index.pdf_reflow import reflow_pages
from retrieval.index.register import SourceRecord, SourceRegister
from retrieval.index.safe_files import (  # noqa: F401 - re-exported for callers of this module
    HTML_SUFFIXES,
    PDF_SUFFIXES,
    SKIPPED_NAMES,
    SUPPORTED_SUFFIXES,
    TEXT_SUFFIXES,
    is_utf8_name,
    iter_corpus_files,
    printable_path,
    read_regular_file,
    walk_corpus,
)
from retrieval.models import SourceDoc
from retrieval.redact import register_url, strip_userinfo

logger = logging.getLogger(__name__)

# Title and outlet are stored on every passage and shown under every answer that cites it.
MAX_LABEL_CHARS = 300


@dataclass
class LoadResult:
    docs: list[SourceDoc] = field(default_factory=list)
    failed: list[IngestError] = field(default_factory=list)
    # Not failures, but worth a line: links skipped, a download that changed host.
    notes: list[IngestError] = field(default_factory=list)
    # Folders that were read whole: documents indexed from inside them but not seen now
    # were removed from disk and get deleted from the index.
    scanned_dirs: list[Path] = field(default_factory=list)
    # Folders that held no document at all: an emptied or unmounted corpus, whose
    # documents are never deleted on that evidence alone.
    empty_dirs: list[Path] = field(default_factory=list)
    # How each document came in, with the bytes read when the register must keep a copy.
    records: dict[str, tuple[SourceRecord, bytes | None]] = field(default_factory=dict)


def is_url(target: str) -> bool:
    return target.startswith(("http://", "https://"))


def load_targets(
    targets: Iterable[str],
    corpus_dir: Path,
    max_bytes: int,
    fetch_timeout_s: float = 20.0,
    register: SourceRegister | None = None,
) -> LoadResult:
    """Read every file, folder and URL named; one bad input never stops the others.

    With a register, a loose file gets the `file:` id it had before (or a new one).
    """
    result = LoadResult()
    # The same target named twice (or a file inside a folder also named) is read once.
    for target in dict.fromkeys(_without_fragment(t) for t in targets):
        if is_url(target):
            register_url(target)  # its password is redacted wherever it would be printed
            _collect(result, lambda t=target: load_url(t, max_bytes, fetch_timeout_s, result),
                     strip_userinfo(target))
            continue
        path = Path(target)
        if not is_utf8_name(target):
            result.failed.append(IngestError(printable_path(target), "the name is not UTF-8"))
            continue
        if not path.exists():
            result.failed.append(IngestError(target, "no such file or folder"))
            continue
        if path.is_dir():
            walk = walk_corpus(path)
            result.scanned_dirs.append(path.resolve())
            if not walk.files and not walk.failed:
                result.empty_dirs.append(path.resolve())
                result.notes.append(IngestError(target, "holds no documents"))
            result.failed.extend(walk.failed)
            result.notes.extend(walk.skipped)
            for file in walk.files:
                _collect(result, lambda f=file: load_file(f, corpus_dir, max_bytes, result,
                                                          register), str(file))
        else:
            _collect(result, lambda p=path: load_file(p, corpus_dir, max_bytes, result,
                                                      register), target)
    # Two targets can still name one document (a folder and a file in it): keep the first.
    unique: dict[str, SourceDoc] = {}
    for doc in result.docs:
        unique.setdefault(doc.doc_id, doc)
    result.docs = list(unique.values())
    return result


def _without_fragment(target: str) -> str:
    """A URL without its #fragment: one page reached as page, page#a and page#b was three
    documents. The server never sees the fragment, so it is not part of the page."""
    return urldefrag(target).url if is_url(target) else target


def _collect(result: LoadResult, load, origin: str) -> None:
    try:
        result.docs.append(load())
    except IngestError as err:
        result.failed.append(err)
    except Exception as err:  # a loader library's own failure still names the file
        logger.debug("loading %s failed", origin, exc_info=True)
        result.failed.append(IngestError(origin, f"unreadable ({type(err).__name__}: {err})"))


def located(path: Path) -> Path:
    """The absolute path with its folders resolved but not its last part.

    A link's own name stays its name (resolving it is how a link to /etc/passwd came to be
    indexed as /etc/passwd, out of reach of the check for files that were deleted).
    """
    return path.absolute().parent.resolve() / path.name


def corpus_id_for(path: Path, corpus_dir: Path) -> str | None:
    """A file under the corpus folder is named by its path relative to it."""
    try:
        return located(path).relative_to(corpus_dir.resolve()).as_posix()
    except ValueError:
        return None


def load_file(path: Path, corpus_dir: Path, max_bytes: int, result: LoadResult | None = None,
              register: SourceRegister | None = None) -> SourceDoc:
    origin = str(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise IngestError(origin, f"unsupported type {suffix or '(none)'}; use .md, .txt, "
                          ".html or .pdf")
    raw = read_regular_file(path, max_bytes)
    where = str(located(path))
    doc_id = corpus_id_for(path, corpus_dir)
    if doc_id is not None:
        route = "upload" if doc_id.startswith("uploads/") else "corpus"
    else:
        route = "file"
        doc_id = (register.id_for_file(where, path.name) if register
                  else f"file:{path.name}")
    doc = parse_bytes(raw, suffix, doc_id=doc_id, origin=where, name=path.stem,
                      notes=result.notes if result is not None else None)
    if result is not None:
        record = SourceRecord(doc_id=doc_id, route=route, origin=doc_id if route != "file"
                              else where, suffix=suffix)
        result.records[doc_id] = (record, raw if route == "file" else None)
    return doc


def load_url(url: str, max_bytes: int, timeout_s: float,
             result: LoadResult | None = None) -> SourceDoc:
    """Download a page or PDF within a total deadline; the document says its final URL."""
    from retrieval.index.fetch import fetch

    download = fetch(url, max_bytes, timeout_s)
    # A password in the URL is used to download and then forgotten: the document is stored,
    # cited and listed under the URL without it.
    final = strip_userinfo(download.final_url)
    shown = strip_userinfo(url)
    if result is not None and urlparse(final).hostname != urlparse(url).hostname:
        result.notes.append(IngestError(shown,
                                        f"redirected to another host; recorded as {final}"))
    suffix = suffix_for_content_type(download.content_type, final)
    name = shown.rstrip("/").rsplit("/", 1)[-1] or shown
    doc = parse_bytes(download.body, suffix, doc_id=shown, origin=shown, name=name, url=final,
                      notes=result.notes if result is not None else None)
    if doc.kind == "article":
        # The article is what the maintainer put in the corpus folder; a page on the web
        # cannot promote itself to it with `kind: article` in its own front matter.
        doc = doc.model_copy(update={"kind": "background"})
        if result is not None:
            result.notes.append(IngestError(shown, "says it is the article; indexed as "
                                            "background (put the article in the corpus folder)"))
    if result is not None:
        result.records[shown] = (SourceRecord(doc_id=shown, route="url", origin=shown,
                                              suffix=suffix, url=final), download.body)
    # The page's own og:url is its claim; where the bytes came from is a fact.
    return doc if doc.url == final else doc.model_copy(update={"url": final})


def suffix_for_content_type(ctype: str, url: str) -> str:
    ctype = ctype.lower()
    if "pdf" in ctype or url.lower().endswith(".pdf"):
        return ".pdf"
    if "html" in ctype:
        return ".html"
    if "markdown" in ctype or url.lower().endswith(".md"):
        return ".md"
    return ".txt"


def parse_bytes(
    raw: bytes, suffix: str, *, doc_id: str, origin: str, name: str, url: str | None = None,
    notes: list[IngestError] | None = None,
) -> SourceDoc:
    """One document from its bytes; `notes` gets a line for a text document that lacks
    required front matter (HTML and PDF have none: their metadata is read from the file)."""
    if not raw.strip():
        raise IngestError(origin, "empty file")
    if suffix in PDF_SUFFIXES:
        return _parse_pdf(raw, doc_id=doc_id, origin=origin, name=name, url=url)
    text = _decode_text(raw, origin)
    if suffix in HTML_SUFFIXES:
        return _parse_html(text, doc_id=doc_id, origin=origin, name=name, url=url)
    return _parse_text(text, doc_id=doc_id, origin=origin, name=name, url=url, notes=notes)


def _decode_text(raw: bytes, origin: str) -> str:
    """UTF-8, or UTF-16 with its byte-order mark (Windows editors' "Unicode"), else refused."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError as err:
            raise IngestError(origin, f"not UTF-16 text (byte {err.start})") from None
    if b"\x00" in raw:
        raise IngestError(origin, "binary content (NUL bytes) in a text file")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise IngestError(origin, f"not UTF-8 text (byte {err.start})") from None


def _parse_text(text: str, *, doc_id: str, origin: str, name: str, url: str | None,
                notes: list[IngestError] | None = None) -> SourceDoc:
    # CR-only line ends (old Mac files) hid the front matter from the parser, which then
    # indexed it as text with no title, kind or date.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # Every format python-frontmatter detects goes through a size-capped handler: JSON front
    # matter (first line `{`) skipped the YAML-only cap and copied 17 MB onto every passage.
    meta, body = split_front_matter(text, origin)
    body = body.strip()
    if not body:
        raise IngestError(origin, "no text after the front matter")
    missing = missing_front_matter(meta)
    if missing and notes is not None:
        notes.append(IngestError(origin, missing))
    return _make_doc(meta, body, doc_id=doc_id, origin=origin, name=name, url=url)


def _parse_html(text: str, *, doc_id: str, origin: str, name: str, url: str | None) -> SourceDoc:
    from bs4 import BeautifulSoup

    check_html_shape(text, origin)
    soup = BeautifulSoup(text, "html.parser")
    meta: dict = {}
    if soup.title and soup.title.string:
        meta["title"] = soup.title.string.strip()
    for key, attr in (("published", "article:published_time"), ("url", "og:url"),
                      ("outlet", "og:site_name")):
        tag = soup.find("meta", attrs={"property": attr})
        if tag and tag.get("content"):
            meta[key] = str(tag["content"])[:10] if key == "published" else str(tag["content"])
    for tag in soup(["script", "style", "nav", "header", "footer", "aside", "noscript"]):
        tag.decompose()
    root = soup.find("article") or soup.body or soup
    body = "\n\n".join(block_texts(root)) or root.get_text("\n", strip=True)
    if not body.strip():
        raise IngestError(origin, "no readable text in the HTML")
    return _make_doc(meta, body, doc_id=doc_id, origin=origin, name=name, url=url)


def _parse_pdf(raw: bytes, *, doc_id: str, origin: str, name: str, url: str | None) -> SourceDoc:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(raw))
        pages = [page.extract_text() or "" for page in reader.pages]
        info = reader.metadata or {}
    except (PdfReadError, ValueError, KeyError) as err:
        raise IngestError(origin, f"unreadable PDF ({err})") from None
    body = reflow_pages(pages)
    if not body:
        raise IngestError(origin, "no extractable text in the PDF (scanned images?)")
    meta: dict = {}
    if info.get("/Title"):
        meta["title"] = str(info["/Title"])
    created = info.get("/CreationDate")
    if created and str(created).startswith("D:") and len(str(created)) >= 10:
        c = str(created)
        meta["published"] = f"{c[2:6]}-{c[6:8]}-{c[8:10]}"
    return _make_doc(meta, body, doc_id=doc_id, origin=origin, name=name, url=url)


def _make_doc(
    meta: dict, body: str, *, doc_id: str, origin: str, name: str, url: str | None
) -> SourceDoc:
    kind = str(meta.get("kind") or "background")
    if kind not in ("article", "background"):
        raise IngestError(origin, f"front matter kind must be article or background, not {kind!r}")
    sources = meta.get("sources") or []
    if isinstance(sources, str):
        sources = [sources]
    if not isinstance(sources, list):
        raise IngestError(origin, "front matter sources must be a list of URLs")
    title = str(meta.get("title") or meta.get("headline") or name.replace("-", " ").strip())
    title = title[:MAX_LABEL_CHARS]
    return SourceDoc(
        doc_id=doc_id,
        origin=origin,
        title=title,
        text=body,
        kind=kind,  # type: ignore[arg-type]
        url=strip_userinfo(str(meta["url"])) if meta.get("url") else url,
        outlet=str(meta["outlet"])[:MAX_LABEL_CHARS] if meta.get("outlet") else None,
        published=_date(meta.get("published"), "published", origin),
        as_of=_date(meta.get("as_of"), "as_of", origin),
        language=str(meta.get("language") or "en"),
        sources=tuple(strip_userinfo(str(s)) for s in sources),
    )


def _date(value, name: str, origin: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise IngestError(origin, f"front matter {name} is not an ISO date: {value!r}") from None
