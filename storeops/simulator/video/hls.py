"""The live HLS side: playlists over a sliding window and a cache of generated segments."""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from datetime import datetime
from typing import Any
from urllib.parse import quote

from storeops.simulator.video.encode import PTS_EPOCH_SEGMENTS, SEGMENT_SECONDS

WINDOW_SEGMENTS = 5
# How far back a player may still fetch segments that slid out of the window.
REPLAY_SEGMENTS = 300


def live_last_seq(now: datetime) -> int:
    """The newest segment that has fully elapsed at `now`."""
    return int(now.timestamp() // SEGMENT_SECONDS) - 1


def segment_available(seq: int, now: datetime) -> bool:
    last = live_last_seq(now)
    # One segment of slack ahead: a player's clock is not ours.
    return last - REPLAY_SEGMENTS <= seq <= last + 1


def playlist(channel_uuid: str, token: str, now: datetime) -> str:
    """A live media playlist (no ENDLIST) of the last WINDOW_SEGMENTS segments.

    Every segment line carries the token: players (libvlc among them) do not pass the
    playlist's query string on to relative segment URIs."""
    last = live_last_seq(now)
    first = last - WINDOW_SEGMENTS + 1
    q = quote(token, safe="")
    lines = [
        "#EXTM3U",
        "#EXT-X-VERSION:3",
        f"#EXT-X-TARGETDURATION:{SEGMENT_SECONDS}",
        f"#EXT-X-MEDIA-SEQUENCE:{first}",
        f"#EXT-X-DISCONTINUITY-SEQUENCE:{first // PTS_EPOCH_SEGMENTS}",
    ]
    for seq in range(first, last + 1):
        if seq != first and seq % PTS_EPOCH_SEGMENTS == 0:
            lines.append("#EXT-X-DISCONTINUITY")  # timestamps restart here
        lines.append(f"#EXTINF:{SEGMENT_SECONDS:.3f},")
        lines.append(f"{channel_uuid}/{seq}.ts?token={q}")
    return "\n".join(lines) + "\n"


class SegmentCache:
    """A small LRU of generated segments. Concurrent requests for the same segment
    share one generation instead of encoding it twice."""

    def __init__(self, capacity: int = 96) -> None:
        self._capacity = capacity
        self._lock = threading.Lock()
        self._done: OrderedDict[Hashable, bytes] = OrderedDict()
        self._pending: dict[Hashable, Future[bytes]] = {}
        self.generated = 0

    def get(self, key: Hashable, make: Callable[[], bytes]) -> bytes:
        """The cached value for `key`, else make() it (blocking: call from a worker)."""
        with self._lock:
            if key in self._done:
                self._done.move_to_end(key)
                return self._done[key]
            future = self._pending.get(key)
            owner = future is None
            if owner:
                future = self._pending[key] = Future()
        assert future is not None
        if not owner:
            return future.result()
        try:
            data = make()
        except BaseException as exc:
            with self._lock:
                del self._pending[key]
            future.set_exception(exc)
            raise
        with self._lock:
            del self._pending[key]
            self._done[key] = data
            self.generated += 1
            while len(self._done) > self._capacity:
                self._done.popitem(last=False)
        future.set_result(data)
        return data


class StreamOutages:
    """Channels whose camera stopped sending video (a test's or a demo's fault): their
    playlist and segments answer 503 until restored, as a camera that drops off the
    network does. Players must notice and reconnect; libvlc alone never does."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._down: set[str] = set()

    def stop(self, channel_uuid: str) -> None:
        with self._lock:
            self._down.add(channel_uuid)

    def restore(self, channel_uuid: str) -> None:
        with self._lock:
            self._down.discard(channel_uuid)

    def is_down(self, channel_uuid: str) -> bool:
        with self._lock:
            return channel_uuid in self._down


_OUTAGES: weakref.WeakKeyDictionary[Any, StreamOutages] = weakref.WeakKeyDictionary()
_OUTAGES_LOCK = threading.Lock()


def stream_outages(world: Any) -> StreamOutages:
    """The outages of one simulator's world (`stream_outages(sim.world).stop(uuid)`)."""
    with _OUTAGES_LOCK:
        outages = _OUTAGES.get(world)
        if outages is None:
            outages = _OUTAGES[world] = StreamOutages()
        return outages
