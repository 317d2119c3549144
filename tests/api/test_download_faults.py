"""A download ends in the exact file or a typed error, against a file server
that lies (tests/api/hostile_server.py: serve_file): leftover parts of another
file or version, 416s, files that change between attempts, encodings nobody
asked for, wrong sizes, stalls. Each test checks the bytes on disk and the
requests the server saw."""

from __future__ import annotations

import gzip
import json
import time

import pytest

from storeops.api import download_files
from storeops.api.download_files import part_path, state_path
from storeops.api.errors import ConnectionFailed, ProtocolError, RequestTimeout
from storeops.api.retry import RetryPolicy

from .hostile_server import Peer, Request, ServedFile, client_for, serve_file

FAST = RetryPolicy(max_attempts=4, base_delay=0.01, max_delay=0.05)
V1 = bytes(range(256)) * 400  # 102,400 bytes
V2 = bytes(reversed(range(256))) * 400  # the same size, other bytes everywhere
HALF = len(V1) // 2


def _ranges(server) -> list[str | None]:
    return [r.headers.get("range") for r in server.requests]


def _if_ranges(server) -> list[str | None]:
    return [r.headers.get("if-range") for r in server.requests]


def _cut_first(file_for_attempt, cut_after: int = HALF):
    """A script: the first request is cut after `cut_after` bytes; later ones get
    `file_for_attempt(n)` whole (n counts requests, from 0)."""
    seen = {"n": 0}

    async def script(request: Request, peer: Peer) -> None:
        n = seen["n"]
        seen["n"] += 1
        await serve_file(request, peer, file_for_attempt(n), cut_after=cut_after if n == 0 else None)

    return script


async def _interrupted(server, dest, file: str = "clip.mp4") -> None:
    """One download that breaks off, leaving a part (and its state) behind."""
    async with client_for(server) as client:
        with pytest.raises(ConnectionFailed):
            await client.download_file(file, dest)
    assert part_path(dest).exists() and not dest.exists()


# ------------------------------------------------------------ resuming only with a validator


async def test_a_cut_download_resumes_with_if_range_and_checks_the_overlap(hostile, tmp_path):
    server = hostile(_cut_first(lambda n: ServedFile(V1)))
    dest = tmp_path / "clip.mp4"
    await _interrupted(server, dest)
    state = json.loads(state_path(dest).read_text())
    assert state["etag"] == '"v1"' and state["total"] == len(V1) and state["source"] == "file:clip.mp4"
    have = part_path(dest).stat().st_size
    assert part_path(dest).read_bytes() == V1[:have]

    async with client_for(server) as client:
        path = await client.download_file("clip.mp4", dest)
    assert path == dest and dest.read_bytes() == V1
    assert _ranges(server) == [None, f"bytes={have - download_files_overlap()}-"]
    assert _if_ranges(server) == [None, '"v1"']
    assert not part_path(dest).exists() and not state_path(dest).exists()


def download_files_overlap() -> int:
    from storeops.api.downloads import OVERLAP_BYTES

    return OVERLAP_BYTES


async def test_retries_within_one_call_resume_too(hostile, tmp_path):
    server = hostile(_cut_first(lambda n: ServedFile(V1)))
    async with client_for(server, retry=FAST) as client:
        path = await client.download_file("clip.mp4", tmp_path / "clip.mp4")
    assert path.read_bytes() == V1
    assert _ranges(server)[0] is None and _ranges(server)[1] is not None


async def test_a_part_without_its_state_starts_over(hostile, tmp_path):
    dest = tmp_path / "clip.mp4"
    part_path(dest).write_bytes(V2[:HALF])  # left by an older StoreOps, or by hand
    server = hostile(lambda r, p: serve_file(r, p, ServedFile(V1)))
    async with client_for(server) as client:
        await client.download_file("clip.mp4", dest)
    assert dest.read_bytes() == V1
    assert _ranges(server) == [None]


async def test_a_part_of_another_file_starts_over(hostile, tmp_path):
    server = hostile(_cut_first(lambda n: ServedFile(V1 if n == 0 else V2, etag='"same-etag"')))
    dest = tmp_path / "clip.mp4"
    await _interrupted(server, dest, file="first.mp4")
    async with client_for(server) as client:
        await client.download_file("second.mp4", dest)  # same destination, another file
    assert dest.read_bytes() == V2
    assert _ranges(server) == [None, None]


async def test_a_part_of_an_older_version_gets_the_new_version_whole(hostile, tmp_path):
    # An honest server: If-Range names v1, the file is v2 now, so the answer is a 200.
    server = hostile(_cut_first(lambda n: ServedFile(V1) if n == 0 else ServedFile(V2, etag='"v2"')))
    dest = tmp_path / "clip.mp4"
    await _interrupted(server, dest)
    async with client_for(server) as client:
        await client.download_file("clip.mp4", dest)
    assert dest.read_bytes() == V2
    assert _if_ranges(server) == [None, '"v1"']


async def test_a_server_ignoring_if_range_is_caught_by_the_new_etag(hostile, tmp_path):
    # v2 differs only after the part's end: only its ETag tells it from v1.
    v2 = V1[:HALF] + V2[HALF:]

    def version(n: int) -> ServedFile:
        return ServedFile(V1) if n == 0 else ServedFile(v2, etag='"v2"', honour_if_range=False)

    server = hostile(_cut_first(version))
    dest = tmp_path / "clip.mp4"
    await _interrupted(server, dest)
    async with client_for(server) as client:
        await client.download_file("clip.mp4", dest)
    assert dest.read_bytes() == v2
    assert [r is not None for r in _ranges(server)] == [False, True, False]


async def test_a_server_ignoring_if_range_with_an_unchanged_date_is_caught_by_the_overlap(hostile, tmp_path):
    date = "Wed, 22 Apr 2026 20:00:00 GMT"

    def version(n: int) -> ServedFile:
        # Only a Last-Modified, which the server did not change with the file.
        return ServedFile(V1 if n == 0 else V2, etag=None, last_modified=date, honour_if_range=False)

    server = hostile(_cut_first(version))
    dest = tmp_path / "clip.mp4"
    await _interrupted(server, dest)
    async with client_for(server) as client:
        await client.download_file("clip.mp4", dest)
    assert dest.read_bytes() == V2
    assert _if_ranges(server)[1] == date
    assert [r is not None for r in _ranges(server)] == [False, True, False]


async def test_a_resume_with_another_total_size_starts_over(hostile, tmp_path):
    longer = V1 + b"appended"

    def version(n: int) -> ServedFile:
        return ServedFile(V1 if n == 0 else longer, honour_if_range=False)  # same ETag, a lie

    server = hostile(_cut_first(version))
    dest = tmp_path / "clip.mp4"
    await _interrupted(server, dest)
    async with client_for(server) as client:
        await client.download_file("clip.mp4", dest)
    assert dest.read_bytes() == longer
    assert [r is not None for r in _ranges(server)] == [False, True, False]


async def test_a_server_without_validators_is_never_resumed(hostile, tmp_path):
    server = hostile(_cut_first(lambda n: ServedFile(V1, etag=None)))
    dest = tmp_path / "clip.mp4"
    await _interrupted(server, dest)
    assert not state_path(dest).exists()
    async with client_for(server) as client:
        await client.download_file("clip.mp4", dest)
    assert dest.read_bytes() == V1
    assert _ranges(server) == [None, None]


async def test_a_weak_etag_is_not_used_in_if_range(hostile, tmp_path):
    server = hostile(_cut_first(lambda n: ServedFile(V1, etag='W/"v1"')))
    dest = tmp_path / "clip.mp4"
    await _interrupted(server, dest)
    async with client_for(server) as client:
        await client.download_file("clip.mp4", dest)
    assert dest.read_bytes() == V1
    assert _ranges(server) == [None, None]  # no strong validator: started over


# ------------------------------------------------------------ 416


async def test_a_complete_part_is_confirmed_by_its_last_bytes(hostile, tmp_path):
    server = hostile(_cut_first(lambda n: ServedFile(V1), cut_after=len(V1) - 1))
    dest = tmp_path / "clip.mp4"
    await _interrupted(server, dest)
    part_path(dest).write_bytes(V1)  # as if the last byte had arrived before the app closed
    async with client_for(server) as client:
        await client.download_file("clip.mp4", dest)
    assert dest.read_bytes() == V1
    assert _ranges(server)[1] == f"bytes={len(V1) - download_files_overlap()}-"


async def test_a_416_to_a_resume_never_renames_the_part(hostile, tmp_path):
    # The part holds half of v1; the server now claims (416) the file is exactly
    # as long as the part. Renaming would hand over half a file.
    seen = {"n": 0}

    async def script(request: Request, peer: Peer) -> None:
        seen["n"] += 1
        if seen["n"] == 1:
            await serve_file(request, peer, ServedFile(V1), cut_after=HALF)
        elif request.headers.get("range"):
            await peer.head(416, {"Content-Range": f"bytes */{HALF}", "Content-Length": "0", "ETag": '"v1"'})
        else:
            await serve_file(request, peer, ServedFile(V1))

    server = hostile(script)
    dest = tmp_path / "clip.mp4"
    await _interrupted(server, dest)
    async with client_for(server) as client:
        await client.download_file("clip.mp4", dest)
    assert dest.read_bytes() == V1
    assert [r is not None for r in _ranges(server)] == [False, True, False]


async def test_a_server_answering_416_to_everything_is_an_error(hostile, tmp_path):
    async def script(request: Request, peer: Peer) -> None:
        if len(server.requests) == 1:
            await serve_file(request, peer, ServedFile(V1), cut_after=HALF)
        else:
            await peer.head(416, {"Content-Range": f"bytes */{HALF}", "Content-Length": "0"})

    server = hostile(script)
    dest = tmp_path / "clip.mp4"
    await _interrupted(server, dest)
    async with client_for(server) as client:
        with pytest.raises(ProtocolError, match="416"):
            await client.download_file("clip.mp4", dest)
    assert not dest.exists()
    assert [r is not None for r in _ranges(server)] == [False, True, False]


# ------------------------------------------------------------ a file that changes meanwhile


async def test_a_file_changed_between_two_attempts_of_one_call(hostile, tmp_path):
    server = hostile(_cut_first(lambda n: ServedFile(V1) if n == 0 else ServedFile(V2, etag='"v2"')))
    async with client_for(server, retry=FAST) as client:
        path = await client.download_file("clip.mp4", tmp_path / "clip.mp4")
    assert path.read_bytes() == V2


async def test_a_file_that_keeps_changing_under_a_lying_server_ends_in_an_error(hostile, tmp_path):
    versions = iter(range(1000))

    async def script(request: Request, peer: Peer) -> None:
        n = next(versions)
        body = bytes([n % 256]) * len(V1)
        # Cut every time, and a new version each time, behind the same ETag.
        await serve_file(request, peer, ServedFile(body, honour_if_range=False), cut_after=HALF)

    server = hostile(script)
    async with client_for(server, retry=FAST) as client:
        with pytest.raises((ProtocolError, ConnectionFailed)):
            await client.download_file("clip.mp4", tmp_path / "clip.mp4")
    assert not (tmp_path / "clip.mp4").exists()
    assert len(server.requests) < 20


# ------------------------------------------------------------ encodings


async def test_an_unknown_encoding_is_refused_not_saved(hostile, tmp_path):
    file = ServedFile(b"\x00compressed-by-brotli" * 100, headers={"Content-Encoding": "br"})
    server = hostile(lambda r, p: serve_file(r, p, file))
    async with client_for(server) as client:
        with pytest.raises(ProtocolError, match="compressed"):
            await client.download_file("clip.mp4", tmp_path / "clip.mp4")
    assert not (tmp_path / "clip.mp4").exists()


async def test_a_gzip_answer_to_a_resume_starts_over(hostile, tmp_path):
    packed = gzip.compress(V1)

    async def script(request: Request, peer: Peer) -> None:
        if len(server.requests) == 1:
            await serve_file(request, peer, ServedFile(V1), cut_after=HALF)
        elif request.headers.get("range"):
            # A part of the gzip of the file: it cannot continue the plain part.
            rest = packed[100:]
            await peer.head(
                206,
                {
                    "Content-Encoding": "gzip",
                    "ETag": '"v1"',
                    "Content-Range": f"bytes {100}-{len(packed) - 1}/{len(packed)}",
                    "Content-Length": str(len(rest)),
                },
            )
            await peer.send(rest)
        else:
            await peer.head(200, {"Content-Encoding": "gzip", "Content-Length": str(len(packed)), "ETag": '"v1"'})
            await peer.send(packed)

    server = hostile(script)
    dest = tmp_path / "clip.mp4"
    await _interrupted(server, dest)
    async with client_for(server) as client:
        await client.download_file("clip.mp4", dest)
    assert dest.read_bytes() == V1  # decoded, not saved raw
    assert [r is not None for r in _ranges(server)] == [False, True, False]
    assert all(r.headers.get("accept-encoding") == "identity" for r in server.requests)


async def test_a_cut_gzip_answer_is_not_resumed(hostile, tmp_path):
    packed = gzip.compress(V1, compresslevel=0)  # stored blocks: big enough to cut

    async def script(request: Request, peer: Peer) -> None:
        await peer.head(200, {"Content-Encoding": "gzip", "Content-Length": str(len(packed)), "ETag": '"v1"'})
        if len(server.requests) == 1:
            await peer.send(packed[: len(packed) // 2])
            await peer.hang_up()
        await peer.send(packed)

    server = hostile(script)
    dest = tmp_path / "clip.mp4"
    await _interrupted(server, dest)
    assert not state_path(dest).exists()  # decoded bytes: ranges of the wire cannot continue them
    async with client_for(server) as client:
        await client.download_file("clip.mp4", dest)
    assert dest.read_bytes() == V1 and _ranges(server) == [None, None]


# ------------------------------------------------------------ sizes


async def test_a_body_shorter_than_its_content_length_is_resumed_not_kept(hostile, tmp_path):
    async def script(request: Request, peer: Peer) -> None:
        if len(server.requests) == 1:
            # Announces the whole file, sends half, closes cleanly.
            await serve_file(request, peer, ServedFile(V1), cut_after=HALF)
        else:
            await serve_file(request, peer, ServedFile(V1))

    server = hostile(script)
    async with client_for(server, retry=FAST) as client:
        path = await client.download_file("clip.mp4", tmp_path / "clip.mp4")
    assert path.read_bytes() == V1


async def test_a_range_answer_longer_than_its_content_range_is_refused(hostile, tmp_path):
    async def script(request: Request, peer: Peer) -> None:
        if len(server.requests) == 1:
            await serve_file(request, peer, ServedFile(V1), cut_after=HALF)
            return
        if request.headers.get("range"):
            start = int(request.headers["range"][6:-1])
            # Chunked, so nothing but Content-Range says where it ends: and it sends more.
            await peer.head(
                206,
                {
                    "ETag": '"v1"',
                    "Content-Range": f"bytes {start}-{len(V1) - 1}/{len(V1)}",
                    "Transfer-Encoding": "chunked",
                },
            )
            await peer.chunk(V1[start:] + b"trailing garbage")
            await peer.send(b"0\r\n\r\n")
            return
        await serve_file(request, peer, ServedFile(V1))

    server = hostile(script)
    dest = tmp_path / "clip.mp4"
    await _interrupted(server, dest)
    async with client_for(server) as client:
        await client.download_file("clip.mp4", dest)
    assert dest.read_bytes() == V1
    assert [r is not None for r in _ranges(server)] == [False, True, False]


async def test_a_content_range_from_another_offset_starts_over(hostile, tmp_path):
    async def script(request: Request, peer: Peer) -> None:
        if len(server.requests) == 1:
            await serve_file(request, peer, ServedFile(V1), cut_after=HALF)
        elif request.headers.get("range"):
            await peer.head(
                206,
                {
                    "ETag": '"v1"',
                    "Content-Range": f"bytes 10-{len(V1) - 1}/{len(V1)}",
                    "Content-Length": str(len(V1) - 10),
                },
            )
            await peer.send(V1[10:])
        else:
            await serve_file(request, peer, ServedFile(V1))

    server = hostile(script)
    dest = tmp_path / "clip.mp4"
    await _interrupted(server, dest)
    async with client_for(server) as client:
        await client.download_file("clip.mp4", dest)
    assert dest.read_bytes() == V1


# ------------------------------------------------------------ stalls and deadlines


async def test_a_body_that_stalls_is_a_timeout_and_stays_resumable(hostile, tmp_path):
    stalled = {"on": True}

    async def script(request: Request, peer: Peer) -> None:
        if stalled["on"]:
            await serve_file(request, peer, ServedFile(V1), stall_after=HALF, stall_s=10)
        else:
            await serve_file(request, peer, ServedFile(V1))

    server = hostile(script)
    dest = tmp_path / "clip.mp4"
    started = time.monotonic()
    async with client_for(server) as client:
        with pytest.raises(RequestTimeout, match="stalled"):
            await client.download_file("clip.mp4", dest, stall_timeout=0.5)
    assert time.monotonic() - started < 5
    have = part_path(dest).stat().st_size
    assert have == HALF and part_path(dest).read_bytes() == V1[:HALF]
    assert state_path(dest).exists()

    stalled["on"] = False
    async with client_for(server) as client:
        await client.download_file("clip.mp4", dest)
    assert dest.read_bytes() == V1
    assert _ranges(server)[-1] == f"bytes={HALF - download_files_overlap()}-"


async def test_a_dripping_body_counts_as_stalled(hostile, tmp_path):
    async def script(request: Request, peer: Peer) -> None:
        await peer.head(200, {"Content-Length": str(len(V1)), "ETag": '"v1"'})
        for i in range(100):  # 100 bytes every 50 ms: alive, but far too slow
            await peer.send(V1[i * 100 : (i + 1) * 100])
            await __import__("asyncio").sleep(0.05)

    server = hostile(script)
    started = time.monotonic()
    async with client_for(server) as client:
        with pytest.raises(RequestTimeout, match="stalled"):
            await client.download_file("clip.mp4", tmp_path / "clip.mp4", stall_timeout=0.5)
    assert time.monotonic() - started < 3


async def test_the_whole_download_has_a_deadline(hostile, tmp_path):
    async def script(request: Request, peer: Peer) -> None:
        await peer.head(200, {"Content-Length": str(len(V1)), "ETag": '"v1"'})
        for i in range(0, len(V1), 20_000):  # fast enough for the stall timer, not for the deadline
            await peer.send(V1[i : i + 20_000])
            await __import__("asyncio").sleep(0.3)

    server = hostile(script)
    async with client_for(server) as client:
        with pytest.raises(RequestTimeout, match=r"within 0\.5 s"):
            await client.download_file("clip.mp4", tmp_path / "clip.mp4", deadline=0.5)
    assert not (tmp_path / "clip.mp4").exists()
    assert part_path(tmp_path / "clip.mp4").exists()  # kept: a later call resumes


async def test_the_part_is_in_order_after_a_cancel_mid_write(hostile, tmp_path):
    # Many small pieces and a tiny stall timeout: whatever await the timeout
    # lands on, the part holds a prefix of the file, never a gap.
    async def script(request: Request, peer: Peer) -> None:
        await serve_file(request, peer, ServedFile(V1 * 40), stall_after=len(V1) * 20, stall_s=5)

    server = hostile(script)
    dest = tmp_path / "clip.mp4"
    async with client_for(server) as client:
        with pytest.raises(RequestTimeout):
            await client.download_file("clip.mp4", dest, stall_timeout=0.3)
    data = part_path(dest).read_bytes()
    assert data == (V1 * 40)[: len(data)] and len(data) > 0
    assert download_files.load_state(dest, "file:clip.mp4") is not None


async def test_cancelling_a_download_stops_its_thread_and_keeps_the_part(hostile, tmp_path, caplog):
    import asyncio
    import threading

    async def script(request: Request, peer: Peer) -> None:
        if request.headers.get("range"):
            await serve_file(request, peer, ServedFile(V1))
        else:
            await serve_file(request, peer, ServedFile(V1), stall_after=HALF, stall_s=10)

    server = hostile(script)
    dest = tmp_path / "clip.mp4"
    halfway = asyncio.Event()

    def progress(done: int, total: int | None) -> None:
        if done >= HALF:
            halfway.set()

    async with client_for(server) as client:
        task = asyncio.ensure_future(client.download_file("clip.mp4", dest, progress=progress))
        await asyncio.wait_for(halfway.wait(), 5)
        started = time.monotonic()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert time.monotonic() - started < 1  # the blocked read was cut, not waited out
        # The thread hands over its outcome, then ends a moment later.
        for _ in range(100):
            if not any(t.name == "storeops-download" and t.is_alive() for t in threading.enumerate()):
                break
            await asyncio.sleep(0.01)
        else:
            raise AssertionError("the download's thread is still running")
        assert part_path(dest).read_bytes() == V1[:HALF] and not dest.exists()
        path = await client.download_file("clip.mp4", dest)
    assert path.read_bytes() == V1
    assert _ranges(server)[-1] is not None  # resumed
    assert "never retrieved" not in caplog.text
