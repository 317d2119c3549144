"""Live HLS of the simulator over real HTTP: tokens, playlists, MPEG-TS segments that
decode and show the channel name and the segment's own wall time."""

from __future__ import annotations

import io
import json
import re
import subprocess
from datetime import timedelta

import av
import httpx
import pytest

from storeops.simulator.video.encode import SEGMENT_SIZE, segment_start
from storeops.simulator.video.font import GLYPHS, read_text
from storeops.simulator.video.picture import clock_position, clock_text, name_position, text_scale
from tests.conftest import ACCESS_KEY, SECRET_KEY


def _region_of(world, uuid: str) -> str:
    node = world.nodes[uuid]
    while node.location_type != "region":
        node = world.nodes[node.parent_uuid]
    return node.uuid


def _pick(world) -> dict[str, str]:
    """A channel, its store and region, and a channel in a store of another region."""
    by_store: dict[str, list] = {}
    for ch in world.channels.values():
        by_store.setdefault(ch.store_uuid, []).append(ch)
    stores = sorted(by_store)
    a = stores[0]
    other = next(s for s in stores if _region_of(world, s) != _region_of(world, a))
    return {
        "channel": by_store[a][0].uuid,
        "store": a,
        "region": _region_of(world, a),
        "foreign_channel": by_store[other][0].uuid,
        "foreign_region": _region_of(world, other),
    }


@pytest.fixture
def http(sim):
    with httpx.Client(base_url=sim.url, auth=(ACCESS_KEY, SECRET_KEY), timeout=20) as client:
        yield client


def _token(http: httpx.Client, location: str) -> str:
    r = http.post("/v1/hlsapitoken", content=f'{{"location_uuid": "{location}"}}')
    assert r.status_code == 200, r.text
    token = r.json()["token"]
    assert re.fullmatch(r"[A-Za-z0-9_-]{20,}", token)
    return token


def _segment_lines(playlist: str) -> list[str]:
    return [line for line in playlist.splitlines() if line and not line.startswith("#")]


def _expected_text(text: str) -> str:
    return "".join(c if c in GLYPHS else "?" for c in text.upper())


def test_token_requires_basic_auth_and_a_known_location(sim, http):
    picked = _pick(sim.world)
    anonymous = httpx.post(f"{sim.url}/v1/hlsapitoken", json={"location_uuid": picked["region"]})
    assert anonymous.status_code == 401
    unknown = http.post("/v1/hlsapitoken", json={"location_uuid": "00000000-0000-0000-0000-000000000000"})
    assert unknown.status_code == 404 and unknown.json()["error"] == "not_found"
    for body in (b"", b"{", b"[]", b'{"location_uuid": 5}', b"{}"):
        bad = http.post("/v1/hlsapitoken", content=body)
        assert bad.status_code == 400, body
        assert bad.json()["error_detail"]
    # Two tokens for the same location differ.
    assert _token(http, picked["region"]) != _token(http, picked["region"])


def test_playlist_is_a_live_window_with_the_token_on_every_segment(sim, http):
    picked = _pick(sim.world)
    token = _token(http, picked["region"])
    before = sim.clock.now()
    r = httpx.get(f"{sim.url}/v1/hls/{picked['channel']}.m3u8", params={"token": token})  # no basic auth
    after = sim.clock.now()
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/vnd.apple.mpegurl")
    lines = r.text.splitlines()
    assert lines[0] == "#EXTM3U"
    assert "#EXT-X-VERSION:3" in lines and "#EXT-X-TARGETDURATION:2" in lines
    assert "#EXT-X-ENDLIST" not in lines  # live
    seq = int(next(line for line in lines if line.startswith("#EXT-X-MEDIA-SEQUENCE:")).split(":")[1])
    # The newest segment is the last one fully elapsed, by the simulator's clock.
    assert int(before.timestamp() // 2) - 5 <= seq <= int(after.timestamp() // 2) - 5
    assert [line for line in lines if line.startswith("#EXTINF:")] == ["#EXTINF:2.000,"] * 5
    segments = _segment_lines(r.text)
    assert segments == [f"{picked['channel']}/{seq + i}.ts?token={token}" for i in range(5)]


def test_segment_is_mpeg_ts_showing_channel_name_and_its_wall_time(sim, http):
    picked = _pick(sim.world)
    channel = sim.world.channels[picked["channel"]]
    token = _token(http, picked["store"])
    playlist = httpx.get(f"{sim.url}/v1/hls/{channel.uuid}.m3u8", params={"token": token}).text
    last, previous = _segment_lines(playlist)[-1], _segment_lines(playlist)[-2]
    shown = []
    for line in (previous, last):
        r = httpx.get(f"{sim.url}/v1/hls/{line}", timeout=20)
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == "video/mp2t"
        assert r.content[0] == 0x47 and r.content[188] == 0x47  # TS sync bytes
        probe = subprocess.run(
            ["ffprobe", "-v", "error", "-show_streams", "-of", "json", "-i", "pipe:0"],
            input=r.content,
            capture_output=True,
            check=True,
            timeout=20,
        )
        (stream,) = json.loads(probe.stdout)["streams"]
        assert (stream["codec_name"], stream["width"], stream["height"]) == ("mpeg4", *SEGMENT_SIZE)
        with av.open(io.BytesIO(r.content), "r") as container:
            frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
        assert len(frames) == 20  # 2 s at 10 fps
        seq = int(line.split("/")[1].split(".")[0])
        height = SEGMENT_SIZE[1]
        scale = text_scale(height)
        cx, cy = clock_position(height)
        first_clock = read_text(frames[0], cx, cy, scale, 25)
        assert first_clock == clock_text(segment_start(seq))
        last_clock = read_text(frames[-1], cx, cy, scale, 25)
        assert last_clock == clock_text(segment_start(seq) + timedelta(seconds=1.9))
        nx, ny = name_position(height)
        expected_name = _expected_text(channel.name)[:30]
        assert read_text(frames[0], nx, ny, scale, len(expected_name)) == expected_name
        shown.append(first_clock)
    assert shown[0] != shown[1]


def test_tokens_are_refused_outside_their_location(sim, http):
    picked = _pick(sim.world)
    token = _token(http, picked["region"])
    foreign_token = _token(http, picked["foreign_region"])
    playlist_url = f"{sim.url}/v1/hls/{picked['channel']}.m3u8"
    ok = httpx.get(playlist_url, params={"token": token})
    segment = _segment_lines(ok.text)[-1].split("?")[0]
    seg_url = f"{sim.url}/v1/hls/{segment}"
    for params in ({}, {"token": ""}, {"token": "not-a-token"}, {"token": foreign_token}):
        for url in (playlist_url, seg_url):
            r = httpx.get(url, params=params)
            assert r.status_code == 403, (url, params, r.text)
            assert r.json()["error_detail"]
    # Basic auth does not replace the token on HLS paths.
    assert httpx.get(seg_url, auth=(ACCESS_KEY, SECRET_KEY)).status_code == 403
    # The foreign token opens its own channels.
    foreign = httpx.get(f"{sim.url}/v1/hls/{picked['foreign_channel']}.m3u8", params={"token": foreign_token})
    assert foreign.status_code == 200
    # Unknown channel: 404; a segment far in the future: 404.
    unknown = httpx.get(f"{sim.url}/v1/hls/00000000-0000-0000-0000-000000000000.m3u8", params={"token": token})
    assert unknown.status_code == 404
    far = int(sim.clock.now().timestamp() // 2) + 1000
    assert httpx.get(f"{sim.url}/v1/hls/{picked['channel']}/{far}.ts", params={"token": token}).status_code == 404


def test_a_sublocation_token_opens_only_the_channels_within_it(fresh_sim):
    """The reference: a token "provides access to video channels within the specified
    location". An entrance's token must not open the whole store's cameras."""
    world = fresh_sim.world
    picked = _pick(world)
    sub = next(
        (
            n.uuid
            for n in world.nodes.values()
            if n.parent_uuid == picked["store"] and n.location_type not in (None, "store", "region")
        ),
        None,
    )
    assert sub is not None, "the seeded chain has sublocations under every store"
    with httpx.Client(base_url=fresh_sim.url, auth=(ACCESS_KEY, SECRET_KEY), timeout=20) as http:
        sub_token = _token(http, sub)
        store_token = _token(http, picked["store"])

    def status(channel: str, token: str) -> int:
        return httpx.get(f"{fresh_sim.url}/v1/hls/{channel}.m3u8", params={"token": token}).status_code

    refused = httpx.get(f"{fresh_sim.url}/v1/hls/{picked['channel']}.m3u8", params={"token": sub_token})
    assert refused.status_code == 403 and "outside" in refused.json()["error_detail"]
    assert status(picked["foreign_channel"], sub_token) == 403
    assert status(picked["channel"], store_token) == 200
    # A channel placed below the sublocation is within it: the sublocation's token opens
    # that one (and the store's token still does), never its sibling channels.
    siblings = [c.uuid for c in world.channels.values() if c.store_uuid == picked["store"]]
    world.move(picked["channel"], sub)
    assert status(picked["channel"], sub_token) == 200
    assert status(picked["channel"], store_token) == 200
    for other in siblings:
        if other != picked["channel"]:
            assert status(other, sub_token) == 403


def test_a_stopped_stream_answers_503_until_restored(fresh_sim):
    from storeops.simulator.video.hls import stream_outages

    picked = _pick(fresh_sim.world)
    with httpx.Client(base_url=fresh_sim.url, auth=(ACCESS_KEY, SECRET_KEY), timeout=20) as http:
        token = _token(http, picked["store"])
    url = f"{fresh_sim.url}/v1/hls/{picked['channel']}.m3u8"
    segment = _segment_lines(httpx.get(url, params={"token": token}).text)[-1].split("?")[0]
    seg_url = f"{fresh_sim.url}/v1/hls/{segment}"
    stream_outages(fresh_sim.world).stop(picked["channel"])
    for target in (url, seg_url):
        down = httpx.get(target, params={"token": token})
        assert down.status_code == 503 and down.json()["error"] == "video_loss", down.text
    # Another channel of the same store still plays; a bad token is still refused first.
    other = next(
        c.uuid
        for c in fresh_sim.world.channels.values()
        if c.store_uuid == picked["store"] and c.uuid != picked["channel"]
    )
    assert httpx.get(f"{fresh_sim.url}/v1/hls/{other}.m3u8", params={"token": token}).status_code == 200
    assert httpx.get(url, params={"token": "nope"}).status_code == 403
    stream_outages(fresh_sim.world).restore(picked["channel"])
    assert httpx.get(url, params={"token": token}).status_code == 200
    assert httpx.get(seg_url, params={"token": token}).status_code == 200


def test_sequence_moves_with_the_clock_and_tokens_expire_after_24_hours(fresh_sim):
    picked = _pick(fresh_sim.world)
    with httpx.Client(base_url=fresh_sim.url, auth=(ACCESS_KEY, SECRET_KEY)) as http:
        now = fresh_sim.clock.now().replace(microsecond=0)
        fresh_sim.clock.freeze(now)
        token = _token(http, picked["region"])
        url = f"{fresh_sim.url}/v1/hls/{picked['channel']}.m3u8"

        def media_sequence() -> int:
            r = httpx.get(url, params={"token": token})
            assert r.status_code == 200, r.text
            found = re.search(r"#EXT-X-MEDIA-SEQUENCE:(\d+)", r.text)
            assert found is not None, r.text
            return int(found.group(1))

        first = media_sequence()
        fresh_sim.clock.advance(timedelta(seconds=10))
        assert media_sequence() == first + 5
        fresh_sim.clock.advance(timedelta(hours=24) - timedelta(seconds=11))
        assert media_sequence() > first + 40_000  # still valid one second before 24 h
        fresh_sim.clock.advance(timedelta(seconds=2))
        r = httpx.get(url, params={"token": token})
        assert r.status_code == 403 and "expired" in r.json()["error_detail"]


def test_segments_are_deterministic_and_timestamps_restart_with_a_discontinuity():
    from storeops.simulator.video.encode import PTS_EPOCH_SEGMENTS, encode_segment
    from storeops.simulator.video.hls import playlist

    boundary = 22_444 * PTS_EPOCH_SEGMENTS
    assert encode_segment("Door", "ch-1", boundary) == encode_segment("Door", "ch-1", boundary)
    # Two segments past a timestamp epoch: the window spans the restart.
    now = segment_start(boundary + 2) + timedelta(seconds=0.5)
    text = playlist("ch-1", "tok", now)
    lines = text.splitlines()
    assert f"#EXT-X-MEDIA-SEQUENCE:{boundary - 3}" in lines
    assert "#EXT-X-DISCONTINUITY-SEQUENCE:22443" in lines
    tag = lines.index("#EXT-X-DISCONTINUITY")
    assert lines[tag + 2] == f"ch-1/{boundary}.ts?token=tok"
    assert text.count("#EXT-X-DISCONTINUITY\n") == 1

    def first_pts_seconds(seq: int) -> float:
        with av.open(io.BytesIO(encode_segment("Door", "ch-1", seq)), "r") as container:
            return next(container.decode(video=0)).time

    before, after = first_pts_seconds(boundary - 1), first_pts_seconds(boundary)
    assert before > 70_000 and after < 5  # MPEG-TS time restarts, well before its 33-bit wrap
