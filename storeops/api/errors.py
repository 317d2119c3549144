"""Typed errors of the RetailNext client.

The UI catches these, never httpx errors. Messages are written for a store
manager; `detail` keeps the server's own words. No message ever contains a
secret: credentials are not part of any request line we quote, and both the
message and the detail are masked as log records are (storeops/log.py), since
a server may echo a secret or the basic-auth credentials in its own words.
"""

from __future__ import annotations

from storeops.log import redact


class ApiError(Exception):
    """Base of every error the client raises."""

    status: int | None = None

    def __init__(self, message: str, *, status: int | None = None, detail: str | None = None):
        message = redact(message)
        if detail is not None:
            detail = redact(detail)
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        self.detail = detail

    def __str__(self) -> str:
        if self.detail and self.detail not in self.message:
            return f"{self.message} ({self.detail})"
        return self.message


class AuthError(ApiError):
    """401: the access key or secret key is wrong."""

    status = 401


class PermissionDenied(ApiError):
    """403: the key works but its profile does not allow this."""

    status = 403


class NotFound(ApiError):
    status = 404


class InvalidRequest(ApiError):
    """400 / 422: the server refused the request; `detail` is its error_detail."""

    status = 400


class RateLimited(ApiError):
    """429: over a documented concurrency limit."""

    status = 429

    def __init__(
        self, message: str, *, retry_after: float | None = None, status: int | None = None, detail: str | None = None
    ):
        super().__init__(message, status=status, detail=detail)
        self.retry_after = retry_after


class ServerError(ApiError):
    """5xx."""

    status = 500


class ConnectionFailed(ApiError):
    """The server could not be reached (DNS, refused, reset, TLS)."""


class TlsError(ConnectionFailed):
    """The server's certificate could not be verified."""


class RequestTimeout(ConnectionFailed):
    """No answer in time. For unsafe calls the outcome is unknown."""


class ProtocolError(ApiError):
    """The answer was malformed or not what the reference documents."""


class ResponseTooLarge(ProtocolError):
    """The answer (or its decompressed form) grew past the cap of its call
    family; reading stopped there (storeops/api/transport.py)."""


class PaginationError(ProtocolError):
    """A paginated list went wrong: a cursor repeated, too long, not ASCII, or
    more pages than any real list has (storeops/api/pagination.py)."""


class LocalFileError(ApiError):
    """A file on this computer could not be written (a download's destination)."""


class MetricError(ApiError):
    """A datamine metric answered ok: false."""

    def __init__(self, metric: str, message: str, *, status: int | None = None, detail: str | None = None):
        super().__init__(message, status=status, detail=detail)
        self.metric = metric


class ValidationError(ApiError):
    """Refused by the client before sending (documented rule broken)."""


class ExportNotReady(ApiError):
    """A video export was asked for before it was ready (or after it failed or
    expired); `state` is the export's ExportState."""

    def __init__(self, message: str, *, state: str, status: int | None = None, detail: str | None = None):
        super().__init__(message, status=status, detail=detail)
        self.state = state
