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
