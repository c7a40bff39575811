"""Read documents (Markdown/text with front matter, HTML, PDF, URLs) into SourceDocs."""

from __future__ import annotations

import datetime as dt
import io
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import frontmatter
import yaml

from retrieval.errors import IngestError
from retrieval.models import SourceDoc

logger = logging.getLogger(__name__)

TEXT_SUFFIXES = {".md", ".markdown", ".txt"}
HTML_SUFFIXES = {".html", ".htm"}
PDF_SUFFIXES = {".pdf"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | PDF_SUFFIXES
# Files a corpus folder legitimately holds that are not documents.
SKIPPED_NAMES = {"README.md", "readme.md"}


@dataclass
class LoadResult:
    docs: list[SourceDoc] = field(default_factory=list)
    failed: list[IngestError] = field(default_factory=list)
    # Folders that were read whole: documents indexed from inside them but not seen now
    # were removed from disk and get deleted from the index.
    scanned_dirs: list[Path] = field(default_factory=list)


def is_url(target: str) -> bool:
    return target.startswith(("http://", "https://"))


def load_targets(
    targets: Iterable[str],
    corpus_dir: Path,
    max_bytes: int,
    fetch_timeout_s: float = 20.0,
) -> LoadResult:
    """Read every file, folder and URL named; one bad input never stops the others."""
    result = LoadResult()
    for target in targets:
        if is_url(target):
            _collect(result, lambda t=target: load_url(t, max_bytes, fetch_timeout_s), target)
            continue
        path = Path(target)
        if not path.exists():
            result.failed.append(IngestError(target, "no such file or folder"))
            continue
        if path.is_dir():
            result.scanned_dirs.append(path.resolve())
            for file in iter_corpus_files(path):
                _collect(result, lambda f=file: load_file(f, corpus_dir, max_bytes), str(file))
        else:
            _collect(result, lambda p=path: load_file(p, corpus_dir, max_bytes), target)
    return result


def _collect(result: LoadResult, load, origin: str) -> None:
    try:
        result.docs.append(load())
    except IngestError as err:
        result.failed.append(err)
    except Exception as err:  # a loader library's own failure still names the file
        logger.debug("loading %s failed", origin, exc_info=True)
        result.failed.append(IngestError(origin, f"unreadable ({type(err).__name__}: {err})"))


def iter_corpus_files(folder: Path) -> Iterator[Path]:
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.suffix.lower() in SUPPORTED_SUFFIXES:
            # Hidden files and folders inside the corpus are skipped; the folder's own path
            # may contain ".." or a hidden parent and still be read.
            inside = path.relative_to(folder).parts
            if path.name in SKIPPED_NAMES or any(p.startswith(".") for p in inside):
                continue
            yield path


def doc_id_for(path: Path, corpus_dir: Path) -> str:
    """Files under the corpus folder are named relative to it; others by absolute path."""
    resolved = path.resolve()
    try:
        return resolved.relative_to(corpus_dir.resolve()).as_posix()
    except ValueError:
        return resolved.as_posix()


def load_file(path: Path, corpus_dir: Path, max_bytes: int) -> SourceDoc:
    origin = str(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise IngestError(origin, f"unsupported type {suffix or '(none)'}; use .md, .txt, "
                          ".html or .pdf")
    size = path.stat().st_size
    if size > max_bytes:
        raise IngestError(origin, f"too large ({size:,} bytes; the cap is {max_bytes:,})")
    raw = path.read_bytes()
    doc_id = doc_id_for(path, corpus_dir)
    return parse_bytes(raw, suffix, doc_id=doc_id, origin=str(path.resolve()), name=path.stem)


def load_url(url: str, max_bytes: int, timeout_s: float) -> SourceDoc:
    """Download a page or PDF, refusing oversized bodies before reading them whole."""
    import httpx  # only needed on this path

    try:
        with httpx.stream("GET", url, timeout=timeout_s, follow_redirects=True) as response:
            if response.status_code >= 400:
                raise IngestError(url, f"HTTP {response.status_code}")
            declared = int(response.headers.get("content-length") or 0)
            if declared > max_bytes:
                raise IngestError(url, f"too large ({declared:,} bytes; cap {max_bytes:,})")
            body = bytearray()
            for part in response.iter_bytes():
                body.extend(part)
                if len(body) > max_bytes:
                    raise IngestError(url, f"too large (over the {max_bytes:,}-byte cap)")
            ctype = response.headers.get("content-type", "")
    except httpx.TimeoutException:
        raise IngestError(url, f"timed out after {timeout_s:g} s") from None
    except httpx.HTTPError as err:
        raise IngestError(url, f"download failed ({type(err).__name__})") from None
    suffix = suffix_for_content_type(ctype, url)
    name = url.rstrip("/").rsplit("/", 1)[-1] or url
    return parse_bytes(bytes(body), suffix, doc_id=url, origin=url, name=name, url=url)


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
    raw: bytes, suffix: str, *, doc_id: str, origin: str, name: str, url: str | None = None
) -> SourceDoc:
    if not raw.strip():
        raise IngestError(origin, "empty file")
    if suffix in PDF_SUFFIXES:
        return _parse_pdf(raw, doc_id=doc_id, origin=origin, name=name, url=url)
    if b"\x00" in raw:
        raise IngestError(origin, "binary content (NUL bytes) in a text file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise IngestError(origin, f"not UTF-8 text (byte {err.start})") from None
    if suffix in HTML_SUFFIXES:
        return _parse_html(text, doc_id=doc_id, origin=origin, name=name, url=url)
    return _parse_text(text, doc_id=doc_id, origin=origin, name=name, url=url)


def _parse_text(text: str, *, doc_id: str, origin: str, name: str, url: str | None) -> SourceDoc:
    try:
        post = frontmatter.loads(text)
    except yaml.YAMLError as err:
        first = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise IngestError(origin, f"malformed front matter ({first})") from None
    meta = dict(post.metadata)
    body = post.content.strip()
    if not body:
        raise IngestError(origin, "no text after the front matter")
    return _make_doc(meta, body, doc_id=doc_id, origin=origin, name=name, url=url)


def _parse_html(text: str, *, doc_id: str, origin: str, name: str, url: str | None) -> SourceDoc:
    from bs4 import BeautifulSoup

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
    paragraphs = [p.get_text(" ", strip=True) for p in root.find_all(["h1", "h2", "h3", "p", "li"])]
    body = "\n\n".join(p for p in paragraphs if p) or root.get_text("\n", strip=True)
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
    body = "\n\n".join(p.strip() for p in pages if p.strip())
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
    return SourceDoc(
        doc_id=doc_id,
        origin=origin,
        title=title,
        text=body,
        kind=kind,  # type: ignore[arg-type]
        url=str(meta["url"]) if meta.get("url") else url,
        outlet=str(meta["outlet"]) if meta.get("outlet") else None,
        published=_date(meta.get("published"), "published", origin),
        as_of=_date(meta.get("as_of"), "as_of", origin),
        language=str(meta.get("language") or "en"),
        sources=tuple(str(s) for s in sources),
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
