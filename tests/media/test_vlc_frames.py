"""libvlc decodes real frames of a simulator stream, headless (video callbacks need no
display). Never skipped: without libvlc this fails, with the install hint."""

from __future__ import annotations

import itertools
import threading
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from storeops.media import FrameGrabber, VideoFrame, check_libvlc, redact_url
from storeops.simulator.video.font import read_text
from storeops.simulator.video.picture import clock_position, name_position, text_scale
from storeops.simulator.world import ChannelRec
from tests.conftest import ACCESS_KEY, SECRET_KEY

pytestmark = pytest.mark.video

WIDTH, HEIGHT = 640, 360  # the simulator's picture size: no scaling, so text reads back


def _stream_url(sim) -> tuple[str, str, ChannelRec]:
    channel = next(iter(sim.world.channels.values()))
    r = httpx.post(
        f"{sim.url}/v1/hlsapitoken",
        json={"location_uuid": channel.store_uuid},
        auth=(ACCESS_KEY, SECRET_KEY),
    )
    assert r.status_code == 200, r.text
    token = r.json()["token"]
    return f"{sim.url}/v1/hls/{channel.uuid}.m3u8?token={token}", token, channel


def _wait_for(predicate, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def _clock_in(frame: VideoFrame) -> datetime:
    rgb = frame.rgb()
    x, y = clock_position(frame.height)
    text = read_text(rgb, x, y, text_scale(frame.height), 25)
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S.%f UTC").replace(tzinfo=UTC)


def test_libvlc_is_installed():
    assert check_libvlc().startswith("3.")


def test_libvlc_decodes_live_frames_showing_the_channel_and_a_running_clock(sim):
    url, _token, channel = _stream_url(sim)
    delivered: list[VideoFrame] = []
    errors: list[str] = []
    lock = threading.Lock()

    def on_frame(frame: VideoFrame) -> None:
        with lock:
            delivered.append(frame)

    with FrameGrabber(on_frame, errors.append, width=WIDTH, height=HEIGHT) as grabber:
        grabber.play(url)
        _wait_for(lambda: len(delivered) >= 25 or errors, timeout=20)
        assert not errors
    with lock:
        frames = list(delivered)
    first, last = frames[0], frames[-1]
    assert (first.width, first.height) == (WIDTH, HEIGHT)
    assert [f.index for f in frames] == list(range(1, len(frames) + 1))
    # Each picture delivered once: consecutive frames differ (the clock runs at 10 fps).
    assert all(a.data != b.data for a, b in itertools.pairwise(frames))
    rgb = first.rgb()
    assert rgb.std() > 20  # a picture, not a black or uniform frame
    nx, ny = name_position(HEIGHT)
    name = channel.name.upper()[:8]
    assert read_text(rgb, nx, ny, text_scale(HEIGHT), len(name)) == name
    shown_first, shown_last = _clock_in(first), _clock_in(last)
    now = sim.clock.now()
    # Live: the picture is some seconds behind the wall clock, never ahead, and runs.
    assert now - timedelta(seconds=30) < shown_first < now
    assert shown_last - shown_first >= timedelta(seconds=len(frames) * 0.1 - 0.5)


def test_libvlc_reports_a_refused_stream_without_leaking_the_token(sim):
    url, token, _channel = _stream_url(sim)
    bad = url.replace(token, "wrong-token")
    errors: list[str] = []
    with FrameGrabber(None, errors.append, width=WIDTH, height=HEIGHT) as grabber:
        grabber.play(bad)
        _wait_for(lambda: errors, timeout=10)
        assert grabber.frames == 0
        assert grabber.error == errors[0]
        assert "wrong-token" not in errors[0] and "wrong-token" not in repr(grabber)
        assert redact_url(bad) in errors[0]
        # The same grabber recovers on a good URL: error cleared, frames flow.
        grabber.play(url)
        _wait_for(lambda: grabber.frames >= 3, timeout=20)
        assert grabber.error is None
        assert grabber.seconds_since_frame() < 5
    # Everything went through our one instance: python-vlc's default one (no options,
    # audio through PulseAudio, libvlc's console log) was never started.
    import vlc

    assert vlc._default_instance is None
