"""Hypothesis strategies for hostile answers: JSON that starts as a documented
answer and is then broken in a few places (a value swapped for another type, a
NaN, a huge number, a lone surrogate, a key dropped), or is not JSON at all,
maybe compressed (or only claimed to be), with lying headers and framing."""

from __future__ import annotations

import gzip
import json
import math
import zlib
from typing import Any

from hypothesis import strategies as st

from tests.property.answer_server import Answer, Framing

# ---------------------------------------------------------------- documented shapes

STORE = {
    "uuid": "5f1c2a9e-0000-4000-8000-000000000001",
    "name": "Chicago Loop",
    "type": "location",
    "location_type": "store",
    "parent_uuid": "5f1c2a9e-0000-4000-8000-0000000000aa",
    "area": 1200.5,
    "occupancy_limit": 40,
    "time_zone": "America/Chicago",
    "store_id": "CHI-01",
    "validated_address": {"city": "Chicago", "lines": ["1 State St"]},
}
ENTRANCE = {
    "uuid": "5f1c2a9e-0000-4000-8000-000000000002",
    "name": "Main door",
    "location_type": "entrance",
    "parent_uuid": STORE["uuid"],
    "aggregate_to_store": True,
    "archive_date": None,
}
DAY = "2026-04-22T00:00:00Z"
HOURS = {
    "store_uuid": STORE["uuid"],
    "effective_day": DAY,
    "open": "2026-04-22T09:00:00Z",
    "close": "2026-04-22T21:00:00Z",
}

TEMPLATES: dict[str, Any] = {
    "locations": {"nodes": [[STORE, ENTRANCE]]},
    "location_page": {"locations": [STORE, ENTRANCE]},
    "location": STORE,
    "datamine": {
        "ok": True,
        "metrics": [
            {
                "name": "traffic_in",
                "ok": True,
                "data": [
                    {
                        "value": 12.0,
                        "validity": "complete",
                        "index": 0,
                        "group": {
                            "type": "date",
                            "from": {"year": 2026, "month": 4, "day": 22},
                            "through": {"year": 2026, "month": 4, "day": 22},
                            "group": {"type": "location", "uuid": STORE["uuid"], "name": "Chicago Loop"},
                        },
                    }
                ],
            },
            {"name": "occupancy", "ok": False, "error_detail": "not licensed"},
        ],
    },
    "store_hours": {"result": {STORE["uuid"]: {DAY: HOURS}}},
    "predicted": {"ok": True, "error": "", "predictions": [{"time": "2026-04-24T09:00:00Z", "value": 3.5}]},
    "cameras": {
        "ok": True,
        "next_page": "end",
        "cameras": [
            {
                "type": 1,
                "device_id": "cam-1",
                "device_name": "Door camera",
                "store_uuid": STORE["uuid"],
                "last_heard": "2026-04-22T10:00:00Z",
                "video_channel_uuids": ["ch-1"],
                "video_channel_count": 1,
                "network_configuration": {"mode": 0, "ip": "10.0.0.2"},
                "analytics": {"traffic_line_count": 1, "dwell_zone_count": 0, "direction_line_configured": True},
                "height": 300,
            }
        ],
    },
    "channels": {
        "ok": True,
        "next_page": "end",
        "channels": [{"channel_uuid": "ch-1", "name": "Door", "frame_rate": 10.0, "maximun_retention_days": 30}],
    },
    "appliances": {
        "ok": True,
        "next_page": "end",
        "store_appliances": [{"appliance_id": "app-1", "store_uuid": STORE["uuid"], "mac_address": "00:11"}],
    },
    "alerts": {
        "result": [
            {
                "uuid": "al-1",
                "type": "camera_offline",
                "severity": "high",
                "alert_creation_time": "2026-04-22T10:00:00Z",
            }
        ]
    },
    "hls_token": {"token": "tok-123"},
    "downloads": {"files": ["custom_exports/a.csv"]},
    "error": {"error": "bad_request", "error_detail": "something is wrong"},
    "empty": {},
}

# Fields kept as the server sent them and read by nothing (an address, a camera's
# settings), or validated when read (store hours' raw `result`, filed by by_store()):
# the finite-numbers property does not look inside them.
OPAQUE = frozenset({"validated_address", "configuration_summary", "result"})

# ---------------------------------------------------------------- hostile values

_SPECIAL_NUMBERS = [math.nan, math.inf, -math.inf, 2**63, -(2**63) - 1, 10**30, -1, 0, 1e308, -0.0, 0.5]
_SPECIAL_TEXT = [
    "",
    "..",
    ".",
    "end",
    "a/b",
    "\ud800",  # a lone surrogate: valid as a JSON escape, not as UTF-8
    "ü-ñ-€",
    "2026-02-30T25:61:00Z",
    "T",
    "\x00",
    "x" * 600,
    "9" * 40,
    "NaN",
]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(_SPECIAL_NUMBERS),
    st.text(max_size=20),
    st.sampled_from(_SPECIAL_TEXT),
)

json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            st.one_of(st.text(max_size=8), st.sampled_from(["uuid", "T", "store_uuid"])), inner, max_size=4
        ),
    ),
    max_leaves=12,
)


def _paths(value: Any, here: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [here]
    if isinstance(value, dict):
        for key, inner in value.items():
            out += _paths(inner, (*here, key))
    elif isinstance(value, list):
        for n, inner in enumerate(value):
            out += _paths(inner, (*here, n))
    return out


def _replace(value: Any, path: tuple[Any, ...], new: Any, delete: bool) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        copy = dict(value)
        if delete and not rest:
            copy.pop(head, None)
        else:
            copy[head] = _replace(value[head], rest, new, delete)
        return copy
    copy_list = list(value)
    if delete and not rest:
        del copy_list[head]
    else:
        copy_list[head] = _replace(value[head], rest, new, delete)
    return copy_list


@st.composite
def mutated(draw: st.DrawFn, template: Any) -> Any:
    """`template` with 0-3 places broken."""
    value = template
    for _ in range(draw(st.integers(0, 3))):
        path = draw(st.sampled_from(_paths(value)))
        delete = bool(path) and draw(st.booleans()) and draw(st.booleans())
        value = _replace(value, path, draw(json_values), delete)
    return value


def _dump(value: Any, how: str) -> bytes:
    if how == "ascii":
        return json.dumps(value).encode()
    # Lone surrogates become bytes that are not UTF-8.
    return json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")


@st.composite
def bodies(draw: st.DrawFn, template: Any) -> bytes:
    kind = draw(st.sampled_from(["mutated", "mutated", "mutated", "json", "bytes", "truncated", "padded"]))
    if kind == "bytes":
        return draw(st.binary(max_size=64))
    if kind == "json":
        return _dump(draw(json_values), draw(st.sampled_from(["ascii", "raw"])))
    body = _dump(draw(mutated(template)), draw(st.sampled_from(["ascii", "raw"])))
    if kind == "truncated":
        return body[: draw(st.integers(0, max(0, len(body) - 1)))]
    if kind == "padded":
        # Past BIG_BODY_BYTES (256 KB): the executor and chunked parsers take over.
        return b" " * (300 * 1024) + body
    return body


_HEADER_NAMES = [
    b"Content-Type",
    b"Content-Encoding",
    b"X-Page-Next",
    b"Retry-After",
    b"Location",
    b"Content-Range",
    b"Content-Disposition",
    b"Accept-Ranges",
]
header_values = st.one_of(
    st.sampled_from([b"application/json", b"gzip", b"deflate", b"br", b"1", b"-5", b"999999999", b"end", b"42"]),
    st.sampled_from(
        [b"/v1/video/export/task/x1", b"/v1/video/export/task/..", b"http://evil.example/x", b"bytes 0-3/4"]
    ),
    st.binary(max_size=24).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b"")),
    st.text(max_size=12)
    .map(lambda t: t.encode("utf-8", "surrogatepass"))
    .map(lambda b: b.replace(b"\r", b"").replace(b"\n", b"")),
)
headers = st.lists(st.tuples(st.sampled_from(_HEADER_NAMES), header_values), max_size=3)

STATUSES = [
    200,
    201,
    202,
    204,
    206,
    301,
    302,
    304,
    400,
    401,
    403,
    404,
    409,
    416,
    422,
    424,
    429,
    500,
    502,
    503,
    299,
    599,
]


@st.composite
def answers(draw: st.DrawFn, template: Any, ok: int = 200) -> Answer:
    """A hostile answer to a call whose documented answer is `template` with status `ok`."""
    status = draw(st.one_of(st.just(ok), st.sampled_from(STATUSES)))
    body = draw(st.one_of(bodies(template), bodies(TEMPLATES["error"])))
    extra = draw(headers)
    coding = draw(st.sampled_from(["none", "none", "gzip", "deflate", "claimed-gzip"]))
    if coding == "gzip":
        body = gzip.compress(body)
        extra.append((b"Content-Encoding", b"gzip"))
    elif coding == "deflate":
        body = zlib.compress(body)
        extra.append((b"Content-Encoding", b"deflate"))
    elif coding == "claimed-gzip":
        extra.append((b"Content-Encoding", b"gzip"))
    if draw(st.booleans()):
        extra.append((b"Content-Type", b"application/json"))
    framings: list[Framing] = ["length", "length", "length", "chunked", "close", "short"]
    framing = draw(st.sampled_from(framings))
    return Answer(status=status, headers=tuple(extra), body=body, framing=framing)
