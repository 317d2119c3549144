"""Downloads are resumable and atomic: bytes go to <dest>.part, an interrupted
transfer resumes with Range + If-Range, and a file only ever lands whole, under
a free name if one is taken. (Lying servers: test_download_faults.py.)"""

from __future__ import annotations

import itertools

import httpx
import pytest

from storeops.api.download_files import PartState, part_path, start_part, state_path
from storeops.api.downloads import DownloadProgress
from storeops.api.errors import ConnectionFailed, LocalFileError
from storeops.api.models import ExportState, ExportStatus
from storeops.api.retry import RetryPolicy
from tests.conftest import ACCESS_KEY, SECRET_KEY

from .conftest import make_client, sent
from .hostile_server import Peer, Request, ServedFile, client_for, serve_file


class Interrupted(Exception):
    """Stands for the app being closed mid-download."""


def _big_file(running) -> tuple[str, bytes]:
    name = max(running.world.files, key=lambda f: len(running.world.file_bytes(f)))
    data = running.world.file_bytes(name)
    assert len(data) > 2_000_000  # the simulator's resumable test file
    return name, data


async def test_a_part_left_by_an_earlier_run_resumes_with_if_range(client, sim, tmp_path):
    # What an interrupted run leaves: half the file in the part, and beside it
    # the ETag the simulator gave. The finished file lands beside the older
    # one, which is never overwritten.
    name, data = _big_file(sim)
    dest = tmp_path / "traffic.csv"
    dest.write_bytes(b"previous version")
    async with httpx.AsyncClient(auth=(ACCESS_KEY, SECRET_KEY)) as http:
        first = await http.get(
            f"{sim.url}/v1/downloads/download", params={"file": name}, headers={"Range": "bytes=0-0"}
        )
    etag = first.headers["etag"]
    kept = len(data) // 2
    start_part(dest, PartState(f"file:{name}", etag, None, len(data)))
    part_path(dest).write_bytes(data[:kept])

    seen: list[DownloadProgress] = []
    before = sent(sim, "/v1/downloads/download")
    path = await client.download_file(name, dest, on_progress=seen.append)
    assert sent(sim, "/v1/downloads/download") == before + 1
    # Resumed, not restarted (reports are coalesced: the first may count more bytes).
    assert seen and all(r.resumed_from == kept and r.done >= kept for r in seen)
    assert (seen[-1].done, seen[-1].total) == (len(data), len(data))
    assert path == tmp_path / "traffic (1).csv" and path.read_bytes() == data
    assert dest.read_bytes() == b"previous version"
    assert not part_path(dest).exists() and not state_path(dest).exists()


async def test_a_progress_callback_that_raises_stops_the_download(client, sim, tmp_path):
    name, data = _big_file(sim)
    dest = tmp_path / "traffic.csv"

    def stop(done: int, total: int | None) -> None:
        if done > 0:
            raise Interrupted

    with pytest.raises(Interrupted):
        await client.download_file(name, dest, progress=stop)
    assert not dest.exists()
    kept = part_path(dest).read_bytes()
    assert len(kept) > 0 and kept == data[: len(kept)]  # every byte received was kept, in order
    assert await client.download_file(name, dest) == dest and dest.read_bytes() == data


async def test_part_file_longer_than_the_file_restarts(client, sim, tmp_path):
    name = min(sim.world.files, key=lambda f: len(sim.world.file_bytes(f)))
    data = sim.world.file_bytes(name)
    dest = tmp_path / "inv.csv"
    (tmp_path / "inv.csv.part").write_bytes(b"x" * (len(data) + 10))
    await client.download_file(name, dest)
    assert dest.read_bytes() == data


async def test_a_part_without_its_state_is_not_trusted(client, sim, tmp_path):
    # Even a part holding exactly the file's bytes: without the validator seen
    # when it was started, nothing says it is this file.
    name = min(sim.world.files, key=lambda f: len(sim.world.file_bytes(f)))
    data = sim.world.file_bytes(name)
    dest = tmp_path / "inv.csv"
    (tmp_path / "inv.csv.part").write_bytes(data[:-5] + b"XXXXX")
    await client.download_file(name, dest)
    assert dest.read_bytes() == data and not (tmp_path / "inv.csv.part").exists()


async def test_if_exists_replace_and_error(client, sim, tmp_path):
    name = min(sim.world.files, key=lambda f: len(sim.world.file_bytes(f)))
    data = sim.world.file_bytes(name)
    dest = tmp_path / "inv.csv"
    dest.write_bytes(b"old")
    with pytest.raises(LocalFileError, match="already exists"):
        await client.download_file(name, dest, if_exists="error")
    assert dest.read_bytes() == b"old" and not (tmp_path / "inv (1).csv").exists()
    assert await client.download_file(name, dest, if_exists="replace") == dest
    assert dest.read_bytes() == data
    assert await client.download_file(name, dest) == tmp_path / "inv (1).csv"
    assert await client.download_file(name, dest) == tmp_path / "inv (2).csv"


async def test_progress_reports_speed_and_time_left(client, sim, tmp_path):
    name, data = _big_file(sim)
    reports: list[DownloadProgress] = []
    await client.download_file(name, tmp_path / "t.csv", on_progress=reports.append)
    # Reports reach the loop coalesced (the first may already count bytes): a fresh
    # download still says it resumed from nothing.
    assert all(r.resumed_from == 0 for r in reports)
    last = reports[-1]
    assert last.done == last.total == len(data) and last.fraction == 1.0 and last.remaining_s == 0
    assert all(a.done <= b.done for a, b in itertools.pairwise(reports))
    assert all(r.total == len(data) for r in reports)
    assert [r.elapsed for r in reports] == sorted(r.elapsed for r in reports)
    # Throttled for a GUI: far fewer reports than pieces received.
    assert len(reports) < len(data) // (64 * 1024)
    if last.elapsed >= 0.2:
        assert last.rate is not None and last.rate > 0


async def test_dropped_connections_are_retried(fresh_sim, tmp_path):
    name, data = _big_file(fresh_sim)
    fresh_sim.faults.add("/v1/downloads/download", "disconnect", count=2)
    async with make_client(fresh_sim) as client:
        await client.download_file(name, tmp_path / "t.csv")
    assert (tmp_path / "t.csv").read_bytes() == data
    assert sent(fresh_sim, "/v1/downloads/download") == 3


async def test_failed_download_leaves_dest_alone(fresh_sim, tmp_path):
    name, _ = _big_file(fresh_sim)
    dest = tmp_path / "t.csv"
    dest.write_bytes(b"old")
    fresh_sim.faults.add("/v1/downloads/download", "disconnect", count=5)
    async with make_client(fresh_sim, retry=RetryPolicy(max_attempts=2, base_delay=0.01)) as client:
        with pytest.raises(ConnectionFailed):
            await client.download_file(name, dest)
    assert dest.read_bytes() == b"old"


async def test_a_ready_link_on_another_host_gets_no_credentials(client, hostile, tmp_path):
    body = bytes(range(256)) * 40
    cdn = hostile(lambda r, p: serve_file(r, p, ServedFile(body)))
    status = ExportStatus(export_id="e1", state=ExportState.READY, download_url=cdn.url + "/exports/clip.mp4?sig=abc")
    path = await client.download_export(status, tmp_path / "clip.mp4")
    assert path.read_bytes() == body
    (request,) = cdn.requests
    assert "authorization" not in request.headers  # another origin: no credentials
    assert request.target == "/exports/clip.mp4?sig=abc"


async def test_a_redirect_to_another_host_drops_the_credentials(hostile, tmp_path):
    body = b"frame" * 3000
    cdn = hostile(lambda r, p: serve_file(r, p, ServedFile(body)))

    async def api(request: Request, peer: Peer) -> None:
        await peer.head(302, {"Location": cdn.url + "/clip.mp4", "Content-Length": "0"})

    own = hostile(api)
    async with client_for(own) as client:
        path = await client.download_file("custom_exports/clip.mp4", tmp_path / "clip.mp4")
    assert path.read_bytes() == body
    assert "authorization" in own.requests[0].headers
    assert "authorization" not in cdn.requests[0].headers
