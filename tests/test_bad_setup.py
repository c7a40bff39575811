"""A broken setup gives one line on stderr and exit 1, never a traceback or a hang.

A silent Chroma server, a damaged chroma.sqlite3 (and `ingest --rebuild` recovering it), a
full disk, a read-only data dir, bad settings, a non-UTF-8 .env or eval file. Tracebacks
appear only with -v.
"""

from __future__ import annotations

import errno
import json
import os
import resource
import signal
import socket
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app


def one_line_error(result) -> str:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
    return result.stderr.strip()


def invoke_within(seconds: float, args: list[str]):
    """Run the CLI in a thread; a hang fails the test instead of stalling the suite."""
    outcome = {}
    worker = threading.Thread(target=lambda: outcome.update(r=CliRunner().invoke(app, args)),
                              daemon=True)
    started = time.monotonic()
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"`backstory {' '.join(args)}` still running after {seconds} s"
    return outcome["r"], time.monotonic() - started


# --- a Chroma server that accepts and never answers -----------------------------------------
# What chromadb 1.5.9's HttpClient asks while it is being created, and the answers it needs.
CONNECT_ANSWERS = {
    b"/api/v2/heartbeat": b'{"nanosecond heartbeat": 1}',
    b"/api/v2/auth/identity": b'{"user_id": "", "tenant": "default_tenant", '
                              b'"databases": ["default_database"]}',
    b"/api/v2/tenants/default_tenant/databases/default_database":
        b'{"id": "00000000-0000-0000-0000-000000000000", "name": "default_database", '
        b'"tenant": "default_tenant"}',
    b"/api/v2/tenants/default_tenant": b'{"name": "default_tenant"}',
}


@contextmanager
def silent_server(answers_connect: bool):
    """Accepts connections and says nothing, or only what creating a client needs."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()
    held: list[socket.socket] = []

    def serve():
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            held.append(conn)
            if answers_connect:
                threading.Thread(target=answer_connect, args=(conn,), daemon=True).start()

    def answer_connect(conn):
        try:
            while True:
                request = conn.recv(65536)
                if not request:
                    return
                path = request.split(b" ", 2)[1].split(b"?")[0]
                body = CONNECT_ANSWERS.get(path)
                if body is None:
                    continue  # anything else (the collections): silence
                conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                             b"content-length: %d\r\n\r\n%s" % (len(body), body))
        except OSError:
            return

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(5)
        for conn in held:
            conn.close()
        listener.close()


def test_a_silent_chroma_server_fails_ask_in_time(tmp_path, monkeypatch):
    """chromadb's HttpClient sets no timeout: without our deadline on creating it, `ask`
    waits forever (the test's thread is still alive after 60 s)."""
    import chromadb  # noqa: F401 - imported first: on a busy machine that alone takes 20 s

    with silent_server(answers_connect=False) as url:
        monkeypatch.setenv("BACKSTORY_CHROMA_URL", url)
        monkeypatch.setenv("BACKSTORY_CHROMA_TIMEOUT_S", "1")
        result, elapsed = invoke_within(60, ["--data-dir", str(tmp_path / "d"), "ask", "Who?"])
    assert one_line_error(result) == (
        f"error: cannot reach the Chroma server at {url} (no answer in time); start it with "
        "`chroma run --path DIR` or unset BACKSTORY_CHROMA_URL")
    assert elapsed < 10


@pytest.mark.slow
def test_a_chroma_server_that_stops_answering_fails_in_time(tmp_path, monkeypatch):
    """The client is made, then the server goes quiet: only the timeout put on chromadb's
    request's deadline ends it (without it the thread is alive after 60 s)."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    with silent_server(answers_connect=True) as url:
        # Creating a client costs seconds of CPU on a busy machine; once done here, the
        # timeout below only has to cover the silent request.
        chromadb.HttpClient(host="127.0.0.1", port=int(url.rsplit(":", 1)[1]),
                            settings=ChromaSettings(anonymized_telemetry=False))
        monkeypatch.setenv("BACKSTORY_CHROMA_URL", url)
        monkeypatch.setenv("BACKSTORY_CHROMA_TIMEOUT_S", "8")
        result, elapsed = invoke_within(60, ["--data-dir", str(tmp_path / "d"), "ask", "Who?"])
    assert one_line_error(result) == (
        f"error: the Chroma server at {url} did not answer within 8 s "
        "(BACKSTORY_CHROMA_TIMEOUT_S)")
    assert 8 <= elapsed < 30


# --- a damaged index ----------------------------------------------------------------------------
def test_a_damaged_chroma_database_is_one_line_and_rebuild_recovers(ready_settings, monkeypatch):
    """Without the open check `ask` ends in Chroma's InternalError traceback; without setting
    the damaged folder aside, `ingest --rebuild` fails the same way."""
    database = ready_settings.chroma_dir / "chroma.sqlite3"
    with open(database, "r+b") as handle:
        handle.write(b"not a database" * 8)
    monkeypatch.setenv("BACKSTORY_CORPUS_DIR", str(ready_settings.corpus_dir))
    base = ["--data-dir", str(ready_settings.data_dir)]
    message = one_line_error(CliRunner().invoke(app, [*base, "ask", "What is the CSTO?"]))
    assert message == (f"error: the index at {ready_settings.chroma_dir} cannot be opened "
                       "(error returned from database: (code: 26) file is not a database); "
                       "run `backstory ingest --rebuild` to build it again")

    rebuilt = CliRunner().invoke(app, [*base, "ingest", "--rebuild", "--json"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert len(json.loads(rebuilt.stdout)["documents"]["added"]) == 4
    asked = CliRunner().invoke(app, [*base, "ask", "--json", "What is the CSTO?"])
    assert asked.exit_code == 0 and json.loads(asked.stdout)["citations"]
    aside = [p.name for p in ready_settings.data_dir.iterdir() if ".damaged-" in p.name]
    assert len(aside) == 1  # kept for inspection, not deleted


# --- a full disk and a read-only data dir --------------------------------------------------------
def test_a_full_disk_is_one_line(tmp_path, corpus):
    """Files may not grow past 200 kB during the run (RLIMIT_FSIZE, restored after): SQLite
    inside Chroma reports a disk I/O error on write. Without the edge's catch-all this is
    Chroma's InternalError traceback."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of a kill
    resource.setrlimit(resource.RLIMIT_FSIZE, (200_000, hard))
    try:
        result = CliRunner().invoke(app, ["--data-dir", str(tmp_path / "d"), "ingest",
                                          str(corpus / "background" / "csto.md")])
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous)
    message = one_line_error(result)
    assert "disk I/O error" in message
    assert message.startswith("error: the index could not be read or written (is the disk "
                              "full or read-only?); ")


def test_a_read_only_data_dir_is_one_line(tmp_path, corpus, monkeypatch):
    """As root chmod does not stop writes, so the system's refusal is injected where the
    data dir is first written; as another user the folder is made read-only for real."""
    data = tmp_path / "d"
    data.mkdir()
    if os.geteuid() == 0:
        real_mkdir = Path.mkdir

        def read_only_mkdir(self, *args, **kwargs):
            if self.is_relative_to(data):
                raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(self))
            return real_mkdir(self, *args, **kwargs)

        monkeypatch.setattr(Path, "mkdir", read_only_mkdir)
    else:
        data.chmod(0o555)
    monkeypatch.setenv("BACKSTORY_CORPUS_DIR", str(corpus))
    message = one_line_error(CliRunner().invoke(app, ["--data-dir", str(data), "ingest"]))
    # The system's own words and the path, not a Python exception's name.
    assert message.startswith("error: Read-only file system: ") and str(data) in message
    assert "OSError" not in message
    verbose = CliRunner().invoke(app, ["-v", "--data-dir", str(data), "ingest"])
    assert verbose.exit_code == 1 and "Traceback" in verbose.stderr  # -v shows it


# --- settings and files -----------------------------------------------------------------------------
def test_an_invalid_collection_name_is_a_bad_setting(tmp_path, monkeypatch):
    """Chroma refused 'my/notes' only inside the first query, with a traceback."""
    monkeypatch.setenv("BACKSTORY_COLLECTION", "my/notes")
    message = one_line_error(CliRunner().invoke(app, ["--data-dir", str(tmp_path), "ask", "Q?"]))
    assert message.startswith("error: bad setting BACKSTORY_COLLECTION: ")


def test_a_data_dir_that_is_a_file_is_one_line(tmp_path):
    data = tmp_path / "data"
    data.write_text("not a folder")
    message = one_line_error(CliRunner().invoke(app, ["--data-dir", str(data), "sources"]))
    assert message == (f"error: the data folder {data} is a file; point BACKSTORY_DATA_DIR "
                       "(or --data-dir) at a folder")


def test_a_non_utf8_env_file_is_one_line(tmp_path, monkeypatch):
    (tmp_path / ".env").write_bytes(b"BACKSTORY_K=4\nOPENAI_API_KEY=caf\xe9\n")
    monkeypatch.chdir(tmp_path)
    message = one_line_error(CliRunner().invoke(app, ["sources"]))
    assert message == "error: .env is not UTF-8 text (byte 32); save it as UTF-8"


def test_a_non_utf8_eval_file_is_one_line(tmp_path):
    questions = tmp_path / "q.jsonl"
    questions.write_bytes(b'{"id": "q1", "question": "Caf\xe9?"}\n')
    message = one_line_error(CliRunner().invoke(app, ["--data-dir", str(tmp_path / "d"), "eval",
                                                      str(questions)]))
    assert message == f"error: {questions} is not UTF-8 text (byte 29); save it as UTF-8"


def test_an_unexpected_failure_is_one_line_and_its_traceback_needs_v(tmp_path, monkeypatch):
    import bot.feedback

    def broken(path):
        raise RuntimeError("something no one planned for\nsecond line")

    monkeypatch.setattr(bot.feedback, "summary", broken)
    base = ["--data-dir", str(tmp_path / "d")]
    message = one_line_error(CliRunner().invoke(app, [*base, "feedback"]))
    assert message == ("error: RuntimeError: something no one planned for second line; run "
                       "with -v for the details")
    verbose = CliRunner().invoke(app, ["-v", *base, "feedback"])
    assert verbose.exit_code == 1 and "Traceback" in verbose.stderr
