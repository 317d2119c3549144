"""The request pipeline: limits, credentials, retries, and status → typed errors.

Every request of the client goes through `Transport.send` (or `Transport.stream`
for downloads). Callers state the call's family and whether it is safe to
repeat; nothing here guesses from the path.

No server is trusted with this process's memory or time: an answer is read as a
stream and refused (ResponseTooLarge) once it, or its decompressed form, passes
the cap of its call family; an error body is cut short; and every call has a
total deadline, since the per-read timeout restarts with each byte a slow or
hostile server drips (or each `102 Processing` it sends).
"""

from __future__ import annotations

import asyncio
import base64
import functools
import inspect
import logging
import ssl
import time
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, TypeVar

import httpx
import pydantic
import truststore

from storeops.api.errors import (
    ApiError,
    AuthError,
    ConnectionFailed,
    InvalidRequest,
    LocalFileError,
    NotFound,
    PermissionDenied,
    ProtocolError,
    RateLimited,
    RequestTimeout,
    ResponseTooLarge,
    ServerError,
    TlsError,
)
from storeops.api.limits import Family, RequestLimits
from storeops.api.retry import RetryPolicy, parse_retry_after
from storeops.log import redact, register_secret

log = logging.getLogger("storeops.api")

T = TypeVar("T")

#: Answers bigger than this are decoded and validated in an executor thread:
#: parsing 1.5 MB of JSON on the loop stalls it 40-100 ms (PLATFORM-NOTES).
BIG_BODY_BYTES = 256 * 1024

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
#: Seconds one call may take in all (retries and their waits included), however
#: the server paces its bytes. The biggest answers measured on the simulator
#: (10,000 location nodes, a year of 15-minute datamine) take well under 2 s
#: on loopback; this leaves room for slow links without holding a pane forever.
DEFAULT_DEADLINE_S = 120.0

_MB = 1024 * 1024
#: Caps on one answer's body (decompressed) by call family, each far above the
#: biggest documented answer of the family, measured on the simulator:
#: - LOCATION: 10,000 nodes (the documented maximum) with every extra field is
#:   2.8 MB;
#: - INVENTORY: a page of 100 cameras (the maximum page) is 41 KB;
#: - PREDICTED_TRAFFIC: 7 days of 15-minute predictions, ~60 KB;
#: - OTHER: a page of 100 health alerts is 47 KB; tokens and lists are small.
#: Calls with bigger answers in the OTHER family say so (Call.max_bytes).
MAX_ANSWER_BYTES: dict[Family, int] = {
    Family.LOCATION: 64 * _MB,
    Family.INVENTORY: 16 * _MB,
    Family.PREDICTED_TRAFFIC: 8 * _MB,
    Family.POS: 16 * _MB,
    Family.OTHER: 16 * _MB,
}
#: POST v2/datamine: a year of 15-minute data is 5.7 MB per store and metric
#: (17.7 MB for 15 stores and 2 metrics summed); ~45 store-years fit.
DATAMINE_MAX_BYTES = 256 * _MB
#: POST v1/storehours: a year of 15 stores is 0.96 MB; ~1,000 store-years fit.
STORE_HOURS_MAX_BYTES = 64 * _MB
#: Error bodies only give the words of an error: the rest is not read.
ERROR_BODY_MAX_BYTES = 64 * 1024
#: Decompressed bytes produced per zlib call (a bomb never expands in one go).
INFLATE_PIECE_BYTES = 256 * 1024
#: Only what is decoded here, a bounded piece at a time (see Inflater).
ACCEPT_ENCODING = "gzip, deflate"

_DEFAULT_PORTS = {"http": 80, "https": 443}


def tls_context() -> ssl.SSLContext:
    """Certificates checked against the operating system's trust store (Windows'
    and macOS' own verifiers; OpenSSL's CA files on Linux, which honour
    SSL_CERT_FILE / SSL_CERT_DIR), not httpx's bundled certifi list: a corporate
    proxy that re-signs TLS with its own CA is trusted once IT has installed
    that CA on the machine, as the browser does. Verification stays on."""
    return truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


class _RedactQueries(logging.Filter):
    """httpx logs every request's full URL at INFO. A download link from the
    cloud may be pre-signed (its query string is a credential), so queries are
    cut from those records."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and any(isinstance(a, httpx.URL) for a in record.args):
            record.args = tuple(
                (str(a.copy_with(query=None)) + ("?…" if a.query else "")) if isinstance(a, httpx.URL) else a
                for a in record.args
            )
        return True


if not any(isinstance(f, _RedactQueries) for f in logging.getLogger("httpx").filters):
    logging.getLogger("httpx").addFilter(_RedactQueries())


def origin_of(url: httpx.URL) -> tuple[str, str, int]:
    scheme = url.scheme.lower()
    return scheme, url.host.lower(), url.port or _DEFAULT_PORTS.get(scheme, 0)


def basic_auth_header(access_key: str, secret_key: str) -> str:
    raw = f"{access_key}:{secret_key}".encode()
    return "Basic " + base64.b64encode(raw).decode("ascii")


@dataclass(frozen=True, slots=True)
class Call:
    """One API call, described once; `Transport.send` may send it several times."""

    method: str
    path: str  # "/v2/location", or an absolute URL (export download)
    family: Family  # which documented concurrency limit applies (OTHER: none)
    safe: bool = False  # may be sent again after a transient failure
    json: Any = None
    params: Iterable[tuple[str, str]] | None = None
    headers: Mapping[str, str] | None = None
    expected: frozenset[int] = field(default=frozenset({200}))
    max_bytes: int | None = None  # the body's cap; None: the family's (MAX_ANSWER_BYTES)
    deadline: float | None = None  # seconds for the whole call; None: the transport's

    @property
    def body_cap(self) -> int:
        if self.max_bytes is not None:
            return self.max_bytes
        return MAX_ANSWER_BYTES.get(self.family, MAX_ANSWER_BYTES[Family.OTHER])

    @property
    def label(self) -> str:
        """What error messages and logs quote: method and path, never the query
        string (it may carry tokens) nor any header."""
        path = self.path
        if "://" in path:
            path = httpx.URL(path).path
        return f"{self.method} {path.split('?', 1)[0]}"


class Transport:
    def __init__(
        self,
        base_url: str,
        auth_header: str,
        http: httpx.AsyncClient,
        *,
        retry: RetryPolicy,
        limits: RequestLimits,
        timeout: httpx.Timeout,
        deadline: float = DEFAULT_DEADLINE_S,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.base_url = base_url
        self._origin = origin_of(httpx.URL(base_url))
        self._auth_header = auth_header
        _mask_credentials(auth_header)
        self.http = http
        self.retry = retry
        self.limits = limits
        self.timeout = timeout
        self.deadline = deadline
        self._sleep = sleep

    def __repr__(self) -> str:
        return f"Transport(base_url={self.base_url!r})"

    # ------------------------------------------------------------ URLs / auth

    def url(self, path: str) -> str:
        if "://" in path:
            return path
        return self.base_url + path

    def is_own_origin(self, url: str) -> bool:
        return origin_of(httpx.URL(url)) == self._origin

    def _headers(self, url: str, extra: Mapping[str, str] | None) -> dict[str, str]:
        headers = {"Accept": "application/json", "Accept-Encoding": ACCEPT_ENCODING}
        # Credentials go only to the configured origin: a redirect or a download
        # link to another host never sees them.
        if "://" not in url or self.is_own_origin(url):
            headers["Authorization"] = self._auth_header
        if extra:
            headers.update(extra)
        return headers

    # ------------------------------------------------------------ sending

    def _deadline(self, call: Call) -> float:
        return call.deadline if call.deadline is not None else self.deadline

    async def send(self, call: Call) -> httpx.Response:
        """Send `call`, retrying if it is safe and the failure is transient.
        Returns a read response whose status is in `call.expected`. The whole
        of it ends by the call's deadline (RequestTimeout)."""
        deadline = self._deadline(call)
        ends = asyncio.get_running_loop().time() + deadline
        try:
            async with asyncio.timeout_at(ends):
                return await self._send(call, ends)
        except TimeoutError:
            raise deadline_error(call, deadline) from None

    async def _send(self, call: Call, ends: float) -> httpx.Response:
        retry_number = 0
        while True:
            try:
                async with self.limits.slot(call.family):
                    response = await self._send_once(call)
                if response.status_code in call.expected:
                    return response
                raise error_for(call, response)
            except ApiError as error:
                retry_number += 1
                delay = self.retry_delay(call.safe, error, retry_number)
                # A retry that could not finish in time: the real failure
                # tells more than the timeout would.
                if delay is None or asyncio.get_running_loop().time() + delay >= ends:
                    raise
                log.info("%s failed (%s); retry %d in %.2f s", call.label, type(error).__name__, retry_number, delay)
                await self._sleep(delay)

    def retry_delay(self, safe: bool, error: ApiError, retry_number: int) -> float | None:
        """Seconds before retry `retry_number`, or None to give up with `error`."""
        if not safe or self.http.is_closed:
            return None
        if isinstance(error, (RateLimited, ServerError)):
            if error.status not in self.retry.statuses:
                return None
        elif not isinstance(error, ConnectionFailed) or isinstance(error, TlsError):
            return None
        retry_after = error.retry_after if isinstance(error, RateLimited) else None
        return self.retry.delay(retry_number, retry_after)

    async def _send_once(self, call: Call) -> httpx.Response:
        url = self.url(call.path)
        started = time.perf_counter()
        with map_transport_errors(call):
            request = self.http.build_request(
                call.method,
                url,
                json=call.json,
                params=list(call.params) if call.params is not None else None,
                headers=self._headers(url, call.headers),
                timeout=self.timeout,
            )
            self._check_open(call)
            # auth=None: never the injected client's own auth (see _headers).
            response = await self.http.send(request, stream=True, auth=None, follow_redirects=False)
            try:
                if response.status_code in call.expected:
                    body = await read_body(call, response, call.body_cap)
                else:
                    body = await read_body(call, response, ERROR_BODY_MAX_BYTES, cut=True)
            finally:
                await response.aclose()
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s -> %d (%.0f ms)", call.label, response.status_code, (time.perf_counter() - started) * 1000)
        return with_body(response, body)

    def _check_open(self, call: Call) -> None:
        """httpx raises a bare RuntimeError for a request on a closed client: a
        pane's request still in flight when the app reconnects (and closes the
        old client) must end in a typed error the pane already handles."""
        if self.http.is_closed:
            raise ConnectionFailed(f"{call.label}: the connection was closed (StoreOps reconnected or is closing)")

    @asynccontextmanager
    async def stream(self, call: Call) -> AsyncIterator[httpx.Response]:
        """One attempt, streaming: the body is not read (decode it with
        `content_decoder`). Statuses outside `call.expected` raise the mapped
        error. The slot is held while the body is being read. The deadline
        covers the answer's head and an error's body, not the streamed body:
        a download's length is the caller's business."""
        url = self.url(call.path)
        deadline = self._deadline(call)
        ends = asyncio.get_running_loop().time() + deadline
        async with self.limits.slot(call.family):
            try:
                async with asyncio.timeout_at(ends):
                    with map_transport_errors(call):
                        request = self.http.build_request(
                            call.method,
                            url,
                            params=list(call.params) if call.params is not None else None,
                            headers=self._headers(url, call.headers),
                            timeout=self.timeout,
                        )
                        self._check_open(call)
                        response = await self.http.send(request, stream=True, auth=None, follow_redirects=False)
            except TimeoutError:
                raise deadline_error(call, deadline) from None
            try:
                if response.status_code not in call.expected:
                    try:
                        async with asyncio.timeout_at(ends):
                            with map_transport_errors(call):
                                body = await read_body(call, response, ERROR_BODY_MAX_BYTES, cut=True)
                    except TimeoutError:
                        raise deadline_error(call, deadline) from None
                    raise error_for(call, with_body(response, body))
                yield response
            finally:
                await response.aclose()

    # ------------------------------------------------------------ decoding

    async def decode(
        self,
        call: Call,
        response: httpx.Response,
        adapter: pydantic.TypeAdapter[T],
        big: Callable[[str, bytes], T] | None = None,
    ) -> T:
        """Validate the JSON body into `adapter`'s type. Big bodies are parsed in
        an executor, by `big` when given: a parser that validates in chunks so
        the GIL, and with it the loop, is not held for the whole body (see
        storeops/api/parsing.py)."""
        content = response.content
        if len(content) > BIG_BODY_BYTES:
            loop = asyncio.get_running_loop()
            if big is not None:
                return await loop.run_in_executor(None, big, call.label, content)
            return await loop.run_in_executor(None, _validate, call.label, adapter, content)
        return _validate(call.label, adapter, content)


# ---------------------------------------------------------------- bodies


class Inflater:
    """A gzip or deflate body decoded a bounded piece at a time.

    httpx decodes each network read whole: 64 KB of a gzip bomb become 64 MB
    in one call, before any cap can look. Here zlib never produces more than
    asked for (max_length), so a caller stops a bomb within a piece."""

    def __init__(self, label: str, encoding: str) -> None:
        self._label = label
        self._raw_deflate_fallback = encoding == "deflate"
        wbits = zlib.MAX_WBITS | 16 if encoding in ("gzip", "x-gzip") else zlib.MAX_WBITS
        self._zlib = zlib.decompressobj(wbits)

    def feed(self, data: bytes, room: int) -> Iterator[bytes]:
        """Decoded pieces of `data`, stopping once they total more than `room`
        (the caller then refuses the body, or cuts it there)."""
        produced = 0
        while True:
            wanted = min(room - produced + 1, INFLATE_PIECE_BYTES)
            try:
                out = self._zlib.decompress(data, wanted)
            except zlib.error:
                if self._raw_deflate_fallback:
                    # "deflate" is sent both zlib-wrapped (as specified) and raw
                    # (as some servers do); httpx accepts both too.
                    self._raw_deflate_fallback = False
                    self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
                    continue
                raise ProtocolError(f"{self._label}: the answer's compression is broken") from None
            self._raw_deflate_fallback = False
            data = self._zlib.unconsumed_tail
            if out:
                produced += len(out)
                yield out
                if produced > room:
                    return
            # Output that filled the piece may have more behind it even when
            # all input was taken: ask again until a piece comes back short.
            if not data and len(out) < wanted:
                return

    def flush(self) -> bytes:
        return self._zlib.flush()


def content_decoder(call: Call, response: httpx.Response) -> Inflater | None:
    """The Inflater for the answer's Content-Encoding; None for identity."""
    header = response.headers.get("content-encoding", "")
    codings = [c.strip().lower() for c in header.split(",")]
    codings = [c for c in codings if c and c != "identity"]
    if not codings:
        return None
    if len(codings) == 1 and codings[0] in ("gzip", "x-gzip", "deflate"):
        return Inflater(call.label, codings[0])
    raise ProtocolError(f"{call.label}: the answer is compressed in a way this app does not read ({header[:40]})")


def too_large(call: Call, cap: int) -> ResponseTooLarge:
    return ResponseTooLarge(f"{call.label}: the server's answer is too large (over {cap // 1024:,} KB)")


async def read_body(call: Call, response: httpx.Response, cap: int, *, cut: bool = False) -> bytes:
    """The body of a streamed `response`, decompressed, at most `cap` bytes
    both on the wire and decoded: beyond it ResponseTooLarge, or with `cut`
    the first `cap` bytes (error bodies: only their words matter)."""
    length = response.headers.get("content-length", "")
    if not cut and length.isdigit() and int(length) > cap:
        raise too_large(call, cap)
    inflater = content_decoder(call, response)
    parts: list[bytes] = []
    wire = size = 0
    async for raw in response.aiter_raw():
        wire += len(raw)
        if wire > cap and not cut:
            raise too_large(call, cap)
        for piece in (raw,) if inflater is None else inflater.feed(raw, cap - size):
            size += len(piece)
            if size > cap:
                if cut:
                    parts.append(piece[: len(piece) - (size - cap)])
                    return b"".join(parts)
                raise too_large(call, cap)
            parts.append(piece)
    if inflater is not None:
        rest = inflater.flush()
        if size + len(rest) > cap and not cut:
            raise too_large(call, cap)
        parts.append(rest[: cap - size])
    return b"".join(parts)


def with_body(response: httpx.Response, body: bytes) -> httpx.Response:
    """A read response with `body` (already decoded) as its content."""
    headers = [(k, v) for k, v in response.headers.raw if k.lower() not in (b"content-encoding", b"content-length")]
    return httpx.Response(
        response.status_code, headers=headers, content=body, request=response.request, extensions=response.extensions
    )


def deadline_error(call: Call, deadline: float) -> RequestTimeout:
    return RequestTimeout(f"{call.label}: the server did not answer in time (no complete answer within {deadline:g} s)")


# ---------------------------------------------------------------- decoding


def _validate(label: str, adapter: pydantic.TypeAdapter[T], content: bytes) -> T:
    try:
        return adapter.validate_json(content)
    except pydantic.ValidationError as exc:
        raise protocol_error(label, exc) from None


def protocol_error(label: str, exc: pydantic.ValidationError) -> ProtocolError:
    """Summarise a validation failure without the input values: a body may
    hold tokens, and logs must not."""
    problems = []
    for err in exc.errors(include_input=False, include_url=False)[:3]:
        where = ".".join(str(p) for p in err.get("loc", ())) or "body"
        problems.append(f"{where}: {err.get('msg', '')}")
    if exc.error_count() > 3:
        problems.append(f"and {exc.error_count() - 3} more")
    return ProtocolError(f"{label}: unexpected answer from the server", detail="; ".join(problems))


# ---------------------------------------------------------------- errors


class map_transport_errors:
    """httpx errors → the client's typed errors (a context manager)."""

    def __init__(self, call: Call) -> None:
        self.call = call

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc is None or not isinstance(exc, httpx.HTTPError):
            return  # not ours: it propagates unchanged
        raise transport_error(self.call.label, exc) from exc


def transport_error(label: str, exc: httpx.HTTPError) -> ApiError:
    if isinstance(exc, httpx.TimeoutException):
        return RequestTimeout(f"{label}: the server did not answer in time")
    if _is_tls_failure(exc):
        return TlsError(f"{label}: the server's certificate could not be verified")
    if isinstance(exc, httpx.ConnectError):
        return ConnectionFailed(f"{label}: could not connect to the server")
    if isinstance(exc, httpx.TransportError):
        return ConnectionFailed(f"{label}: the connection to the server failed")
    return ProtocolError(f"{label}: {type(exc).__name__}")


def _is_tls_failure(exc: BaseException) -> bool:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ssl.SSLCertVerificationError):
            return True
        if "CERTIFICATE_VERIFY_FAILED" in str(current):
            return True
        current = current.__cause__ or current.__context__
    return False


def server_detail(response: httpx.Response) -> str | None:
    """The server's own explanation: error_detail (or error / reason) of a JSON
    body, else a short piece of the text. Masked as log records are: a server
    may echo the secret, or the basic-auth credentials, in its words."""
    try:
        body = response.json()
    except ValueError:
        text = response.text.strip()
        return redact(text[:200]) or None
    if isinstance(body, dict):
        for key in ("error_detail", "reason", "error", "message"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return redact(value[:2000])
    return None


def _mask_credentials(auth_header: str) -> None:
    """Register the credentials in `auth_header` (Basic base64(access:secret))
    with the log's masking, which errors use too: the base64 form, the pair,
    and the secret alone."""
    scheme, _, encoded = auth_header.partition(" ")
    register_secret(encoded)
    if scheme.lower() != "basic":
        return
    try:
        pair = base64.b64decode(encoded).decode()
    except ValueError:
        return
    register_secret(pair)
    register_secret(pair.partition(":")[2])


# ---------------------------------------------------------------- only typed errors


def typed_errors(cls: type[T]) -> type[T]:
    """Class decorator: no public method of `cls` lets out anything but an
    ApiError. An answer the client did not foresee (a value pydantic refuses
    deep in a record, text that cannot be encoded back into a header, a shape
    nobody wrote a check for) then reaches the UI as a ProtocolError, which it
    knows how to word, instead of as a crash. Coroutines, async generators and
    methods returning async iterators (the paginated lists) are covered.

    Only the errors that odd data can raise in Python code are converted
    (DATA_ERRORS); anything else, such as what a caller's progress callback
    raises to stop a download, passes through as the caller's own."""
    for name, member in list(vars(cls).items()):
        if not name.startswith("_") and inspect.isfunction(member):
            setattr(cls, name, _guarded(member))
    return cls


#: What an unforeseen answer can raise below a client call (UnicodeError and
#: json's errors are ValueErrors; OSError: the local file of a download).
DATA_ERRORS = (
    pydantic.ValidationError,
    ValueError,
    TypeError,
    LookupError,
    AttributeError,
    ArithmeticError,
    RecursionError,
    OSError,
    zlib.error,
)


def untyped_error(label: str, exc: Exception) -> ApiError:
    if isinstance(exc, pydantic.ValidationError):
        return protocol_error(label, exc)
    if isinstance(exc, OSError):  # httpx wraps network errors: this is a local file
        return LocalFileError(
            f"{label}: a file on this computer could not be written", detail=exc.strerror or type(exc).__name__
        )
    return ProtocolError(f"{label}: unexpected answer from the server", detail=type(exc).__name__)


def _guarded(func: Callable[..., Any]) -> Callable[..., Any]:
    label = func.__name__
    if inspect.iscoroutinefunction(func):

        @functools.wraps(func)
        async def call(*args: Any, **kw: Any) -> Any:
            try:
                return await func(*args, **kw)
            except ApiError:
                raise
            except DATA_ERRORS as exc:
                raise untyped_error(label, exc) from exc

        return call
    if inspect.isasyncgenfunction(func):

        @functools.wraps(func)
        def gen(*args: Any, **kw: Any) -> Any:
            return _guarded_iter(label, func(*args, **kw))

        return gen

    @functools.wraps(func)
    def plain(*args: Any, **kw: Any) -> Any:
        try:
            result = func(*args, **kw)
        except ApiError:
            raise
        except DATA_ERRORS as exc:
            raise untyped_error(label, exc) from exc
        if hasattr(result, "__anext__"):
            return _guarded_iter(label, result)
        return result

    return plain


async def _guarded_iter(label: str, items: AsyncIterator[T]) -> AsyncIterator[T]:
    try:
        async for item in items:
            yield item
    except ApiError:
        raise
    except DATA_ERRORS as exc:
        raise untyped_error(label, exc) from exc
    finally:
        aclose = getattr(items, "aclose", None)
        if aclose is not None:
            await aclose()


def error_for(call: Call, response: httpx.Response) -> ApiError:
    status = response.status_code
    label = call.label
    detail = server_detail(response)
    if status == 401:
        return AuthError(f"{label}: the access key or secret key was refused", status=status, detail=detail)
    if status == 403:
        return PermissionDenied(f"{label}: this API key is not allowed to do that", status=status, detail=detail)
    if status == 404:
        return NotFound(f"{label}: not found", status=status, detail=detail)
    if status == 429:
        return RateLimited(
            f"{label}: too many requests at once, try again shortly",
            retry_after=parse_retry_after(response.headers.get("retry-after")),
            status=status,
            detail=detail,
        )
    if status >= 500:
        return ServerError(f"{label}: the server failed (HTTP {status})", status=status, detail=detail)
    if 400 <= status < 500:
        return InvalidRequest(f"{label}: the server refused the request (HTTP {status})", status=status, detail=detail)
    return ProtocolError(f"{label}: unexpected HTTP {status}", status=status, detail=detail)
