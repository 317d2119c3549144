"""Resumable downloads that end in the exact file or a typed error.

Bytes go to `<dest>.part`; the finished part is checked against the size the
server announced, fsynced and moved into place (download_files.finish), by
default under a free name ("x (1).mp4") rather than over an existing file.

Resuming trusts nothing but a validator. When a transfer starts, the server's
ETag / Last-Modified and size are kept beside the part (`<dest>.part.json`,
with the caller's `source` key). A later attempt asks for the rest with
`If-Range` and that validator, and a few KB before the end of the part
(OVERLAP_BYTES), which must come back equal to what the part holds:
- no state, another source's, or no validator from the server: start over;
- 200 (the file changed, or the server ignores ranges): the whole new file;
- 206 from another offset, with another ETag / Last-Modified / size, with a
  Content-Encoding, or whose overlap differs: the part is dropped, start over;
- 416: the server says the part is longer than the file; never "complete",
  since a resume always asks for bytes the part already has; start over.

A server may send a file compressed although asked for identity (a store of
pre-compressed files does): gzip and deflate are decoded a bounded piece at a
time and refused past MAX_INFLATE_RATIO times what came over the wire (a gzip
bomb is ~1,000 times); any other coding is refused (ProtocolError). A decoded
transfer is not resumable (ranges count compressed bytes).

Redirects are followed by hand (MAX_REDIRECTS), each Location checked by
urls.resolve_link: no `javascript:`/`file:` links, nothing malformed pasted
onto the base. Credentials go only to the client's own origin (Transport).

Time: each response head is under the transport's deadline; the body is under
a stall timeout (at least STALL_MIN_BYTES every `stall_timeout` seconds, so a
server dripping bytes cannot hold it forever) and the whole download under an
optional `deadline`. A stall is a RequestTimeout, retried like a dropped
connection; the part and its state stay, so the next attempt (or the next run)
resumes.

Disk writes run in the default executor, a megabyte at a time: a slow disk
must not stall the event loop (the GUI thread, under qasync).
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import BinaryIO, TypeVar, TypeVarTuple
from urllib.parse import urlencode

import httpx

from storeops.api import download_files as files
from storeops.api.download_files import IfExists, PartState, part_path, safe_filename
from storeops.api.errors import ApiError, ConnectionFailed, ProtocolError, RequestTimeout
from storeops.api.limits import Family
from storeops.api.transport import Call, Inflater, Transport, content_decoder, map_transport_errors, too_large
from storeops.api.urls import resolve_link

__all__ = [
    "DownloadProgress",
    "IfExists",
    "Progress",
    "ProgressReport",
    "download",
    "part_path",
    "safe_filename",
]

log = logging.getLogger("storeops.api")

T = TypeVar("T")
Ts = TypeVarTuple("Ts")

#: The plain callback: `progress(done, total)` after each piece received. `done`
#: counts the file's bytes on disk (a resumed part's included); `total` is the
#: file's size, None when unknown (or while a compressed answer is decoded).
Progress = Callable[[int, int | None], None]

#: Bytes gathered before one write to disk.
WRITE_BUFFER_BYTES = 1024 * 1024
MAX_REDIRECTS = 5
#: Decoded bytes allowed per byte received, plus INFLATE_ALLOWANCE_BYTES:
#: exported CSV compresses ~10-20 times, video not at all.
MAX_INFLATE_RATIO = 100
INFLATE_ALLOWANCE_BYTES = 16 * 1024 * 1024
#: Bytes before the end of the part asked for again on a resume, and compared:
#: a server that ignores If-Range and serves another file's bytes is caught.
OVERLAP_BYTES = 4096
#: A body that brings fewer than STALL_MIN_BYTES in STALL_TIMEOUT_S has stalled.
STALL_TIMEOUT_S = 30.0
STALL_MIN_BYTES = 16 * 1024
#: Fresh starts allowed after a part turned out unusable, in one download.
MAX_RESTARTS = 3
#: DownloadProgress reports come at most this often (plus the first and last).
REPORT_INTERVAL_S = 0.1
#: Speed is measured over the last few seconds, so time left follows the link.
RATE_WINDOW_S = 3.0

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CONTENT_RANGE = re.compile(r"bytes\s+(\d{1,18})-(\d{1,18})/(\d{1,18}|\*)")


@dataclass(frozen=True, slots=True)
class DownloadProgress:
    """A report for a progress bar: where the download is, how fast it goes."""

    done: int  # bytes of the file on disk, a resumed part's included
    total: int | None  # the file's size, None when unknown
    resumed_from: int  # bytes the part held when this download began
    elapsed: float  # seconds since this download began
    rate: float | None  # bytes per second over the last few seconds; None at first

    @property
    def fraction(self) -> float | None:
        if not self.total:
            return None
        return min(1.0, self.done / self.total)

    @property
    def remaining_s(self) -> float | None:
        """Seconds left at the current speed; None when unknown."""
        if self.total is not None and self.done >= self.total:
            return 0.0
        if self.total is None or not self.rate:
            return None
        return max(0, self.total - self.done) / self.rate


#: The GUI's callback: a DownloadProgress at most every REPORT_INTERVAL_S.
ProgressReport = Callable[[DownloadProgress], None]


class _Meter:
    """Feeds both callbacks; measures speed over a sliding window."""

    def __init__(self, progress: Progress | None, report: ProgressReport | None) -> None:
        self._progress = progress
        self._report = report
        self._started = time.monotonic()
        self._samples: deque[tuple[float, int]] = deque()
        self._last_report = 0.0
        self.resumed_from: int | None = None

    def update(self, done: int, total: int | None, *, force: bool = False) -> None:
        if self.resumed_from is None:
            self.resumed_from = done
        if self._progress is not None:
            self._progress(done, total)
        if self._report is None:
            return
        now = time.monotonic()
        if self._samples and done < self._samples[-1][1]:
            self._samples.clear()  # started over: the old samples say nothing of this speed
        self._samples.append((now, done))
        while len(self._samples) > 2 and now - self._samples[1][0] >= RATE_WINDOW_S:
            self._samples.popleft()
        if not force and now - self._last_report < REPORT_INTERVAL_S:
            return
        self._last_report = now
        first_at, first_done = self._samples[0]
        span = now - first_at
        rate = (done - first_done) / span if span >= 0.2 else None
        self._report(DownloadProgress(done, total, self.resumed_from, now - self._started, rate))


class _Restart(Exception):
    """The part cannot be continued: drop it and start over."""


@dataclass
class _Job:
    transport: Transport
    url: str
    params: list[tuple[str, str]] | None
    dest: Path
    source: str
    stall_timeout: float
    meter: _Meter

    @property
    def label(self) -> str:
        return f"GET {httpx.URL(self.transport.url(self.url)).path}"


@contextmanager
def malformed_links(label: str) -> Iterator[None]:
    """httpx reads every redirect's Location itself, even when not following it:
    one it cannot parse comes out as an InvalidURL (not an httpx error) or a
    RemoteProtocolError (which would read as a failed connection, and be
    retried). Both are the server's malformed link: a ProtocolError."""
    try:
        yield
    except httpx.InvalidURL as exc:
        raise ProtocolError(f"{label}: the server's link is malformed") from exc
    except ConnectionFailed as exc:
        cause = exc.__cause__
        if isinstance(cause, httpx.RemoteProtocolError) and "location header" in str(cause).lower():
            raise ProtocolError(f"{label}: the server's link is malformed") from exc
        raise


async def _io(func: Callable[[*Ts], T], *args: *Ts) -> T:
    return await asyncio.get_running_loop().run_in_executor(None, partial(func, *args))


async def download(
    transport: Transport,
    path_or_url: str,
    dest: Path,
    *,
    params: Iterable[tuple[str, str]] | None = None,
    progress: Progress | None = None,
    on_progress: ProgressReport | None = None,
    source: str | None = None,
    if_exists: IfExists = "rename",
    stall_timeout: float = STALL_TIMEOUT_S,
    deadline: float | None = None,
) -> Path:
    """Download into `dest` and return where the file landed (see if_exists).

    `source`: what identifies the file across runs (an export id, a file key),
    kept beside the part; default the URL without its query (which may be a
    signature that changes). `deadline`: seconds for the whole download,
    retries included (RequestTimeout); None: no limit but the stall timeout."""
    dest = Path(dest)
    params = list(params) if params is not None else None
    if source is None:
        source = str(httpx.URL(transport.url(path_or_url)).copy_with(query=None, fragment=None))
        if params:
            source += "?" + urlencode(params)
    job = _Job(transport, path_or_url, params, dest, source, stall_timeout, _Meter(progress, on_progress))
    await _io(partial(dest.parent.mkdir, parents=True, exist_ok=True))
    try:
        async with asyncio.timeout(deadline):
            total = await _transfer(job)
    except TimeoutError:
        raise RequestTimeout(f"{job.label}: the download did not finish within {deadline:g} s") from None
    return await _io(files.finish, dest, total, if_exists, job.label)


async def _transfer(job: _Job) -> int | None:
    """Attempts until the part is complete; returns the file's announced size."""
    retry_number = 0
    restarts = 0
    furthest = 0
    while True:
        try:
            return await _attempt(job)
        except _Restart as why:
            restarts += 1
            if restarts > MAX_RESTARTS:
                raise ProtocolError(f"{job.label}: the download cannot be completed ({why})") from None
            log.info("download of %s starts over: %s", job.label, why)
            await _io(files.forget_part, job.dest)
        except ApiError as error:
            reached = await _io(files.part_size, job.dest)
            if reached > furthest:
                furthest = reached
                retry_number = 0  # progress was made: a flaky link gets a fresh budget
            retry_number += 1
            delay = job.transport.retry_delay(True, error, retry_number)
            if delay is None:
                raise
            log.info("download interrupted (%s); resuming in %.2f s", type(error).__name__, delay)
            await asyncio.sleep(delay)


async def _attempt(job: _Job) -> int | None:
    state = await _io(files.load_state, job.dest, job.source)
    have = await _io(files.part_size, job.dest) if state is not None else 0
    # identity: byte ranges must count the file's own bytes, not a gzip of them.
    headers = {"Accept-Encoding": "identity"}
    overlap = b""
    if state is not None and have and state.if_range:
        overlap = await _io(files.read_part, job.dest, have - min(have, OVERLAP_BYTES), OVERLAP_BYTES)
        headers["Range"] = f"bytes={have - len(overlap)}-"
        headers["If-Range"] = state.if_range
    else:
        state, have = None, 0
    url, params = job.url, job.params
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
        with malformed_links(call.label):
            async with job.transport.stream(call) as response:
                if response.status_code in _REDIRECTS:
                    location = response.headers.get("location", "")
                    # A checked absolute URL: credentials follow only to our own
                    # origin (Transport._headers decides per URL).
                    url = resolve_link(job.transport.url(url), location, f"{call.label}: the redirect's link")
                    params = None
                    continue
                return await _receive(job, call, response, state, have, overlap)
    raise ProtocolError(f"{job.label}: too many redirects")


def _validators(response: httpx.Response) -> tuple[str | None, str | None]:
    return response.headers.get("etag") or None, response.headers.get("last-modified") or None


def _changed(state: PartState, response: httpx.Response) -> bool:
    etag, modified = _validators(response)
    return bool(
        (etag and state.etag and etag != state.etag)
        or (modified and state.last_modified and modified != state.last_modified)
    )


async def _receive(
    job: _Job, call: Call, response: httpx.Response, state: PartState | None, have: int, overlap: bytes
) -> int | None:
    status = response.status_code
    inflater = content_decoder(call, response)  # ProtocolError for codings we do not read
    if status == 416:
        if state is None:
            raise ProtocolError(f"{call.label}: the server refused to send the file (HTTP 416)")
        raise _Restart("the server says the partial file is longer than the file")
    if status == 206:
        if state is None:
            raise ProtocolError(f"{call.label}: a part of the file came back when the whole was asked for")
        total = _check_range(call, response, state, have - len(overlap))
        if inflater is not None:
            raise _Restart("a compressed part cannot continue the file")
        f = await _io(_open_at, files.part_path(job.dest), have)
        done, expected = have, total  # type: tuple[int, int | None]
    else:
        length = response.headers.get("content-length", "")
        wire_total = int(length) if length.isdigit() else None
        etag, modified = _validators(response)
        fresh = PartState(job.source, etag, modified, wire_total) if inflater is None else None
        # Kept only if it can validate a resume; written before the part's first byte.
        await _io(files.start_part, job.dest, fresh if fresh is not None and fresh.if_range else None)
        f = await _io(_open_at, files.part_path(job.dest), 0)
        done, expected, overlap = 0, wire_total, b""
    return await _read_body(job, call, response, f, done, expected, overlap, inflater)


def _check_range(call: Call, response: httpx.Response, state: PartState, start: int) -> int:
    """The file's size from a 206's Content-Range, if it continues `state`'s file at `start`."""
    if "multipart/" in response.headers.get("content-type", ""):
        raise _Restart("the server answered several ranges")
    match = _CONTENT_RANGE.fullmatch(response.headers.get("content-range", "").strip())
    if match is None or match.group(3) == "*":
        raise _Restart("the server's Content-Range is missing or malformed")
    first, last, total = int(match.group(1)), int(match.group(2)), int(match.group(3))
    if first != start or last != total - 1:
        raise _Restart(f"the server sent bytes {first}-{last} of {total}, not from {start} to the end")
    if (state.total is not None and total != state.total) or _changed(state, response):
        raise _Restart("the file changed on the server since the partial file was started")
    length = response.headers.get("content-length")
    if length is not None and length != str(last - first + 1):
        raise _Restart("the server's Content-Length does not match its Content-Range")
    return total


def _open_at(path: Path, offset: int) -> BinaryIO:
    """The part opened for writing from `offset` (what follows is cut off)."""
    f = open(path, "r+b")  # noqa: SIM115 - closed by _PartWriter.close
    f.truncate(offset)
    f.seek(offset)
    return f


class _PartWriter:
    """Writes to the part in the executor, one write in flight while the next
    megabyte arrives. A write once started always completes, even when the
    download is cancelled or times out meanwhile (asyncio.shield): the part
    never has a gap, and close() waits for it."""

    def __init__(self, f: BinaryIO) -> None:
        self._f = f
        self._pieces: list[bytes] = []
        self._size = 0
        self._pending: asyncio.Future[None] | None = None

    async def add(self, piece: bytes) -> None:
        self._pieces.append(piece)
        self._size += len(piece)
        if self._size >= WRITE_BUFFER_BYTES:
            await self._flush()

    async def _flush(self) -> None:
        await self._drain()
        if self._pieces:
            pieces, self._pieces, self._size = self._pieces, [], 0
            self._pending = asyncio.get_running_loop().run_in_executor(None, self._f.writelines, pieces)

    async def _drain(self) -> None:
        if self._pending is not None:
            # Cleared only once done: after a cancellation, close() waits for it again.
            await asyncio.shield(self._pending)
            self._pending = None

    async def close(self) -> None:
        try:
            await self._flush()
            await self._drain()
        finally:
            await _io(self._f.close)


async def _read_body(
    job: _Job,
    call: Call,
    response: httpx.Response,
    f: BinaryIO,
    done: int,
    expected: int | None,
    overlap: bytes,
    inflater: Inflater | None,
) -> int | None:
    """Stream the body after `done` bytes of the part; returns the file's size
    (None when unknown). `expected`: the body's announced length on the wire
    (plus `done`); `overlap`: bytes the body starts with that the part already
    ends with."""
    loop = asyncio.get_running_loop()
    meter = job.meter
    wire = done  # where the body has reached, in bytes as sent
    mark = 0  # `wire` when the stall timer last restarted
    writer = _PartWriter(f)
    shown_total = expected if inflater is None else None
    meter.update(done, shown_total, force=True)
    try:
        with map_transport_errors(call):
            async with asyncio.timeout(job.stall_timeout) as stall:
                async for chunk in response.aiter_raw():
                    wire += len(chunk)
                    if wire - mark >= STALL_MIN_BYTES:
                        mark = wire
                        stall.reschedule(loop.time() + job.stall_timeout)
                    if overlap:
                        wire -= min(len(overlap), len(chunk))
                        head, chunk = chunk[: len(overlap)], chunk[len(overlap) :]
                        if head != overlap[: len(head)]:
                            raise _Restart("the file changed on the server since the partial file was started")
                        overlap = overlap[len(head) :]
                    if expected is not None and wire > expected:
                        raise _Restart(f"the server sent more than the {expected} bytes it announced")
                    if inflater is None:
                        await writer.add(chunk)
                        done += len(chunk)
                    else:
                        allowed = INFLATE_ALLOWANCE_BYTES + MAX_INFLATE_RATIO * wire
                        for piece in inflater.feed(chunk, allowed - done):
                            done += len(piece)
                            if done > allowed:
                                raise too_large(call, allowed)
                            await writer.add(piece)
                    meter.update(done, shown_total)
                if inflater is not None:
                    await writer.add(inflater.flush())
    except TimeoutError:
        raise RequestTimeout(
            f"{call.label}: the download stalled (under {STALL_MIN_BYTES // 1024} KB in {job.stall_timeout:g} s)"
        ) from None
    finally:
        # Keep every byte received, even when the link broke: the next attempt
        # resumes after them.
        await writer.close()
    if overlap:
        raise ConnectionFailed(f"{call.label}: the connection closed before the file's new bytes")
    if expected is not None and wire != expected:
        # A body that ended early on a clean close: the next attempt resumes it.
        raise ConnectionFailed(f"{call.label}: the file ended after {wire} of {expected} bytes")
    if inflater is not None:
        # Content-Length counted the compressed bytes; the decoded size is the file's.
        size = await _io(files.part_size, job.dest)
        meter.update(size, size, force=True)
        return size
    meter.update(done, done, force=True)
    return done
