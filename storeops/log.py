"""Logging: a rotating file in the log dir, an in-memory ring buffer for crash
reports, and a filter that masks secrets wherever they would appear.

Secrets are masked by value (anything passed to `register_secret`) and by shape
(`token=` query strings, Authorization headers, basic-auth in URLs, the
signature and credential parameters of pre-signed download links), so even a
library that logs a full URL or header cannot leak one.
"""

from __future__ import annotations

import collections
import logging
import logging.handlers
import re
import threading
from pathlib import Path

MASK = "***"
RING_SIZE = 500
FILE_MAX_BYTES = 2_000_000
FILE_BACKUPS = 3
FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"

_secrets: set[str] = set()
_secrets_lock = threading.Lock()
_secret_re: re.Pattern[str] | None = None

_SHAPES = [
    # ?token=abc / &token=abc / "token": "abc" / token: abc
    (
        re.compile(r"(?i)\b((?:hls_?)?token|secret(?:_key)?|password|api_?key)(\"?\s*[=:]\s*\"?)([^\s&\"',;]+)"),
        r"\1\2" + MASK,
    ),
    (re.compile(r"(?i)\b(authorization\"?\s*[:=]\s*\"?)(basic|bearer)?\s*[^\s\"',;]+"), r"\1\2 " + MASK),
    # Pre-signed links (S3, CloudFront, Azure SAS, GCS): the query parameters
    # that are credentials; the path and the harmless parameters stay readable.
    (
        re.compile(
            r"(?i)([?&;](?:[\w.-]*(?:signature|credential|security-token|token|secret|password)"
            r"|sig|key-pair-id|policy|access_?key|api_?key)=)[^&#\s\"'<>]+"
        ),
        r"\1" + MASK,
    ),
    # scheme://user:password@host
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^/\s:@]+:)[^/\s@]+@"), r"\1" + MASK + "@"),
]


def register_secret(value: str | None) -> None:
    """Mask `value` in every log record from now on (keys, secrets, tokens)."""
    global _secret_re
    if not value or len(value) < 4:  # masking "a" would shred every message
        return
    with _secrets_lock:
        if value in _secrets:
            return
        _secrets.add(value)
        ordered = sorted(_secrets, key=len, reverse=True)
        _secret_re = re.compile("|".join(re.escape(s) for s in ordered))


def redact(text: str) -> str:
    pattern = _secret_re
    if pattern is not None:
        text = pattern.sub(MASK, text)
    for shape, replacement in _SHAPES:
        text = shape.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    """Renders the message (args included) and masks it, so handlers see only the
    redacted text. Tracebacks are masked too."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the record
            message = f"{record.msg!r} {record.args!r}"
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
            record.exc_info = None
        return True


class RingBuffer(logging.Handler):
    """The last N formatted lines, for the crash dialog."""

    def __init__(self, capacity: int = RING_SIZE):
        super().__init__()
        self._lines: collections.deque[str] = collections.deque(maxlen=capacity)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._lines.append(self.format(record))
        except Exception:
            self.handleError(record)

    def lines(self, last: int | None = None) -> list[str]:
        items = list(self._lines)
        return items[-last:] if last else items


_ring = RingBuffer()
_filter = RedactingFilter()
_file_handler: logging.handlers.RotatingFileHandler | None = None
_console: logging.Handler | None = None


def setup(log_dir: Path | None = None, level: int = logging.INFO, *, console: bool = False) -> Path | None:
    """Configure the root logger: ring buffer always, a rotating file when a dir is
    given (a new dir replaces the previous file), warnings on stderr if asked."""
    global _file_handler, _console
    root = logging.getLogger()
    root.setLevel(level)
    formatter = logging.Formatter(FORMAT)
    if _ring not in root.handlers:
        _ring.setFormatter(formatter)
        _ring.addFilter(_filter)
        root.addHandler(_ring)
    if log_dir is not None:
        path = log_dir / "storeops.log"
        if _file_handler is None or Path(_file_handler.baseFilename) != path.resolve():
            try:
                log_dir.mkdir(parents=True, exist_ok=True)
                handler = logging.handlers.RotatingFileHandler(
                    path, maxBytes=FILE_MAX_BYTES, backupCount=FILE_BACKUPS, encoding="utf-8"
                )
            except OSError as exc:  # a read-only disk must not stop the app
                logging.getLogger(__name__).warning("no log file: %s", exc)
            else:
                handler.setFormatter(formatter)
                handler.addFilter(_filter)
                if _file_handler is not None:
                    root.removeHandler(_file_handler)
                    _file_handler.close()
                root.addHandler(handler)
                _file_handler = handler
    if console and _console is None:
        _console = logging.StreamHandler()
        _console.setFormatter(formatter)
        _console.addFilter(_filter)
        _console.setLevel(logging.WARNING)
        root.addHandler(_console)
    # httpx logs every request line at INFO; keep our file about our app.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
    return log_file()


def shutdown_file() -> None:
    global _file_handler
    if _file_handler is not None:
        logging.getLogger().removeHandler(_file_handler)
        _file_handler.close()
        _file_handler = None


def recent_lines(last: int = 200) -> list[str]:
    return _ring.lines(last)


def log_file() -> Path | None:
    return Path(_file_handler.baseFilename) if _file_handler is not None else None
