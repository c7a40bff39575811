"""A text document without the front matter corpus/README.md calls required (title, kind,
outlet, published) is indexed, with a `note:` saying what is missing and what readers see
instead (it used to be accepted silently as "unknown outlet, undated")."""

from __future__ import annotations

from bot.discord.admin import ingest_reply
from retrieval.index.corpus import load_targets
from retrieval.index.ingest import IngestReport

BODY = "The Zangilan ferry began regular service in 1978.\n"
FULL = "---\ntitle: Ferry\nkind: background\noutlet: Notes\npublished: 2024-01-02\n---\n\n"


def notes_for(tmp_path, text: str, name: str = "ferry.md") -> dict[str, str]:
    folder = tmp_path / "corpus"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text)
    result = load_targets([str(folder)], folder, 1_000_000)
    assert [d.doc_id for d in result.docs] == [name]  # indexed all the same
    return {n.origin.rsplit("/", 1)[-1]: n.reason for n in result.notes}


def test_a_note_without_front_matter_says_so(tmp_path):
    reason = notes_for(tmp_path, BODY)["ferry.md"]
    assert reason.startswith("no front matter (required: title, kind, outlet, published")
    assert reason.endswith("titled from its file name, indexed as background, cited with no "
                           "outlet, cited undated")


def test_a_note_names_only_the_fields_it_lacks(tmp_path):
    reason = notes_for(tmp_path, "---\ntitle: Ferry\nkind: background\n---\n\n" + BODY,
                       "ferry.txt")["ferry.txt"]
    assert reason.startswith("front matter without outlet, published (required:")
    assert reason.endswith("cited with no outlet, cited undated")


def test_complete_front_matter_gets_no_note(tmp_path):
    assert notes_for(tmp_path, FULL + BODY) == {}


def test_the_discord_maintainer_sees_the_note_without_local_paths():
    from retrieval.errors import IngestError

    report = IngestReport(docs_added=["uploads/ferry.md"],
                          notes=[IngestError("/srv/bot/corpus/uploads/ferry.md", "no front matter")],
                          failed=[IngestError("/srv/bot/corpus/uploads/bad.md", "empty file")])
    reply = ingest_reply(report, {})
    assert "Note: ferry.md: no front matter." in reply
    assert "Could not add bad.md: empty file." in reply
    assert "/srv/bot" not in reply
