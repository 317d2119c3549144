"""Whatever a server answers, the client lets out only its own typed errors
(storeops/api/errors.py), never pydantic's, Unicode's, KeyError and the like,
and what it returns holds no NaN or infinity.

Every call of the client meets generated hostile answers over real HTTP (see
strategies.py): documented answers broken in a few places, other JSON, bytes,
false compression, lying framing and headers."""

from __future__ import annotations

import asyncio
import math
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel

from storeops.api.client import RetailNextClient
from storeops.api.datamine import DatamineRequest, DateRange
from storeops.api.errors import ApiError
from storeops.api.models import ExportRequest, ExportState, ExportStatus, LocationUpdate
from storeops.api.retry import RetryPolicy
from tests.property.answer_server import Answer, AnswerServer
from tests.property.strategies import OPAQUE, STORE, TEMPLATES, answers

STORE_UUID = str(STORE["uuid"])
TODAY = date(2026, 4, 22)


async def _all(items: Any) -> list[Any]:
    return [item async for item in items]


@dataclass(frozen=True)
class Case:
    template: str
    run: Callable[[RetailNextClient, Path], Awaitable[Any]]
    ok: int = 200


CASES: dict[str, Case] = {
    "query_locations": Case("locations", lambda c, _: c.query_locations()),
    "paged_locations": Case("location_page", lambda c, _: _all(c.paged_locations(page_length=2))),
    "update_location": Case("location", lambda c, _: c.update_location(STORE_UUID, LocationUpdate(name="New name"))),
    "datamine": Case(
        "datamine",
        lambda c, _: c.datamine(
            DatamineRequest([STORE_UUID], ["traffic_in", "occupancy"], [DateRange.days(TODAY, TODAY)])
        ),
    ),
    "adjust_occupancy": Case("empty", lambda c, _: c.adjust_occupancy(STORE_UUID, 1)),
    "store_hours": Case("store_hours", lambda c, _: c.store_hours([STORE_UUID], TODAY, TODAY)),
    "predicted_traffic": Case(
        "predicted", lambda c, _: c.predicted_traffic(STORE_UUID, date(2026, 4, 24), date(2026, 4, 24), today=TODAY)
    ),
    "cameras": Case("cameras", lambda c, _: _all(c.cameras(STORE_UUID))),
    "channels": Case("channels", lambda c, _: _all(c.channels())),
    "appliances": Case("appliances", lambda c, _: _all(c.appliances())),
    "health_alerts": Case("alerts", lambda c, _: _all(c.health_alerts(page_length=5)), ok=206),
    "hls_token": Case("hls_token", lambda c, _: c.hls_token(STORE_UUID)),
    "start_export": Case(
        "empty",
        lambda c, _: c.start_export(
            ExportRequest(
                channels=["ch-1", "ch-2"],
                start=datetime(2026, 4, 22, 10, tzinfo=UTC),
                end=datetime(2026, 4, 22, 10, 5, tzinfo=UTC),
                resolution="1280x720",
            )
        ),
        ok=202,
    ),
    "export_status": Case("empty", lambda c, _: c.export_status("x1"), ok=302),
    "delete_export": Case("empty", lambda c, _: c.delete_export("x1"), ok=204),
    "list_downloads": Case("downloads", lambda c, _: c.list_downloads()),
    "download_file": Case("downloads", lambda c, d: c.download_file("custom_exports/a.csv", d / "a.csv")),
    "download_export": Case(
        "downloads",
        lambda c, d: c.download_export(
            ExportStatus(export_id="x1", state=ExportState.READY, download_url=c.base_url + "/files/x1.mp4"),
            d / "x1.mp4",
        ),
    ),
}


def _finite(value: Any, where: str = "answer") -> None:
    """No NaN or infinity anywhere in what a call returned."""
    if isinstance(value, BaseModel):
        value = value.model_dump()
    if isinstance(value, float):
        assert math.isfinite(value), f"{where} is {value}"
    elif isinstance(value, dict):
        for key, inner in value.items():
            if key not in OPAQUE:
                _finite(inner, f"{where}.{key}")
    elif isinstance(value, list | tuple):
        for n, inner in enumerate(value):
            _finite(inner, f"{where}[{n}]")


async def _call(server: AnswerServer, case: Case) -> Any:
    # No retries and short timeouts: one answer per example, and a client that
    # waits for more than the server sends ends quickly.
    client = RetailNextClient(
        server.url, "prop-access", "prop-secret-0123", retry=RetryPolicy.never(), timeout=3.0, deadline=8.0
    )
    with tempfile.TemporaryDirectory(prefix="storeops-prop-") as tmp:
        try:
            return await case.run(client, Path(tmp))
        finally:
            await client.aclose()


@pytest.mark.parametrize("name", sorted(CASES))
@given(data=st.data())
def test_only_typed_errors_come_out(answer_server: AnswerServer, name: str, data: st.DataObject) -> None:
    case = CASES[name]
    answer: Answer = data.draw(answers(TEMPLATES[case.template], case.ok), label="answer")
    answer_server.serve(answer)
    try:
        result = asyncio.run(_call(answer_server, case))
    except ApiError as error:
        # Typed, and in words: a message a pane can show.
        assert error.message
        assert "prop-secret-0123" not in str(error)
        return
    _finite(result)
