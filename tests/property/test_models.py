"""Properties of the answer models (storeops/api/models.py) and of the parsers
that validate big answers in pieces (storeops/api/parsing.py), on generated
answers: documented ones broken in a few places.

- A model either validates or raises pydantic's ValidationError (which the
  client turns into a ProtocolError), and a validated model holds no NaN or
  infinity.
- Their helpers (flat, by_store, metric, failed) raise nothing but
  MetricError and, for records validated late, ValidationError.
- A big answer parsed in pieces gives what the same answer gives when small,
  and is refused when the small one is: the size of an answer never decides
  whether broken data is accepted."""

from __future__ import annotations

import contextlib
import json
import math
from typing import Any

import pydantic
import pytest
from hypothesis import given
from hypothesis import strategies as st

from storeops.api import datamine, parsing
from storeops.api.errors import MetricError, ProtocolError
from storeops.api.models import (
    AppliancePage,
    CameraPage,
    ChannelPage,
    DatamineResult,
    DownloadList,
    HealthAlertPage,
    HlsToken,
    Location,
    LocationAnswer,
    LocationPage,
    PredictedTraffic,
    StoreHoursAnswer,
)
from tests.property.strategies import OPAQUE, TEMPLATES, mutated

MODELS: dict[str, type[pydantic.BaseModel]] = {
    "locations": LocationAnswer,
    "location_page": LocationPage,
    "location": Location,
    "datamine": DatamineResult,
    "store_hours": StoreHoursAnswer,
    "predicted": PredictedTraffic,
    "cameras": CameraPage,
    "channels": ChannelPage,
    "appliances": AppliancePage,
    "alerts": HealthAlertPage,
    "hls_token": HlsToken,
    "downloads": DownloadList,
}


def _json(value: Any) -> bytes:
    return json.dumps(value).encode()


def _non_finite(value: Any) -> list[float]:
    if isinstance(value, float):
        return [] if math.isfinite(value) else [value]
    if isinstance(value, dict):
        return [x for key, inner in value.items() if key not in OPAQUE for x in _non_finite(inner)]
    if isinstance(value, list | tuple):
        return [x for inner in value for x in _non_finite(inner)]
    return []


def _use(model: pydantic.BaseModel) -> None:
    """What callers do with a validated answer: only MetricError, or a late
    record's ValidationError, may come out."""
    if isinstance(model, LocationAnswer):
        model.flat()
    elif isinstance(model, StoreHoursAnswer):
        for days in model.by_store().values():
            assert all(not _non_finite(day.model_dump()) for day in days)
    elif isinstance(model, DatamineResult):
        model.failed()
        for metric in model.metrics:
            with contextlib.suppress(MetricError):  # the rows the Traffic pane charts
                datamine.metric_rows(model, metric.name)
        for metric in model.metrics:
            try:
                model.metric(metric.name)
            except MetricError as error:
                assert error.metric == metric.name and error.message


def _group(**parts: Any) -> dict[str, Any]:
    point = {"value": 1.0, "group": {"type": "time", "from": parts, "through": parts}}
    return {"ok": True, "metrics": [{"name": "traffic_in", "ok": True, "data": [point]}]}


# Found by hypothesis: the date parts of a datamine group were free-form, so an
# Infinity year passed as data, and a minute of "5" or 2.5 broke the row reader.
@pytest.mark.parametrize(
    "answer", [_group(year=math.inf), _group(hour=9, minute="5"), _group(hour=9, minute=2.5), _group(hour=True)]
)
def test_datamine_date_parts_must_be_whole_numbers(answer: dict[str, Any]) -> None:
    with pytest.raises(pydantic.ValidationError):
        DatamineResult.model_validate_json(_json(answer))


@pytest.mark.parametrize("name", sorted(MODELS))
@given(data=st.data())
def test_a_model_validates_or_refuses_and_holds_only_finite_numbers(name: str, data: st.DataObject) -> None:
    model = MODELS[name]
    body = _json(data.draw(mutated(TEMPLATES[name]), label="answer"))
    try:
        value = model.model_validate_json(body)
    except pydantic.ValidationError:
        return
    assert _non_finite(value.model_dump()) == []
    # A store-hours record is validated when filed: the client words that as a ProtocolError.
    with contextlib.suppress(pydantic.ValidationError):
        _use(value)


@given(answer=mutated(TEMPLATES["locations"]))
def test_big_location_answers_are_parsed_as_small_ones(answer: Any) -> None:
    body = _json(answer)
    try:
        small: list[Location] | None = LocationAnswer.model_validate_json(body).flat()
    except pydantic.ValidationError:
        small = None
    try:
        big: list[Location] | None = parsing.location_nodes("POST /v2/location", body)
    except ProtocolError:
        big = None
    if small is None:
        assert big is None, "a broken answer is refused when small, accepted when big"
    elif big is not None:
        assert [n.model_dump_json() for n in big] == [n.model_dump_json() for n in small]


@given(answer=mutated(TEMPLATES["datamine"]))
def test_big_datamine_answers_are_parsed_as_small_ones(answer: Any) -> None:
    body = _json(answer)
    try:
        small: DatamineResult | None = DatamineResult.model_validate_json(body)
    except pydantic.ValidationError:
        small = None
    try:
        big: DatamineResult | None = parsing.datamine_result("POST /v2/datamine", body)
    except ProtocolError:
        big = None
    assert (small is None) == (big is None), "the size of the answer decided whether it was accepted"
    if small is not None and big is not None:
        assert big.model_dump_json() == small.model_dump_json()
