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

An answer with a JSON content type (application/json, +json) is an error, never
the file, unless the file asked for is itself a .json: the error its body
describes (`{"error": "not_found", ...}`), else a ProtocolError (a 200 with a
broken JSON body, as a failing API server sends). The part is left untouched.

A server may send a file compressed although asked for identity (a store of
pre-compressed files does): gzip and deflate are decoded a bounded piece at a
time and refused past MAX_INFLATE_RATIO times what came over the wire (a gzip
bomb is ~1,000 times); any other coding is refused (ProtocolError). A decoded
transfer is not resumable (ranges count compressed bytes).

Redirects are followed by hand (MAX_REDIRECTS), each Location checked by
urls.resolve_link: no `javascript:`/`file:` links, nothing malformed pasted
onto the base. Credentials go only to the client's own origin (Transport).

Threads: each attempt runs on a thread of its own, with a blocking httpx
client made for the download (same TLS verification as the transport's,
credentials by the transport's per-origin rule, inside its concurrency limit).
On the event loop, httpx's async reads cost a loop round trip per 64 KB and,
under qasync, a new QSocketNotifier each time anyio pauses and resumes the
socket: a 200 MB export came at ~0.2 times curl's speed (benchmarks/
bench_download.py). The loop only receives progress (at most every
PROGRESS_PERIOD_S) and the outcome; cancelling the task (or the deadline)
shuts the socket down under the thread, which closes the part in order.
The injected AsyncClient is therefore not used for downloads.

Time: the answer's head and each read are under the stall timeout (no byte at
all for `stall_timeout` s), the body also needs at least STALL_MIN_BYTES every
`stall_timeout` seconds (a server dripping bytes cannot hold it forever), and
the whole download an optional `deadline`. A stall is a RequestTimeout, retried
like a dropped connection; the part and its state stay, so the next attempt
(or the next run) resumes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import re
import socket
import threading
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
from storeops.api.transport import (
    ERROR_BODY_MAX_BYTES,
    Call,
    Inflater,
    Transport,
    content_decoder,
    error_for,
    map_transport_errors,
    server_detail,
    tls_context,
    too_large,
    with_body,
)
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

#: The plain callback, on the event loop: `progress(done, total)` as bytes arrive
#: (at most every PROGRESS_PERIOD_S, and once at the end). `done`
#: counts the file's bytes on disk (a resumed part's included); `total` is the
#: file's size, None when unknown (or while a compressed answer is decoded).
Progress = Callable[[int, int | None], None]

#: Bytes gathered before one write to disk.
WRITE_BUFFER_BYTES = 1024 * 1024
#: Bytes written between two nudges to the kernel to write them out (see _write_out).
WRITE_OUT_BYTES = 4 * 1024 * 1024
#: Progress is handed to the event loop at most this often (plus first and last).
PROGRESS_PERIOD_S = 0.02
#: How long a cancelled download waits for its thread to close the part.
ABORT_WAIT_S = 2.0
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
_EXPECTED = frozenset({200, 206, 416}) | _REDIRECTS
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
    _http: httpx.Client | None = None

    @property
    def label(self) -> str:
        return f"GET {httpx.URL(self.transport.url(self.url)).path}"

    def http(self) -> httpx.Client:
        """The download's own blocking client (made on the worker thread: a TLS
        context takes up to 0.1 s to load), verified as the transport's is."""
        if self._http is None:
            timeout = self.transport.timeout
            self._http = httpx.Client(
                verify=tls_context(),
                # A read that brings nothing for stall_timeout has stalled.
                timeout=httpx.Timeout(self.stall_timeout, connect=timeout.connect, write=timeout.write, pool=None),
                follow_redirects=False,
                limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
            )
        return self._http

    def close(self) -> None:
        if self._http is not None:
            self._http.close()


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
    finally:
        await _io(job.close)
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


class _Stopped(Exception):
    """The download was cancelled, timed out, or a progress callback raised."""


class _Worker:
    """One attempt on its own thread, and what the event loop needs of it:
    progress handed over to the loop (at most every PROGRESS_PERIOD_S), and a
    way to stop it at once (the socket is shut down under a blocked read)."""

    def __init__(self, job: _Job, loop: asyncio.AbstractEventLoop) -> None:
        self.job = job
        self.loop = loop
        self.stop = threading.Event()
        self.callback_error: BaseException | None = None
        self._socket: socket.socket | None = None
        self._lock = threading.Lock()
        # Progress: the thread writes the latest figures; the loop reads them,
        # with at most one hand-over pending, so the last figures always arrive
        # (even when the body then stalls) and never more often than the period.
        self._latest: tuple[int, int | None, bool] | None = None
        self._handover_pending = False
        self._delivered_at = 0.0

    async def run(self) -> int | None:
        done: asyncio.Future[int | None] = self.loop.create_future()
        # Marks the outcome as seen even when nobody awaits it any more (a
        # cancelled download): asyncio would log it as never retrieved.
        done.add_done_callback(lambda f: f.cancelled() or f.exception())

        def target() -> None:
            try:
                result: int | None = _attempt_blocking(self.job, self)
            except BaseException as exc:  # handed to the loop, whatever it is
                self._hand_over(done, exc)
            else:
                self._hand_over(done, result)

        threading.Thread(target=target, name="storeops-download", daemon=True).start()
        try:
            result = await asyncio.shield(done)
        except asyncio.CancelledError:
            self.abort()
            # Let the thread close the part (its last bytes written, in order)
            # before the caller looks at it. A thread still waiting for an
            # answer's head holds nothing yet, and stops before touching a file.
            with contextlib.suppress(BaseException):
                await asyncio.wait({done}, timeout=ABORT_WAIT_S)
            raise
        except _Stopped:
            if self.callback_error is not None:
                raise self.callback_error from None
            raise
        self._deliver()  # the last figures, before the caller hears of the result
        if self.callback_error is not None:
            # A callback raised as the last bytes came in: it still stops the
            # download (the complete part stays, resumable, not renamed).
            raise self.callback_error
        return result

    def _hand_over(self, done: asyncio.Future[int | None], outcome: object) -> None:
        def settle() -> None:
            if done.done():
                return
            if isinstance(outcome, BaseException):
                done.set_exception(outcome)
            else:
                done.set_result(outcome)  # type: ignore[arg-type]

        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile: nobody waits
            self.loop.call_soon_threadsafe(settle)

    # ---------------------------------------------------------- from the loop

    def abort(self) -> None:
        self.stop.set()
        with self._lock:
            sock = self._socket
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def _schedule(self, delay: float) -> None:
        if delay > 0:
            self.loop.call_later(delay, self._deliver)
        else:
            self._deliver()

    def _deliver(self) -> None:
        with self._lock:
            latest, self._latest = self._latest, None
            self._handover_pending = False
        if latest is None or self.stop.is_set():
            return
        self._delivered_at = time.monotonic()
        done, total, final = latest
        try:
            self.job.meter.update(done, total, force=final)
        except BaseException as exc:  # the caller's own way to stop the download
            self.callback_error = exc
            self.abort()

    # ---------------------------------------------------------- from the thread

    def watch(self, response: httpx.Response) -> None:
        """The socket `response` arrives on, for abort() (then raises if stopped)."""
        stream = response.extensions.get("network_stream")
        sock = stream.get_extra_info("socket") if stream is not None else None
        with self._lock:
            self._socket = sock if isinstance(sock, socket.socket) else None
        self.check()

    def unwatch(self) -> None:
        with self._lock:
            self._socket = None

    def check(self) -> None:
        if self.stop.is_set():
            raise _Stopped

    def progress(self, done: int, total: int | None, *, final: bool = False) -> None:
        with self._lock:
            self._latest = (done, total, final)
            if self._handover_pending:
                return
            self._handover_pending = True
        delay = 0.0 if final else max(0.0, self._delivered_at + PROGRESS_PERIOD_S - time.monotonic())
        with contextlib.suppress(RuntimeError):  # the loop closed: nobody listens
            self.loop.call_soon_threadsafe(self._schedule, delay)


async def _attempt(job: _Job) -> int | None:
    # The client's concurrency limit holds for downloads too.
    async with job.transport.limits.slot(Family.OTHER):
        return await _Worker(job, asyncio.get_running_loop()).run()


def _attempt_blocking(job: _Job, worker: _Worker) -> int | None:
    state = files.load_state(job.dest, job.source)
    have = files.part_size(job.dest) if state is not None else 0
    # identity: byte ranges must count the file's own bytes, not a gzip of them.
    headers = {"Accept-Encoding": "identity"}
    overlap = b""
    if state is not None and have and state.if_range:
        overlap = files.read_part(job.dest, have - min(have, OVERLAP_BYTES), OVERLAP_BYTES)
        headers["Range"] = f"bytes={have - len(overlap)}-"
        headers["If-Range"] = state.if_range
    else:
        state, have = None, 0
    url, params = job.transport.url(job.url), job.params
    http = job.http()
    for _ in range(MAX_REDIRECTS + 1):
        call = Call("GET", url, Family.OTHER, safe=True, params=params, headers=headers, expected=_EXPECTED)
        worker.check()
        with malformed_links(call.label), map_transport_errors(call):
            request = http.build_request(
                "GET",
                url,
                params=tuple(params) if params is not None else None,
                # Credentials only for our own origin: the transport decides per URL.
                headers=job.transport._headers(url, headers),
            )
            response = http.send(request, stream=True, follow_redirects=False)
        try:
            worker.watch(response)
            if response.status_code not in call.expected:
                raise error_for(call, with_body(response, _error_body(call, response)))
            if response.status_code in _REDIRECTS:
                location = response.headers.get("location", "")
                url = resolve_link(url, location, f"{call.label}: the redirect's link")
                params = None
                continue
            return _receive(job, worker, call, response, state, have, overlap)
        finally:
            worker.unwatch()
            response.close()
    raise ProtocolError(f"{job.label}: too many redirects")


def _error_body(call: Call, response: httpx.Response) -> bytes:
    """The first ERROR_BODY_MAX_BYTES of an error's body: only its words matter."""
    parts: list[bytes] = []
    size = 0
    with map_transport_errors(call):
        for chunk in response.iter_raw():
            parts.append(chunk)
            size += len(chunk)
            if size >= ERROR_BODY_MAX_BYTES:
                break
    body = b"".join(parts)[:ERROR_BODY_MAX_BYTES]
    inflater = content_decoder(call, response)
    if inflater is None:
        return body
    with contextlib.suppress(ApiError):
        return b"".join(inflater.feed(body, ERROR_BODY_MAX_BYTES))[:ERROR_BODY_MAX_BYTES]
    return b""


def _is_json(response: httpx.Response) -> bool:
    media: str = response.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


#: The API's error codes (its `error` field) and the HTTP status each stands for.
_ERROR_CODES = {
    "bad_request": 400,
    "unauthorized": 401,
    "forbidden": 403,
    "not_found": 404,
    "too_many_requests": 429,
    "internal_error": 500,
    "unavailable": 503,
}


def json_answer_error(call: Call, response: httpx.Response) -> ApiError:
    """The error a JSON answer to a file download stands for: the server error
    its body describes (`{"error": "not_found", "error_detail": ...}`), else a
    ProtocolError (a broken body, or JSON that is no API error)."""
    try:
        body = json.loads(response.content)
    except ValueError:
        body = None
    code = body.get("error") if isinstance(body, dict) else None
    status = _ERROR_CODES.get(code) if isinstance(code, str) else None
    if status is not None:
        return error_for(call, httpx.Response(status, headers=response.headers, content=response.content))
    return ProtocolError(
        f"{call.label}: the server answered with JSON ({len(response.content)} bytes) in place of the file",
        status=response.status_code,
        detail=server_detail(response),
    )


def _validators(response: httpx.Response) -> tuple[str | None, str | None]:
    return response.headers.get("etag") or None, response.headers.get("last-modified") or None


def _changed(state: PartState, response: httpx.Response) -> bool:
    etag, modified = _validators(response)
    return bool(
        (etag and state.etag and etag != state.etag)
        or (modified and state.last_modified and modified != state.last_modified)
    )


def _receive(
    job: _Job,
    worker: _Worker,
    call: Call,
    response: httpx.Response,
    state: PartState | None,
    have: int,
    overlap: bytes,
) -> int | None:
    status = response.status_code
    inflater = content_decoder(call, response)  # ProtocolError for codings we do not read
    if status != 416 and _is_json(response) and not job.dest.name.lower().endswith(".json"):
        # An API error (or a broken answer) where the file should be: never saved
        # as the file, and raised before the part is touched, so it stays resumable.
        raise json_answer_error(call, with_body(response, _error_body(call, response)))
    if status == 416:
        if state is None:
            raise ProtocolError(f"{call.label}: the server refused to send the file (HTTP 416)")
        raise _Restart("the server says the partial file is longer than the file")
    expected: int | None
    if status == 206:
        if state is None:
            raise ProtocolError(f"{call.label}: a part of the file came back when the whole was asked for")
        total = _check_range(call, response, state, have - len(overlap))
        if inflater is not None:
            raise _Restart("a compressed part cannot continue the file")
        done, expected = have, total
    else:
        length = response.headers.get("content-length", "")
        expected = int(length) if length.isdigit() else None
        etag, modified = _validators(response)
        fresh = PartState(job.source, etag, modified, expected) if inflater is None else None
        worker.check()
        # Kept only if it can validate a resume; written before the part's first byte.
        files.start_part(job.dest, fresh if fresh is not None and fresh.if_range else None)
        done, overlap = 0, b""
    worker.check()
    with _open_at(files.part_path(job.dest), done) as f:
        return _read_body(job, worker, call, response, f, done, expected, overlap, inflater)


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
    f = open(path, "r+b", buffering=WRITE_BUFFER_BYTES)  # noqa: SIM115 - the caller's `with` closes it
    f.truncate(offset)
    f.seek(offset)
    return f


def _read_body(
    job: _Job,
    worker: _Worker,
    call: Call,
    response: httpx.Response,
    f: BinaryIO,
    done: int,
    expected: int | None,
    overlap: bytes,
    inflater: Inflater | None,
) -> int | None:
    """Stream the body into the part after its first `done` bytes; returns the
    file's size (None when unknown). `expected`: where the body ends on the
    wire (the file's size for a range, Content-Length otherwise); `overlap`:
    bytes the body starts with that the part already ends with. Every byte
    received stays in the part (the file object's buffer is flushed on close,
    whatever happens), so the next attempt resumes after them."""
    wire = done  # where the body has reached, in bytes as sent
    written_out = done
    mark, mark_at = wire, time.monotonic()  # for the stall check
    shown_total = expected if inflater is None else None
    if job.meter.resumed_from is None:
        # Set here, on the thread: the loop sees reports coalesced, so its first one
        # may already count bytes of this attempt.
        job.meter.resumed_from = done
    worker.progress(done, shown_total, final=True)
    try:
        with map_transport_errors(call):
            for chunk in response.iter_raw():
                worker.check()
                wire += len(chunk)
                now = time.monotonic()
                if wire - mark >= STALL_MIN_BYTES:
                    mark, mark_at = wire, now
                elif now - mark_at > job.stall_timeout:
                    raise _stalled(call, job)
                if overlap:
                    wire -= min(len(overlap), len(chunk))
                    head, chunk = chunk[: len(overlap)], chunk[len(overlap) :]
                    if head != overlap[: len(head)]:
                        raise _Restart("the file changed on the server since the partial file was started")
                    overlap = overlap[len(head) :]
                if expected is not None and wire > expected:
                    raise _Restart(f"the server sent more than the {expected} bytes it announced")
                if inflater is None:
                    f.write(chunk)
                    done += len(chunk)
                    if done - written_out >= WRITE_OUT_BYTES:
                        _write_out(f, written_out, done)
                        written_out = done
                else:
                    allowed = INFLATE_ALLOWANCE_BYTES + MAX_INFLATE_RATIO * wire
                    for piece in inflater.feed(chunk, allowed - done):
                        done += len(piece)
                        if done > allowed:
                            raise too_large(call, allowed)
                        f.write(piece)
                worker.progress(done, shown_total)
            if inflater is not None:
                f.write(inflater.flush())
    except RequestTimeout as exc:
        if isinstance(exc.__cause__, httpx.ReadTimeout):  # nothing at all for a whole read timeout
            raise _stalled(call, job) from None
        raise
    except ConnectionFailed:
        if worker.stop.is_set():
            raise _Stopped from None  # our own shutdown of the socket
        raise
    if overlap:
        raise ConnectionFailed(f"{call.label}: the connection closed before the file's new bytes")
    if expected is not None and wire != expected:
        # A body that ended early on a clean close: the next attempt resumes it.
        raise ConnectionFailed(f"{call.label}: the file ended after {wire} of {expected} bytes")
    if inflater is not None:
        # Content-Length counted the compressed bytes; the decoded size is the file's.
        f.flush()
        size = f.tell()
        worker.progress(size, size, final=True)
        return size
    worker.progress(done, done, final=True)
    return done


def _write_out(f: BinaryIO, start: int, end: int) -> None:
    """Start writing bytes `start`-`end` of the part to disk now, without waiting:
    the fsync before the rename then has little left (200 MB: 0.19 s -> 0.03 s
    here). On Linux POSIX_FADV_DONTNEED starts the writeback of dirty pages
    (and drops clean ones: the file is not read back). Elsewhere, nothing."""
    advise = getattr(os, "posix_fadvise", None)
    if advise is None:
        return
    f.flush()
    with contextlib.suppress(OSError):
        advise(f.fileno(), start, end - start, os.POSIX_FADV_DONTNEED)


def _stalled(call: Call, job: _Job) -> RequestTimeout:
    return RequestTimeout(
        f"{call.label}: the download stalled (under {STALL_MIN_BYTES // 1024} KB in {job.stall_timeout:g} s)"
    )
