"""Answers of a well-spoken but untrustworthy server (the simulator, told what to
say): only the client's typed errors come out of a call."""

from __future__ import annotations

import json
from datetime import date

import pytest

from storeops.api.errors import LocalFileError, ProtocolError


# ------------------------------------------------------------ typed errors only


async def test_a_bad_store_hours_record_is_a_protocol_error(fresh_sim, fresh_client):
    store = fresh_sim.world.stores()[0].uuid
    body = {"result": {store: {"2026-03-01T00:00:00Z": {"store_uuid": store,
                                                        "effective_day": "not a day"}}}}
    fresh_sim.faults.add("/v1/storehours", "malformed", count=1, body=json.dumps(body).encode())
    with pytest.raises(ProtocolError) as info:
        await fresh_client.store_hours([store], date(2026, 3, 1), date(2026, 3, 1))
    assert "not a day" not in str(info.value)  # no input values in messages


async def test_a_download_that_cannot_be_written_is_a_typed_error(client, tmp_path):
    blocker = tmp_path / "a file"
    blocker.write_text("not a folder")
    name = (await client.list_downloads())[0]
    with pytest.raises(LocalFileError):
        await client.download_file(name, blocker / "traffic.csv")

