"""Pagination a server cannot run away with: cursors bounded in length and
kind, a limit on pages (a server that hands out a new cursor forever), and
cursors remembered by digest."""

from __future__ import annotations

import pytest

from storeops.api import pagination
from storeops.api.errors import PaginationError, ProtocolError

from .hostile_server import Peer, Request, client_for


async def test_cursors_without_end_stop_at_the_page_limit(hostile, monkeypatch):
    monkeypatch.setattr(pagination, "MAX_PAGES", 30)

    async def script(request: Request, peer: Peer) -> None:
        n = len(server.requests)
        if n > 200:  # bounded, so a client without a limit ends too (and fails)
            await peer.json({"result": []})
            return
        await peer.json({"result": []}, status=206, headers={"X-Page-Next": str(n * 10)})

    server = hostile(script)
    async with client_for(server) as client:
        with pytest.raises(PaginationError, match="pages"):
            [a async for a in client.health_alerts()]
    assert len(server.requests) == 30


async def test_body_cursors_without_end_stop_at_the_page_limit(hostile, monkeypatch):
    monkeypatch.setattr(pagination, "MAX_PAGES", 30)

    async def script(request: Request, peer: Peer) -> None:
        n = len(server.requests)
        cursor = "end" if n > 200 else f"cursor-{n}"
        await peer.json({"ok": True, "next_page": cursor, "cameras": []})

    server = hostile(script)
    async with client_for(server) as client:
        with pytest.raises(PaginationError):
            [c async for c in client.cameras()]
    assert len(server.requests) == 30


async def test_a_long_cursor_is_refused_before_it_is_sent_back(hostile):
    async def script(request: Request, peer: Peer) -> None:
        await peer.json({"ok": True, "next_page": "x" * 1_000_000, "cameras": []})

    server = hostile(script)
    async with client_for(server) as client:
        with pytest.raises(PaginationError, match="cursor"):
            [c async for c in client.cameras()]
    assert len(server.requests) == 1


@pytest.mark.parametrize("where", ["body", "header"])
async def test_a_non_ascii_cursor_is_a_protocol_error(hostile, where):
    async def script(request: Request, peer: Peer) -> None:
        if where == "body":
            await peer.json({"ok": True, "next_page": "café", "cameras": []})
        else:
            body = b'{"result": []}'
            await peer.send(
                b"HTTP/1.1 206 Partial Content\r\nContent-Type: application/json\r\n"
                b"X-Page-Next: caf\xc3\xa9\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
            )

    server = hostile(script)
    async with client_for(server) as client:
        with pytest.raises(ProtocolError, match="cursor"):
            if where == "body":
                [c async for c in client.cameras()]
            else:
                [a async for a in client.health_alerts()]
    assert len(server.requests) == 1


async def test_a_non_ascii_cursor_from_the_simulator_is_a_protocol_error(fresh_sim, fresh_client):
    body = '{"ok": true, "next_page": "n\u00e4chste", "cameras": []}'.encode()
    fresh_sim.faults.add("/v1/inventory/cameras", "malformed", count=1, body=body)
    with pytest.raises(ProtocolError):
        [c async for c in fresh_client.cameras()]
