"""Ids, from the user or from the server, never walk a request path: `..` in a
location uuid or an export id would otherwise send `PUT /v2` or
`DELETE /v1/video/export`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from storeops.api.errors import ProtocolError, ValidationError
from storeops.api.models import ExportRequest, LocationUpdate

from .hostile_server import Peer, Request, client_for


@pytest.mark.parametrize("uuid", ["..", ".", "a/../..", "%2e%2e", "a b", "x\u00e9", "a?b=c", "#"])
async def test_ids_that_would_walk_the_path_are_refused_before_sending(fresh_sim, fresh_client, uuid):
    before = dict(fresh_sim.world.requests)
    with pytest.raises(ValidationError):
        await fresh_client.update_location(uuid, LocationUpdate(name="x"))
    with pytest.raises(ValidationError):
        await fresh_client.export_status(uuid)
    with pytest.raises(ValidationError):
        await fresh_client.delete_export(uuid)
    with pytest.raises(ValidationError):
        fresh_client.hls_url(uuid, "token")
    assert dict(fresh_sim.world.requests) == before


async def test_an_export_id_that_walks_the_path_is_refused(hostile):
    async def script(request: Request, peer: Peer) -> None:
        await peer.json({}, status=202, headers={"Location": "/v1/video/export/task/.."})

    server = hostile(script)
    end = datetime(2026, 3, 18, 12, tzinfo=UTC)
    async with client_for(server) as client:
        with pytest.raises(ProtocolError):
            await client.start_export(ExportRequest(channels=["c1"], start=end - timedelta(seconds=30), end=end))
    assert [r.path for r in server.requests] == ["/v1/video/export/start"]
