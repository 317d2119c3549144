"""`storeops --check-video`: prove that this installation plays video.

Starts the demo simulator in-process, asks it for a live HLS stream of its first
channel and decodes it through libvlc exactly as the app does (storeops.media), then
plays an MP4 written as the simulator writes exports (a downloaded clip). Exit 0 once
decoded frames of both show the expected name; 1 (with the reason) when libvlc
reports an error, nothing arrives in time, or the picture is wrong; 2 when libvlc
cannot be loaded at all. No Qt, no window: it runs on a headless machine, and the
installer smoke tests run it on the frozen app."""

from __future__ import annotations

import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TextIO

FRAMES_WANTED = 5
TIMEOUT_S = 30.0
WIDTH, HEIGHT = 640, 360  # the simulator's picture: unscaled, so its text reads back
# Libraries worth naming in the report (where they were loaded from), besides
# everything under a vlc/ folder (libvlc's plugins).
_REPORTED = ("libvlc", "libavcodec", "libswscale", "libavutil")


def _loaded_libraries() -> list[str]:
    """Paths of libvlc and FFmpeg libraries mapped into this process (Linux only)."""
    maps = Path("/proc/self/maps")
    if not maps.exists():
        return []
    paths = {line.split()[-1] for line in maps.read_text().splitlines() if "/" in line}
    return sorted(p for p in paths if Path(p).name.startswith(_REPORTED) or "/vlc/" in p)


def run(out: TextIO | None = None) -> int:
    out = out or sys.stdout

    def say(text: str) -> None:
        print(f"check-video: {text}", file=out, flush=True)

    from storeops.media import FrameGrabber, LibVlcUnavailable, VideoFrame, check_libvlc

    try:
        version = check_libvlc()
    except LibVlcUnavailable as exc:
        say(f"FAILED: libvlc cannot be used: {exc}")
        return 2
    say(f"libvlc {version}")

    import httpx

    from storeops.simulator.server import start_simulator
    from storeops.simulator.video.font import read_text
    from storeops.simulator.video.picture import name_position, text_scale

    def play(url: str, wanted: int) -> tuple[list[VideoFrame], list[str], float]:
        """Frames of `url` (until `wanted` arrived or TIMEOUT_S), libvlc's errors, seconds."""
        frames: list[VideoFrame] = []
        errors: list[str] = []
        done = threading.Event()

        def on_frame(frame: VideoFrame) -> None:
            frames.append(frame)
            if len(frames) >= wanted:
                done.set()

        def on_error(message: str) -> None:
            errors.append(message)
            done.set()

        started = time.monotonic()
        with FrameGrabber(on_frame, on_error, width=WIDTH, height=HEIGHT) as grabber:
            grabber.play(url)
            done.wait(TIMEOUT_S)
        return frames, errors, time.monotonic() - started

    def shows(frames: list[VideoFrame], name: str) -> str | None:
        """Why the last frame does not show `name`, or None when it does."""
        picture = frames[-1].rgb()
        expected = name.upper()[:8]
        x, y = name_position(HEIGHT)
        shown = read_text(picture, x, y, text_scale(HEIGHT), len(expected))
        if picture.std() < 20 or shown != expected:
            return f"decoded frames do not show {name!r} (read {shown!r}, expected {expected!r})"
        return None

    with start_simulator(access_key="check-video", secret_key="check-video-secret", seed=1) as sim:
        channel = next(iter(sim.world.channels.values()))
        answer = httpx.post(
            f"{sim.url}/v1/hlsapitoken",
            json={"location_uuid": channel.store_uuid},
            auth=("check-video", "check-video-secret"),
            timeout=10,
        )
        if answer.status_code != 200:
            say(f"FAILED: the demo simulator refused a stream token ({answer.status_code})")
            return 1
        url = f"{sim.url}/v1/hls/{channel.uuid}.m3u8?token={answer.json()['token']}"
        frames, errors, took = play(url, FRAMES_WANTED)

    if errors:
        say(f"FAILED: libvlc reported: {'; '.join(errors)}")
        return 1
    if not frames:
        say(f"FAILED: no frame decoded within {TIMEOUT_S:.0f} s of channel {channel.name!r}")
        return 1
    wrong = shows(frames, channel.name)
    if wrong:
        say(f"FAILED: live stream: {wrong}")
        return 1
    say(f"live: {len(frames)} frames of {channel.name!r} ({WIDTH}x{HEIGHT}) in {took:.1f} s")

    # A clip as exports are written (MP4), played from disk.
    from storeops.simulator.video.encode import write_mp4
    from storeops.simulator.video.picture import render_frame

    with tempfile.TemporaryDirectory(prefix="storeops-check-video-") as tmp:
        clip = Path(tmp) / "clip.mp4"
        start = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
        pictures = (render_frame("Export", "check", start + timedelta(seconds=i / 5), WIDTH, HEIGHT) for i in range(10))
        write_mp4(clip, pictures, width=WIDTH, height=HEIGHT, frame_interval_ms=200)
        clip_frames, clip_errors, clip_took = play(clip.as_uri(), 3)
        for path in _loaded_libraries():
            say(f"loaded {path}")
    if clip_errors or not clip_frames:
        say(f"FAILED: an exported clip did not play: {'; '.join(clip_errors) or 'no frame decoded'}")
        return 1
    wrong = shows(clip_frames, "Export")
    if wrong:
        say(f"FAILED: exported clip: {wrong}")
        return 1
    say(f"ok: live stream and exported clip decoded ({len(clip_frames)} frames of the clip in {clip_took:.1f} s)")
    return 0
