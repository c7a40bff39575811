"""A new corpus folder for your own article: `backstory init DIR --article URL|FILE`.

The article is read as ingest reads it (Markdown, text, HTML, PDF or a URL), then written
once as Markdown with `kind: article` front matter, so that what is indexed is a file the
maintainer can read, date and correct. The background folder starts empty.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import frontmatter

from retrieval.errors import BackstoryError
from retrieval.index.corpus import is_url, load_file, load_url
from retrieval.models import SourceDoc
from retrieval.settings import Settings

BACKGROUND_README = """\
# Background documents

One Markdown file a topic that the article(s) in ../articles mention but do not explain:
who a person is, what an organisation or an earlier event was. Each starts with front
matter (title, kind: background, outlet, published, as_of, sources); the format and how
to write a note that answers well are in the project's docs/corpus.md.

Then run `backstory ingest` in the folder that holds the .env written by `backstory init`.
"""
SLUG_WORDS = 8


@dataclass
class Skeleton:
    root: Path
    env_file: Path
    corpus_dir: Path
    data_dir: Path
    articles: list[tuple[Path, SourceDoc]] = field(default_factory=list)

    def missing_fields(self) -> list[str]:
        """Front matter a reader will see in every citation but that the source lacked."""
        lines = []
        for path, doc in self.articles:
            gaps = [name for name in ("outlet", "published") if getattr(doc, name) is None]
            if gaps:
                lines.append(f"{path.name}: no {' or '.join(gaps)}; add it to the front matter")
        return lines


def init_corpus(root: Path, sources: list[str], settings: Settings, *, title: str | None = None,
                outlet: str | None = None, published: dt.date | None = None) -> Skeleton:
    """Write ROOT/corpus/{articles,background}/ and ROOT/.env with absolute paths."""
    if not sources:
        raise BackstoryError("name the article: `backstory init DIR --article URL|FILE`")
    if title and len(sources) > 1:
        raise BackstoryError("--title names one article; give one --article with it")
    root = root.expanduser().absolute()
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise BackstoryError(f"{root} already exists and is not an empty folder; pick a new "
                             "one (nothing was written)")
    # Read everything before writing anything: a bad URL leaves no half-made folder.
    docs = [_read(source, settings) for source in sources]
    skeleton = Skeleton(root=root, env_file=root / ".env", corpus_dir=root / "corpus",
                        data_dir=root / "data")
    articles = skeleton.corpus_dir / "articles"
    background = skeleton.corpus_dir / "background"
    articles.mkdir(parents=True)
    background.mkdir()
    (background / "README.md").write_text(BACKGROUND_README, encoding="utf-8")
    for doc in docs:
        doc = doc.model_copy(update={k: v for k, v in {
            "title": title, "outlet": outlet, "published": published}.items() if v})
        path = _free_name(articles, _file_name(doc))
        path.write_text(article_markdown(doc), encoding="utf-8")
        skeleton.articles.append((path, doc))
    skeleton.env_file.write_text(
        "# Written by `backstory init`. backstory reads the .env of the folder it starts in;\n"
        "# the paths are absolute, so this file also works as a service's EnvironmentFile\n"
        "# (deploy/). Every other setting is listed in the project's .env.example.\n"
        f"BACKSTORY_DATA_DIR={skeleton.data_dir}\n"
        f"BACKSTORY_CORPUS_DIR={skeleton.corpus_dir}\n", encoding="utf-8")
    return skeleton


def article_markdown(doc: SourceDoc) -> str:
    """The article as a Markdown file with the front matter ingest reads."""
    meta = {"title": doc.title, "kind": "article"}
    if doc.outlet:
        meta["outlet"] = doc.outlet
    if doc.published:
        meta["published"] = doc.published
    if doc.url:
        meta["url"] = doc.url
    meta["language"] = doc.language
    return frontmatter.dumps(frontmatter.Post(doc.text, **meta), sort_keys=False) + "\n"


def _read(source: str, settings: Settings) -> SourceDoc:
    """The document as ingest would read it; an IngestError (a BackstoryError) names it."""
    if is_url(source):
        return load_url(source, settings.max_file_bytes, settings.fetch_timeout_s)
    path = Path(source)
    if not path.is_file():
        raise BackstoryError(f"no such file: {source}")
    return load_file(path, path.parent, settings.max_file_bytes)


def _file_name(doc: SourceDoc) -> str:
    words = re.findall(r"[a-z0-9]+", doc.title.lower())[:SLUG_WORDS] or ["article"]
    date = f"{doc.published.isoformat()}-" if doc.published else ""
    return f"{date}{'-'.join(words)}.md"


def _free_name(folder: Path, name: str) -> Path:
    path, n = folder / name, 2
    while path.exists():
        path, n = folder / f"{Path(name).stem}-{n}.md", n + 1
    return path
