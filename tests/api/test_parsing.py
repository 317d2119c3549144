"""The piecewise parser of big v2/location answers (storeops/api/parsing.py):
the same nodes and the same errors as decoding the body whole, whatever the
text between two nodes looks like, and the big chain's answer really is cut."""

from __future__ import annotations

import json

import httpx
import pydantic_core
import pytest

from storeops.api import parsing, transport
from storeops.api.client import _LOCATIONS
from storeops.api.errors import ProtocolError
from tests.conftest import ACCESS_KEY, SECRET_KEY
from tests.helpers import not_none

from .conftest import make_client


def nodes(count: int, *, tricky: bool = False) -> list[dict]:
    out = []
    for i in range(count):
        name = f"Store {i}"
        if tricky and i % 3 == 0:
            name += ' "},{"uuid": "fake"} },{ '  # the cut's own text, inside a string
        node = {
            "uuid": f"u{i}",
            "name": name,
            "location_type": "store",
            "parent_uuid": "org",
            "area": i * 1.5,
            "archive_date": None,
            "store_id": str(i),
        }
        if tricky and i % 4 == 0:
            node["validated_address"] = {"lines": [{"a": 1}, {"b": 2}], "x": {}}  # nested },{
        out.append(node)
    return out


def whole(content: bytes) -> list:
    """What decoding the body in one call gives."""
    return _LOCATIONS.validate_json(content).flat()


BODIES = {
    "compact": json.dumps({"nodes": [nodes(3000)]}, separators=(",", ":")),
    "spaced like the reference": json.dumps({"nodes": [nodes(3000)]}).replace("{", "{ ").replace("}", " }"),
    "indented": json.dumps({"nodes": [nodes(1500)]}, indent=2),
    "cut text inside strings and nested values": json.dumps({"nodes": [nodes(3000, tricky=True)]}),
    "several groups": json.dumps({"nodes": [nodes(1000), [], nodes(2000)]}),
    "another key after nodes": json.dumps({"nodes": [nodes(1000)], "next": None}),
    "another key before nodes": json.dumps({"next": None, "nodes": [nodes(1000)]}),
    "empty group": ' { "nodes" : [ [ ] ] } ',
    "no group": '{"nodes": []}',
}


@pytest.mark.parametrize("name", list(BODIES))
def test_same_nodes_as_one_decode(name):
    content = BODIES[name].encode()
    assert parsing.location_nodes("POST /v2/location", content) == whole(content)


def test_a_big_answer_is_decoded_in_small_pieces(big_body):
    pieces = list(not_none(parsing._node_pieces(big_body)))
    assert len(pieces) > 50
    assert max(len(p) for p in pieces) < 2 * parsing.PIECE_BYTES
    decoded = [node for p in pieces for node in pydantic_core.from_json(p)]
    assert decoded == json.loads(big_body)["nodes"][0]


@pytest.mark.parametrize(
    "bad, message",
    [
        (lambda n: [*n[:1200], {"name": "no uuid"}, *n[1200:]], "from item 1200"),
        (lambda n: [*n, 17], "from item 3000"),
    ],
)
def test_invalid_nodes_are_reported_as_before(bad, message):
    content = json.dumps({"nodes": [bad(nodes(3000))]}).encode()
    with pytest.raises(ProtocolError) as info:
        parsing.location_nodes("POST /v2/location", content)
    assert message in str(info.value)


@pytest.mark.parametrize(
    "content",
    [
        json.dumps({"nodes": [nodes(3000)]}).encode()[:-5000] + b"]]}",  # a node cut in half
        json.dumps({"nodes": [nodes(3000)]}).encode()[:-2],  # the end missing
        b'{"nodes": [[{"uuid": "a"}, {]]}',
    ],
)
def test_broken_json_is_a_protocol_error(content):
    with pytest.raises(ProtocolError, match="not valid JSON"):
        parsing.location_nodes("POST /v2/location", content)


async def test_over_http_nodes_with_the_cut_text_in_their_names(fresh_sim):
    body = json.dumps({"nodes": [nodes(4000, tricky=True)]}).encode()
    assert len(body) > transport.BIG_BODY_BYTES  # the executor path
    fresh_sim.faults.add("/v2/location", "malformed", count=1, body=body)
    async with make_client(fresh_sim) as client:
        got = await client.query_locations()
    assert got == whole(body)
    assert got[3].name.endswith('"},{"uuid": "fake"} },{ ')


@pytest.fixture(scope="module")
def big_body() -> bytes:
    from storeops.simulator.server import start_simulator

    with start_simulator(access_key=ACCESS_KEY, secret_key=SECRET_KEY, seed=3, big=True) as running:
        response = httpx.post(
            running.url + "/v2/location",
            auth=(ACCESS_KEY, SECRET_KEY),
            json={"where": {"and": [{"node_types": ["location"]}]}},
        )
    response.raise_for_status()
    return response.content


@pytest.mark.parametrize("value", [b"NaN", b"Infinity", b"-Infinity", b"1e999"])
def test_non_finite_areas_are_refused_by_both_parsers(value):
    body = json.dumps({"nodes": [nodes(3000)]}).encode().replace(b'"area": 1.5', b'"area": ' + value, 1)
    assert body.count(value) == 1
    with pytest.raises(ProtocolError):
        parsing.location_nodes("POST /v2/location", body)


def test_null_points_are_refused_by_the_sliced_datamine_parser():
    body = b'{"ok": true, "metrics": [{"name": "traffic_in", "ok": true, "data": null}]}'
    with pytest.raises(ProtocolError):
        parsing.datamine_result("POST /v2/datamine", body)
