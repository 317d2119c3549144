"""The reference's example answers an export status query with 201 and a
location; the client takes that as ready, like the 302 of its status list. The
simulator answers so when `export_ready_status` is 201."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx

from storeops.api.models import ExportRequest, ExportState
from tests.conftest import ACCESS_KEY, SECRET_KEY


def _channel(running) -> str:
    return next(c.uuid for c in running.world.channels.values() if c.appliance_id and c.recording_enabled)


async def test_a_201_with_a_location_is_ready_and_downloads(fresh_client, fresh_sim, tmp_path):
    fresh_sim.ctx.export_ready_status = 201
    end = fresh_sim.clock.now().replace(microsecond=0) - timedelta(minutes=2)
    export_id = await fresh_client.start_export(
        ExportRequest(channels=[_channel(fresh_sim)], start=end - timedelta(seconds=2), end=end)
    )
    deadline = asyncio.get_running_loop().time() + 60
    while (status := await fresh_client.export_status(export_id)).state is ExportState.IN_PROGRESS:
        assert asyncio.get_running_loop().time() < deadline, "export never finished"
        await asyncio.sleep(0.1)
    assert status.state is ExportState.READY
    # Over the wire it really was a 201 with a location, not a 302.
    async with httpx.AsyncClient(base_url=fresh_sim.url, auth=(ACCESS_KEY, SECRET_KEY)) as http:
        raw = await http.get(f"/v1/video/export/task/{export_id}")
    assert raw.status_code == 201 and raw.headers["location"] == status.download_url
    path = await fresh_client.download_export(status, tmp_path / "clip.mp4")
    assert path.read_bytes()[4:8] == b"ftyp"
