"""Secrets a server echoes in its words are masked in the errors that carry
them, and the credentials of pre-signed download links in the log."""

from __future__ import annotations

import base64
import logging

import pytest

from storeops import log as applog
from storeops.api.client import RetailNextClient
from storeops.api.errors import ApiError, InvalidRequest
from storeops.api.retry import RetryPolicy
from tests.conftest import ACCESS_KEY, SECRET_KEY
from tests.helpers import not_none

from .conftest import make_client
from .hostile_server import Peer, Request


async def test_an_echoed_secret_is_masked_in_the_error(fresh_sim):
    creds = base64.b64encode(f"{ACCESS_KEY}:{SECRET_KEY}".encode()).decode()
    fresh_sim.faults.add(
        "/v1/downloads/list", "status", count=1, status=400, detail=f"refused Basic {creds} (secret {SECRET_KEY})"
    )
    async with make_client(fresh_sim, retry=RetryPolicy.never()) as client:
        with pytest.raises(InvalidRequest) as info:
            await client.list_downloads()
    for text in (str(info.value), not_none(info.value.detail), repr(info.value.args)):
        assert SECRET_KEY not in text and creds not in text
    assert not_none(info.value.detail).startswith("refused")  # the rest of the words stay


def test_an_error_built_anywhere_carries_masked_words():
    applog.register_secret("a-registered-secret-value")
    error = ApiError("failed for a-registered-secret-value", detail="token=abc123 and more")
    assert "a-registered-secret-value" not in str(error)
    assert "abc123" not in str(error) and "and more" in not_none(error.detail)


@pytest.mark.parametrize(
    "url",
    [
        (
            "https://bucket.s3.amazonaws.com/e.mp4?X-Amz-Algorithm=AWS4-HMAC-SHA256"
            "&X-Amz-Credential=AKIAEXAMPLE%2F20260318%2Fus-east-1&X-Amz-Signature=SIGNATUREVALUE"
        ),
        "https://cdn.example.com/e.mp4?Expires=1&Signature=SIGNATUREVALUE&Key-Pair-Id=AKIAEXAMPLE",
        "https://store.blob.core.windows.net/c/e.mp4?sv=2024&sig=SIGNATUREVALUE",
        "https://storage.googleapis.com/b/e.mp4?X-Goog-Signature=SIGNATUREVALUE&X-Goog-Credential=AKIAEXAMPLE",
    ],
)
def test_presigned_link_secrets_are_masked_in_debug_logs(url):
    record = logging.LogRecord("storeops.api", logging.DEBUG, __file__, 1, "following download link %s", (url,), None)
    applog.RedactingFilter().filter(record)
    text = record.getMessage()
    assert "SIGNATUREVALUE" not in text and "AKIAEXAMPLE" not in text
    assert text.startswith("following download link https://")
    assert "/e.mp4?" in text  # where it went stays readable


async def test_a_failed_export_reason_is_masked(hostile):
    import base64

    creds = base64.b64encode(b"key:secret-that-leaks").decode()

    async def script(request: Request, peer: Peer) -> None:
        await peer.json({"error_detail": f"bad auth {creds} for secret-that-leaks"}, status=424)

    server = hostile(script)
    async with RetailNextClient(server.url, "key", "secret-that-leaks", retry=RetryPolicy.never()) as client:
        status = await client.export_status("e1")
    assert status.reason and "secret-that-leaks" not in status.reason
    assert creds not in status.reason
