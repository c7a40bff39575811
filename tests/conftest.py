"""Shared fixtures: a small real corpus, real Chroma in a temp dir, the real packaged embedder."""

from __future__ import annotations

import ipaddress
import os
import shutil
import socket
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpus"
ARTICLE = CORPUS / "articles" / "2023-06-15-sputnik-moscow-questions-washingtons-sanity.md"
# A few background notes are enough for most tests and keep ingest to a few seconds. Tests
# that check exact answers read frozen copies in tests/data/background, so that improving a
# note in corpus/ does not break them; other notes are copied from corpus/.
SMALL_BACKGROUND = ["russian-peacekeeping-mission.md", "stanislav-tarasov.md", "csto.md"]
FROZEN_BACKGROUND = REPO / "tests" / "data" / "background"

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
# Tests must not pick up a developer's .env or keys.
for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "DISCORD_TOKEN"):
    os.environ.pop(var, None)
for var in [v for v in os.environ if v.startswith("BACKSTORY_")]:
    os.environ.pop(var)


class NetworkGuard:
    """Records, and refuses, every connection to an address outside the loopback range."""

    def __init__(self) -> None:
        self.attempts: list[str] = []

    def check(self, address) -> None:
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and host not in ("localhost",) and not host.startswith("/"):
            try:
                ip = ipaddress.ip_address(host)
            except ValueError:
                self.attempts.append(str(host))
                raise ConnectionRefusedError(f"test tried to reach {host}") from None
            if not ip.is_loopback:
                self.attempts.append(str(host))
                raise ConnectionRefusedError(f"test tried to reach {host}")


@pytest.fixture(autouse=True)
def network_guard(monkeypatch):
    """Every test runs with non-loopback connections refused and recorded."""
    guard = NetworkGuard()
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def connect(sock, address):
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            guard.check(address)
        return real_connect(sock, address)

    def connect_ex(sock, address):
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            guard.check(address)
        return real_connect_ex(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    return guard


def make_corpus(root: Path, background: list[str] | None = None) -> Path:
    corpus = root / "corpus"
    (corpus / "articles").mkdir(parents=True)
    (corpus / "background").mkdir(parents=True)
    shutil.copy(ARTICLE, corpus / "articles" / ARTICLE.name)
    for name in background if background is not None else SMALL_BACKGROUND:
        frozen = FROZEN_BACKGROUND / name
        source = frozen if frozen.exists() else CORPUS / "background" / name
        shutil.copy(source, corpus / "background" / name)
    return corpus


@pytest.fixture
def corpus(tmp_path) -> Path:
    return make_corpus(tmp_path)


@pytest.fixture
def settings(tmp_path, corpus):
    from retrieval.settings import Settings

    return Settings(data_dir=tmp_path / "data", corpus_dir=corpus, _env_file=None)


@pytest.fixture
def store(settings):
    from retrieval.index.embeddings import make_embedder
    from retrieval.index.store import Store

    return Store(settings, make_embedder(settings))


@pytest.fixture(scope="session")
def built_index(tmp_path_factory):
    """One small index built once; tests that only read copy it (Chroma dirs copy cleanly)."""
    from retrieval.index.embeddings import make_embedder
    from retrieval.index.ingest import ingest
    from retrieval.index.store import Store
    from retrieval.settings import Settings

    root = tmp_path_factory.mktemp("built")
    corpus = make_corpus(root)
    settings = Settings(data_dir=root / "data", corpus_dir=corpus, _env_file=None)
    ingest(Store(settings, make_embedder(settings)))
    return root


@pytest.fixture(scope="session")
def full_answerer(tmp_path_factory):
    """An answerer over the whole real corpus, ingested once per session; read-only use."""
    from retrieval.answering.answerer import Answerer
    from retrieval.settings import Settings

    root = tmp_path_factory.mktemp("full")
    shutil.copytree(CORPUS, root / "corpus")
    answerer = Answerer(Settings(data_dir=root / "data", corpus_dir=root / "corpus",
                                 _env_file=None))
    answerer.ensure_index()
    return answerer


@pytest.fixture
def ready_settings(tmp_path, built_index):
    """Settings over a private copy of the prebuilt small index."""
    from retrieval.settings import Settings

    shutil.copytree(built_index / "data", tmp_path / "data")
    shutil.copytree(built_index / "corpus", tmp_path / "corpus")
    return Settings(data_dir=tmp_path / "data", corpus_dir=tmp_path / "corpus", _env_file=None)


@pytest.fixture
def answerer(ready_settings):
    from retrieval.answering.answerer import Answerer

    return Answerer(ready_settings)


@pytest.fixture
def fake_openai():
    from tests.fake_openai import FakeOpenAI

    server = FakeOpenAI().start()
    yield server
    server.stop()


@contextmanager
def loopback_site(pages: dict[str, bytes], delays: dict[str, float] | None = None):
    """A quiet web server on 127.0.0.1 serving HTML `pages` (path -> body), 404 elsewhere;
    a path in `delays` stalls that many seconds first. Yields the base URL."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            time.sleep((delays or {}).get(self.path, 0))
            body = pages.get(self.path)
            self.send_response(200 if body is not None else 404)
            if body is not None:
                self.send_header("content-type", "text/html")
            self.send_header("content-length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

    class Server(ThreadingHTTPServer):
        daemon_threads = True

        def handle_error(self, request, client_address):
            pass  # clients that time out and hang up are part of the tests

    server = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def vectors():
    """The reader's sentence vectors over the packaged MiniLM (one per test module)."""
    from retrieval.answering.extractive import SentenceVectors
    from retrieval.index.embeddings import MiniLMEmbeddings

    return SentenceVectors(MiniLMEmbeddings())


@pytest.fixture
def switch(monkeypatch):
    """Set a module switch (a reader lever) for one test."""
    return lambda module, name, value: monkeypatch.setattr(module, name, value)
