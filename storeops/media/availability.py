"""Loading libvlc, with an error that tells the user what to install."""

from __future__ import annotations

import threading
from types import ModuleType
from typing import Any

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


class LibVlcUnavailable(RuntimeError):
    """libvlc (or its plugins) cannot be loaded: video is unavailable."""


_lock = threading.Lock()
_instance: Any = None


def load_vlc() -> ModuleType:
    """The python-vlc module, or LibVlcUnavailable with an install hint."""
    try:
        import vlc
    except (ImportError, OSError, NotImplementedError) as exc:
        raise LibVlcUnavailable(f"libvlc is not installed ({exc}). {INSTALL_HINT}") from exc
    return vlc


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
            _instance = instance
        return _instance


def check_libvlc() -> str:
    """The libvlc version, e.g. "3.0.21 Vetinari", once an instance starts; raises
    LibVlcUnavailable with a clear message otherwise."""
    vlc = load_vlc()
    shared_instance()
    version = vlc.libvlc_get_version()
    return version.decode() if isinstance(version, bytes) else str(version)
