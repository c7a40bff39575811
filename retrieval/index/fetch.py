"""Download one URL with a total deadline and a byte cap.

httpx's timeouts apply to each network operation, so a server that sends one byte a
second never trips them and held the writer lock for as long as it liked. The download
runs in a daemon thread instead and the caller waits at most the deadline; the thread is
told to stop and ends at its next read (or its own per-read timeout).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from retrieval.errors import IngestError
from retrieval.redact import strip_userinfo


@dataclass
class Download:
    body: bytes
    content_type: str
    final_url: str  # after redirects: where the bytes really came from


def fetch(url: str, max_bytes: int, timeout_s: float) -> Download:
    import httpx  # noqa: F401 - imported before the clock starts: it takes a second when busy

    outcome: dict = {}
    stop = threading.Event()
    worker = threading.Thread(
        target=_download, args=(url, max_bytes, timeout_s, stop, outcome),
        name="backstory-fetch", daemon=True,
    )
    worker.start()
    worker.join(timeout_s)
    if worker.is_alive():
        stop.set()
        raise IngestError(_named(url), f"timed out after {timeout_s:g} s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["download"]


def _named(url: str) -> str:
    """How an error names the URL: without a password it may carry."""
    return strip_userinfo(url)


def _download(url: str, max_bytes: int, timeout_s: float, stop: threading.Event,
              outcome: dict) -> None:
    try:
        outcome["download"] = _stream(url, max_bytes, timeout_s, stop)
    except IngestError as err:
        outcome["error"] = err
    except Exception as err:  # reported as this URL's failure, never lost in the thread
        outcome["error"] = IngestError(_named(url), f"download failed ({type(err).__name__})")


def _stream(url: str, max_bytes: int, timeout_s: float, stop: threading.Event) -> Download:
    import httpx  # only needed on this path

    deadline = time.monotonic() + timeout_s
    try:
        with httpx.stream("GET", url, timeout=timeout_s, follow_redirects=True) as response:
            if response.status_code >= 400:
                raise IngestError(_named(url), f"HTTP {response.status_code}")
            declared = int(response.headers.get("content-length") or 0)
            if declared > max_bytes:
                raise IngestError(_named(url), f"too large ({declared:,} bytes; cap {max_bytes:,})")
            body = bytearray()
            for part in response.iter_bytes():
                if stop.is_set() or time.monotonic() > deadline:
                    raise IngestError(_named(url), f"timed out after {timeout_s:g} s")
                body.extend(part)
                if len(body) > max_bytes:
                    raise IngestError(_named(url), f"too large (over the {max_bytes:,}-byte cap)")
            return Download(bytes(body), response.headers.get("content-type", ""),
                            str(response.url))
    except httpx.TimeoutException:
        raise IngestError(_named(url), f"timed out after {timeout_s:g} s") from None
    except httpx.HTTPError as err:
        raise IngestError(_named(url), f"download failed ({type(err).__name__})") from None
    except ValueError as err:  # a malformed URL or header
        raise IngestError(_named(url), f"download failed ({err})") from None
