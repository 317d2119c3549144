"""One place for the words of a failure: each typed error of the client reads as
something a store manager can act on, in each of the three shapes."""

from __future__ import annotations

import pytest

from storeops.api import errors
from storeops.services import wording

CASES = [
    (errors.InvalidRequest("refused", detail="area must be positive"), "the server refused it: area must be positive"),
    (errors.NotFound("gone"), "it no longer exists on the server"),
    (errors.RequestTimeout("slow"), "did not answer in time; it may or may not have been done"),
    (errors.TlsError("bad cert"), "secure connection to the server failed"),
    (errors.ConnectionFailed("connection refused"), "could not be reached (connection refused)"),
    (errors.AuthError("401"), "access key or secret key was refused"),
    (errors.PermissionDenied("403"), "not allowed to do that (403)"),
    (errors.RateLimited("429"), "too many requests at once"),
    (errors.ServerError("boom", status=503), "the server had a problem"),
    (errors.ProtocolError("not JSON"), "the server's answer could not be read (not JSON)"),
    (ValueError("odd"), "ValueError: odd"),
]


@pytest.mark.parametrize("exc, words", CASES, ids=[type(c[0]).__name__ for c in CASES])
def test_reason_names_the_failure_in_plain_words(exc, words):
    assert words in wording.reason(exc)


def test_headline_and_offline_for_the_status_bar():
    refused = errors.ConnectionFailed("connection refused")
    assert wording.headline(refused, "127.0.0.1:1") == "Cannot reach 127.0.0.1:1"  # the port is named
    assert (
        wording.headline(errors.RequestTimeout("slow"), "the demo server") == "The demo server did not answer in time"
    )
    assert wording.headline(errors.AuthError("x")) == "Sign-in refused: wrong access key or secret key (401)"
    assert wording.is_offline(refused) and wording.is_offline(TimeoutError())
    assert not wording.is_offline(errors.TlsError("cert")) and not wording.is_offline(errors.AuthError("x"))


def test_connection_test_verdicts_carry_their_kind():
    kinds = {
        type(e).__name__: wording.connection_test_verdict(e, "acme.example", 10)[1]
        for e in (
            errors.AuthError("x"),
            errors.PermissionDenied("x"),
            errors.TlsError("x"),
            errors.RequestTimeout("x"),
            errors.ConnectionFailed("x"),
            errors.NotFound("x"),
            errors.ServerError("x", status=502),
        )
    }
    assert kinds == {
        "AuthError": "auth",
        "PermissionDenied": "permission",
        "TlsError": "tls",
        "RequestTimeout": "timeout",
        "ConnectionFailed": "unreachable",
        "NotFound": "other",
        "ServerError": "server",
    }
    message, _ = wording.connection_test_verdict(errors.RequestTimeout("x"), "acme.example", 10)
    assert message.startswith("acme.example did not answer within 10 s")
