"""Property: whatever is done to the corpus files, after an ingest the index equals the files.

Hypothesis drives sequences of add / change / delete / re-ingest / restart over tiny
Markdown documents; after every ingest the documents, passage ids, record-manager keys and
BM25 ids must be exactly what chunking the current files gives, and the report must name
what changed.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    rule,
    run_state_machine_as_test,
)

from tests.index_invariants import assert_index_matches, expected_ids, fresh_store

# Few names, so that changes and deletes often hit a file that exists.
NAMES = ["alpha.md", "beta.md", "notes/gamma.md"]
TITLES = ["Harbour works", "The old bridge", "River ferries"]
SENTENCES = [
    "The harbour was dredged in 1998.",
    "A new crane arrived in the spring.",
    "The bridge has three stone arches.",
    "Ferries stopped running after the bridge opened.",
    "The council voted to repair the quay.",
    "Fishermen still land their catch at dawn.",
]
DOCS = st.tuples(st.sampled_from(TITLES), st.lists(st.sampled_from(SENTENCES), min_size=1,
                                                    max_size=3))
MAX_EXAMPLES = 20
STEPS = 10


def render(title: str, sentences: list[str]) -> str:
    # json.dumps quotes the title as valid YAML.
    return f"---\ntitle: {json.dumps(title)}\nkind: background\n---\n\n{' '.join(sentences)}\n"


class IndexMachine(RuleBasedStateMachine):
    """The corpus folder is the model: the index must follow it after each ingest."""

    def __init__(self, embedder) -> None:
        super().__init__()
        from retrieval.settings import Settings

        self.embedder = embedder
        self.root = Path(tempfile.mkdtemp(prefix="backstory-props-"))
        corpus = self.root / "corpus"
        corpus.mkdir()
        self.settings = Settings(data_dir=self.root / "data", corpus_dir=corpus,
                                 _env_file=None)
        self.store = fresh_store(self.settings, embedder)
        self.indexed: dict[str, str] = {}  # doc id -> file text at the last ingest

    def files(self) -> dict[str, str]:
        corpus = self.settings.corpus_dir
        return {p.relative_to(corpus).as_posix(): p.read_text()
                for p in sorted(corpus.rglob("*.md"))}

    @initialize(docs=st.lists(DOCS, min_size=1, max_size=len(NAMES)))
    def start_indexed(self, docs: list[tuple[str, list[str]]]) -> None:
        """Begin from an indexed corpus, so every step can change something that is indexed."""
        for name, doc in zip(NAMES, docs):
            self.write(name, doc)
        self.ingest()

    @rule(name=st.sampled_from(NAMES), doc=DOCS)
    def write(self, name: str, doc: tuple[str, list[str]]) -> None:
        """Add a file, or change one (title, text, or neither)."""
        path = self.settings.corpus_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        # Each file's text names the file: the same text in two files is one document
        # (tests/test_one_document_per_text.py), which this model does not follow.
        title, sentences = doc
        path.write_text(render(title, [*sentences, f"This copy is {name}."]))

    @rule(name=st.sampled_from(NAMES))
    def delete(self, name: str) -> None:
        (self.settings.corpus_dir / name).unlink(missing_ok=True)

    @rule()
    def restart(self) -> None:
        """A new process over the same data dir."""
        self.store = fresh_store(self.settings, self.embedder)

    @rule()
    def ingest(self) -> None:
        from retrieval.index.ingest import ingest

        # --prune: the model is 'the index equals the files', even when most files or all
        # of them were deleted (without it such deletions wait for a yes: test_ingest).
        report = ingest(self.store, prune=True)
        now = self.files()
        assert not report.failed
        assert {r["id"] for r in self.store.documents()} == set(now)
        assert_index_matches(self.store, expected_ids(self.settings))

        assert set(report.docs_added) == set(now) - set(self.indexed)
        assert set(report.docs_deleted) == set(self.indexed) - set(now)
        changed = {d for d in now if d in self.indexed and now[d] != self.indexed[d]}
        assert set(report.docs_updated) == changed
        if now == self.indexed:
            assert (report.embedded, report.deleted) == (0, 0)
        self.indexed = now

    def teardown(self) -> None:
        try:
            self.ingest()  # every sequence ends checked, whatever its last step was
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="module")
def embedder():
    from retrieval.index.embeddings import make_embedder
    from retrieval.settings import Settings

    return make_embedder(Settings(_env_file=None))


def test_index_always_equals_the_files(embedder):
    run_state_machine_as_test(
        lambda: IndexMachine(embedder),
        settings=settings(max_examples=MAX_EXAMPLES, stateful_step_count=STEPS, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow],
                          # Each step is a real ingest: shrinking would run for minutes, and
                          # ten steps are short enough to read unshrunk.
                          phases=[p for p in Phase if p != Phase.shrink]),
    )
