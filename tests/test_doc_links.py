"""Every relative link in the README and docs/ points at a file in this repository.

A clone must be able to follow them: no `../shared/…`, no link to a file that moved.
Links are read with markdown-it, so code spans and code blocks are not taken for links.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from markdown_it import MarkdownIt

REPO = Path(__file__).resolve().parent.parent
PAGES = sorted([REPO / "README.md", REPO / "corpus" / "README.md", REPO / "bench" / "README.md",
                *(REPO / "docs").glob("*.md")])


def link_targets(page: Path) -> list[str]:
    targets = []
    for block in MarkdownIt("commonmark").parse(page.read_text(encoding="utf-8")):
        for token in block.children or []:
            if token.type == "link_open":
                targets.append(str(token.attrs["href"]))
            elif token.type == "image":
                targets.append(str(token.attrs["src"]))
    return targets


def relative_targets(page: Path) -> list[str]:
    return [t for t in link_targets(page)
            if not urlsplit(t).scheme and not t.startswith("#")]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(REPO)))
def test_relative_links_point_at_files_in_the_repository(page):
    broken = []
    for target in relative_targets(page):
        path = (page.parent / unquote(urlsplit(target).path)).resolve()
        if not path.is_relative_to(REPO):
            broken.append(f"{target} (outside the repository)")
        elif not path.exists():
            broken.append(f"{target} (no such file)")
    assert not broken, f"{page.relative_to(REPO)}: {broken}"


def test_the_check_sees_links_images_and_skips_code():
    """The parser finds what the test must check, and nothing inside code."""
    sample = REPO / "docs" / "cli.md"
    assert "eval-format.md" in relative_targets(sample)
    readme = relative_targets(REPO / "README.md")
    assert "docs/answer.svg" in readme and "docs/deploy.md" in readme
    assert not any(t.startswith("http") for t in readme)


def test_the_readme_is_a_front_page():
    assert len((REPO / "README.md").read_text(encoding="utf-8").splitlines()) <= 250
