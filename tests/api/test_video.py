"""HLS token and stream URL, video export lifecycle, custom export files."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import httpx
import pytest

from storeops.api.errors import ExportNotReady, InvalidRequest, NotFound, ValidationError
from storeops.api.models import ExportRequest, ExportState
from tests.helpers import not_none

from .conftest import sent


def _flagship_channels(running):
    """Channels of the appliance with the most channels (18 in the seeded chain)."""
    by_appliance: dict[str, list[str]] = {}
    for ch in running.world.channels.values():
        if ch.appliance_id:
            by_appliance.setdefault(ch.appliance_id, []).append(ch.uuid)
    return max(by_appliance.values(), key=len)


async def test_hls_token_and_stream_url(client, sim):
    store = sim.world.stores()[0]
    channel = next(c for c in sim.world.channels.values() if c.store_uuid == store.uuid)
    token = await client.hls_token(store.uuid)
    url = client.hls_url(channel.uuid, token)
    assert url.startswith(f"{sim.url}/v1/hls/{channel.uuid}.m3u8?token=")
    # The URL is what a player opens, with no credentials at all.
    async with httpx.AsyncClient() as player:
        playlist = await player.get(url)
        assert playlist.status_code == 200 and playlist.text.startswith("#EXTM3U")
        refused = await player.get(client.hls_url(channel.uuid, "not-a-token"))
        assert refused.status_code in (401, 403)


async def test_hls_token_for_unknown_location(client):
    with pytest.raises(NotFound):
        await client.hls_token("00000000-0000-0000-0000-000000000000")


def _recent(running, seconds: int = 4) -> tuple[datetime, datetime]:
    """A few seconds that ended two minutes ago on the simulator's clock."""
    end = running.clock.now().replace(microsecond=0) - timedelta(minutes=2)
    return end - timedelta(seconds=seconds), end


async def _wait_ready(client, export_id: str, timeout: float = 60.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        status = await client.export_status(export_id)
        if status.state is not ExportState.IN_PROGRESS:
            return status
        assert asyncio.get_running_loop().time() < deadline, "export never finished"
        await asyncio.sleep(0.1)


async def test_export_lifecycle(fresh_client, fresh_sim, tmp_path):
    channel = _flagship_channels(fresh_sim)[0]
    start, end = _recent(fresh_sim)
    export_id = await fresh_client.start_export(
        ExportRequest(channels=[channel], start=start, end=end, info_overlay=True)
    )
    assert export_id and sent(fresh_sim, "/v1/video/export/start") == 1
    first = await fresh_client.export_status(export_id)
    assert first.export_id == export_id
    assert first.state in (ExportState.IN_PROGRESS, ExportState.READY)
    if first.state is ExportState.IN_PROGRESS:
        with pytest.raises(ExportNotReady):
            await fresh_client.download_export(first, tmp_path / "early.mp4")
    status = await _wait_ready(fresh_client, export_id)
    assert status.state is ExportState.READY
    assert status.download_url.startswith(fresh_sim.url + "/")
    progress: list[tuple[int, int | None]] = []
    path = await fresh_client.download_export(
        export_id, tmp_path / "clip.mp4", progress=lambda d, t: progress.append((d, t))
    )
    data = path.read_bytes()
    assert data[4:8] == b"ftyp"  # an MP4
    assert progress[-1] == (len(data), len(data))
    assert not (tmp_path / "clip.mp4.part").exists()
    await fresh_client.delete_export(export_id)
    assert (await fresh_client.export_status(export_id)).state is ExportState.EXPIRED
    await fresh_client.delete_export(export_id)  # already gone: not an error
    with pytest.raises(ExportNotReady):
        await fresh_client.download_export(export_id, tmp_path / "gone.mp4")


async def test_export_of_several_channels_with_resolution(fresh_client, fresh_sim):
    channels = _flagship_channels(fresh_sim)[:4]
    start, end = _recent(fresh_sim, 2)
    export_id = await fresh_client.start_export(
        ExportRequest(channels=channels, start=start, end=end, resolution="640x480")
    )
    status = await _wait_ready(fresh_client, export_id)
    assert status.state is ExportState.READY


async def test_failed_export_reports_its_reason(fresh_client, fresh_sim):
    channel = _flagship_channels(fresh_sim)[0]
    end = fresh_sim.clock.now().replace(microsecond=0) - timedelta(days=400)
    export_id = await fresh_client.start_export(
        ExportRequest(channels=[channel], start=end - timedelta(seconds=5), end=end)
    )
    status = await _wait_ready(fresh_client, export_id)
    assert status.state is ExportState.FAILED and "recordings" in status.reason


async def test_export_of_a_channel_that_does_not_record_reports_why(client, sim):
    (off,) = [c for c in sim.world.channels.values() if not c.recording_enabled]
    start, end = _recent(sim, 2)  # recent enough: only the disabled recording is in the way
    export_id = await client.start_export(ExportRequest(channels=[off.uuid], start=start, end=end))
    status = await _wait_ready(client, export_id)
    assert status.state is ExportState.FAILED and "recording is disabled" in status.reason


async def test_export_refusals(fresh_client, fresh_sim):
    channels = _flagship_channels(fresh_sim)
    assert len(channels) > 16
    start, end = _recent(fresh_sim)
    with pytest.raises(ValidationError):
        await fresh_client.start_export(ExportRequest(channels=channels[:17], start=start, end=end))
    with pytest.raises(ValidationError):
        await fresh_client.start_export(ExportRequest(channels=[], start=start, end=end))
    with pytest.raises(ValidationError):
        await fresh_client.start_export(ExportRequest(channels=channels[:1], start=end, end=start))
    with pytest.raises(ValidationError):  # a naive time is ambiguous
        await fresh_client.start_export(
            ExportRequest(channels=channels[:1], start=start.replace(tzinfo=None), end=end.replace(tzinfo=None))
        )
    assert sent(fresh_sim, "/v1/video/export/start") == 0
    future = fresh_sim.clock.now() + timedelta(hours=1)
    with pytest.raises(InvalidRequest) as info:
        await fresh_client.start_export(
            ExportRequest(channels=channels[:1], start=future, end=future + timedelta(seconds=5))
        )
    assert "future" in not_none(info.value.detail)


async def test_single_channel_export_leaves_out_the_resolution(fresh_client, fresh_sim):
    # The simulator, like the reference, only takes a resolution with several channels.
    start, end = _recent(fresh_sim, 2)
    export_id = await fresh_client.start_export(
        ExportRequest(channels=_flagship_channels(fresh_sim)[:1], start=start, end=end, resolution="640x480")
    )
    assert export_id


async def test_downloads_list_and_file(client, sim, tmp_path):
    files = await client.list_downloads()
    assert files == sorted(sim.world.files)
    assert all(f.startswith("custom_exports/") for f in files)
    small = min(files, key=lambda f: len(sim.world.file_bytes(f)))
    dest = tmp_path / "sub" / "report.csv"
    path = await client.download_file(small, dest)
    assert path == dest and dest.read_bytes() == sim.world.file_bytes(small)
    with pytest.raises(NotFound):
        await client.download_file("custom_exports/nothing-here.csv", tmp_path / "x.csv")
    with pytest.raises(ValidationError):  # refused before anything is sent
        await client.download_file("custom_exports/../../etc/passwd", tmp_path / "y.csv")
    assert not (tmp_path / "x.csv").exists() and not (tmp_path / "y.csv").exists()
    assert not (tmp_path / "x.csv.part").exists()
