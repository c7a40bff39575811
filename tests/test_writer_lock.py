"""One writer per embedded index: a second writer waits, then fails cleanly; readers carry on.

And for several processes, Chroma's server mode: a real `chroma run` on 127.0.0.1.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import CORPUS, make_corpus

LOCK_TIMEOUT_S = 1.5
RUN_TIMEOUT_S = 120
SERVER_START_TIMEOUT_S = 60
QUESTION = "Who is Stanislav Tarasov?"
# Holds the writer lock until its stdin closes: the test decides when it lets go.
HOLDER = ("import sys; from filelock import FileLock; lock = FileLock(sys.argv[1]); "
          "lock.acquire(); print('held', flush=True); sys.stdin.read()")
LOCK_BUSY = ("import sys; from filelock import FileLock, Timeout\n"
             "try:\n    FileLock(sys.argv[1], timeout=0).acquire()\n"
             "except Timeout:\n    sys.exit(3)\n")


def cli_env(settings, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BACKSTORY_")}
    env.update(BACKSTORY_DATA_DIR=str(settings.data_dir),
               BACKSTORY_CORPUS_DIR=str(settings.corpus_dir), OMP_WAIT_POLICY="PASSIVE", **extra)
    return env


def backstory(settings, *args: str, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], cwd=settings.data_dir.parent,
                          env=cli_env(settings, **extra), capture_output=True, text=True,
                          timeout=RUN_TIMEOUT_S, check=False)


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under folder (but the lock file) with a hash of its bytes."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*")) if p.is_file() and p.name != "writer.lock"
    }


def lock_busy(path: Path) -> bool:
    """Whether another process holds the lock at path right now."""
    probe = subprocess.run([sys.executable, "-c", LOCK_BUSY, str(path)], timeout=30, check=False)
    assert probe.returncode in (0, 3), probe
    return probe.returncode == 3


@pytest.fixture
def held_lock(ready_settings):
    """Another process holding the writer lock of ready_settings' data dir."""
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(ready_settings.lock_path)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        yield holder
    finally:
        holder.stdin.close()
        holder.wait(timeout=10)


@pytest.mark.parametrize("command", [
    ["ingest"],
    ["ingest", "--rebuild"],
    ["sources", "remove", "background/csto.md"],
])
def test_second_writer_waits_then_fails_and_writes_nothing(ready_settings, held_lock, command):
    # A new file, so that an ingest let through would have something to write.
    shutil.copy(CORPUS / "background" / "turkey-role.md", ready_settings.corpus_dir / "background")
    before = snapshot(ready_settings.data_dir)

    started = time.monotonic()
    result = backstory(ready_settings, *command, BACKSTORY_LOCK_TIMEOUT_S=str(LOCK_TIMEOUT_S))
    elapsed = time.monotonic() - started

    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stderr.startswith("error: another backstory process is writing"), result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert elapsed >= LOCK_TIMEOUT_S  # it waited for the other writer before giving up
    assert snapshot(ready_settings.data_dir) == before


def test_readers_answer_while_a_writer_holds_the_lock(ready_settings, held_lock):
    result = backstory(ready_settings, "ask", "--json", QUESTION, BACKSTORY_LOCK_TIMEOUT_S="0")
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert not answer["abstained"] and answer["citations"]
    assert "Tarasov" in answer["answer"]


def test_ingest_holds_the_lock_from_start_to_finish(ready_settings, monkeypatch):
    """Checked from another process at each progress step of a real ingest."""
    from retrieval.index.embeddings import make_embedder
    from retrieval.index.ingest import ingest
    from retrieval.index.store import Store

    for name in ("turkey-role.md", "osce-minsk-group.md"):
        shutil.copy(CORPUS / "background" / name, ready_settings.corpus_dir / "background")
    busy: list[int] = []

    def progress(done: int, total: int) -> None:
        busy.append(lock_busy(ready_settings.lock_path))

    report = ingest(Store(ready_settings, make_embedder(ready_settings)), progress=progress)
    assert len(report.docs_added) == 2
    assert len(busy) == 1 + 6 and all(busy), busy  # at the start and after each document
    assert not lock_busy(ready_settings.lock_path)  # and lets go when done


# --- several processes: Chroma's server mode --------------------------------------------
def chroma_executable() -> str | None:
    beside = Path(sys.executable).parent / "chroma"
    return str(beside) if beside.exists() else shutil.which("chroma")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def chroma_server(tmp_path):
    """A real `chroma run` on 127.0.0.1, stopped after the test."""
    exe = chroma_executable()
    if exe is None:
        pytest.skip("the chroma CLI (shipped with chromadb) is not installed")
    port = free_port()
    log = (tmp_path / "chroma.log").open("w")
    server = subprocess.Popen(
        [exe, "run", "--path", str(tmp_path / "server"), "--host", "127.0.0.1",
         "--port", str(port)], stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while True:
            if server.poll() is not None:
                pytest.skip(f"chroma run exited with {server.returncode}: "
                            f"{(tmp_path / 'chroma.log').read_text()[-500:]}")
            try:
                if httpx.get(f"{url}/api/v2/heartbeat", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.skip(f"chroma run did not answer within {SERVER_START_TIMEOUT_S} s")
            time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def test_ingest_and_ask_through_a_chroma_server(tmp_path, chroma_server):
    from retrieval.settings import Settings

    settings = Settings(data_dir=tmp_path / "data", corpus_dir=make_corpus(tmp_path),
                        _env_file=None)
    settings.data_dir.mkdir()
    ingested = backstory(settings, "ingest", "--json", BACKSTORY_CHROMA_URL=chroma_server)
    assert ingested.returncode == 0, ingested.stderr
    assert len(json.loads(ingested.stdout)["documents"]["added"]) == 4

    asked = backstory(settings, "ask", "--json", QUESTION, BACKSTORY_CHROMA_URL=chroma_server)
    assert asked.returncode == 0, asked.stderr
    answer = json.loads(asked.stdout)
    assert not answer["abstained"] and answer["citations"]
    assert "Tarasov" in answer["answer"]
    # The vectors live in the server, not in an embedded Chroma beside the records.
    assert not settings.chroma_dir.exists()
    assert (tmp_path / "server" / "chroma.sqlite3").exists()
