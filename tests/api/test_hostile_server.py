"""The client against a server that misbehaves on purpose (tests/api/hostile_server.py):
answers too big to hold, bodies that never end, gzip bombs, drips and endless
`102 Processing`. Each must end in one of the client's typed errors, soon, and
without holding the whole answer."""

from __future__ import annotations

import asyncio
import time
import tracemalloc

import pytest

from storeops.api import downloads, transport
from storeops.api.errors import RequestTimeout, ResponseTooLarge, ServerError
from storeops.api.limits import Family
from storeops.api.retry import RetryPolicy
from tests.helpers import not_none

from .hostile_server import Peer, Request, client_for, gzip_bomb

OTHER_CAP = transport.MAX_ANSWER_BYTES[Family.OTHER]
#: What loopback socket buffers may hold beyond what the client read.
SOCKET_SLACK = 8 * 1024 * 1024


async def _zeros(peer: Peer, total: int, piece: int = 64 * 1024, chunked: bool = False) -> None:
    block = b"a" * piece
    sent = 0
    while sent < total:
        if chunked:
            await peer.chunk(block)
        else:
            await peer.send(block)
        sent += piece


# ------------------------------------------------------------ sizes


async def test_a_huge_announced_answer_is_refused_before_it_is_read(hostile):
    async def script(request: Request, peer: Peer) -> None:
        # Announces 200 MB; sends at most 40 MB (a client that reads it all
        # then fails on the cut body instead of on the size).
        await peer.head(200, {"Content-Type": "application/json", "Content-Length": str(200_000_000)})
        await peer.send(b'{"token": "')
        await _zeros(peer, 40 * 1024 * 1024)

    server = hostile(script)
    async with client_for(server) as client:
        with pytest.raises(ResponseTooLarge) as info:
            await client.hls_token("store")
    assert "POST /v1/hlsapitoken" in str(info.value)
    assert server.sent < SOCKET_SLACK


async def test_an_endless_chunked_answer_stops_at_the_cap(hostile):
    async def script(request: Request, peer: Peer) -> None:
        await peer.head(200, {"Content-Type": "application/json", "Transfer-Encoding": "chunked"})
        await peer.chunk(b'{"token": "')
        await _zeros(peer, 3 * OTHER_CAP, chunked=True)

    server = hostile(script)
    async with client_for(server) as client:
        with pytest.raises(ResponseTooLarge):
            await client.hls_token("store")
    assert server.sent < OTHER_CAP + SOCKET_SLACK


async def test_a_gzip_bomb_stops_at_the_decompressed_cap(hostile):
    async def script(request: Request, peer: Peer) -> None:
        await peer.head(
            200, {"Content-Type": "application/json", "Content-Encoding": "gzip", "Transfer-Encoding": "chunked"}
        )
        # 3 x the cap of zeros is ~50 KB of gzip: the whole bomb fits in the
        # socket buffers, so only the client's own decoding can stop it.
        for piece in gzip_bomb(3 * OTHER_CAP):
            await peer.chunk(piece)
        await peer.send(b"0\r\n\r\n")

    server = hostile(script)
    async with client_for(server) as client:
        tracemalloc.start()
        try:
            with pytest.raises(ResponseTooLarge):
                await client.hls_token("store")
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert peak < 1.5 * OTHER_CAP


async def test_a_gzip_answer_within_the_cap_is_decoded(hostile):
    import gzip
    import json

    body = gzip.compress(json.dumps({"token": "t" * 100_000}).encode())

    async def script(request: Request, peer: Peer) -> None:
        await peer.head(
            200, {"Content-Type": "application/json", "Content-Encoding": "gzip", "Content-Length": str(len(body))}
        )
        await peer.send(body)

    server = hostile(script)
    async with client_for(server) as client:
        token = await client.hls_token("store")
    assert token.token == "t" * 100_000
    assert "gzip" in server.requests[0].headers["accept-encoding"]


async def test_a_huge_error_body_is_cut_short(hostile):
    async def script(request: Request, peer: Peer) -> None:
        await peer.head(500, {"Content-Type": "text/plain", "Transfer-Encoding": "chunked"})
        await peer.chunk(b"the server broke: ")
        await _zeros(peer, 40 * 1024 * 1024, chunked=True)

    server = hostile(script)
    async with client_for(server) as client:
        with pytest.raises(ServerError) as info:
            await client.hls_token("store")
    assert not_none(info.value.detail).startswith("the server broke")
    assert len(str(info.value)) < 1000
    assert server.sent < SOCKET_SLACK


async def test_a_download_gzip_bomb_does_not_fill_the_disk(hostile, tmp_path):
    async def script(request: Request, peer: Peer) -> None:
        # Asked for identity, answers gzip anyway (as a store of pre-compressed
        # files may): decoded, but not without bound.
        await peer.head(
            200,
            {"Content-Type": "application/octet-stream", "Content-Encoding": "gzip", "Transfer-Encoding": "chunked"},
        )
        for piece in gzip_bomb(64 * 1024 * 1024):
            await peer.chunk(piece)
        await peer.send(b"0\r\n\r\n")

    server = hostile(script)
    dest = tmp_path / "export.mp4"
    async with client_for(server) as client:
        with pytest.raises(ResponseTooLarge):
            await client.download_file("bomb.csv", dest)
    part = downloads.part_path(dest)
    assert not dest.exists()
    assert (part.stat().st_size if part.exists() else 0) < 32 * 1024 * 1024


async def test_a_gzip_encoded_download_is_stored_decoded(hostile, tmp_path):
    import gzip

    content = b"store,day,traffic\n" + b"Fifth Avenue,2026-03-01,1234\n" * 5000
    body = gzip.compress(content)

    async def script(request: Request, peer: Peer) -> None:
        await peer.head(200, {"Content-Type": "text/csv", "Content-Encoding": "gzip", "Content-Length": str(len(body))})
        await peer.send(body)

    server = hostile(script)
    async with client_for(server) as client:
        path = await client.download_file("traffic.csv", tmp_path / "traffic.csv")
    assert path.read_bytes() == content


# ------------------------------------------------------------ deadlines


async def test_a_dripping_answer_ends_at_the_deadline(hostile):
    async def script(request: Request, peer: Peer) -> None:
        body = b'{"token": "' + b"a" * 100 + b'"}'
        await peer.head(200, {"Content-Type": "application/json", "Content-Length": str(len(body))})
        for byte in body:  # one byte every 50 ms: each read is well within the timeout
            await peer.send(bytes([byte]))
            await asyncio.sleep(0.05)

    server = hostile(script)
    async with client_for(server, timeout=2.0, deadline=0.5) as client:
        started = time.monotonic()
        with pytest.raises(RequestTimeout):
            await client.hls_token("store")
        assert time.monotonic() - started < 1.5


async def test_processing_forever_ends_at_the_deadline(hostile):
    async def script(request: Request, peer: Peer) -> None:
        for _ in range(100):  # 5 s of interim answers, then a real one
            await peer.send(b"HTTP/1.1 102 Processing\r\n\r\n")
            await asyncio.sleep(0.05)
        await peer.json({"token": "late"})

    server = hostile(script)
    async with client_for(server, timeout=2.0, deadline=0.5) as client:
        started = time.monotonic()
        with pytest.raises(RequestTimeout):
            await client.hls_token("store")
        assert time.monotonic() - started < 1.5


async def test_the_deadline_covers_retries(hostile):
    async def script(request: Request, peer: Peer) -> None:
        await asyncio.sleep(0.2)
        await peer.json({"error_detail": "busy"}, status=503)

    server = hostile(script)
    slow_retry = RetryPolicy(max_attempts=50, base_delay=0.1, max_delay=0.1, jitter=0.0)
    async with client_for(server, retry=slow_retry, deadline=1.0) as client:
        started = time.monotonic()
        with pytest.raises((RequestTimeout, ServerError)):
            await client.hls_token("store")
        assert time.monotonic() - started < 3.0
    assert len(server.requests) < 10
