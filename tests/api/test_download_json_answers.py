"""A JSON answer where a file was asked for is an error, never the file.

Found by the chaos run: the simulator's "malformed" fault (a 200 whose body is
broken JSON, Content-Type application/json) was saved as the export. Over real
HTTP against the simulator's fault injection; a resumed part must come through
untouched, so the next attempt still resumes it."""

from __future__ import annotations

import httpx
import pytest

from storeops.api.download_files import PartState, load_state, part_path, start_part, state_path
from storeops.api.errors import NotFound, ProtocolError
from tests.conftest import ACCESS_KEY, SECRET_KEY

from .conftest import make_client
from .hostile_server import ServedFile, client_for, serve_file

DOWNLOAD = "/v1/downloads/download"
BROKEN = b'{"ok": true, "nodes": [[{"uuid": "trunc'


def _some_file(running) -> tuple[str, bytes]:
    name = max(running.world.files, key=lambda f: len(running.world.file_bytes(f)))
    return name, running.world.file_bytes(name)


async def _half_part(running, name: str, data: bytes, dest) -> bytes:
    """What an interrupted run leaves: half the file, with the simulator's ETag beside it."""
    async with httpx.AsyncClient(auth=(ACCESS_KEY, SECRET_KEY)) as http:
        first = await http.get(f"{running.url}{DOWNLOAD}", params={"file": name}, headers={"Range": "bytes=0-0"})
    start_part(dest, PartState(f"file:{name}", first.headers["etag"], None, len(data)))
    kept = data[: len(data) // 2]
    part_path(dest).write_bytes(kept)
    return kept


@pytest.fixture
def faults(fresh_sim):
    yield fresh_sim.faults
    fresh_sim.faults.clear()


async def test_a_broken_json_answer_is_a_protocol_error_and_the_part_stays(fresh_sim, faults, tmp_path):
    name, data = _some_file(fresh_sim)
    dest = tmp_path / "traffic.csv"
    kept = await _half_part(fresh_sim, name, data, dest)
    state_before = state_path(dest).read_bytes()
    faults.add(DOWNLOAD, "malformed")
    async with make_client(fresh_sim) as client:
        with pytest.raises(ProtocolError) as caught:
            await client.download_file(name, dest)
        assert "JSON" in str(caught.value)
        assert not dest.exists()
        assert part_path(dest).read_bytes() == kept
        assert state_path(dest).read_bytes() == state_before
        # The part is still good: the next attempt resumes it to the exact file.
        assert load_state(dest, f"file:{name}") is not None
        path = await client.download_file(name, dest)
    assert path == dest and dest.read_bytes() == data


async def test_an_api_error_body_in_a_200_is_the_error_it_describes(fresh_sim, faults, tmp_path):
    name, _data = _some_file(fresh_sim)
    dest = tmp_path / "traffic.csv"
    body = b'{"error": "not_found", "error_detail": "the export was deleted"}'
    faults.add(DOWNLOAD, "malformed", body=body)
    async with make_client(fresh_sim) as client:
        with pytest.raises(NotFound) as caught:
            await client.download_file(name, dest)
    assert caught.value.detail == "the export was deleted"
    assert not dest.exists() and not part_path(dest).exists()


async def test_a_json_file_asked_for_as_json_is_saved(fresh_sim, faults, tmp_path):
    name, _data = _some_file(fresh_sim)
    dest = tmp_path / "report.json"
    body = b'{"rows": [1, 2, 3]}'
    faults.add(DOWNLOAD, "malformed", body=body)
    async with make_client(fresh_sim) as client:
        path = await client.download_file(name, dest)
    assert path.read_bytes() == body


async def test_a_problem_json_answer_is_refused_too(hostile, tmp_path):
    # RFC 9457 problem details: application/problem+json.
    problem = b'{"title": "export gone"}'

    async def script(request, peer) -> None:
        served = ServedFile(problem, etag=None, headers={"Content-Type": "application/problem+json"})
        await serve_file(request, peer, served)

    server = hostile(script)
    dest = tmp_path / "clip.mp4"
    async with client_for(server) as client:
        with pytest.raises(ProtocolError):
            await client.download_file("clip.mp4", dest)
    assert not dest.exists() and not part_path(dest).exists()


async def test_a_resume_answered_whole_without_validators_and_another_size_gets_the_new_file(hostile, tmp_path):
    # The part's state recorded an ETag and a size; the server now ignores the
    # range and sends a whole file of another size, with no ETag: the part is
    # dropped and the new file saved whole (never glued to the old part).
    new = b"n" * 70_000
    dest = tmp_path / "clip.mp4"
    start_part(dest, PartState("file:clip.mp4", '"v1"', None, 100_000))
    part_path(dest).write_bytes(b"o" * 50_000)

    async def script(request, peer) -> None:
        await serve_file(request, peer, ServedFile(new, etag=None, honour_range=False))

    server = hostile(script)
    async with client_for(server) as client:
        path = await client.download_file("clip.mp4", dest)
    assert path == dest and dest.read_bytes() == new
    assert server.requests[0].headers.get("if-range") == '"v1"'
    assert not part_path(dest).exists() and not state_path(dest).exists()


async def test_a_range_without_validators_for_another_size_starts_over(hostile, tmp_path):
    # A 206 with no ETag whose Content-Range gives another total than the state's.
    new = bytes(range(256)) * 300
    dest = tmp_path / "clip.mp4"
    start_part(dest, PartState("file:clip.mp4", '"v1"', None, len(new) + 10))
    part_path(dest).write_bytes(new[:40_000])

    async def script(request, peer) -> None:
        await serve_file(request, peer, ServedFile(new, etag=None, honour_if_range=False))

    server = hostile(script)
    async with client_for(server) as client:
        path = await client.download_file("clip.mp4", dest)
    assert path.read_bytes() == new
    assert [r.headers.get("range") is not None for r in server.requests] == [True, False]
