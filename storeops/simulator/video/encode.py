"""Encoding generated pictures with PyAV.

Only FFmpeg's own MPEG-4 Part 2 encoder (`mpeg4`, LGPL) is used: the PyPI wheel also
carries libx264 (GPL), which the shipped app must not depend on. `mpeg2video` is
LGPL too but accepts only broadcast frame rates (no 10 fps, no 1 fps)."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Final

import av
import numpy as np
from av.container import OutputContainer
from av.video.stream import VideoStream

from storeops.simulator.video.picture import render_frame

CODEC: Final = "mpeg4"  # Final: its literal type picks add_stream's video overload
SEGMENT_SECONDS = 2
SEGMENT_FPS = 10
SEGMENT_SIZE = (640, 360)
# MPEG-TS timestamps are 33-bit at 90 kHz and wrap every ~26.5 h. Segment timestamps
# restart every PTS_EPOCH_SEGMENTS segments (~22 h) and the playlist marks that
# restart with EXT-X-DISCONTINUITY, so a player never sees a silent wrap.
PTS_EPOCH_SEGMENTS = 40_000


def segment_start(seq: int) -> datetime:
    """Wall time at which segment `seq` begins: segments tile the Unix epoch."""
    return datetime.fromtimestamp(seq * SEGMENT_SECONDS, UTC)


def _open_video_stream(container: OutputContainer, width: int, height: int, rate: int, *, qscale: int) -> VideoStream:
    stream = container.add_stream(CODEC, rate=rate)
    stream.width, stream.height = width, height
    stream.pix_fmt = "yuv420p"
    stream.codec_context.time_base = Fraction(1, rate)
    # Constant quantiser: small files, predictable speed; no B-frames so that
    # dts == pts and every segment starts with an I-frame.
    stream.codec_context.qmax = qscale
    stream.codec_context.qmin = qscale
    stream.codec_context.gop_size = rate * SEGMENT_SECONDS
    stream.codec_context.max_b_frames = 0
    return stream


def encode_segment(name: str, channel_uuid: str, seq: int) -> bytes:
    """One 2-second MPEG-TS segment of a channel's live stream (deterministic)."""
    width, height = SEGMENT_SIZE
    buf = io.BytesIO()
    with av.open(buf, "w", format="mpegts") as container:
        stream = _open_video_stream(container, width, height, SEGMENT_FPS, qscale=6)
        start = segment_start(seq)
        base_pts = (seq % PTS_EPOCH_SEGMENTS) * SEGMENT_SECONDS * SEGMENT_FPS
        for i in range(SEGMENT_SECONDS * SEGMENT_FPS):
            at = start + timedelta(seconds=i / SEGMENT_FPS)
            frame = av.VideoFrame.from_ndarray(render_frame(name, channel_uuid, at, width, height), format="rgb24")
            frame.pts = base_pts + i
            frame.time_base = stream.codec_context.time_base
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return buf.getvalue()


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
    # faststart: the index at the front, so a player can start before the download ends.
    with av.open(str(path), "w", format="mp4", options={"movflags": "+faststart"}) as container:
        stream = container.add_stream(CODEC, rate=max(1, round(1000 / frame_interval_ms)))
        stream.width, stream.height = width, height
        stream.pix_fmt = "yuv420p"
        stream.codec_context.time_base = Fraction(1, 1000)
        stream.codec_context.qmax = qscale
        stream.codec_context.qmin = qscale
        stream.codec_context.max_b_frames = 0
        stream.codec_context.gop_size = max(1, 10_000 // frame_interval_ms)
        for i, rgb in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            frame.pts = i * frame_interval_ms
            frame.time_base = Fraction(1, 1000)
            container.mux(stream.encode(frame))
            if on_frame is not None:
                on_frame(i + 1)
        container.mux(stream.encode(None))
