"""A hostile or careless corpus: links out, FIFOs, lying sizes, bombs, odd names, slow servers.

Each test names the attack from issue 13 it stands for; each fails when its protection is
taken out (the docstrings say how it was checked).
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from retrieval.index.corpus import load_targets
from retrieval.index.ingest import ingest

SECRET = "OPENAI_API_KEY=sk-test-this-must-never-be-indexed"
NOTE = "---\ntitle: {title}\nkind: background\n---\n\n{body}\n"


def load(targets, corpus: Path, max_bytes: int = 1_000_000, timeout_s: float = 5.0):
    return load_targets([str(t) for t in targets], corpus, max_bytes, timeout_s)


def reasons(result) -> dict[str, str]:
    return {Path(f.origin).name: f.reason for f in result.failed}


def indexed_text(store) -> str:
    if not store.collection_exists():
        return ""
    return "\n".join(store.collection.get(include=["documents"])["documents"])


# --- links out of the corpus ------------------------------------------------------------
def plant_links(corpus: Path, outside: Path) -> None:
    outside.mkdir()
    (outside / "secret.md").write_text(NOTE.format(title="Keys", body=SECRET))
    (outside / ".env").write_text(SECRET + "\n")
    (corpus / "background" / "keys.md").symlink_to(outside / ".env")
    (corpus / "background" / "passwd.txt").symlink_to("/etc/passwd")
    (corpus / "background" / "elsewhere").symlink_to(outside, target_is_directory=True)


def test_links_out_of_the_corpus_are_skipped_with_a_note(tmp_path, corpus):
    """Without the walk's link check, keys.md and elsewhere/secret.md are read."""
    plant_links(corpus, tmp_path / "outside")
    result = load([corpus], corpus)
    assert len(result.docs) == 4 and not result.failed
    assert all(SECRET not in doc.text and "root:" not in doc.text for doc in result.docs)
    notes = {Path(n.origin).name: n.reason for n in result.notes}
    assert set(notes) == {"keys.md", "passwd.txt", "elsewhere"}
    assert "out of the folder, to /etc/passwd" in notes["passwd.txt"]
    assert all("links are not followed" in reason for reason in notes.values())


def test_a_link_once_indexed_leaves_when_it_is_deleted(store, corpus, tmp_path):
    """The issue's 'indexed for good': a link read as its target's absolute path was out of
    reach of the deleted-file sweep. Without the link check the secret is indexed at once."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.md").write_text(NOTE.format(title="Keys", body=SECRET))
    link = corpus / "background" / "keys.md"
    link.symlink_to(outside / "secret.md")
    report = ingest(store)
    assert SECRET not in indexed_text(store)
    assert [Path(n.origin).name for n in report.notes] == ["keys.md"]
    link.unlink()
    ingest(store)
    assert SECRET not in indexed_text(store)
    assert not any(row["origin"].startswith(str(outside)) for row in store.documents())


def test_a_corpus_file_turned_into_a_link_is_removed(store, corpus, tmp_path):
    """A document whose file is gone (replaced by a link, never followed) leaves the index."""
    ingest(store)
    note = corpus / "background" / "csto.md"
    copy = tmp_path / "csto-copy.md"
    copy.write_bytes(note.read_bytes())
    note.unlink()
    note.symlink_to(copy)
    report = ingest(store)
    assert report.docs_deleted == ["background/csto.md"]
    assert "background/csto.md" not in {row["id"] for row in store.documents()}


def test_the_size_cap_counts_bytes_read_not_the_reported_size(tmp_path, corpus):
    """/proc/self/maps reports a size of 0; a cap on st_size let it through whole."""
    maps = Path("/proc/self/maps")
    if not maps.exists():
        pytest.skip("needs Linux /proc")
    link = tmp_path / "maps.txt"
    link.symlink_to(maps)
    assert link.stat().st_size == 0 and len(maps.read_bytes()) > 2_000
    result = load([link], corpus, max_bytes=2_000)
    assert not result.docs
    assert reasons(result)["maps.txt"] == "too large (more than the 2,000-byte cap was read)"


def test_a_fifo_named_as_a_target_is_refused_at_once(tmp_path, corpus):
    """Opening a FIFO blocks until a writer comes; without the regular-file check this
    test's load never returns (it runs in a thread and is given 5 s)."""
    fifo = tmp_path / "pipe.md"
    os.mkfifo(fifo)
    outcome = {}
    worker = threading.Thread(target=lambda: outcome.update(r=load([fifo], corpus)),
                              daemon=True)
    started = time.monotonic()
    worker.start()
    worker.join(5)
    if worker.is_alive():  # unblock the reader so the thread can end
        with open(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK), "wb"):
            pass
        pytest.fail("loading a FIFO blocked")
    assert time.monotonic() - started < 2
    assert reasons(outcome["r"])["pipe.md"] == "not a regular file (a FIFO); only files are read"
    assert reasons(load(["/dev/zero"], corpus))["zero"].startswith("unsupported type")
    dev = tmp_path / "zero.txt"
    dev.symlink_to("/dev/zero")
    assert "a character device" in reasons(load([dev], corpus))["zero.txt"]


# --- front matter and file names ----------------------------------------------------------
def alias_bomb(levels: int) -> str:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]")
    return "---\n" + "\n".join(lines) + f"\ntitle: *a{levels - 1}\n---\nBody text.\n"


def test_a_yaml_alias_bomb_fails_alone(tmp_path, corpus):
    """A 9-level bomb (388 bytes in the issue) took gigabytes. This one has 5 levels, so a
    run without the no-alias loader stays small, loads it, and fails the assertion."""
    (corpus / "background" / "bomb.md").write_text(alias_bomb(5))
    result = load([corpus], corpus)
    assert len(result.docs) == 4
    assert reasons(result)["bomb.md"] == (
        "malformed front matter (aliases (*name) are not allowed in front matter)")
    # The size: refused just as fast.
    (corpus / "background" / "bomb.md").write_text(alias_bomb(9))
    started = time.monotonic()
    assert "aliases" in reasons(load([corpus], corpus))["bomb.md"]
    assert time.monotonic() - started < 5


def non_utf8_file(folder: Path) -> Path:
    name = os.fsencode(folder) + b"/caf\xe9.md"
    with open(name, "wb") as handle:
        handle.write(NOTE.format(title="Cafe", body="A note with a Latin-1 name.").encode())
    return Path(os.fsdecode(name))


def test_a_file_name_that_is_not_utf8_fails_alone(tmp_path, corpus, monkeypatch):
    """Without the name check Chroma's metadata refuses the surrogate and the whole run
    aborts; here `ask` builds the index on first use through the same path."""
    non_utf8_file(corpus / "background")
    result = load([corpus], corpus)
    assert len(result.docs) == 4
    assert [f.origin.rsplit("/", 1)[-1] for f in result.failed] == ["caf\\xe9.md"]

    monkeypatch.setenv("BACKSTORY_CORPUS_DIR", str(corpus))
    answer = CliRunner().invoke(app, ["--data-dir", str(tmp_path / "d"), "ask", "--json",
                                      "What is the CSTO?"])
    assert answer.exit_code == 0, answer.output
    assert json.loads(answer.stdout)["citations"]
    assert "caf\\xe9.md: the file name is not UTF-8" in answer.stderr
    assert "Traceback" not in answer.output


# --- sizes and shapes ----------------------------------------------------------------------
def test_a_document_over_the_passage_cap_is_refused(store, tmp_path):
    """A long line without spaces made thousands of passages; the cap refuses it by its
    length estimate, before the splitter runs."""
    store.settings.max_passages_per_doc = 50
    wall = tmp_path / "wall.txt"
    wall.write_text("x" * 200_000)
    report = ingest(store, [str(wall)])
    assert report.docs_added == [] and store.count() == 0
    assert report.failed[0].reason == (
        "too long: about 256 passages, over the cap of 50 (BACKSTORY_MAX_PASSAGES_PER_DOC)")


def test_deeply_nested_html_is_refused_quickly(tmp_path, corpus):
    deep = tmp_path / "deep.html"
    deep.write_text("<html><body>" + "<div>" * 5_000 + "text" + "</div>" * 5_000)
    started = time.monotonic()
    result = load([deep], corpus)
    assert reasons(result)["deep.html"] == "HTML refused: elements nested more than 1,000 deep"
    assert time.monotonic() - started < 2
    # Sloppy but ordinary HTML (paragraphs left open) still goes in; BeautifulSoup nests
    # them, so thousands of them are refused like any deep page.
    sloppy = tmp_path / "sloppy.html"
    sloppy.write_text("<html><body><article>" + "<p>A paragraph left open." * 300
                      + "<ul>" + "<li>an item</li>" * 2_000 + "</ul></article></body></html>")
    assert [d.doc_id for d in load([sloppy], corpus).docs] == ["file:sloppy.html"]
    sloppy.write_text("<html><body>" + "<p>A paragraph left open." * 1_500 + "</body></html>")
    assert "nested more than 1,000 deep" in reasons(load([sloppy], corpus))["sloppy.html"]


# --- URLs ----------------------------------------------------------------------------------
@contextmanager
def trickle_server(interval_s: float, body: bytes = b"x" * 40, headers_slowly: bool = False):
    """A loopback server that sends its response one byte every interval_s seconds.
    Yields (url, connected): the event is set once a client's request has arrived."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()
    connected = threading.Event()

    def serve():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            head = (b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n"
                    b"content-length: %d\r\n\r\n" % len(body))
            try:
                conn.recv(65536)
                connected.set()
                slow = head + body if headers_slowly else body
                if not headers_slowly:
                    conn.sendall(head)
                for byte in slow:
                    if stop.is_set():
                        break
                    conn.sendall(bytes([byte]))
                    time.sleep(interval_s)
            except OSError:
                pass
            finally:
                conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/trickle", connected
    finally:
        stop.set()
        thread.join(5)
        listener.close()


@pytest.mark.parametrize("headers_slowly", [False, True])
def test_a_trickling_url_obeys_the_total_timeout(corpus, headers_slowly):
    """One byte every 0.2 s never trips a per-read timeout of 1 s: before the total deadline
    this download took 8 s (40 bytes) and succeeded."""
    with trickle_server(0.2, headers_slowly=headers_slowly) as (url, _):
        started = time.monotonic()
        result = load([url], corpus, timeout_s=1.0)
        elapsed = time.monotonic() - started
    assert [f.reason for f in result.failed] == ["timed out after 1 s"]
    assert elapsed < 2.0


def test_a_download_does_not_hold_the_writer_lock(store):
    """Files and URLs are read before the lock is taken: while the slow download runs,
    another writer can take the lock (it could not when loading happened inside it)."""
    from filelock import FileLock

    settings = store.settings
    settings.fetch_timeout_s = 3.0
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    outcome = {}
    with trickle_server(0.2) as (url, connected):
        worker = threading.Thread(target=lambda: outcome.update(r=ingest(store, [url])),
                                  daemon=True)
        worker.start()
        assert connected.wait(30), "the ingest never asked for the URL"
        lock = FileLock(str(settings.lock_path), timeout=0)
        lock.acquire()  # raises Timeout if the ingest held it during the download
        lock.release()
        worker.join(30)
    assert [f.reason for f in outcome["r"].failed] == ["timed out after 3 s"]


def test_the_same_url_twice_is_one_document(store):
    from tests.conftest import loopback_site

    page = b"<html><head><title>Once</title></head><body><p>The ferry runs daily.</p></body>"
    with loopback_site({"/page.html": page}) as base:
        report = ingest(store, [f"{base}/page.html", f"{base}/page.html"])
    assert report.docs_added == [f"{base}/page.html"]
    assert not report.failed


def test_a_redirect_to_another_host_records_the_final_url(corpus):
    """127.0.0.1 redirects to localhost (two host names, both loopback): the document's url
    is where the bytes came from, and a note says so; og:url does not override it."""
    from tests.conftest import loopback_site

    page = (b"<html><head><title>Moved</title><meta property=\"og:url\" "
            b"content=\"https://trusted.example/original\"></head><body><p>Text.</p></body>")
    with loopback_site({"/final.html": page}) as base:
        port = base.rsplit(":", 1)[1]
        final = f"http://localhost:{port}/final.html"
        with redirecting_server(final) as start:
            result = load([start], corpus)
    assert [doc.url for doc in result.docs] == [final]
    assert [n.reason for n in result.notes] == [f"redirected to another host; recorded as {final}"]


@contextmanager
def redirecting_server(location: str):
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            self.send_response(302)
            self.send_header("location", location)
            self.send_header("content-length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/start"
    finally:
        server.shutdown()
        server.server_close()
