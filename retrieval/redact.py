"""Secrets kept out of what is stored, shown and logged.

Two kinds: the credentials backstory is given (the OpenAI key, the Discord token, a password
in OPENAI_BASE_URL), which are registered when the settings are read; and a password
written into a URL (https://user:pw@host/...), which is never stored with a document and
never shown. A server may echo a key back in an error body ("Incorrect API key provided:
sk-..."), so error messages and log records are redacted as they go out, not only the
places that mean to print a key.
"""

from __future__ import annotations

import logging
import re
import threading
from urllib.parse import urlsplit, urlunsplit

REDACTED = "[redacted]"
# A secret at least this long is redacted wherever it appears.
MIN_SECRET_CHARS = 6
# A shorter one (a 4-5 character password in a base URL) only where it stands alone as a
# word: inside words it would redact ordinary text. Shorter still is not treated as secret.
MIN_WORD_SECRET_CHARS = 4
# "scheme://user:password@" anywhere in a text (the password is what matters; the user name
# often identifies an account too, so both go).
_USERINFO = re.compile(r"(?<=://)[^\s/@:<>\"']+:[^\s/@<>\"']*@")

_secrets: set[str] = set()
_word_secrets: set[str] = set()
_lock = threading.Lock()


def register(secret: str | None) -> None:
    """Redact this value from now on wherever it appears in errors and logs."""
    if secret and len(secret) >= MIN_SECRET_CHARS:
        with _lock:
            _secrets.add(secret)
    elif secret and len(secret) >= MIN_WORD_SECRET_CHARS:
        with _lock:
            _word_secrets.add(secret)


def register_url(url: str | None) -> None:
    """Register the password in a URL (if it has one)."""
    if url:
        try:
            register(urlsplit(url).password)
        except ValueError:
            pass


def redact(text: str) -> str:
    """The text with registered secrets and URL passwords replaced by [redacted]."""
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)  # a longer secret may hold a shorter
        words = sorted(_word_secrets, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    for secret in words:
        if secret in text:
            text = re.sub(rf"(?<!\w){re.escape(secret)}(?!\w)", REDACTED, text)
    return _USERINFO.sub(f"{REDACTED}@", text)


def strip_userinfo(url: str) -> str:
    """The URL without user:password@ (what is stored and shown for a document)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return _USERINFO.sub("", url)
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def register_settings(settings) -> None:
    """Register the credentials a Settings object holds."""
    for field in ("openai_api_key", "discord_token"):
        value = getattr(settings, field, None)
        register(value.get_secret_value() if value is not None else None)
    register_url(getattr(settings, "openai_base_url", None))


class RedactingFilter(logging.Filter):
    """Redacts a record's message, traceback and stack before any handler writes it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            # Format the traceback here so the redacted text is what the handler prints.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def install_log_redaction() -> RedactingFilter:
    """Attach the filter to every root handler (records from any logger reach those)."""
    redactor = RedactingFilter()
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(redactor)
    return redactor
