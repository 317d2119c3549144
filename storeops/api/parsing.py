"""Parsing big answers without freezing the event loop.

Running `TypeAdapter.validate_json` in an executor is not enough: pydantic-core
holds the GIL for the whole call, so the loop thread waits for all of it (~50 ms
for 10,000 location nodes on the reference machine, measured in
benchmarks/bench_client.py). Here the work is cut into pieces of ~100 items,
each decoded and validated by its own short call (<1 ms): the interpreter hands
the GIL to a waiting loop thread between two calls, so the loop waits at most
a switch interval (5 ms), not for the body (decoding 2.4 MB in one call alone
held the GIL 10-15 ms). An explicit time.sleep(0) between pieces was measured:
it made parsing ~25 % slower and the stalls no shorter.

For POST v2/location the `nodes` list is cut in its text, at the `},{` between
two nodes, without a full scan: see `_node_pieces`. Other answers are decoded
whole, then validated in chunks. These functions are meant to run in an
executor thread.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pydantic
import pydantic_core
from pydantic import TypeAdapter

from storeops.api.errors import ProtocolError
from storeops.api.models import DatamineResult, DataPoint, Location, MetricResult

#: Items validated per call (~30 us each for locations on a busy 2-core machine).
CHUNK_ITEMS = 100
#: Bytes of v2/location text decoded per call: about CHUNK_ITEMS nodes.
PIECE_BYTES = 24 * 1024

# `{"nodes": [[` ... `]]}` with one group: the shape the pieces are cut from.
_NODES_HEAD = re.compile(rb'\s*\{\s*"nodes"\s*:\s*\[\s*\[')
_NODES_TAIL = re.compile(rb"\]\s*\]\s*\}\s*\Z")
_TAIL_WINDOW = 256
_BETWEEN_NODES = re.compile(rb"\}\s*,\s*\{")
_SPACE = re.compile(rb"\s*")

_LOCATION_LIST = TypeAdapter(list[Location])
_POINT_LIST = TypeAdapter(list[DataPoint])


def load_json(label: str, content: bytes) -> Any:
    # pydantic-core's parser (jiter) is ~3x faster than json.loads on these
    # bodies, which also shortens the one step that holds the GIL throughout.
    try:
        return pydantic_core.from_json(content, cache_strings="keys")
    except (ValueError, UnicodeDecodeError):
        raise ProtocolError(f"{label}: the server's answer is not valid JSON") from None


def validate_in_chunks(
    label: str, adapter: TypeAdapter[list[Any]], items: list[Any], where: str, first: int = 0
) -> list[Any]:
    """`first`: the index of items[0] in the whole list, for error messages."""
    from storeops.api.transport import protocol_error

    out: list[Any] = []
    for start in range(0, len(items), CHUNK_ITEMS):
        try:
            out.extend(adapter.validate_python(items[start : start + CHUNK_ITEMS]))
        except pydantic.ValidationError as exc:
            raise protocol_error(f"{label} ({where}, from item {first + start})", exc) from None
    return out


def _shape_error(label: str, what: str) -> ProtocolError:
    return ProtocolError(f"{label}: unexpected answer from the server", detail=what)


def location_nodes(label: str, content: bytes) -> list[Location]:
    """POST v2/location: `{"nodes": [[node, ...], ...]}` → a flat list."""
    pieces = _node_pieces(content)
    if pieces is not None:
        out: list[Location] = []
        try:
            for piece in pieces:
                items = pydantic_core.from_json(piece, cache_strings="keys")
                out.extend(validate_in_chunks(label, _LOCATION_LIST, items, "nodes.0", len(out)))
        except (ValueError, UnicodeDecodeError, ProtocolError):
            # A cut fell inside a string or a nested value, or the body is
            # broken: the whole body decides, as below (and so a broken body
            # gets the same error as without pieces).
            pass
        else:
            return out
    data = load_json(label, content)
    groups = data.get("nodes") if isinstance(data, dict) else None
    if not isinstance(groups, list):
        raise _shape_error(label, "nodes: a list was expected")
    out = []
    for n, group in enumerate(groups):
        if not isinstance(group, list):
            raise _shape_error(label, f"nodes.{n}: a list was expected")
        out.extend(validate_in_chunks(label, _LOCATION_LIST, group, f"nodes.{n}"))
    return out


def _node_pieces(content: bytes) -> Iterator[bytes] | None:
    """The nodes of a one-group v2/location answer as JSON arrays of about
    PIECE_BYTES each, or None when the body does not have that shape.

    Each piece is cut at a `}` `,` `{` found by a short search after the wanted
    size, and decoded alone as `[` piece `]`. A cut can fall inside a string or
    a nested value only if that text occurs there; then the piece before it ends
    inside that string or value and does not decode (each piece starts where the
    previous one, decoded, ended: at a real boundary). So when every piece
    decodes, the pieces are exactly the nodes; otherwise the caller decodes the
    body whole."""
    head = _NODES_HEAD.match(content)
    if head is None:
        return None
    tail = _NODES_TAIL.search(content, max(head.end(), len(content) - _TAIL_WINDOW))
    if tail is None:
        return None
    return _cut(content, head.end(), tail.start())


def _cut(content: bytes, start: int, end: int) -> Iterator[bytes]:
    if _SPACE.match(content, start, end).end() == end:  # type: ignore[union-attr]
        return  # `{"nodes": [[]]}`
    while start < end:
        boundary = _BETWEEN_NODES.search(content, min(start + PIECE_BYTES, end), end)
        stop = boundary.start() + 1 if boundary else end
        yield b"[" + content[start:stop] + b"]"
        if boundary is None:
            return
        start = boundary.end() - 1


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
        # A missing list is the model's default; a null one is refused, as the
        # model refuses it in a small answer.
        points = raw.get("data", [])
        if not isinstance(points, list):
            raise _shape_error(label, f"metrics.{n}.data: a list was expected")
        try:
            metric = MetricResult.model_validate({**raw, "data": []})
        except pydantic.ValidationError as exc:
            raise protocol_error(label, exc) from None
        metric.data = validate_in_chunks(label, _POINT_LIST, points, f"metrics.{n}.data")
        metrics.append(metric)
    try:
        return DatamineResult.model_validate({**data, "metrics": []}).model_copy(update={"metrics": metrics})
    except pydantic.ValidationError as exc:
        raise protocol_error(label, exc) from None
