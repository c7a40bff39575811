"""Front matter in every format python-frontmatter detects (YAML, JSON, TOML), size-capped.

JSON front matter (first line `{`) skipped a YAML-only cap and copied 17 MB of `sources`
onto every passage; a YAML alias bomb of 388 bytes took gigabytes (issue 13).
"""

from __future__ import annotations

import frontmatter
import yaml

from retrieval.errors import IngestError

# Front matter is a few lines of metadata; a bigger block is not a document's header.
MAX_FRONT_MATTER_CHARS = 64_000
# corpus/README.md calls these required; a text document without them is indexed all the
# same (a note dropped into the folder still answers), with a `note:` line saying what the
# reader will see instead.
REQUIRED_FIELDS = {
    "title": "titled from its file name",
    "kind": "indexed as background",
    "outlet": "cited with no outlet",
    "published": "cited undated",
}


def missing_front_matter(meta: dict) -> str | None:
    """The note for a text document's missing required fields, or None when all are there."""
    missing = [f for f in REQUIRED_FIELDS if meta.get(f) in (None, "")]
    if "title" in missing and meta.get("headline"):
        missing.remove("title")
    if not missing:
        return None
    said = "no front matter" if not meta else f"front matter without {', '.join(missing)}"
    return (f"{said} (required: title, kind, outlet, published; see corpus/README.md); "
            f"{', '.join(REQUIRED_FIELDS[f] for f in missing)}")


def split_front_matter(text: str, origin: str) -> tuple[dict, str]:
    """(metadata, body) of a text document; no front matter gives ({}, text)."""
    handler = next((h for h in _BOUNDED_HANDLERS if h.detect(text)), None)
    if handler is None:
        return {}, text
    post = _load_front_matter(text, handler, origin)
    return dict(post.metadata), post.content


def _load_front_matter(text: str, handler, origin: str):
    try:
        return frontmatter.loads(text, handler=handler)
    except (yaml.YAMLError, ValueError) as err:  # JSON and TOML errors are ValueErrors
        first = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise IngestError(origin, f"malformed front matter ({first})") from None



class _NoAliasLoader(yaml.SafeLoader):
    """SafeLoader without aliases: a 388-byte alias bomb took gigabytes (issue 13)."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed in front matter", event.start_mark
            )
        return super().compose_node(parent, index)


def _check_size(fm: str) -> None:
    if len(fm) > MAX_FRONT_MATTER_CHARS:
        raise ValueError(f"front matter over {MAX_FRONT_MATTER_CHARS:,} characters")


class _BoundedYAML(frontmatter.YAMLHandler):
    def load(self, fm: str, **kwargs):
        _check_size(fm)
        return yaml.load(fm, Loader=_NoAliasLoader)  # a SafeLoader without aliases


class _BoundedJSON(frontmatter.JSONHandler):
    def load(self, fm: str, **kwargs):
        _check_size(fm)
        return super().load(fm, **kwargs)


def _bounded_handlers() -> list:
    handlers: list = [_BoundedYAML(), _BoundedJSON()]
    toml_handler = frontmatter.default_handlers.TOMLHandler  # None without a TOML library
    if toml_handler is not None:
        class _BoundedTOML(toml_handler):
            def load(self, fm: str, **kwargs):
                _check_size(fm)
                return super().load(fm, **kwargs)

        handlers.append(_BoundedTOML())
    return handlers


_BOUNDED_HANDLERS = _bounded_handlers()
