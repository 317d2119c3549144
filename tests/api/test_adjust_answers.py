"""v1/occupancy/adjust: which 2xx answers mean "applied".

The reference documents no answer body for the adjust. An empty body or JSON
(the simulator answers `{"ok": true, ...}`) is success; a body that is not
JSON, or a JSON error body, is a ProtocolError: the adjust's outcome is
unknown, and the caller re-reads rather than resends (never retried here)."""

from __future__ import annotations

import pytest

from storeops.api.errors import ProtocolError

from .conftest import sent
from .hostile_server import Peer, Request, client_for
from .test_metrics import _freeze_local, _store

ADJUST = "/v1/occupancy/adjust"


def _open_store(running):
    store = _store(running, "San Jose Store")  # open every day, limit 40
    _freeze_local(running, store, 12, 30)
    return store


async def test_a_malformed_200_is_a_protocol_error_sent_once(fresh_client, fresh_sim):
    store = _open_store(fresh_sim)
    fresh_sim.faults.add(ADJUST, "malformed")
    with pytest.raises(ProtocolError):
        await fresh_client.adjust_occupancy(store.uuid, 5)
    assert fresh_sim.faults.fired["malformed"] == 1
    assert sent(fresh_sim, ADJUST) == 1
    with fresh_sim.world.lock:
        assert fresh_sim.world.adjustments == []


async def test_an_error_body_in_a_200_is_a_protocol_error_with_its_words(fresh_client, fresh_sim):
    store = _open_store(fresh_sim)
    fresh_sim.faults.add(ADJUST, "malformed", body=b'{"ok": false, "error": "bad_request", "error_detail": "no limit"}')
    with pytest.raises(ProtocolError) as caught:
        await fresh_client.adjust_occupancy(store.uuid, 5)
    assert caught.value.detail == "no limit"


async def test_a_broken_answer_after_applying_is_a_protocol_error_too(fresh_client, fresh_sim):
    store = _open_store(fresh_sim)
    fresh_sim.faults.add(ADJUST, "malformed_answer")
    with pytest.raises(ProtocolError):
        await fresh_client.adjust_occupancy(store.uuid, 5)
    with fresh_sim.world.lock:
        assert [(a.store_uuid, a.count) for a in fresh_sim.world.adjustments] == [(store.uuid, 5)]


@pytest.mark.parametrize(
    ("status", "body"),
    [(204, b""), (200, b""), (200, b"{}"), (201, b'{"ok": true, "error": ""}')],
)
async def test_empty_or_json_success_answers_are_success(hostile, status, body):
    seen: list[Request] = []

    async def script(request: Request, peer: Peer) -> None:
        seen.append(request)
        headers = {"Content-Length": str(len(body))} | ({"Content-Type": "application/json"} if body else {})
        await peer.head(status, headers)
        await peer.send(body)

    server = hostile(script)
    async with client_for(server) as client:
        await client.adjust_occupancy("813737be-9f9d-11ea-8372-000008adea78", 5)
    assert [r.path for r in seen] == [ADJUST]


async def test_an_html_page_in_a_200_is_a_protocol_error(hostile):
    async def script(request: Request, peer: Peer) -> None:
        body = b"<html>Service temporarily unavailable</html>"
        await peer.head(200, {"Content-Type": "text/html", "Content-Length": str(len(body))})
        await peer.send(body)

    server = hostile(script)
    async with client_for(server) as client:
        with pytest.raises(ProtocolError):
            await client.adjust_occupancy("813737be-9f9d-11ea-8372-000008adea78", 5)
