"""Encoding generated pictures: live HLS segments (MPEG-TS) and exports (MP4).

MPEG-4 Part 2 video from our own numpy encoder (`mpeg4.py`), in containers written
by `mpegts.py` and `mp4.py`: no FFmpeg in the simulator. libvlc (the app's player)
and any FFmpeg-based tool decode it. Why not PyAV: it brought a second FFmpeg
(~100 MB, with GPL x264/x265) into the desktop bundle beside the one libvlc uses,
only for the demo simulator's synthetic pictures."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from storeops.simulator.video.mp4 import write_mp4_file
from storeops.simulator.video.mpeg4 import Mpeg4Encoder
from storeops.simulator.video.mpegts import TransportStream
from storeops.simulator.video.picture import render_frame

SEGMENT_SECONDS = 2
SEGMENT_FPS = 10
SEGMENT_SIZE = (640, 360)
SEGMENT_QP = 6
# MPEG-TS timestamps are 33-bit at 90 kHz and wrap every ~26.5 h. Segment timestamps
# restart every PTS_EPOCH_SEGMENTS segments (~22 h) and the playlist marks that
# restart with EXT-X-DISCONTINUITY, so a player never sees a silent wrap.
PTS_EPOCH_SEGMENTS = 40_000
_TS_CLOCK = 90_000
# Exports: a key frame every 10 s of video, so a player seeks without decoding far.
KEY_FRAME_EVERY_MS = 10_000


def segment_start(seq: int) -> datetime:
    """Wall time at which segment `seq` begins: segments tile the Unix epoch."""
    return datetime.fromtimestamp(seq * SEGMENT_SECONDS, UTC)


def encode_segment(name: str, channel_uuid: str, seq: int) -> bytes:
    """One 2-second MPEG-TS segment of a channel's live stream (deterministic).

    Each segment is a stream of its own (its decoder headers first), so a player
    can start at any segment: its first picture is a key frame."""
    width, height = SEGMENT_SIZE
    encoder = Mpeg4Encoder(width, height, time_resolution=SEGMENT_FPS, qp=SEGMENT_QP)
    ts = TransportStream()
    start = segment_start(seq)
    base = (seq % PTS_EPOCH_SEGMENTS) * SEGMENT_SECONDS * _TS_CLOCK
    for i in range(SEGMENT_SECONDS * SEGMENT_FPS):
        at = start + timedelta(seconds=i / SEGMENT_FPS)
        picture = encoder.encode(render_frame(name, channel_uuid, at, width, height), i, key=i == 0)
        if i == 0:
            picture = encoder.headers() + picture
        ts.write_picture(picture, base + i * _TS_CLOCK // SEGMENT_FPS, key=i == 0)
    return ts.getvalue()


def write_mp4(
    path: Path,
    frames: Iterable[np.ndarray],
    *,
    width: int,
    height: int,
    frame_interval_ms: int,
    qscale: int = 5,
    on_frame: Callable[[int], None] | None = None,
) -> None:
    """Encode RGB frames, one every `frame_interval_ms`, into an MP4 at `path`.

    Timestamps are in milliseconds so that long exports can use one frame every few
    seconds and still last exactly as long as the interval they cover."""
    encoder = Mpeg4Encoder(width, height, time_resolution=1000, qp=qscale)
    key_every = max(1, KEY_FRAME_EVERY_MS // frame_interval_ms)
    samples: list[bytes] = []
    keys: list[int] = []
    for i, rgb in enumerate(frames):
        key = i % key_every == 0
        picture = encoder.encode(rgb, i * frame_interval_ms, key=key)
        samples.append(encoder.headers() + picture if i == 0 else picture)
        if key:
            keys.append(i)
        if on_frame is not None:
            on_frame(i + 1)
    write_mp4_file(
        path,
        samples,
        [frame_interval_ms] * len(samples),
        width=width,
        height=height,
        timescale=1000,
        config=encoder.headers(),
        key_frames=keys,
    )
