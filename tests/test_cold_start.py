"""A fresh process's first answer: what it loads, on which thread, and that nothing loads twice.

Speed itself is measured by bench/startup.py and bench/scale.py, not here; these tests pin
the protections those measurements rely on (docs/performance.md, "Session 8: cold start").
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(importlib.util.find_spec("torch") is None,
                    reason="torch is not installed: thinc could not import it anyway")
def test_loading_spacy_does_not_import_torch():
    """thinc imports torch (2-3.5 s) whenever it is installed; the pipeline never uses it."""
    code = (
        "import sys\n"
        "from retrieval.linguistics import parse\n"
        "doc = parse('Moscow deployed a 2,000 troop-strong peacekeeping contingent.')\n"
        "print('torch' in sys.modules, [t.dep_ for t in doc][:2])\n"
        "import torch\n"  # hidden only while spaCy was imported: still importable after
        "print(torch.__name__)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                         text=True, timeout=120, check=True)
    assert out.stdout.splitlines() == ["False ['nsubj', 'ROOT']", "torch"]


def test_spacy_is_not_hidden_from_a_process_that_loaded_torch_first():
    from retrieval.linguistics import pipeline as pipeline_module

    module = sys.modules[pipeline_module.__module__]
    sentinel = object()
    saved = sys.modules.get("torch", sentinel)
    sys.modules["torch"] = "loaded"  # type: ignore[assignment]
    try:
        with module._torch_hidden():
            assert sys.modules["torch"] == "loaded"
    finally:
        if saved is sentinel:
            del sys.modules["torch"]
        else:
            sys.modules["torch"] = saved


def _counting_sessions(monkeypatch) -> list[str]:
    """Count onnxruntime sessions built; each build is slowed so a racing use overlaps it."""
    from retrieval.index import embeddings

    built: list[str] = []
    real = embeddings.onnx_session

    def slow_session(path: str, threads: int):
        built.append(Path(path).name)
        time.sleep(0.3)
        return real(path, threads)

    monkeypatch.setattr(embeddings, "onnx_session", slow_session)
    return built


def test_a_preloaded_model_is_loaded_once_when_a_question_meets_the_load(monkeypatch):
    from retrieval.answering.scorer import SentenceScorer
    from retrieval.index.embeddings import MiniLMEmbeddings
    from retrieval.preload import load_models_in_background

    built = _counting_sessions(monkeypatch)
    embedder, scorer = MiniLMEmbeddings(threads=1), SentenceScorer(threads=1)
    thread = load_models_in_background(embedder, scorer)
    time.sleep(0.05)  # the preload is inside the embedder's session build
    vector = embedder.embed_query("How many Russian peacekeepers were deployed?")
    scores = scorer.score("How many peacekeepers?", ["Russia deployed 2,000 peacekeepers."])
    thread.join(timeout=60)
    assert len(vector) == 384 and scores.shape == (1,)
    assert sorted(built) == ["model.onnx", "reader-int8.onnx"]  # one session each


def test_preloading_skips_models_that_load_nothing_locally():
    from retrieval.preload import load_models_in_background

    class Remote:  # like OpenAI's embedder: no local load()
        def embed_query(self, text):
            raise AssertionError("preloading must not call a remote model")

    assert load_models_in_background(Remote()) is None


def test_the_vector_index_is_loaded_by_one_query_before_the_question(ready_settings,
                                                                      monkeypatch):
    from retrieval.index.embeddings import make_embedder
    from retrieval.index.store import Store
    from retrieval.preload import load_vectors_in_background

    store = Store(ready_settings, make_embedder(ready_settings))
    assert store.count() > 0
    searches: list[tuple[int, int]] = []
    real = store.dense_search
    monkeypatch.setattr(store, "dense_search",
                        lambda vector, k: searches.append((len(vector), k)) or real(vector, k))
    thread = load_vectors_in_background(store)
    assert thread is not None
    thread.join(timeout=60)
    assert searches == [(384, 1)]


def test_a_chroma_server_loads_its_own_index(ready_settings):
    from retrieval.index.embeddings import make_embedder
    from retrieval.index.store import Store
    from retrieval.preload import load_vectors_in_background

    server = ready_settings.model_copy(update={"chroma_url": "http://127.0.0.1:9"})
    assert load_vectors_in_background(Store(server, make_embedder(server))) is None


def test_the_articles_first_passages_are_read_once_per_index_state(ready_settings,
                                                                   monkeypatch):
    """A first question reads them twice (decline titles, the article's passages); at
    1,000,000 passages each read scanned every passage's metadata for ~1-2 s."""
    from retrieval.index.embeddings import make_embedder
    from retrieval.index.store import Store

    store = Store(ready_settings, make_embedder(ready_settings))
    reads: list[dict] = []
    collection = store.collection
    real_get = collection.get

    def counting_get(*args, **kwargs):
        if kwargs.get("where"):
            reads.append(kwargs["where"])
        return real_get(*args, **kwargs)

    monkeypatch.setattr(collection, "get", counting_get)
    first = store.article_openings()
    assert first and all(m.get("kind") == "article" for m in first)
    first[0]["title"] = "changed by a caller"  # a caller's edit must not reach the cache
    again = store.article_openings()
    assert len(reads) == 1
    assert again[0].get("title") != "changed by a caller"
    store.forget_count()  # what every write of ours calls
    store.article_openings()
    assert len(reads) == 2


def test_making_the_answerer_starts_every_load_before_the_question(ready_settings, monkeypatch):
    """`ask` (and Discord) make the answerer, then read and parse the question: by then the
    ONNX sessions, spaCy and Chroma's vector index are all loading."""
    import retrieval.answering.answerer as answerer_module
    from bot.startup import make_answerer
    from retrieval import preload

    started: list[str] = []

    def recording(name, real):
        def start(*args):
            started.append(name)
            return real(*args)
        return start

    monkeypatch.setattr(answerer_module, "load_models_in_background",
                        recording("models", preload.load_models_in_background))
    monkeypatch.setattr(answerer_module, "warm_up_in_background",
                        recording("spacy", answerer_module.warm_up_in_background))
    monkeypatch.setattr(preload, "load_vectors_in_background",
                        recording("vectors", preload.load_vectors_in_background))
    answerer = make_answerer(ready_settings, announce_build=False)
    assert sorted(started) == ["models", "spacy", "vectors"]
    assert answerer.answer("How many Russian peacekeepers were deployed?").citations


def test_chat_loads_the_vector_index_while_the_user_types(ready_settings, monkeypatch):
    """chat's warm-up (started once its prompt is drawn) ends with the vector index loaded,
    so its first question does not wait for it."""
    from bot.chat.session import Warmup, interactive_factory
    from retrieval.index.store import Store

    searches: list[tuple[int, int]] = []
    real = Store.dense_search

    def recording(self, vector, k):
        searches.append((len(vector), k))
        return real(self, vector, k)

    monkeypatch.setattr(Store, "dense_search", recording)
    build = interactive_factory(ready_settings)
    build(Warmup(build))
    assert searches == [(384, 1)]


def test_a_refused_question_exits_with_its_own_status_while_the_models_load(ready_settings):
    """`ask " "` is refused before the loads finish; leaving with loader threads inside
    native code crashed the interpreter's teardown (status 139) until the exit waited."""
    import os

    env = {**os.environ, "BACKSTORY_DATA_DIR": str(ready_settings.data_dir),
           "BACKSTORY_CORPUS_DIR": str(ready_settings.corpus_dir)}
    for _ in range(2):
        out = subprocess.run([sys.executable, "-m", "bot.cli", "ask", " "], cwd=REPO, env=env,
                             capture_output=True, text=True, timeout=120, check=False)
        assert out.returncode == 1, out.stderr[-500:]
        assert "the question is empty" in out.stderr
