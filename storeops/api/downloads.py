"""Resumable, atomic file downloads.

Bytes go to `<dest>.part`; an interrupted transfer resumes from the size of that
file with a Range header; the finished file is fsynced and moved into place with
os.replace, so `dest` is either the previous file or the complete new one. Disk
writes run in the default executor: a slow disk must not stall the event loop.

Files are not held in memory, so no answer cap applies; but a server may send
a file compressed although asked for identity (a store of pre-compressed files
does): it is decoded a bounded piece at a time, and refused once it decodes to
more than MAX_INFLATE_RATIO times what came over the wire (a gzip bomb is
~1,000 times). Such a transfer cannot resume (ranges count compressed bytes):
it starts over.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import BinaryIO, Literal, TypeVar, TypeVarTuple

import httpx

from storeops.api.errors import ApiError, ProtocolError
from storeops.api.limits import Family
from storeops.api.transport import (
    Call,
    Transport,
    content_decoder,
    map_transport_errors,
    too_large,
)

log = logging.getLogger("storeops.api")

T = TypeVar("T")
Ts = TypeVarTuple("Ts")

Progress = Callable[[int, int | None], None]

#: Bytes gathered before one write to disk.
WRITE_BUFFER_BYTES = 1024 * 1024
READ_CHUNK_BYTES = 64 * 1024
MAX_REDIRECTS = 5
#: Decoded bytes allowed per byte received, plus INFLATE_ALLOWANCE_BYTES:
#: exported CSV compresses ~10-20 times, video not at all.
MAX_INFLATE_RATIO = 100
INFLATE_ALLOWANCE_BYTES = 16 * 1024 * 1024

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CONTENT_RANGE = re.compile(r"bytes\s+(\d+)-(\d+)/(\d+|\*)")
_UNSATISFIED_RANGE = re.compile(r"bytes\s+\*/(\d+)")


def part_path(dest: Path) -> Path:
    return dest.with_suffix(dest.suffix + ".part")


async def _io(func: Callable[[*Ts], T], *args: *Ts) -> T:
    return await asyncio.get_running_loop().run_in_executor(None, partial(func, *args))


def _open_binary(path: Path, mode: Literal["ab", "wb"]) -> BinaryIO:
    return open(path, mode)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _finish(part: Path, dest: Path) -> None:
    with open(part, "rb+") as f:
        os.fsync(f.fileno())
    os.replace(part, dest)
    if os.name == "posix":  # make the rename itself durable
        fd = os.open(dest.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class _Restart(Exception):
    """The server's answer cannot continue the .part file: start over."""


async def download(
    transport: Transport,
    path_or_url: str,
    dest: Path,
    *,
    params: Iterable[tuple[str, str]] | None = None,
    progress: Progress | None = None,
) -> Path:
    dest = Path(dest)
    part = part_path(dest)
    await _io(partial(dest.parent.mkdir, parents=True, exist_ok=True))
    params = list(params) if params is not None else None
    retry_number = 0
    restarts = 0
    while True:
        before = await _io(_size, part)
        try:
            await _attempt(transport, path_or_url, params, part, before, progress)
            break
        except _Restart:
            restarts += 1
            if restarts > 2:
                raise ProtocolError(
                    f"GET {httpx.URL(transport.url(path_or_url)).path}: the server cannot resume this download"
                ) from None
            await _io(partial(part.unlink, missing_ok=True))
        except ApiError as error:
            if await _io(_size, part) > before:
                retry_number = 0  # progress was made: a flaky link gets a fresh budget
            retry_number += 1
            delay = transport.retry_delay(True, error, retry_number)
            if delay is None:
                raise
            log.info("download interrupted (%s); resuming in %.2f s", type(error).__name__, delay)
            await asyncio.sleep(delay)
    await _io(_finish, part, dest)
    return dest


async def _attempt(
    transport: Transport,
    url: str,
    params: list[tuple[str, str]] | None,
    part: Path,
    have: int,
    progress: Progress | None,
) -> None:
    # identity: byte ranges must count the file's own bytes, not a gzip of them.
    headers = {"Accept-Encoding": "identity"}
    if have:
        headers["Range"] = f"bytes={have}-"
    for _ in range(MAX_REDIRECTS + 1):
        call = Call(
            "GET",
            url,
            Family.OTHER,
            safe=True,
            params=params,
            headers=headers,
            expected=frozenset({200, 206, 416}) | _REDIRECTS,
        )
        async with transport.stream(call) as response:
            if response.status_code in _REDIRECTS:
                location = response.headers.get("location")
                if not location:
                    raise ProtocolError(f"{call.label}: redirect without a location")
                # Credentials follow only if the target is our own origin
                # (Transport._headers decides per URL).
                url = str(httpx.URL(transport.url(url)).join(location))
                params = None
                continue
            await _receive(call, response, part, have, progress)
            return
    raise ProtocolError(f"GET {httpx.URL(url).path}: too many redirects")


async def _receive(call: Call, response: httpx.Response, part: Path, have: int, progress: Progress | None) -> None:
    status = response.status_code
    inflater = content_decoder(call, response)
    if inflater is not None and status in (206, 416):
        raise _Restart  # ranges of the compressed bytes: the .part file cannot continue them
    if status == 416:
        match = _UNSATISFIED_RANGE.search(response.headers.get("content-range", ""))
        if have and match and int(match.group(1)) == have:
            return  # the .part file already holds everything
        raise _Restart
    if status == 206:
        match = _CONTENT_RANGE.search(response.headers.get("content-range", ""))
        if not match or int(match.group(1)) != have:
            raise _Restart
        total = None if match.group(3) == "*" else int(match.group(3))
        mode: Literal["ab", "wb"] = "ab"
        done = have
    else:
        length = response.headers.get("content-length")
        total = int(length) if length and length.isdigit() else None
        mode = "wb"  # a 200 is the whole file: the .part content is stale
        done = 0
    wire = 0  # bytes received, compressed or not
    f = await _io(_open_binary, part, mode)
    buffer = bytearray()
    try:
        if progress:
            progress(done, total)
        with map_transport_errors(call):
            async for chunk in response.aiter_raw(READ_CHUNK_BYTES):
                wire += len(chunk)
                if inflater is None:
                    buffer += chunk
                    done += len(chunk)
                else:
                    allowed = INFLATE_ALLOWANCE_BYTES + MAX_INFLATE_RATIO * wire
                    for piece in inflater.feed(chunk, allowed - done):
                        done += len(piece)
                        if done > allowed:
                            raise too_large(call, allowed)
                        buffer += piece
                        if len(buffer) >= WRITE_BUFFER_BYTES:
                            await _io(f.write, bytes(buffer))
                            buffer.clear()
                if len(buffer) >= WRITE_BUFFER_BYTES:
                    await _io(f.write, bytes(buffer))
                    buffer.clear()
                if progress:
                    progress(done, total if inflater is None else None)
            if inflater is not None:
                buffer += inflater.flush()
    finally:
        # Keep every byte received, even when the link broke: the next attempt
        # resumes after them.
        if buffer:
            await _io(f.write, bytes(buffer))
        await _io(f.close)
    if inflater is not None:
        done = wire  # Content-Length counts the compressed bytes
    if total is not None and done != total:
        raise ProtocolError(f"{call.label}: the file ended after {done} of {total} bytes")
