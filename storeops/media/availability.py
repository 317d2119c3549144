"""Loading libvlc, with an error that tells the user what to install."""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import logging
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any

log = logging.getLogger("storeops.media.libvlc")

# Options for every libvlc instance. No X11 (headless machines, video callbacks need
# no display), no console chatter, no audio output (the streams carry none), and a
# modest network cache: a live picture should be close to live.
INSTANCE_OPTIONS: tuple[str, ...] = (
    "--no-xlib",
    "--quiet",
    "--no-audio",
    "--aout=adummy",
    "--no-video-title-show",
    "--no-snapshot-preview",
    "--no-stats",
    "--network-caching=1000",
)

INSTALL_HINT = (
    "On Debian/Ubuntu: apt-get install libvlc5 vlc-plugin-base libvlc-bin; "
    "on Windows and macOS: install VLC 3 (64-bit)."
)
# What the Live video pane shows without libvlc: a store manager's words, then the hint.
INSTALL_STEPS = (
    "Live video plays through VLC, which is not installed on this computer.",
    "Windows and macOS: install VLC media player 3 (64-bit) from videolan.org, then restart StoreOps.",
    "Debian / Ubuntu: sudo apt-get install libvlc5 vlc-plugin-base libvlc-bin, then restart StoreOps.",
)


class LibVlcUnavailable(RuntimeError):
    """libvlc (or its plugins) cannot be loaded: video is unavailable."""


_lock = threading.Lock()
_instance: Any = None


def _import_vlc() -> ModuleType:
    import vlc

    return vlc


# How python-vlc is imported: the seam tests use to see a machine without VLC
# (importing it raises ImportError or OSError there) on one that has it.
_importer: Callable[[], ModuleType] = _import_vlc


@contextmanager
def importer(replacement: Callable[[], ModuleType]) -> Iterator[None]:
    """Import python-vlc through `replacement` meanwhile (e.g. a function raising
    OSError("libvlc.so.5: cannot open shared object file")), then as before."""
    global _importer
    previous, _importer = _importer, replacement
    try:
        yield
    finally:
        _importer = previous


def load_vlc() -> ModuleType:
    """The python-vlc module, or LibVlcUnavailable with an install hint."""
    try:
        return _importer()
    except (ImportError, OSError, NotImplementedError) as exc:
        raise LibVlcUnavailable(f"libvlc is not installed ({exc}). {INSTALL_HINT}") from exc


def shared_instance() -> Any:
    """One libvlc instance for the process: creating one costs tens of milliseconds
    and loads the plugin cache; players are cheap."""
    global _instance
    with _lock:
        if _instance is None:
            vlc = load_vlc()
            instance = vlc.Instance(list(INSTANCE_OPTIONS))
            if instance is None:
                # libvlc loads but finds no plugins (e.g. a frozen app without its
                # plugins folder, or vlc-plugin-base missing).
                raise LibVlcUnavailable(
                    "libvlc loaded but could not start (its plugins were not found). " + INSTALL_HINT
                )
            _route_logs(vlc, instance)
            _instance = instance
        return _instance


# libvlc levels: 0 debug, 2 notice, 3 warning, 4 error. Debug and notice are dropped
# before formatting: they are many and cost time on the decoding threads. libvlc's
# "errors" are often benign (a converter it then replaces); FrameGrabber reports the
# failures that matter, so these stay at debug and info.
_LEVELS = {3: logging.DEBUG, 4: logging.INFO}
_TOKEN = re.compile(r"(token=)[^&\s\"']+")
# Known-harmless chatter, kept at debug only. The demuxer reports each repeated MPEG-TS
# packet as "libdvbpsi error (PSI decoder): TS duplicate (received 0, expected 1) for
# PID 0": HLS live segments repeat them by design, and they were 98 % of a user's log
# (filling the 500-line crash-report ring within minutes).
_HARMLESS = re.compile(r"TS duplicate")
_NUMBERS = re.compile(r"\d+")
REPEAT_EVERY = 100  # a message seen again and again: the first, then a count every N
_MAX_KEYS = 512  # distinct messages remembered for counting (then forgotten at once)
_log_cb: Any = None  # the ctypes callback must outlive the instance


class LibVlcLogRelay:
    """libvlc's messages into Python logging, without flooding it: tokens masked,
    known-harmless messages at debug, and a message that repeats (numbers aside)
    logged the first time, then once every `every` times with its count.

    Called from libvlc's threads at once: the counts are under a lock."""

    def __init__(self, logger: logging.Logger = log, every: int = REPEAT_EVERY) -> None:
        self.logger = logger
        self.every = every
        self._counts: dict[tuple[int, str], int] = {}
        self._lock = threading.Lock()

    def wants(self, vlc_level: int) -> bool:
        """Whether a message of this libvlc level may be logged (format it only then)."""
        py_level = _LEVELS.get(vlc_level)
        return py_level is not None and self.logger.isEnabledFor(py_level)

    def record(self, vlc_level: int, text: str) -> None:
        py_level = _LEVELS.get(vlc_level)
        if py_level is None:
            return
        text = _TOKEN.sub(r"\1***", text)
        if _HARMLESS.search(text):
            py_level = logging.DEBUG
        if not self.logger.isEnabledFor(py_level):
            return
        key = (py_level, _NUMBERS.sub("#", text))
        with self._lock:
            if key not in self._counts and len(self._counts) >= _MAX_KEYS:
                self._counts.clear()
            count = self._counts[key] = self._counts.get(key, 0) + 1
        if count == 1:
            self.logger.log(py_level, "%s", text)
        elif count % self.every == 0:
            self.logger.log(py_level, "%s (seen %d times)", text, count)


_relay = LibVlcLogRelay()


def _route_logs(vlc: ModuleType, instance: Any) -> None:
    """Send libvlc's warnings and errors to Python logging instead of stderr, through
    LibVlcLogRelay (tokens masked, floods held back)."""
    global _log_cb
    libc_name = ctypes.util.find_library("c") or ctypes.util.find_library("msvcrt")
    if libc_name is None:
        return
    try:
        vsnprintf = ctypes.CDLL(libc_name).vsnprintf
    except (OSError, AttributeError):
        return
    vsnprintf.argtypes = (ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_void_p)
    vsnprintf.restype = ctypes.c_int

    @vlc.CallbackDecorators.LogCb
    def on_log(_data: Any, level: int, _ctx: Any, fmt: bytes, args: Any) -> None:
        if not _relay.wants(level):
            return
        buf = ctypes.create_string_buffer(1024)
        vsnprintf(buf, len(buf), fmt, args)
        with contextlib.suppress(Exception):  # never unwind into libvlc's C stack
            _relay.record(level, buf.value.decode("utf-8", "replace"))

    _log_cb = on_log
    instance.log_set(on_log, None)


def check_libvlc() -> str:
    """The libvlc version, e.g. "3.0.21 Vetinari", once an instance starts; raises
    LibVlcUnavailable with a clear message otherwise."""
    vlc = load_vlc()
    shared_instance()
    version = vlc.libvlc_get_version()
    return version.decode() if isinstance(version, bytes) else str(version)
