"""Downloads are resumable and atomic: bytes go to <dest>.part, an interrupted
transfer resumes with a Range header, and dest only ever holds a whole file."""

from __future__ import annotations

import pytest

from storeops.api.errors import ConnectionFailed
from storeops.api.retry import RetryPolicy

from .conftest import make_client, sent


class Interrupted(Exception):
    """Stands for the app being closed mid-download."""


def _big_file(running) -> tuple[str, bytes]:
    name = max(running.world.files, key=lambda f: len(running.world.file_bytes(f)))
    data = running.world.file_bytes(name)
    assert len(data) > 2_000_000  # the simulator's resumable test file
    return name, data


async def test_interrupted_download_resumes_from_the_part_file(client, sim, tmp_path):
    name, data = _big_file(sim)
    dest = tmp_path / "traffic.csv"
    dest.write_bytes(b"previous version")
    part = tmp_path / "traffic.csv.part"

    def stop_halfway(done: int, total: int | None) -> None:
        assert total == len(data)
        if done > len(data) // 2:
            raise Interrupted

    with pytest.raises(Interrupted):
        await client.download_file(name, dest, progress=stop_halfway)
    kept = part.stat().st_size
    assert len(data) // 2 < kept < len(data)
    assert part.read_bytes() == data[:kept]  # every byte received was kept
    assert dest.read_bytes() == b"previous version"  # untouched until complete

    seen: list[tuple[int, int | None]] = []
    before = sent(sim, "/v1/downloads/download")
    await client.download_file(name, dest, progress=lambda d, t: seen.append((d, t)))
    assert sent(sim, "/v1/downloads/download") == before + 1
    assert seen[0] == (kept, len(data))  # resumed, not restarted
    assert seen[-1] == (len(data), len(data))
    assert dest.read_bytes() == data
    assert not part.exists()


async def test_part_file_longer_than_the_file_restarts(client, sim, tmp_path):
    name = min(sim.world.files, key=lambda f: len(sim.world.file_bytes(f)))
    data = sim.world.file_bytes(name)
    dest = tmp_path / "inv.csv"
    (tmp_path / "inv.csv.part").write_bytes(b"x" * (len(data) + 10))
    await client.download_file(name, dest)
    assert dest.read_bytes() == data


async def test_complete_part_file_is_just_moved_into_place(client, sim, tmp_path):
    name = min(sim.world.files, key=lambda f: len(sim.world.file_bytes(f)))
    data = sim.world.file_bytes(name)
    dest = tmp_path / "inv.csv"
    (tmp_path / "inv.csv.part").write_bytes(data)
    await client.download_file(name, dest)
    assert dest.read_bytes() == data and not (tmp_path / "inv.csv.part").exists()


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


class _FileHost:
    """A plain file host on another loopback port (as a CDN behind an export's
    download link could be), answering each request from a script of
    (status, headers, body) and recording the request headers it got."""

    def __init__(self, script):
        self.script = list(script)
        self.requests: list[dict[str, str]] = []

    async def __aenter__(self):
        import asyncio

        async def handle(reader, writer):
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode().split("\r\n")[1:]
            self.requests.append({k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines if line)})
            status, headers, body = self.script.pop(0)
            reason = {200: "OK", 206: "Partial Content"}[status]
            out = [
                f"HTTP/1.1 {status} {reason}",
                f"Content-Length: {len(body)}",
                "Connection: close",
                *[f"{k}: {v}" for k, v in headers.items()],
            ]
            writer.write(("\r\n".join(out) + "\r\n\r\n").encode() + body)
            await writer.drain()
            writer.close()

        self.server = await asyncio.start_server(handle, "127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"
        return self

    async def __aexit__(self, *exc):
        self.server.close()
        await self.server.wait_closed()


def _ready(url: str):
    from storeops.api.models import ExportState, ExportStatus

    return ExportStatus(export_id="e1", state=ExportState.READY, download_url=url)


async def test_server_ignoring_the_range_restarts_the_file(client, tmp_path):
    body = bytes(range(256)) * 40
    dest = tmp_path / "clip.mp4"
    (tmp_path / "clip.mp4.part").write_bytes(b"stale" * 200)
    async with _FileHost([(200, {}, body)]) as host:
        await client.download_export(_ready(host.url + "/clip.mp4"), dest)
    assert dest.read_bytes() == body  # replaced, not appended to the stale part
    (request,) = host.requests
    assert request["range"] == "bytes=1000-"
    assert "authorization" not in request  # another origin: no credentials


async def test_range_answer_from_the_wrong_offset_restarts(client, tmp_path):
    body = b"0123456789" * 500
    dest = tmp_path / "clip.mp4"
    (tmp_path / "clip.mp4.part").write_bytes(body[:1000])
    wrong = (206, {"Content-Range": f"bytes 10-{len(body) - 1}/{len(body)}"}, body[10:])
    async with _FileHost([wrong, (200, {}, body)]) as host:
        await client.download_export(_ready(host.url + "/clip.mp4"), dest)
    assert dest.read_bytes() == body
    assert [r.get("range") for r in host.requests] == ["bytes=1000-", None]


async def test_range_answer_is_appended(client, tmp_path):
    body = b"abcdefghij" * 500
    dest = tmp_path / "clip.mp4"
    (tmp_path / "clip.mp4.part").write_bytes(body[:1234])
    rest = (206, {"Content-Range": f"bytes 1234-{len(body) - 1}/{len(body)}"}, body[1234:])
    async with _FileHost([rest]) as host:
        await client.download_export(_ready(host.url + "/clip.mp4"), dest)
    assert dest.read_bytes() == body
