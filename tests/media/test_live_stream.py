"""The live-stream watchdog against real simulator streams, headless: a channel whose
stream stops goes "offline — retrying in N s" and plays again by itself once the
stream is back; a refused stream is retried with growing pauses; stop() ends decoding."""

from __future__ import annotations

import asyncio
import random

import httpx
import pytest

from storeops.media.live import Backoff, LiveStream, StreamState, StreamStatus
from storeops.simulator.video.hls import stream_outages
from tests.conftest import ACCESS_KEY, SECRET_KEY
from tests.helpers import wait_until

pytestmark = pytest.mark.video

QUICK = Backoff(first=0.5, factor=2.0, longest=2.0, jitter=0.0)


def state_of(stream: LiveStream) -> StreamState:
    """Read afresh (mypy would keep the state narrowed by an earlier check)."""
    return stream.status.state


def _url_source(sim, channel_uuid: str, store_uuid: str):
    token = httpx.post(
        f"{sim.url}/v1/hlsapitoken", json={"location_uuid": store_uuid}, auth=(ACCESS_KEY, SECRET_KEY)
    ).json()["token"]
    asked: list[str] = []

    async def url() -> str:
        asked.append(channel_uuid)
        return f"{sim.url}/v1/hls/{channel_uuid}.m3u8?token={token}"

    return url, asked


def test_status_words():
    assert StreamStatus(StreamState.CONNECTING).text == "connecting…"
    assert StreamStatus(StreamState.PLAYING).text == "playing"
    assert StreamStatus(StreamState.OFFLINE, 8).text == "offline — retrying in 8 s"
    pauses = [Backoff(jitter=0).delay(n) for n in range(8)]
    assert pauses == [1, 2, 4, 8, 16, 30, 30, 30]
    rng = random.Random(1)
    assert all(0.8 * 4 <= Backoff().delay(2, rng) <= 1.2 * 4 for _ in range(50))


async def test_a_stream_that_stops_goes_offline_and_plays_again_when_it_is_back(fresh_sim):
    channel = next(iter(fresh_sim.world.channels.values()))
    url, asked = _url_source(fresh_sim, channel.uuid, channel.store_uuid)
    seen: list[StreamStatus] = []
    stream = LiveStream(url, on_status=seen.append, stall_after=3.0, connect_timeout=8.0, backoff=QUICK)
    try:
        stream.start()
        assert stream.status.state is StreamState.CONNECTING
        await wait_until(lambda: stream.status.state is StreamState.PLAYING, timeout=20)
        assert stream.frames > 0 and stream.attempts == 1

        stream_outages(fresh_sim.world).stop(channel.uuid)
        await wait_until(lambda: stream.status.state is StreamState.OFFLINE, timeout=30)
        offline = stream.status
        assert offline.retry_in is not None and offline.text.startswith("offline — retrying in ")
        assert "token" not in offline.reason
        # While the stream is down every attempt fails: offline again, pauses growing.
        await wait_until(lambda: stream.attempts >= 3, timeout=40)
        assert state_of(stream) is not StreamState.PLAYING

        stream_outages(fresh_sim.world).restore(channel.uuid)
        await wait_until(lambda: stream.status.state is StreamState.PLAYING and stream.frames > 5, timeout=30)
        assert len(asked) == stream.attempts  # a fresh URL (token) for each attempt
        states = [s.state for s in seen]
        assert states[:2] == [StreamState.CONNECTING, StreamState.PLAYING]
        assert StreamState.OFFLINE in states and states[-1] is StreamState.PLAYING
    finally:
        await stream.aclose()
    assert state_of(stream) is StreamState.STOPPED


async def test_a_refused_stream_is_reported_and_stop_ends_the_retries(fresh_sim):
    channel = next(iter(fresh_sim.world.channels.values()))

    async def refused() -> str:
        return f"{fresh_sim.url}/v1/hls/{channel.uuid}.m3u8?token=wrong-token"

    failures: list[tuple[str, bool]] = []
    stream = LiveStream(refused, on_failure=lambda r, p: failures.append((r, p)), backoff=QUICK)
    try:
        stream.start()
        await wait_until(lambda: len(failures) >= 2, timeout=20)
        assert stream.status.state in (StreamState.OFFLINE, StreamState.CONNECTING)
        reason, had_picture = failures[0]
        assert not had_picture and "wrong-token" not in reason
        await stream.stop()
        assert state_of(stream) is StreamState.STOPPED and not stream.running
        count = len(failures)
        await asyncio.sleep(1.5)  # longer than the pause between attempts
        assert len(failures) == count
        # start() again after stop(): a new round of attempts.
        stream.start()
        await wait_until(lambda: len(failures) > count, timeout=20)
    finally:
        await stream.aclose()


async def test_a_failing_url_source_is_an_offline_state_not_a_crash(fresh_sim):
    async def no_token() -> str:
        raise RuntimeError("the server did not answer in time")

    stream = LiveStream(no_token, backoff=QUICK)
    try:
        stream.start()
        await wait_until(lambda: stream.status.state is StreamState.OFFLINE, timeout=10)
        assert stream.status.reason == "the server did not answer in time"
        assert stream.attempts == 0  # nothing was opened without a URL
    finally:
        await stream.aclose()
