"""Model-based test: sequences of ingest / ingest a loose file / edit / delete / rebuild /
rebuild PATH / remove lose and double nothing (issue 22).

The model is what each document held when it was last read: corpus files follow the folder,
a remembered loose file follows its path while it exists and keeps its last text after, a
rebuild of one path touches only that document. After every step Chroma, the record
manager and BM25 hold exactly the model's passages, each once. Fixed seed (derandomize), few
examples: every step is a real ingest with the real embedder.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule, run_state_machine_as_test

from retrieval.errors import BackstoryError
from tests.index_invariants import assert_index_matches, fresh_store
from tests.test_index_properties import DOCS, render

CORPUS_NAMES = ["alpha.md", "notes/beta.md"]
LOOSE_NAMES = ["ferry.md", "mill.md"]


def passage_ids(doc_id: str, text: str, settings) -> set[str]:
    from retrieval.index.chunking import chunk_document, to_documents
    from retrieval.index.corpus import parse_bytes

    doc = parse_bytes(text.encode(), ".md", doc_id=doc_id, origin=doc_id,
                      name=Path(doc_id).stem)
    return {d.id for d in to_documents(doc, chunk_document(doc, settings.chunk_chars,
                                                           settings.chunk_overlap))}


def own_text(name: str, doc) -> str:
    """A file's text, never the same as another file's: the same text under two names is
    one document (tests/test_one_document_per_text.py), which this model does not follow."""
    title, sentences = doc
    return render(title, [*sentences, f"This copy is {name}."])


class SourcesMachine(RuleBasedStateMachine):
    def __init__(self, embedder) -> None:
        super().__init__()
        from retrieval.settings import Settings

        self.embedder = embedder
        self.root = Path(tempfile.mkdtemp(prefix="backstory-sources-"))
        (self.root / "corpus").mkdir()
        (self.root / "loose").mkdir()
        self.settings = Settings(data_dir=self.root / "data", corpus_dir=self.root / "corpus",
                                 _env_file=None)
        self.store = fresh_store(self.settings, embedder)
        self.indexed: dict[str, str] = {}  # doc id -> the text it was last indexed with
        self.remembered: set[str] = set()  # loose file names the register holds

    # --- the world ------------------------------------------------------------------------
    def corpus_files(self) -> dict[str, str]:
        corpus = self.settings.corpus_dir
        return {p.relative_to(corpus).as_posix(): p.read_text()
                for p in sorted(corpus.rglob("*.md"))}

    def loose(self, name: str) -> Path:
        return self.root / "loose" / name

    def check(self) -> None:
        expected = {d: passage_ids(d, text, self.settings) for d, text in self.indexed.items()}
        assert_index_matches(self.store, expected)

    # --- steps ------------------------------------------------------------------------------
    @initialize(docs=st.lists(DOCS, min_size=1, max_size=len(CORPUS_NAMES)))
    def start_indexed(self, docs) -> None:
        for name, doc in zip(CORPUS_NAMES, docs):
            self.write_corpus(name, doc)
        self.ingest()

    @rule(name=st.sampled_from(CORPUS_NAMES), doc=DOCS)
    def write_corpus(self, name: str, doc) -> None:
        path = self.settings.corpus_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(own_text(name, doc))

    @rule(name=st.sampled_from(CORPUS_NAMES))
    def delete_corpus(self, name: str) -> None:
        (self.settings.corpus_dir / name).unlink(missing_ok=True)

    @rule(name=st.sampled_from(LOOSE_NAMES), doc=DOCS)
    def write_loose(self, name: str, doc) -> None:
        self.loose(name).write_text(own_text(name, doc))

    @rule(name=st.sampled_from(LOOSE_NAMES))
    def delete_loose(self, name: str) -> None:
        self.loose(name).unlink(missing_ok=True)

    @rule()
    def ingest(self) -> None:
        from retrieval.index.ingest import ingest

        ingest(self.store, prune=True)
        self._everything_read_again()
        self.check()

    @rule()
    def rebuild(self) -> None:
        from retrieval.index.ingest import ingest

        if not self.corpus_files() and not self.remembered:
            # Nothing readable: refused, and the index left as it is.
            with pytest.raises(BackstoryError, match="nothing readable"):
                ingest(self.store, rebuild=True, prune=True)
        else:
            ingest(self.store, rebuild=True, prune=True)
            self._everything_read_again()
        self.check()

    @rule(name=st.sampled_from(LOOSE_NAMES))
    def ingest_loose(self, name: str) -> None:
        from retrieval.index.ingest import ingest

        ingest(self.store, [str(self.loose(name))])
        if self.loose(name).exists():
            self.indexed[f"file:{name}"] = self.loose(name).read_text()
            self.remembered.add(name)
        self.check()

    @rule(name=st.sampled_from(CORPUS_NAMES))
    def rebuild_path(self, name: str) -> None:
        from retrieval.index.ingest import ingest

        path = self.settings.corpus_dir / name
        try:
            ingest(self.store, [str(path)], rebuild=True)
        except BackstoryError:
            assert not path.exists()  # "nothing readable": the index is left as it was
        else:
            self.indexed[name] = path.read_text()
        self.check()

    @rule(data=st.data())
    def remove(self, data) -> None:
        from retrieval.index.ingest import remove_document

        if not self.indexed:
            return
        doc_id = data.draw(st.sampled_from(sorted(self.indexed)))
        remove_document(self.store, doc_id)
        del self.indexed[doc_id]
        self.remembered.discard(doc_id.removeprefix("file:"))
        self.check()

    @rule()
    def restart(self) -> None:
        self.store = fresh_store(self.settings, self.embedder)

    def _everything_read_again(self) -> None:
        self.indexed = {d: t for d, t in self.indexed.items() if d.startswith("file:")}
        self.indexed.update(self.corpus_files())
        for name in self.remembered:
            if self.loose(name).exists():  # else: kept from its saved copy, as it was
                self.indexed[f"file:{name}"] = self.loose(name).read_text()

    def teardown(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


# Seconds between the ingest taking the writer lock and its kill: before its first write,
# while embedding, while writing (a run over this small corpus takes about 1-3 s).
KILL_AFTER_S = st.sampled_from([0.0, 0.3, 0.8, 1.5, 2.5])


class KilledSourcesMachine(SourcesMachine):
    """The same steps, plus `kill -9` of a real `backstory ingest` process while it writes."""

    # Three rules, not one with three choices: each is drawn as often as any other step.
    @rule(after_s=KILL_AFTER_S)
    def kill_ingest(self, after_s: float) -> None:
        self._kill("ingest", after_s)

    @rule(after_s=KILL_AFTER_S)
    def kill_rebuild(self, after_s: float) -> None:
        self._kill("rebuild", after_s)

    @rule(name=st.sampled_from(LOOSE_NAMES), after_s=KILL_AFTER_S)
    def kill_ingest_loose(self, name: str, after_s: float) -> None:
        self._kill(name, after_s)

    def _kill(self, what: str, after_s: float) -> None:
        """Kill an ingest, rebuild or loose-file ingest `after_s` after it took the writer
        lock, then run the recovery the docs promise (the next ingest) and check."""
        from retrieval.index.ingest import ingest

        loose = self.loose(what) if what in LOOSE_NAMES else None
        args = (["--rebuild", "--prune"] if what == "rebuild" else
                [str(loose)] if loose else ["--prune"])
        self.store = None  # this process lets go of Chroma while another one writes
        killed = kill_while_writing(self.settings, args, after_s)
        self.store = fresh_store(self.settings, self.embedder)
        ingest(self.store, prune=True)  # finishes or undoes what the killed run began
        if loose is not None and loose.exists():
            self._resolve_killed_loose(what, loose.read_text(), killed)
        self._everything_read_again()
        self.check()

    def _resolve_killed_loose(self, name: str, text: str, killed: bool) -> None:
        """Where it was killed decides whether a loose file got in: both are right, as long
        as it is in whole or not at all, and remembered only if it got in."""
        from retrieval.index.register import SourceRegister

        doc_id = f"file:{name}"
        if doc_id in SourceRegister(self.settings.data_dir).load():
            self.remembered.add(name)
            self.indexed[doc_id] = text
        elif not killed:
            raise AssertionError(f"an ingest of {name} that finished did not remember it")
        elif self.store.record_manager.list_keys(group_ids=[doc_id]):
            # Indexed, and killed before the register was written: kept as indexed, and
            # not read from its path again (the model's "not remembered").
            self.indexed[doc_id] = text


def kill_while_writing(settings, args: list[str], after_s: float) -> bool:
    """Start `backstory ingest ARGS`, SIGKILL it `after_s` after it holds the writer lock;
    False when it finished first."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from filelock import FileLock, Timeout

    env = {k: v for k, v in os.environ.items() if not k.startswith("BACKSTORY_")}
    env.update(BACKSTORY_DATA_DIR=str(settings.data_dir), OMP_WAIT_POLICY="PASSIVE",
               BACKSTORY_CORPUS_DIR=str(settings.corpus_dir),
               PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    run = subprocess.Popen([sys.executable, "-m", "bot.cli", "ingest", *args], env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    lock = FileLock(str(settings.lock_path), timeout=0)
    deadline = time.monotonic() + 120
    while run.poll() is None and time.monotonic() < deadline:
        try:
            lock.acquire()
        except Timeout:  # the ingest holds it: it is writing
            time.sleep(after_s)
            break
        lock.release()
        time.sleep(0.05)
    if run.poll() is not None:
        return False
    os.kill(run.pid, signal.SIGKILL)
    run.wait()
    return True


@pytest.fixture(scope="module")
def embedder():
    from retrieval.index.embeddings import make_embedder
    from retrieval.settings import Settings

    return make_embedder(Settings(_env_file=None))


def test_sources_are_never_lost_or_doubled(embedder):
    run_state_machine_as_test(
        lambda: SourcesMachine(embedder),
        settings=settings(max_examples=4, stateful_step_count=8, deadline=None,
                          derandomize=True, suppress_health_check=[HealthCheck.too_slow],
                          phases=[p for p in Phase if p != Phase.shrink]),
    )


def test_kill_9_during_any_ingest_loses_and_doubles_nothing(embedder):
    run_state_machine_as_test(
        lambda: KilledSourcesMachine(embedder),
        settings=settings(max_examples=3, stateful_step_count=6, deadline=None,
                          derandomize=True, suppress_health_check=[HealthCheck.too_slow],
                          phases=[p for p in Phase if p != Phase.shrink]),
    )
