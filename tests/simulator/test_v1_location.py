"""v2/location's documented 10,000-node limit, and v1/location, the paged method
the reference points to beyond it: GET, X-Page-Length (max 100) / X-Page-Start,
206 + X-Page-Next while more remain, 200 on the last page."""

from __future__ import annotations

import httpx
import pytest

from storeops.simulator.limits import Limits
from storeops.simulator.world import EXTRA_FIELDS
from tests.conftest import ACCESS_KEY, SECRET_KEY
from tests.simulator.conftest import frozen_simulator


def _all_pages(http: httpx.Client, length: int | None = None) -> tuple[list[dict], list[httpx.Response]]:
    nodes, answers, start = [], [], None
    while True:
        headers = {} if length is None else {"X-Page-Length": str(length)}
        if start is not None:
            headers["X-Page-Start"] = start
        answer = http.get("/v1/location", headers=headers)
        answers.append(answer)
        assert answer.status_code in (200, 206), answer.text
        nodes += answer.json()["locations"]
        if answer.status_code == 200:
            assert "x-page-next" not in answer.headers
            return nodes, answers
        start = answer.headers["x-page-next"]


def _walk_order(world) -> list[str]:
    return [n.uuid for n in world.walk(world.organization_uuid) if n.type == "location"]


def test_pages_of_20_cover_every_location_node_in_tree_order(http, frozen_sim):
    world = frozen_sim.world
    nodes, answers = _all_pages(http, 20)
    expected = _walk_order(world)
    assert [n["uuid"] for n in nodes] == expected and len(expected) == world.location_count()
    assert [a.status_code for a in answers] == [206] * (len(answers) - 1) + [200]
    assert [a.headers.get("x-page-next") for a in answers[:-1]] == [str(20 * k) for k in range(1, len(answers))]
    assert all(len(a.json()["locations"]) == 20 for a in answers[:-1])
    # Parents come before their children, as in v2/location answers.
    seen: set[str] = set()
    for node in nodes:
        assert node["parent_uuid"] is None or node["parent_uuid"] in seen
        seen.add(node["uuid"])


def test_nodes_have_the_v2_shape_and_stores_every_extra_field(http, frozen_sim):
    nodes, _ = _all_pages(http)
    v2 = http.post(
        "/v2/location", json={"extra_fields": list(EXTRA_FIELDS), "where": {"and": [{"node_types": ["location"]}]}}
    ).json()["nodes"][0]
    assert {n["uuid"]: n for n in nodes} == {n["uuid"]: n for n in v2}
    assert all(n["type"] == "location" for n in nodes)
    store = next(n for n in nodes if n["location_type"] == "store")
    assert set(EXTRA_FIELDS.values()) <= set(store)


def test_page_length_default_and_offsets(http, frozen_sim):
    count = frozen_sim.world.location_count()
    assert count < 100
    whole = http.get("/v1/location")  # the default length is the maximum, 100
    assert whole.status_code == 200 and len(whole.json()["locations"]) == count
    first = http.get("/v1/location", headers={"X-Page-Length": "50"})
    assert first.status_code == 206 and first.headers["x-page-next"] == "50"
    last = http.get("/v1/location", headers={"X-Page-Length": "50", "X-Page-Start": "50"})
    assert last.status_code == 200 and len(last.json()["locations"]) == count - 50
    past = http.get("/v1/location", headers={"X-Page-Start": "100000"})
    assert past.status_code == 200 and past.json() == {"locations": []}
    for headers in ({"X-Page-Start": "-1"}, {"X-Page-Start": "ten"}, {"X-Page-Length": "0"}, {"X-Page-Length": "x"}):
        refused = http.get("/v1/location", headers=headers)
        assert refused.status_code == 400 and refused.json()["error"] == "bad_request", headers
    assert http.post("/v1/location", json={}).status_code == 405


def test_v1_location_is_a_location_request_for_the_concurrency_limit():
    assert Limits.family("/v1/location") == "location"
    assert Limits.family("/v2/location/create") == "location"
    assert Limits.family("/v1/location_profiles") is None


def test_the_10000_node_error_fires_only_above_10000():
    with (
        frozen_simulator(big=True) as big,
        httpx.Client(base_url=big.url, auth=(ACCESS_KEY, SECRET_KEY), timeout=30) as http,
    ):
        locations = {"where": {"and": [{"node_types": ["location"]}]}}
        exactly = http.post("/v2/location", json=locations)
        assert exactly.status_code == 200 and len(exactly.json()["nodes"][0]) == 10_000
        store = big.world.stores()[0].uuid
        created = http.post(
            "/v2/location/create", json={"name": "One More", "parent_uuid": store, "location_type": "display"}
        )
        assert created.status_code == 200
        over = http.post("/v2/location", json=locations)
        assert over.status_code == 400
        assert over.json() == {
            "error": "bad_request",
            "error_detail": "too many result nodes (10001), please refine your query",
        }
        # v1/location pages through all of them, at most 100 a page.
        capped = http.get("/v1/location", headers={"X-Page-Length": "500"})
        assert capped.status_code == 206 and len(capped.json()["locations"]) == 100
        nodes, answers = _all_pages(http)
        assert len(answers) == 101 and len({n["uuid"] for n in nodes}) == 10_001
        assert created.json()["uuid"] in {n["uuid"] for n in nodes}


@pytest.mark.parametrize("limit,status", [(98, 200), (97, 400)])
def test_the_node_limit_can_be_lowered_to_see_the_error_on_a_small_chain(own_sim, own_http, limit, status):
    assert own_sim.world.location_count() == 98
    own_sim.ctx.location_node_limit = limit
    answer = own_http.post("/v2/location", json={"where": {"and": [{"node_types": ["location"]}]}})
    assert answer.status_code == status, answer.text
