"""Parsing big answers without freezing the event loop.

Running `TypeAdapter.validate_json` in an executor is not enough: pydantic-core
holds the GIL for the whole call, so the loop thread waits for all of it (~50 ms
for 10,000 location nodes on the reference machine, measured in
benchmarks/bench_client.py). Here the body is decoded to Python objects first, then the
long lists are validated in chunks: between chunks the GIL can pass to the loop
thread, so the loop waits at most for one chunk (or for the JSON decoding itself).
These functions are meant to run in an executor thread.
"""

from __future__ import annotations

from typing import Any

import pydantic
import pydantic_core
from pydantic import TypeAdapter

from storeops.api.errors import ProtocolError
from storeops.api.models import DataPoint, DatamineResult, Location, MetricResult

#: Items validated per call: ~1 ms each for locations.
CHUNK_ITEMS = 250

_LOCATION_LIST = TypeAdapter(list[Location])
_POINT_LIST = TypeAdapter(list[DataPoint])


def load_json(label: str, content: bytes) -> Any:
    # pydantic-core's parser (jiter) is ~3x faster than json.loads on these
    # bodies, which also shortens the one step that holds the GIL throughout.
    try:
        return pydantic_core.from_json(content, cache_strings="keys")
    except (ValueError, UnicodeDecodeError):
        raise ProtocolError(f"{label}: the server's answer is not valid JSON") from None


def validate_in_chunks(label: str, adapter: TypeAdapter[list[Any]], items: list[Any],
                       where: str) -> list[Any]:
    from storeops.api.transport import protocol_error

    out: list[Any] = []
    for start in range(0, len(items), CHUNK_ITEMS):
        try:
            out.extend(adapter.validate_python(items[start:start + CHUNK_ITEMS]))
        except pydantic.ValidationError as exc:
            raise protocol_error(f"{label} ({where}, from item {start})", exc) from None
    return out


def _shape_error(label: str, what: str) -> ProtocolError:
    return ProtocolError(f"{label}: unexpected answer from the server", detail=what)


def location_nodes(label: str, content: bytes) -> list[Location]:
    """POST v2/location: `{"nodes": [[node, ...], ...]}` → a flat list."""
    data = load_json(label, content)
    groups = data.get("nodes") if isinstance(data, dict) else None
    if not isinstance(groups, list):
        raise _shape_error(label, "nodes: a list was expected")
    out: list[Location] = []
    for n, group in enumerate(groups):
        if not isinstance(group, list):
            raise _shape_error(label, f"nodes.{n}: a list was expected")
        out.extend(validate_in_chunks(label, _LOCATION_LIST, group, f"nodes.{n}"))
    return out


def datamine_result(label: str, content: bytes) -> DatamineResult:
    """POST v2/datamine; the data points of each metric are validated in chunks."""
    from storeops.api.transport import protocol_error

    data = load_json(label, content)
    if not isinstance(data, dict) or not isinstance(data.get("metrics", []), list):
        raise _shape_error(label, "metrics: a list was expected")
    metrics = []
    for n, raw in enumerate(data.get("metrics", [])):
        if not isinstance(raw, dict):
            raise _shape_error(label, f"metrics.{n}: an object was expected")
        points = raw.get("data") or []
        if not isinstance(points, list):
            raise _shape_error(label, f"metrics.{n}.data: a list was expected")
        try:
            metric = MetricResult.model_validate({**raw, "data": []})
        except pydantic.ValidationError as exc:
            raise protocol_error(label, exc) from None
        metric.data = validate_in_chunks(label, _POINT_LIST, points, f"metrics.{n}.data")
        metrics.append(metric)
    try:
        return DatamineResult.model_validate({**data, "metrics": []}).model_copy(
            update={"metrics": metrics})
    except pydantic.ValidationError as exc:
        raise protocol_error(label, exc) from None
