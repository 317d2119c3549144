"""The words a store manager reads when something fails: one module for every pane,
dialog and the status bar, so the same failure is said the same way everywhere.

Three shapes, for three places:
- `reason(exc)`: a clause that follows what was being done
  ("Not saved — the server could not be reached (…); check the connection and try again.");
- `headline(exc, server)`: a short sentence for the status bar while connecting;
- `connection_test_verdict(exc, server, timeout)`: the Accounts dialog's full advice.
No Qt; the client's typed errors are the only input that gets tailored words.
"""

from __future__ import annotations

from storeops.api import errors


def reason(exc: BaseException) -> str:
    """What went wrong, as a clause a store manager can act on."""
    if isinstance(exc, errors.InvalidRequest):
        return f"the server refused it: {exc.detail or exc.message}"
    if isinstance(exc, errors.NotFound):
        return (
            "it no longer exists on the server (someone may have moved or removed it); refresh to see the current state"
        )
    if isinstance(exc, errors.RequestTimeout | TimeoutError):
        return "the server did not answer in time; it may or may not have been done — refresh to check"
    if isinstance(exc, errors.TlsError):
        return "the secure connection to the server failed (its certificate could not be verified)"
    if isinstance(exc, errors.ConnectionFailed):
        return f"the server could not be reached ({exc.message}); check the connection and try again"
    if isinstance(exc, errors.AuthError):
        return "the access key or secret key was refused; check the account settings"
    if isinstance(exc, errors.PermissionDenied):
        return "this account is not allowed to do that (403); ask your subscription admin"
    if isinstance(exc, errors.RateLimited):
        return "the server is busy (too many requests at once); try again in a moment"
    if isinstance(exc, errors.ServerError):
        return f"the server had a problem ({exc}); try again in a moment"
    if isinstance(exc, errors.ProtocolError):
        return f"the server's answer could not be read ({exc}); try again, and tell IT if it persists"
    if isinstance(exc, errors.ApiError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def headline(exc: BaseException, server: str = "") -> str:
    """A short status-bar sentence for a failure while connecting to `server`."""
    where = server or "the server"
    if isinstance(exc, errors.AuthError):
        return "Sign-in refused: wrong access key or secret key (401)"
    if isinstance(exc, errors.PermissionDenied):
        return "These keys may not read locations (403)"
    if isinstance(exc, errors.TlsError):
        return f"Secure connection to {where} failed (TLS certificate)"
    if isinstance(exc, errors.RequestTimeout | TimeoutError):
        return f"{where[0].upper() + where[1:]} did not answer in time"
    if isinstance(exc, errors.ConnectionFailed):
        return f"Cannot reach {where}"
    if isinstance(exc, errors.ApiError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def is_offline(exc: BaseException) -> bool:
    """The network, not the account: worth trying again by itself."""
    return isinstance(exc, errors.ConnectionFailed | TimeoutError) and not isinstance(exc, errors.TlsError)


def connection_test_verdict(exc: BaseException, server: str, timeout: float) -> tuple[str, str]:
    """(message, kind) for the Accounts dialog's "Test connection"; kind is one of
    auth, permission, tls, timeout, unreachable, server, other."""
    if isinstance(exc, errors.AuthError):
        return (
            (
                "Wrong access key or secret key: the server refused them (401). "
                "Copy both keys again from Admin Settings › System Access Tokens."
            ),
            "auth",
        )
    if isinstance(exc, errors.PermissionDenied):
        return (
            (
                "The keys are valid but not allowed to read locations (403). "
                "Ask your subscription admin to give this token location access."
            ),
            "permission",
        )
    if isinstance(exc, errors.TlsError):
        return (
            (
                f"Secure connection to {server} failed: its certificate could not "
                "be verified (TLS). Check the address, or ask IT about a proxy."
            ),
            "tls",
        )
    if isinstance(exc, TimeoutError | errors.RequestTimeout):
        return (
            (f"{server} did not answer within {timeout:g} s (timeout). Check your network connection and try again."),
            "timeout",
        )
    if isinstance(exc, errors.ConnectionFailed):
        return (
            (
                f"Cannot reach {server} (unreachable host). Check the subscription "
                "name or address, and that this computer is online."
            ),
            "unreachable",
        )
    if isinstance(exc, errors.NotFound):
        return f"{server} answered, but it is not a RetailNext API address (404).", "other"
    if isinstance(exc, errors.ServerError):
        return f"The server had a problem ({exc.status or '5xx'}). Try again later.", "server"
    return f"Connection test failed: {exc}", "other"
