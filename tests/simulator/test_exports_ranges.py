"""The simulator serves export files (and custom export files) as a real file
server does: validators (ETag, Last-Modified), Range answered 206, a Range past
the end 416, and If-Range honoured: a range only while the validator still
names the file, the whole file otherwise. And the client resumes a real export
byte-identical over it."""

from __future__ import annotations

import asyncio
import os
import time
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from storeops.api.client import RetailNextClient
from storeops.api.download_files import PartState, part_path, start_part
from storeops.api.downloads import DownloadProgress
from storeops.api.models import ExportRequest, ExportState
from storeops.simulator.video.exports import ExportManager, parse_export_request
from tests.conftest import ACCESS_KEY, SECRET_KEY

DATA = os.urandom(300_000)


def _spec(running):
    channel = next(c for c in running.world.channels.values() if c.recording_enabled)
    end = running.clock.now().replace(microsecond=0) - timedelta(minutes=1)
    params = [("channel", channel.uuid), ("start", (end - timedelta(seconds=5)).isoformat()), ("end", end.isoformat())]
    return parse_export_request(params, running.world.channels, running.clock.now())


@pytest.fixture
def export_file(fresh_sim, tmp_path):
    """(url, path on the simulator's disk) of a ready export holding DATA."""
    source = tmp_path / "made.mp4"
    source.write_bytes(DATA)
    task = ExportManager.of(fresh_sim.ctx.data_dir).add_ready(source, _spec(fresh_sim))
    assert task.path is not None
    return f"/v1/video/export/file/{task.export_id}.mp4", task.path


@pytest.fixture
def http(fresh_sim):
    with httpx.Client(base_url=fresh_sim.url, auth=(ACCESS_KEY, SECRET_KEY), timeout=20) as client:
        yield client


def test_an_export_file_has_validators_and_ranges(http, export_file):
    url, _ = export_file
    whole = http.get(url)
    assert whole.status_code == 200 and whole.content == DATA
    etag, modified = whole.headers["etag"], whole.headers["last-modified"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert whole.headers["accept-ranges"] == "bytes" and whole.headers["content-length"] == str(len(DATA))

    rest = http.get(url, headers={"Range": "bytes=1000-"})
    assert rest.status_code == 206 and rest.content == DATA[1000:]
    assert rest.headers["content-range"] == f"bytes 1000-{len(DATA) - 1}/{len(DATA)}"
    assert rest.headers["etag"] == etag  # a resume can check it is still the same file

    past = http.get(url, headers={"Range": f"bytes={len(DATA)}-"})
    assert past.status_code == 416 and past.headers["content-range"] == f"bytes */{len(DATA)}"

    for validator in (etag, modified):
        same = http.get(url, headers={"Range": "bytes=1000-", "If-Range": validator})
        assert same.status_code == 206 and same.content == DATA[1000:]
    other = http.get(url, headers={"Range": "bytes=1000-", "If-Range": '"another-version"'})
    assert other.status_code == 200 and other.content == DATA


def test_a_changed_export_file_answers_an_old_if_range_with_the_whole_file(http, export_file):
    url, path = export_file
    etag = http.get(url).headers["etag"]
    changed = DATA[::-1]
    path.write_bytes(changed)
    later = time.time() + 5
    os.utime(path, (later, later))
    answer = http.get(url, headers={"Range": "bytes=1000-", "If-Range": etag})
    assert answer.status_code == 200 and answer.content == changed
    assert answer.headers["etag"] != etag


def test_custom_export_files_honour_if_range(fresh_sim, http):
    name = min(fresh_sim.world.files, key=lambda f: len(fresh_sim.world.file_bytes(f)))
    data = fresh_sim.world.file_bytes(name)
    whole = http.get("/v1/downloads/download", params={"file": name})
    etag = whole.headers["etag"]
    assert whole.content == data and etag.startswith('"')
    params = {"file": name}
    same = http.get("/v1/downloads/download", params=params, headers={"Range": "bytes=10-", "If-Range": etag})
    assert same.status_code == 206 and same.content == data[10:] and same.headers["etag"] == etag
    other = http.get("/v1/downloads/download", params=params, headers={"Range": "bytes=10-", "If-Range": '"old"'})
    assert other.status_code == 200 and other.content == data


async def test_an_interrupted_export_download_resumes_byte_identical(fresh_sim, export_file, http, tmp_path):
    url, on_disk = export_file
    export_id = Path(on_disk).stem
    dest = tmp_path / "clip.mp4"
    # What an interrupted run leaves: a part and the validator seen when it started.
    kept = 100_000
    start_part(dest, PartState(f"export:{export_id}", http.get(url).headers["etag"], None, len(DATA)))
    part_path(dest).write_bytes(DATA[:kept])
    seen: list[DownloadProgress] = []
    async with RetailNextClient(fresh_sim.url, ACCESS_KEY, SECRET_KEY) as client:
        path = await client.download_export(export_id, dest, on_progress=seen.append)
    # Resumed, not started over (reports are coalesced: the first may count more bytes).
    assert seen and all(r.resumed_from == kept and r.total == len(DATA) for r in seen)
    assert path == dest and path.read_bytes() == DATA == on_disk.read_bytes()


async def test_a_rendered_export_downloads_whole_through_the_client(fresh_sim, tmp_path):
    channel = next(c for c in fresh_sim.world.channels.values() if c.appliance_id and c.recording_enabled)
    end = fresh_sim.clock.now().replace(microsecond=0) - timedelta(minutes=2)
    async with RetailNextClient(fresh_sim.url, ACCESS_KEY, SECRET_KEY) as client:
        export_id = await client.start_export(
            ExportRequest(channels=[channel.uuid], start=end - timedelta(seconds=3), end=end)
        )
        deadline = asyncio.get_running_loop().time() + 60
        while (status := await client.export_status(export_id)).state is ExportState.IN_PROGRESS:
            assert asyncio.get_running_loop().time() < deadline, "export never finished"
            await asyncio.sleep(0.1)
        path = await client.download_export(status, tmp_path / "clip.mp4")
    task = ExportManager.of(fresh_sim.ctx.data_dir).get(export_id)
    assert task is not None and task.path is not None
    assert path.read_bytes() == task.path.read_bytes() and path.read_bytes()[4:8] == b"ftyp"
