"""A deliberately misbehaving HTTP/1.1 server for the client's fault tests.

A real peer on 127.0.0.1 (its own asyncio loop in a thread), not a mock: each
test gives it a script, a coroutine that reads nothing but the parsed request
and writes whatever raw bytes it likes — a body dripped a byte at a time,
`102 Processing` forever, an endless chunked body, a gzip bomb made on the fly.
The simulator stays well-behaved; misbehaviour lives here.

Every endless script is still bounded (by bytes or seconds), so a client that
fails to stop it costs a test a few seconds and some tens of MB, never the
machine; `sent` tells a test how far the server got before the client hung up.
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
import threading
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from storeops.api.client import RetailNextClient
from storeops.api.retry import RetryPolicy


@dataclass
class Request:
    method: str
    target: str
    headers: dict[str, str]  # lower-case names
    body: bytes

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]


class Peer:
    """The writing side of one connection, counting what it sent."""

    def __init__(self, server: HostileServer, writer: asyncio.StreamWriter) -> None:
        self._server = server
        self._writer = writer

    async def send(self, data: bytes) -> None:
        self._writer.write(data)
        await self._writer.drain()
        self._server.sent += len(data)

    async def head(self, status: int = 200, headers: dict[str, str] | None = None, reason: str = "OK") -> None:
        lines = [f"HTTP/1.1 {status} {reason}"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        await self.send(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))

    async def json(self, payload: object, status: int = 200, headers: dict[str, str] | None = None) -> None:
        body = json.dumps(payload).encode()
        await self.head(
            status, {"Content-Type": "application/json", "Content-Length": str(len(body)), **(headers or {})}
        )
        await self.send(body)

    async def chunk(self, data: bytes) -> None:
        await self.send(b"%x\r\n%s\r\n" % (len(data), data))

    async def hang_up(self) -> None:
        """Close the connection (the client sees what it got so far, and no more)."""
        self._writer.close()
        raise ConnectionResetError("the script hung up")


Script = Callable[[Request, Peer], Awaitable[None]]


@dataclass
class HostileServer:
    script: Script
    sent: int = 0  # bytes written to clients, all connections together
    requests: list[Request] = field(default_factory=list)
    _loop: asyncio.AbstractEventLoop | None = None
    _server: asyncio.Server | None = None
    _thread: threading.Thread | None = None
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> HostileServer:
        ready = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop

            async def main() -> None:
                # IPPROTO_TCP socket + TCP_NODELAY: small writes go out at once
                # (PLATFORM-NOTES: no Nagle delays of 40 ms per answer).
                sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                sock.bind(("127.0.0.1", 0))
                self._server = await asyncio.start_server(self._handle, sock=sock)
                self.port = sock.getsockname()[1]
                ready.set()

            loop.run_until_complete(main())
            loop.run_forever()
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

        self._thread = threading.Thread(target=run, name="hostile-server", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the hostile server did not start")
        return self

    def stop(self) -> None:
        loop = self._loop
        if loop is None:
            return

        async def close() -> None:
            assert self._server is not None
            self._server.close()
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()

        asyncio.run_coroutine_threadsafe(close(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        assert self._thread is not None
        self._thread.join(10)
        self._loop = None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            while True:
                request = await _read_request(reader)
                if request is None:
                    return
                self.requests.append(request)
                await self.script(request, Peer(self, writer))
        except (ConnectionError, asyncio.IncompleteReadError):
            pass  # the client hung up: what the endless scripts wait for
        except (asyncio.LimitOverrunError, ValueError):
            pass  # a request head over 64 KB (a client echoing a huge cursor)
        finally:
            writer.close()


async def _read_request(reader: asyncio.StreamReader) -> Request | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    body = await reader.readexactly(length) if length else b""
    return Request(method, target, headers, body)


# ------------------------------------------------------------ scripted misbehaviour


def gzip_bomb(plain_bytes: int, block: int = 1 << 20):
    """Gzip of `plain_bytes` zeros, produced a block at a time: ~1 KB of
    compressed output per MB, never the whole thing in memory."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    zeros = bytes(block)
    made = 0
    while made < plain_bytes:
        out = compressor.compress(zeros)
        made += block
        if out:
            yield out
    yield compressor.flush()


# ------------------------------------------------------------ a file server with faults


@dataclass
class ServedFile:
    """One version of a file as a server holds it, and how honest that server is
    about ranges: `honour_range` False answers every Range with the whole file;
    `honour_if_range` False serves the range even when If-Range names another
    version (as a careless server or cache does)."""

    body: bytes
    etag: str | None = '"v1"'
    last_modified: str | None = None
    honour_range: bool = True
    honour_if_range: bool = True
    headers: dict[str, str] = field(default_factory=dict)

    def validates(self, if_range: str) -> bool:
        return if_range in (self.etag, self.last_modified)


_RANGE_FROM = re.compile(r"bytes=(\d+)-$")


async def serve_file(
    request: Request,
    peer: Peer,
    file: ServedFile,
    *,
    cut_after: int | None = None,
    stall_after: int | None = None,
    stall_s: float = 10.0,
) -> None:
    """Answer `request` for `file` as an HTTP file server would (200, 206 with
    Content-Range, 416), then misbehave if asked: `cut_after` body bytes, hang
    up; `stall_after` body bytes, send nothing more for `stall_s`, hang up."""
    body, status = file.body, 200
    headers = {"Content-Type": "application/octet-stream", "Accept-Ranges": "bytes"}
    if file.etag:
        headers["ETag"] = file.etag
    if file.last_modified:
        headers["Last-Modified"] = file.last_modified
    wanted = _RANGE_FROM.match(request.headers.get("range", ""))
    if_range = request.headers.get("if-range")
    if wanted and file.honour_range and (if_range is None or file.validates(if_range) or not file.honour_if_range):
        start = int(wanted.group(1))
        if start >= len(file.body):
            await peer.head(416, {"Content-Range": f"bytes */{len(file.body)}", "Content-Length": "0"})
            return
        status, body = 206, file.body[start:]
        headers["Content-Range"] = f"bytes {start}-{len(file.body) - 1}/{len(file.body)}"
    headers["Content-Length"] = str(len(body))
    headers.update(file.headers)
    await peer.head(status, headers, reason="Partial Content" if status == 206 else "OK")
    if stall_after is not None:
        await peer.send(body[:stall_after])
        await asyncio.sleep(stall_s)
        await peer.hang_up()
    if cut_after is not None:
        await peer.send(body[:cut_after])
        await peer.hang_up()
    await peer.send(body)


@pytest.fixture
def hostile():
    """`hostile(script)`: a started HostileServer, stopped after the test."""
    servers: list[HostileServer] = []

    def serve(script: Script) -> HostileServer:
        server = HostileServer(script).start()
        servers.append(server)
        return server

    yield serve
    for server in servers:
        server.stop()


def client_for(server: HostileServer, **kw: Any) -> RetailNextClient:
    kw.setdefault("retry", RetryPolicy.never())
    return RetailNextClient(server.url, "key", "secret", **kw)
