"""`storeops --check-video`: prove that this installation plays video.

Starts the demo simulator in-process, asks it for a live HLS stream of its first
channel and decodes it through libvlc exactly as the app does (storeops.media). Exit
0 once decoded frames show the channel's name; 1 (with the reason) when libvlc
reports an error, nothing arrives in time, or the picture is wrong; 2 when libvlc
cannot be loaded at all. No Qt, no window: it runs on a headless machine, and the
installer smoke tests run it on the frozen app."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path
from typing import TextIO

FRAMES_WANTED = 5
TIMEOUT_S = 30.0
WIDTH, HEIGHT = 640, 360  # the simulator's picture: unscaled, so its text reads back
# Libraries worth naming in the report (where they were loaded from).
_REPORTED = ("libvlc", "libavcodec", "libswscale", "libavutil")


def _loaded_libraries() -> list[str]:
    """Paths of libvlc and FFmpeg libraries mapped into this process (Linux only)."""
    maps = Path("/proc/self/maps")
    if not maps.exists():
        return []
    paths = {line.split()[-1] for line in maps.read_text().splitlines() if "/" in line}
    return sorted(p for p in paths if Path(p).name.startswith(_REPORTED))


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

    frames: list[VideoFrame] = []
    errors: list[str] = []
    done = threading.Event()

    def on_frame(frame: VideoFrame) -> None:
        frames.append(frame)
        if len(frames) >= FRAMES_WANTED:
            done.set()

    def on_error(message: str) -> None:
        errors.append(message)
        done.set()

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
        started = time.monotonic()
        with FrameGrabber(on_frame, on_error, width=WIDTH, height=HEIGHT) as grabber:
            grabber.play(url)
            done.wait(TIMEOUT_S)
        took = time.monotonic() - started

    for path in _loaded_libraries():
        say(f"loaded {path}")
    if errors:
        say(f"FAILED: libvlc reported: {'; '.join(errors)}")
        return 1
    if not frames:
        say(f"FAILED: no frame decoded within {TIMEOUT_S:.0f} s of channel {channel.name!r}")
        return 1
    picture = frames[-1].rgb()
    expected = channel.name.upper()[:8]
    x, y = name_position(HEIGHT)
    shown = read_text(picture, x, y, text_scale(HEIGHT), len(expected))
    if picture.std() < 20 or shown != expected:
        say(f"FAILED: decoded frames do not show the channel (read {shown!r}, expected {expected!r})")
        return 1
    first_ms = (frames[0].monotonic - started) * 1000
    say(
        f"ok: {len(frames)} frames of {channel.name!r} ({WIDTH}x{HEIGHT}), "
        f"first after {first_ms:.0f} ms, {took:.1f} s in all"
    )
    return 0
