"""FrameGrabber: libvlc decodes a URL into memory through video callbacks.

Callbacks need no display at all (headless machines, tests), and the app paints the
frames itself, so one code path serves every platform.

Threading: `on_frame` and `on_error` run on libvlc's threads. Keep them short (copy,
post to another thread, emit a queued Qt signal) and never call play()/stop()/close()
from inside them: libvlc waits for its own threads there and would deadlock."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import numpy as np

from storeops.media.availability import load_vlc, shared_instance
from storeops.media.frames import VideoFrame

log = logging.getLogger(__name__)

FrameCallback = Callable[[VideoFrame], None]
ErrorCallback = Callable[[str], None]
_ALIGN = 32  # libvlc wants picture planes aligned on 32 bytes


def redact_url(url: str) -> str:
    """`url` without its query: HLS URLs carry an access token in it."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


class FrameGrabber:
    """Plays one URL at a time and delivers each decoded frame once, scaled by libvlc
    to `width` x `height` (RV32).

    libvlc renders and displays each decoded picture about twice; a frame is delivered
    only when the buffer was redrawn since the last display and differs from the last
    frame delivered (a memcmp, microseconds)."""

    def __init__(
        self,
        on_frame: FrameCallback | None = None,
        on_error: ErrorCallback | None = None,
        *,
        width: int = 640,
        height: int = 360,
    ) -> None:
        vlc = load_vlc()
        self._vlc = vlc
        self.width, self.height = width, height
        self.pitch = width * 4
        self._on_frame = on_frame
        self._on_error = on_error
        self._mutex = threading.Lock()
        self._dirty = False
        self._frames = 0
        self._latest: VideoFrame | None = None
        self._error: str | None = None
        self._ended = False
        self._url: str | None = None
        self.display_calls = 0  # for diagnostics: how often libvlc asked to display

        size = self.pitch * height
        self._raw = np.zeros(size + _ALIGN, dtype=np.uint8)
        offset = (-self._raw.ctypes.data) % _ALIGN
        self._buffer = self._raw[offset : offset + size]
        self._buffer_address = self._buffer.ctypes.data

        self._instance = shared_instance()
        self._player = self._instance.media_player_new()
        # References to the ctypes callbacks live as long as the player: if Python
        # collected them, libvlc would call freed memory.
        self._lock_cb = vlc.CallbackDecorators.VideoLockCb(self._lock_picture)
        self._unlock_cb = vlc.CallbackDecorators.VideoUnlockCb(self._unlock_picture)
        self._display_cb = vlc.CallbackDecorators.VideoDisplayCb(self._display_picture)
        self._player.video_set_callbacks(self._lock_cb, self._unlock_cb, self._display_cb, None)
        self._player.video_set_format("RV32", width, height, self.pitch)
        events = self._player.event_manager()
        self._event_cb = self._on_event  # keep one bound method for attach and detach
        self._events = (
            vlc.EventType.MediaPlayerEncounteredError,
            vlc.EventType.MediaPlayerEndReached,
        )
        for event in self._events:
            events.event_attach(event, self._event_cb)
        self._closed = False

    # ------------------------------------------------------------ control

    def play(self, url: str) -> None:
        """Start playing `url` (replacing whatever played before)."""
        if self._closed:
            raise RuntimeError("FrameGrabber is closed")
        self._player.stop()
        with self._mutex:
            self._error = None
            self._ended = False
            self._latest = None
            self._frames = 0
            self._dirty = False
        self._url = url
        # From our instance: vlc.Media(url) would start python-vlc's default instance
        # (no options: audio through PulseAudio, console logging), a second libvlc.
        media = self._instance.media_new(url)
        self._player.set_media(media)
        media.release()
        if self._player.play() != 0:
            self._fail(f"libvlc could not start {redact_url(url)}")

    def reconnect(self) -> None:
        """Play the last URL again: libvlc never reconnects by itself after an error
        or the end of a live stream."""
        if self._url is None:
            raise RuntimeError("nothing played yet")
        self.play(self._url)

    def stop(self) -> None:
        if not self._closed:
            self._player.stop()

    def close(self) -> None:
        """Stop and free the player. Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        self._player.stop()
        events = self._player.event_manager()
        for event in self._events:
            events.event_detach(event)
        self._player.release()

    def __enter__(self) -> FrameGrabber:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------ state

    @property
    def frames(self) -> int:
        """Frames delivered since the last play()."""
        return self._frames

    @property
    def latest(self) -> VideoFrame | None:
        return self._latest

    @property
    def error(self) -> str | None:
        """Why playback failed, if it did (no token or secret in the text)."""
        return self._error

    @property
    def ended(self) -> bool:
        """The stream reached its end since the last play(): a live stream only does
        when its source went away (libvlc will not fetch it again by itself)."""
        return self._ended

    def seconds_since_frame(self) -> float | None:
        """Age of the latest frame (None before the first): a live view that stops
        receiving frames has stalled and may reconnect."""
        latest = self._latest
        return None if latest is None else time.monotonic() - latest.monotonic

    def is_playing(self) -> bool:
        return bool(self._player.is_playing())

    def __repr__(self) -> str:
        url = redact_url(self._url) if self._url else None
        return f"FrameGrabber({url!r}, {self.width}x{self.height}, frames={self._frames})"

    # ------------------------------------------------------------ libvlc threads

    def _lock_picture(self, _opaque: Any, planes: Any) -> None:
        self._mutex.acquire()
        planes[0] = self._buffer_address
        return None

    def _unlock_picture(self, _opaque: Any, _picture: Any, _planes: Any) -> None:
        self._dirty = True
        self._mutex.release()

    def _display_picture(self, _opaque: Any, _picture: Any) -> None:
        self.display_calls += 1
        with self._mutex:
            if not self._dirty:
                return  # displayed again without being redrawn
            self._dirty = False
            data = self._buffer.tobytes()
        previous = self._latest
        if previous is not None and previous.data == data:
            # libvlc renders and displays each picture about twice: deliver it once.
            return
        self._frames += 1
        frame = VideoFrame(self.width, self.height, self.pitch, data, self._frames, time.monotonic())
        self._latest = frame
        if self._on_frame is not None:
            try:
                self._on_frame(frame)
            except Exception:  # never let an exception unwind into libvlc's C stack
                log.exception("on_frame callback failed")

    def _on_event(self, event: Any) -> None:
        url = redact_url(self._url or "")
        if event.type == self._vlc.EventType.MediaPlayerEncounteredError:
            self._fail(f"libvlc could not play {url}")
        elif event.type == self._vlc.EventType.MediaPlayerEndReached:
            self._ended = True
            if self._frames == 0:
                self._fail(f"{url} ended before any picture was decoded")

    def _fail(self, message: str) -> None:
        self._error = message
        log.warning("%s", message)
        if self._on_error is not None:
            try:
                self._on_error(message)
            except Exception:
                log.exception("on_error callback failed")
