"""LiveStream: keeps one live channel playing, because libvlc will not.

libvlc plays a URL once: when the camera drops off, the server refuses the stream or
the picture simply stops coming, it ends, errors or freezes and stays so. A watchdog
here re-opens the stream, after a growing pause, until it plays again; the state is
kept in words a person can read ("connecting…", "playing", "offline — retrying in
8 s"). No Qt: the view receives frames and states through callbacks.

Threading: libvlc's play() and stop() wait for its own threads (stop() of a network
stream can take a noticeable time, and has been seen never to return), so each stream
runs them on a control thread of its own — off the event loop, in the order they were
asked for — which is a daemon: quitting never waits for it (storeops/media/control.py).
"""

from __future__ import annotations

import asyncio
import enum
import logging
import math
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from storeops.media.control import ControlThread
from storeops.media.frames import VideoFrame
from storeops.media.player import FrameGrabber

log = logging.getLogger(__name__)

# A live picture at 10-15 fps that shows nothing new for this long has frozen (HLS
# segments are 2 s; libvlc buffers about one second).
STALL_S = 6.0
# The first picture of a stream usually comes within half a second on a LAN; a store's
# uplink or a cold server may take several.
CONNECT_TIMEOUT_S = 15.0
TICK_S = 0.25  # how often the watchdog looks at the player
# How long an orderly close waits for libvlc to stop and free a player before it gives
# up on it (logged); the thread is a daemon, so it cannot hold the exit either way.
CLOSE_TIMEOUT_S = 5.0


class StreamState(enum.Enum):
    STOPPED = "stopped"
    CONNECTING = "connecting"
    PLAYING = "playing"
    OFFLINE = "offline"


@dataclass(frozen=True, slots=True)
class StreamStatus:
    state: StreamState
    retry_in: int | None = None  # whole seconds until the next attempt (offline)
    reason: str = ""  # why it is offline (no token in it)

    @property
    def text(self) -> str:
        if self.state is StreamState.CONNECTING:
            return "connecting…"
        if self.state is StreamState.PLAYING:
            return "playing"
        if self.state is StreamState.OFFLINE:
            return f"offline — retrying in {self.retry_in or 0} s"
        return "stopped"


@dataclass(frozen=True, slots=True)
class Backoff:
    """Pauses between attempts: first, first*factor, ... up to `longest`, each spread
    by ±jitter so the tiles of a store that went down do not all come back at once."""

    first: float = 1.0
    factor: float = 2.0
    longest: float = 30.0
    jitter: float = 0.2

    def delay(self, attempt: int, rng: random.Random | None = None) -> float:
        base = min(self.longest, self.first * self.factor ** max(attempt, 0))
        spread = (rng or random).uniform(-self.jitter, self.jitter)
        return max(0.0, base * (1 + spread))


class Grabber(Protocol):
    """What LiveStream uses of FrameGrabber."""

    @property
    def frames(self) -> int: ...
    @property
    def error(self) -> str | None: ...
    @property
    def ended(self) -> bool: ...
    def seconds_since_frame(self) -> float | None: ...
    def play(self, url: str) -> None: ...
    def stop(self) -> None: ...
    def close(self) -> None: ...


UrlSource = Callable[[], Awaitable[str]]
StatusCallback = Callable[[StreamStatus], None]
FailureCallback = Callable[[str, bool], None]  # reason, whether any picture came first


class LiveStream:
    """One channel, kept playing between start() and stop().

    `url()` gives the stream URL for each attempt (a token may have been renewed);
    `on_frame` runs on libvlc's thread with every new picture; `on_status` on the event
    loop at each change (and each second of an offline countdown); `on_failure` when an
    attempt ends (the caller may drop a token the server refused)."""

    def __init__(
        self,
        url: UrlSource,
        *,
        on_frame: Callable[[VideoFrame], None] | None = None,
        on_status: StatusCallback | None = None,
        on_failure: FailureCallback | None = None,
        width: int = 640,
        height: int = 360,
        stall_after: float = STALL_S,
        connect_timeout: float = CONNECT_TIMEOUT_S,
        backoff: Backoff | None = None,
        grabber: Callable[..., Any] = FrameGrabber,
    ) -> None:
        self._url = url
        self._on_status = on_status
        self._on_failure = on_failure
        self.stall_after = stall_after
        self.connect_timeout = connect_timeout
        self.backoff = backoff or Backoff()
        self._grabber: Grabber = grabber(on_frame, None, width=width, height=height)
        self._executor = ControlThread()
        self._task: asyncio.Task[None] | None = None
        self._status = StreamStatus(StreamState.STOPPED)
        self._attempt = 0
        self.attempts = 0  # streams opened since made (the first and each reconnect)
        self.closed = False

    # ------------------------------------------------------------ control

    @property
    def status(self) -> StreamStatus:
        return self._status

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    @property
    def frames(self) -> int:
        """Pictures decoded since the current attempt opened."""
        return self._grabber.frames

    def start(self) -> None:
        """Begin (or keep) playing; a no-op while running."""
        if self.closed:
            raise RuntimeError("LiveStream is closed")
        if not self.running:
            self._attempt = 0
            self._set(StreamStatus(StreamState.CONNECTING))
            self._task = asyncio.get_running_loop().create_task(self._run(), name="live-stream")

    def halt(self) -> None:
        """Stop playing now, without waiting: the watchdog is cancelled and libvlc's
        stop is queued behind whatever it was doing (its executor keeps the order), so
        the stream costs no decoding and no network once that has run."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
        if not self.closed:
            self._executor.submit(self._grabber.stop)
        self._set(StreamStatus(StreamState.STOPPED))

    async def stop(self) -> None:
        """halt(), then wait until libvlc has stopped."""
        task = self._task
        self.halt()
        if task is not None:
            await asyncio.gather(task, return_exceptions=True)
        if not self.closed:
            await self._control(lambda: None)  # behind the queued stop

    def close(self) -> None:
        """Stop and free the player for good (on libvlc's control thread, after what is
        queued there). Safe to call twice."""
        if self.closed:
            return
        self.halt()
        self.closed = True
        self._executor.submit(self._grabber.close)
        self._executor.shutdown(wait=False)

    async def aclose(self, timeout: float = CLOSE_TIMEOUT_S) -> bool:
        """close(), then wait until the player is freed (at most `timeout` s)."""
        task = self._task
        self.close()
        if task is not None:
            await asyncio.gather(task, return_exceptions=True)
        return await self.wait_closed(timeout)

    async def wait_closed(self, timeout: float = CLOSE_TIMEOUT_S) -> bool:
        """Once closed: until libvlc's control thread has freed the player and ended,
        or `timeout` seconds (then logged, and the player is left to itself). Whether
        it ended."""
        if not self.closed:
            return False
        if await self._executor.wait_ended(timeout):
            return True
        log.warning("libvlc did not stop within %.0f s (%s); leaving it behind", timeout, self._executor.name)
        return False

    # ------------------------------------------------------------ watchdog

    async def _control(self, call: Callable[..., None], *args: Any) -> None:
        await asyncio.get_running_loop().run_in_executor(self._executor, call, *args)

    def _set(self, status: StreamStatus) -> None:
        if status == self._status:
            return
        self._status = status
        if self._on_status is not None:
            try:
                self._on_status(status)
            except Exception:
                log.exception("on_status callback failed")

    async def _run(self) -> None:
        while True:
            self._set(StreamStatus(StreamState.CONNECTING))
            reason, had_picture = await self._play_once()
            log.info("live stream attempt ended: %s", reason)
            if self._on_failure is not None:
                try:
                    self._on_failure(reason, had_picture)
                except Exception:
                    log.exception("on_failure callback failed")
            await self._control(self._grabber.stop)
            await self._count_down(self.backoff.delay(self._attempt), reason)
            self._attempt += 1

    async def _play_once(self) -> tuple[str, bool]:
        """Open the stream and watch it; returns why it ended, and whether it showed
        any picture before."""
        try:
            url = await self._url()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the token request failed: the caller words it
            return _describe(exc), False
        self.attempts += 1
        await self._control(self._grabber.play, url)
        started = time.monotonic()
        grabber = self._grabber
        while True:
            await asyncio.sleep(TICK_S)
            if grabber.error:
                return grabber.error, grabber.frames > 0
            if grabber.frames:
                if self._status.state is not StreamState.PLAYING:
                    self._set(StreamStatus(StreamState.PLAYING))
                    self._attempt = 0  # it played: the next outage starts from a short pause
                age = grabber.seconds_since_frame() or 0.0
                if grabber.ended:
                    return "the stream ended", True
                if age > self.stall_after:
                    return f"no new picture for {age:.0f} s", True
            elif grabber.ended:
                return "the stream ended before any picture", False
            elif time.monotonic() - started > self.connect_timeout:
                return f"no picture within {self.connect_timeout:.0f} s", False

    async def _count_down(self, delay: float, reason: str) -> None:
        deadline = time.monotonic() + delay
        while (left := deadline - time.monotonic()) > 0:
            whole = math.ceil(left)
            self._set(StreamStatus(StreamState.OFFLINE, whole, reason))
            await asyncio.sleep(left - (whole - 1))  # to the next whole second


def _describe(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text.splitlines()[0]
