"""The request pipeline: limits, credentials, retries, and status → typed errors.

Every request of the client goes through `Transport.send` (or `Transport.stream`
for downloads). Callers state the call's family and whether it is safe to
repeat; nothing here guesses from the path.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import ssl
import time
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
import pydantic

from storeops.api.errors import (
    ApiError,
    AuthError,
    ConnectionFailed,
    InvalidRequest,
    NotFound,
    PermissionDenied,
    ProtocolError,
    RateLimited,
    RequestTimeout,
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

_DEFAULT_PORTS = {"http": 80, "https": 443}


class _RedactQueries(logging.Filter):
    """httpx logs every request's full URL at INFO. A download link from the
    cloud may be pre-signed (its query string is a credential), so queries are
    cut from those records."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and any(isinstance(a, httpx.URL) for a in record.args):
            record.args = tuple(
                (str(a.copy_with(query=None)) + ("?…" if a.query else ""))
                if isinstance(a, httpx.URL) else a
                for a in record.args)
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
        sleep=asyncio.sleep,
    ) -> None:
        self.base_url = base_url
        self._origin = origin_of(httpx.URL(base_url))
        self._auth_header = auth_header
        _mask_credentials(auth_header)
        self.http = http
        self.retry = retry
        self.limits = limits
        self.timeout = timeout
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
        headers = {"Accept": "application/json"}
        # Credentials go only to the configured origin: a redirect or a download
        # link to another host never sees them.
        if "://" not in url or self.is_own_origin(url):
            headers["Authorization"] = self._auth_header
        if extra:
            headers.update(extra)
        return headers

    # ------------------------------------------------------------ sending

    async def send(self, call: Call) -> httpx.Response:
        """Send `call`, retrying if it is safe and the failure is transient.
        Returns a read response whose status is in `call.expected`."""
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
                if delay is None:
                    raise
                log.info("%s failed (%s); retry %d in %.2f s", call.label,
                         type(error).__name__, retry_number, delay)
                await self._sleep(delay)

    def retry_delay(self, safe: bool, error: ApiError, retry_number: int) -> float | None:
        """Seconds before retry `retry_number`, or None to give up with `error`."""
        if not safe:
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
            response = await self.http.request(
                call.method,
                url,
                json=call.json,
                params=list(call.params) if call.params is not None else None,
                headers=self._headers(url, call.headers),
                auth=None,  # never the injected client's own auth: see _headers
                follow_redirects=False,
                timeout=self.timeout,
            )
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s -> %d (%.0f ms)", call.label, response.status_code,
                      (time.perf_counter() - started) * 1000)
        return response

    @asynccontextmanager
    async def stream(self, call: Call) -> AsyncIterator[httpx.Response]:
        """One attempt, streaming: the body is not read. Statuses outside
        `call.expected` raise the mapped error. The slot is held while the body
        is being read."""
        url = self.url(call.path)
        async with self.limits.slot(call.family):
            with map_transport_errors(call):
                request = self.http.build_request(
                    call.method, url,
                    params=list(call.params) if call.params is not None else None,
                    headers=self._headers(url, call.headers),
                    timeout=self.timeout,
                )
                response = await self.http.send(request, stream=True, auth=None,
                                                follow_redirects=False)
            try:
                if response.status_code not in call.expected:
                    with map_transport_errors(call):
                        await response.aread()
                    raise error_for(call, response)
                yield response
            finally:
                await response.aclose()

    # ------------------------------------------------------------ decoding

    async def decode(self, call: Call, response: httpx.Response,
                     adapter: pydantic.TypeAdapter[T],
                     big: Callable[[str, bytes], T] | None = None) -> T:
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

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc is None or not isinstance(exc, httpx.HTTPError):
            return False
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


def error_for(call: Call, response: httpx.Response) -> ApiError:
    status = response.status_code
    label = call.label
    detail = server_detail(response)
    if status == 401:
        return AuthError(f"{label}: the access key or secret key was refused",
                         status=status, detail=detail)
    if status == 403:
        return PermissionDenied(f"{label}: this API key is not allowed to do that",
                                status=status, detail=detail)
    if status == 404:
        return NotFound(f"{label}: not found", status=status, detail=detail)
    if status == 429:
        return RateLimited(f"{label}: too many requests at once, try again shortly",
                           retry_after=parse_retry_after(response.headers.get("retry-after")),
                           status=status, detail=detail)
    if status >= 500:
        return ServerError(f"{label}: the server failed (HTTP {status})", status=status,
                           detail=detail)
    if 400 <= status < 500:
        return InvalidRequest(f"{label}: the server refused the request (HTTP {status})",
                              status=status, detail=detail)
    return ProtocolError(f"{label}: unexpected HTTP {status}", status=status, detail=detail)
