"""Inventory lists page with string cursors in either of the reference's two places,
over real HTTP against the simulator: 206 + X-Page-Next when X-Page-Length is sent,
the body's next_page (the reference's example answers) otherwise, or from a server
that pages only that way (`SimContext.inventory_paging = "body"`)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from storeops.api.errors import PaginationError
from tests.conftest import ACCESS_KEY, SECRET_KEY, start_pinned_simulator

from .conftest import make_client
from .hostile_server import Peer, Request, client_for

LISTS = [
    ("/v1/inventory/cameras", "cameras", "device_id"),
    ("/v1/inventory/channels", "channels", "channel_uuid"),
    ("/v1/inventory/appliances", "store_appliances", "appliance_id"),
]


@pytest.fixture(scope="module")
def paging_sim() -> Iterator:
    running = start_pinned_simulator()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def body_style(paging_sim) -> Iterator:
    paging_sim.ctx.inventory_paging = "body"
    try:
        yield paging_sim
    finally:
        paging_sim.ctx.inventory_paging = "auto"


class Wire:
    """An httpx client for RetailNextClient(http=...) noting each inventory page as it
    crosses the wire: (status, X-Page-Start sent, X-Page-Next answered). The body is
    the transport's to stream: the simulator tests above read it raw."""

    def __init__(self) -> None:
        self.pages: list[tuple[int, str | None, str | None]] = []
        self.http = httpx.AsyncClient(event_hooks={"response": [self._note]})

    async def _note(self, response: httpx.Response) -> None:
        if response.request.url.path.startswith("/v1/inventory/"):
            self.pages.append(
                (
                    response.status_code,
                    response.request.headers.get("x-page-start"),
                    response.headers.get("x-page-next"),
                )
            )


def world_keys(running, path: str) -> list[str]:
    world = running.world
    if path.endswith("cameras"):
        return [c.device_id for c in world.cameras]
    if path.endswith("channels"):
        return list(world.channels)
    return [a.appliance_id for a in world.appliances]


async def read_all(client, path: str, length: int) -> list:
    method = {"cameras": client.cameras, "channels": client.channels, "appliances": client.appliances}
    return [item async for item in method[path.rsplit("/", 1)[1]](page_length=length)]


@pytest.mark.parametrize(("path", "key", "field"), LISTS)
def test_simulator_header_style_when_page_length_is_sent(paging_sim, path, key, field):
    expected = world_keys(paging_sim, path)
    with httpx.Client(base_url=paging_sim.url, auth=(ACCESS_KEY, SECRET_KEY), timeout=10) as http:
        first = http.get(path, headers={"X-Page-Length": "3"})
        assert first.status_code == 206 and "next_page" not in first.json()
        assert [i[field] for i in first.json()[key]] == expected[:3]
        # The cursor is the next item's own string key, not an offset.
        assert first.headers["X-Page-Next"] == expected[3]
        last = http.get(path, headers={"X-Page-Length": "3", "X-Page-Start": expected[-2]})
        assert last.status_code == 200 and "x-page-next" not in last.headers
        assert [i[field] for i in last.json()[key]] == expected[-2:]


@pytest.mark.parametrize(("path", "key", "field"), LISTS)
def test_simulator_body_style_without_page_length(paging_sim, path, key, field):
    expected = world_keys(paging_sim, path)
    with httpx.Client(base_url=paging_sim.url, auth=(ACCESS_KEY, SECRET_KEY), timeout=10) as http:
        whole = http.get(path)
        assert whole.status_code == 200 and "x-page-next" not in whole.headers
        assert whole.json()["next_page"] == "end"
        assert [i[field] for i in whole.json()[key]] == expected[:100]
        later = http.get(path, headers={"X-Page-Start": expected[2]})
        assert later.status_code == 200 and [i[field] for i in later.json()[key]] == expected[2:102]


@pytest.mark.parametrize(("path", "key", "field"), LISTS)
async def test_client_follows_x_page_next(paging_sim, path, key, field):
    wire = Wire()
    async with make_client(paging_sim, http=wire.http) as client:
        items = await read_all(client, path, 4)
    await wire.http.aclose()
    expected = world_keys(paging_sim, path)
    assert [getattr(i, field) for i in items] == expected
    statuses = [p[0] for p in wire.pages]
    assert statuses == [206] * (len(statuses) - 1) + [200] and len(statuses) == -(-len(expected) // 4)
    # Each X-Page-Next answered is the X-Page-Start of the next request.
    for answered, asked in zip(wire.pages, wire.pages[1:], strict=False):
        assert answered[2] is not None and asked[1] == answered[2]


@pytest.mark.parametrize(("path", "key", "field"), LISTS)
async def test_client_follows_the_body_next_page(body_style, path, key, field):
    wire = Wire()
    async with make_client(body_style, http=wire.http) as client:
        items = await read_all(client, path, 4)
    await wire.http.aclose()
    expected = world_keys(body_style, path)
    assert [getattr(i, field) for i in items] == expected
    assert {p[0] for p in wire.pages} == {200} and all(p[2] is None for p in wire.pages)
    # Only the body's next_page could name each next start: the next item's key.
    assert [p[1] for p in wire.pages] == [None, *expected[4::4]]


async def test_cameras_of_one_store_page_in_both_styles(paging_sim):
    store = next(s for s in paging_sim.world.stores() if s.name == "Caspar City Plaza")  # 18 monoculars
    expected = [c.device_id for c in paging_sim.world.cameras if c.store_uuid == store.uuid]
    async with make_client(paging_sim) as client:
        header = [c.device_id async for c in client.cameras(store.uuid, page_length=5)]
        paging_sim.ctx.inventory_paging = "body"
        try:
            body = [c.device_id async for c in client.cameras(store.uuid, page_length=5)]
        finally:
            paging_sim.ctx.inventory_paging = "auto"
    assert header == body == expected and len(expected) > 5


# ---------------------------------------------------------------- servers that break the rules


async def test_a_206_without_x_page_next_uses_the_body_cursor_or_fails(hostile):
    """A 206 promises another page: its X-Page-Next, else the body's next_page; with
    neither it is a PaginationError, not a silent end after the first page."""

    async def script(request: Request, peer: Peer) -> None:
        start = request.headers.get("x-page-start")
        if start is None:
            await peer.json({"ok": True, "next_page": "B", "cameras": [camera("A")]}, status=206)
        elif start == "B":
            await peer.json({"ok": True, "cameras": [camera("B")]}, status=206)
        else:  # pragma: no cover - the client must not get here
            await peer.json({"ok": True, "cameras": []})

    server = hostile(script)
    got: list[str] = []
    async with client_for(server) as client:
        with pytest.raises(PaginationError, match="X-Page-Next"):
            async for c in client.cameras():
                got.append(c.device_id)
    assert got == ["A", "B"] and [r.headers.get("x-page-start") for r in server.requests] == [None, "B"]


async def test_a_repeated_x_page_next_is_refused(hostile):
    async def script(request: Request, peer: Peer) -> None:
        await peer.json({"ok": True, "channels": []}, status=206, headers={"X-Page-Next": "same"})

    server = hostile(script)
    async with client_for(server) as client:
        with pytest.raises(PaginationError, match="repeated"):
            [c async for c in client.channels()]
    assert len(server.requests) == 2


async def test_the_header_wins_over_a_body_cursor(hostile):
    async def script(request: Request, peer: Peer) -> None:
        if request.headers.get("x-page-start") is None:
            await peer.json(
                {"ok": True, "next_page": "wrong", "store_appliances": [{"appliance_id": "a1"}]},
                status=206,
                headers={"X-Page-Next": "a2"},
            )
        else:
            await peer.json({"ok": True, "next_page": "end", "store_appliances": [{"appliance_id": "a2"}]})

    server = hostile(script)
    async with client_for(server) as client:
        got = [a.appliance_id async for a in client.appliances()]
    assert got == ["a1", "a2"] and server.requests[1].headers["x-page-start"] == "a2"


def camera(device_id: str) -> dict:
    return {"type": 1, "device_id": device_id}
