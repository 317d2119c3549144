"""Answers of a well-spoken but untrustworthy server (the simulator, told what to
say): only the client's typed errors come out of a call, and wrong numbers are
refused the same way in small and big answers."""

from __future__ import annotations

import json
from datetime import date

import pytest

from storeops.api import transport
from storeops.api.datamine import DatamineRequest, DateRange
from storeops.api.errors import LocalFileError, ProtocolError


def _request(store: str) -> DatamineRequest:
    return DatamineRequest([store], ["traffic_in"], [DateRange.days(date(2026, 3, 1), date(2026, 3, 2))])


def _datamine_body(value: str, points: int) -> bytes:
    point = '{"value": 1.0, "validity": "complete", "group": {"type": "date"}}'
    data = ", ".join([point] * points + [f'{{"value": {value}}}'])
    return f'{{"ok": true, "metrics": [{{"name": "traffic_in", "ok": true, "data": [{data}]}}]}}'.encode()


# ------------------------------------------------------------ typed errors only


async def test_a_bad_store_hours_record_is_a_protocol_error(fresh_sim, fresh_client):
    store = fresh_sim.world.stores()[0].uuid
    body = {"result": {store: {"2026-03-01T00:00:00Z": {"store_uuid": store, "effective_day": "not a day"}}}}
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


# ------------------------------------------------------------ wrong numbers


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "1e999"])
@pytest.mark.parametrize("points", [1, 5000], ids=["small", "big"])
async def test_non_finite_metric_values_are_refused(fresh_sim, fresh_client, value, points):
    body = _datamine_body(value, points)
    assert (len(body) > transport.BIG_BODY_BYTES) == (points > 1)
    fresh_sim.faults.add("/v2/datamine", "malformed", count=1, body=body)
    with pytest.raises(ProtocolError):
        await fresh_client.datamine(_request(fresh_sim.world.stores()[0].uuid))


@pytest.mark.parametrize("points", [1, 5000], ids=["small", "big"])
async def test_null_data_is_refused_in_small_and_big_answers(fresh_sim, fresh_client, points):
    filler = ", ".join(['{"name": "traffic_out", "data": [{"value": 1.0, "validity": "complete"}]}'] * points)
    body = f'{{"ok": true, "metrics": [{filler}, {{"name": "traffic_in", "data": null}}]}}'.encode()
    assert (len(body) > transport.BIG_BODY_BYTES) == (points > 1)
    fresh_sim.faults.add("/v2/datamine", "malformed", count=1, body=body)
    with pytest.raises(ProtocolError):
        await fresh_client.datamine(_request(fresh_sim.world.stores()[0].uuid))
