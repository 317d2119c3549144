"""Quitting never waits on libvlc: a player whose stop() never returns (seen once in
libvlc_media_player_stop after Ctrl+Q with five streams playing) neither blocks an
orderly close past its timeout nor keeps the process alive at exit."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from storeops.media.live import LiveStream, StreamState
from storeops.media.player import FrameGrabber
from tests.helpers import wait_until
from tests.media.test_live_stream import _url_source

pytestmark = pytest.mark.video

REPO = Path(__file__).resolve().parents[2]


class StuckStopGrabber(FrameGrabber):
    """A real FrameGrabber whose stop() hangs forever once `stuck` is set, as libvlc's
    did: the seam is LiveStream's `grabber` factory, libvlc itself is untouched."""

    stuck = threading.Event()
    entered = threading.Event()

    def stop(self) -> None:
        if self.stuck.is_set():
            self.entered.set()
            threading.Event().wait()  # never returns
        super().stop()


async def test_close_gives_up_on_a_stop_that_never_returns(fresh_sim, caplog):
    channel = next(iter(fresh_sim.world.channels.values()))
    url, _asked = _url_source(fresh_sim, channel.uuid, channel.store_uuid)
    StuckStopGrabber.stuck.clear()
    StuckStopGrabber.entered.clear()
    stream = LiveStream(url, grabber=StuckStopGrabber)
    stream.start()
    await wait_until(lambda: stream.status.state is StreamState.PLAYING, timeout=20)
    threads = [t for t in threading.enumerate() if t.name.startswith("vlc-control")]
    assert threads and all(t.daemon for t in threads)

    StuckStopGrabber.stuck.set()
    with caplog.at_level(logging.WARNING, logger="storeops.media.live"):
        started = time.monotonic()
        freed = await stream.aclose(timeout=1.0)
        waited = time.monotonic() - started
    assert StuckStopGrabber.entered.is_set()  # the stop really is stuck...
    assert freed is False and waited < 3.0  # ...and close did not wait for it
    assert any("libvlc did not stop within 1 s" in r.getMessage() for r in caplog.records)


CHILD = textwrap.dedent(
    """
    import asyncio, sys, threading
    from storeops.media.live import LiveStream, StreamState
    from tests.conftest import start_pinned_simulator
    from tests.media.test_live_stream import _url_source
    from tests.media.test_quit_with_stuck_player import StuckStopGrabber

    async def main(sim):
        channel = next(iter(sim.world.channels.values()))
        url, _ = _url_source(sim, channel.uuid, channel.store_uuid)
        stream = LiveStream(url, grabber=StuckStopGrabber)
        stream.start()
        for _ in range(200):
            if stream.status.state is StreamState.PLAYING:
                break
            await asyncio.sleep(0.1)
        else:
            sys.exit("never played")
        StuckStopGrabber.stuck.set()
        stream.close()  # the app's pane shutdown: stop and free, queued on the control thread
        await asyncio.to_thread(StuckStopGrabber.entered.wait, 10)
        assert StuckStopGrabber.entered.is_set()

    sim = start_pinned_simulator()
    try:
        asyncio.run(main(sim))
    finally:
        sim.stop()
    print("exiting", flush=True)
    """
)


def test_a_stuck_stop_does_not_keep_the_process_alive():
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()  # blocks until the child is about to exit (or died)
        assert line.strip() == "exiting", proc.stderr.read() if proc.stderr else ""
        proc.wait(timeout=5)  # with a joined control thread this hung forever
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0
