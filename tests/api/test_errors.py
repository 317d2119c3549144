"""Status codes and transport failures map to the typed errors; pagination
cursors a broken server repeats end in ProtocolError instead of a loop."""

from __future__ import annotations

import asyncio
import ssl

import pytest

from storeops.api.client import RetailNextClient
from storeops.api.errors import (
    AuthError,
    InvalidRequest,
    NotFound,
    PermissionDenied,
    ProtocolError,
    RateLimited,
    ServerError,
    TlsError,
)
from storeops.api.retry import RetryPolicy
from tests.helpers import self_signed_cert

from .conftest import make_client, sent


@pytest.mark.parametrize(
    "status,error",
    [
        (401, AuthError),
        (403, PermissionDenied),
        (404, NotFound),
        (400, InvalidRequest),
        (422, InvalidRequest),
        (409, InvalidRequest),
        (429, RateLimited),
        (500, ServerError),
        (503, ServerError),
        (504, ServerError),
    ],
)
async def test_status_maps_to_typed_error(fresh_sim, status, error):
    fresh_sim.faults.add("/v1/downloads/list", "status", count=1, status=status, detail=f"detail {status}")
    async with make_client(fresh_sim, retry=RetryPolicy.never()) as client:
        with pytest.raises(error) as info:
            await client.list_downloads()
    assert info.value.status == status
    assert info.value.detail == f"detail {status}"
    assert "GET /v1/downloads/list" in str(info.value)


async def test_rate_limited_carries_retry_after(fresh_sim):
    fresh_sim.faults.add("/v1/downloads/list", "status", count=1, status=429, retry_after=7)
    async with make_client(fresh_sim, retry=RetryPolicy.never()) as client:
        with pytest.raises(RateLimited) as info:
            await client.list_downloads()
    assert info.value.retry_after == 7


async def test_partial_page_without_next_is_a_protocol_error(fresh_sim, fresh_client):
    fresh_sim.faults.add("/v1/healthalerts", "status", count=1, status=206)
    with pytest.raises(ProtocolError):
        [a async for a in fresh_client.health_alerts()]


async def test_repeated_page_cursor_is_a_protocol_error(fresh_sim, fresh_client):
    first = fresh_sim.world.alerts[3].uuid
    fresh_sim.faults.add("/v1/healthalerts", "status", count=3, status=206, headers={"X-Page-Next": first})
    with pytest.raises(ProtocolError, match="repeated"):
        [a async for a in fresh_client.health_alerts()]
    assert sent(fresh_sim, "/v1/healthalerts") == 2


@pytest.mark.parametrize("style", ["offset", "uuid"])
async def test_page_cursor_from_the_header_is_sent_back(fresh_sim, fresh_client, style):
    # A first (injected) page says where the next starts: the client asks the
    # real route for that start and gets the rest from there.
    alerts = fresh_sim.world.alerts
    fresh_sim.set_alert_cursor(style)
    fresh_sim.faults.add(
        "/v1/healthalerts",
        "status",
        count=1,
        status=206,
        headers={"X-Page-Next": "5" if style == "offset" else alerts[5].uuid},
    )
    got = [a.uuid async for a in fresh_client.health_alerts()]
    assert got == [a.uuid for a in alerts[5:]]


@pytest.mark.parametrize("cursors", [["20", "10"], ["0"], ["7", "7"], ["9" * 40]])
async def test_integer_cursor_that_does_not_move_forward_is_a_protocol_error(fresh_sim, fresh_client, cursors):
    for cursor in cursors:
        fresh_sim.faults.add("/v1/healthalerts", "status", count=1, status=206, headers={"X-Page-Next": cursor})
    with pytest.raises(ProtocolError):
        [a async for a in fresh_client.health_alerts()]
    assert sent(fresh_sim, "/v1/healthalerts") == len(cursors)


async def test_repeated_inventory_cursor_is_a_protocol_error(fresh_sim, fresh_client):
    body = b'{"ok": true, "next_page": "AA:BB", "cameras": []}'
    fresh_sim.faults.add("/v1/inventory/cameras", "malformed", count=2, body=body)
    with pytest.raises(ProtocolError, match="repeated"):
        [c async for c in fresh_client.cameras()]


async def test_untrusted_certificate_is_a_tls_error(tmp_path):
    cert, key = self_signed_cert(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)

    async def handle(reader, writer):
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=context)
    port = server.sockets[0].getsockname()[1]
    try:
        async with RetailNextClient(
            f"https://127.0.0.1:{port}", "key", "secret", retry=RetryPolicy(base_delay=0.01)
        ) as client:
            with pytest.raises(TlsError) as info:
                await client.query_locations()
        assert "certificate" in str(info.value)
    finally:
        server.close()
        await server.wait_closed()
