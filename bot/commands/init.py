"""`backstory init DIR --article URL|FILE`: a corpus of your own, ready to ask about."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from bot.startup import load_settings
from bot.terminal_text import say
from bot.user_errors import user_errors


def init_command(
    folder: Annotated[Path, typer.Argument(
        metavar="DIR", show_default=False,
        help="A new (or empty) folder for the corpus, the index and the .env.")],
    article: Annotated[list[str], typer.Option(
        "--article", metavar="URL|FILE", show_default=False,
        help="The article: a URL, or a .md, .txt, .html or .pdf file. Repeat for more.")],
    title: Annotated[str | None, typer.Option(
        "--title", help="The headline, when the page or file does not carry it.")] = None,
    outlet: Annotated[str | None, typer.Option(
        "--outlet", help="Who published it, shown in every citation.")] = None,
    published: Annotated[str | None, typer.Option(
        "--published", metavar="YYYY-MM-DD", help="The article's date.")] = None,
) -> None:
    """Start a corpus of your own: DIR/corpus/articles/ with the article, an empty
    DIR/corpus/background/, and DIR/.env with absolute paths. Then `cd DIR` and ask."""
    with user_errors():
        from retrieval.errors import BackstoryError
        from retrieval.index.skeleton import init_corpus

        try:
            date = dt.date.fromisoformat(published) if published else None
        except ValueError:
            raise BackstoryError(f"--published must be a date like 2024-05-31, not "
                                 f"{published!r}") from None
        skeleton = init_corpus(folder, article, load_settings(), title=title, outlet=outlet,
                               published=date)
        for path, doc in skeleton.articles:
            say(f"wrote {path} ({doc.title}; {len(doc.text.split()):,} words)")
        say(f"wrote {skeleton.env_file} (BACKSTORY_DATA_DIR={skeleton.data_dir}, "
            f"BACKSTORY_CORPUS_DIR={skeleton.corpus_dir})")
        for line in skeleton.missing_fields():
            say(f"note: {line}", err=True)
        say(f"\nNext: cd {skeleton.root}\n"
            "      backstory ask \"What is this article about?\"   # builds the index first\n"
            "Add background notes to corpus/background/ and run `backstory ingest`.")
