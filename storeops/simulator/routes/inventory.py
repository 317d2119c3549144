"""v1/inventory (cameras, channels, appliances; string cursors in `X-Page-Next` or in
the body's `next_page`, see storeops.simulator.pagination) and
v1/healthalerts (206 + X-Page-Next pages: integer offsets, or UUIDs when
`ctx.alert_cursor` is "uuid")."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from storeops.simulator.context import SimContext
from storeops.simulator.dates import parse_iso_instant
from storeops.simulator.errors import bad, read_object
from storeops.simulator.pagination import (
    header_page_response,
    inventory_page_response,
    page_by_key,
    page_by_offset,
)
from storeops.simulator.world import Alert


def inventory_routes(ctx: SimContext) -> list[Route]:
    world, clock = ctx.world, ctx.clock

    async def cameras(request: Request) -> Response:
        store_uuid = request.query_params.get("store_uuid")
        with world.lock:
            items = list(world.cameras)
            if store_uuid is not None:
                store = world.nodes.get(store_uuid)
                if store is None or not store.is_store:
                    raise bad(f"store_uuid is not a store: {store_uuid}")
                items = [c for c in items if c.store_uuid == store_uuid]
        page, following = page_by_key(request, items, lambda c: c.device_id)
        now = clock.now()
        with world.lock:  # scenarios change offline_since from other threads
            cameras = [c.to_json(now) for c in page]
        return inventory_page_response(request, ctx.inventory_paging, "cameras", cameras, following)

    async def channels(request: Request) -> Response:
        with world.lock:
            items = list(world.channels.values())
        page, following = page_by_key(request, items, lambda c: c.uuid)
        return inventory_page_response(
            request, ctx.inventory_paging, "channels", [c.to_json() for c in page], following
        )

    async def appliances(request: Request) -> Response:
        with world.lock:
            items = list(world.appliances)
        page, following = page_by_key(request, items, lambda a: a.appliance_id)
        return inventory_page_response(
            request, ctx.inventory_paging, "store_appliances", [a.to_json() for a in page], following
        )

    async def health_alerts(request: Request) -> Response:
        body = await read_object(request, optional=True)
        unknown = set(body) - {"start_time"}
        if unknown:
            raise bad(f"unknown field(s): {', '.join(sorted(unknown))}")
        before = clock.now()
        if body.get("start_time") is not None:
            before = parse_iso_instant(body["start_time"], "start_time", ZoneInfo("UTC"))
        with world.lock:
            items = world.alerts[_first_created_before(world.alerts, before) :]
        if ctx.alert_cursor == "uuid":
            page, following = page_by_key(request, items, lambda a: a.uuid)
        else:
            page, following = page_by_offset(request, items)
        return header_page_response({"result": [a.to_json() for a in page]}, following)

    return [
        Route("/v1/inventory/cameras", cameras, methods=["GET"]),
        Route("/v1/inventory/channels", channels, methods=["GET"]),
        Route("/v1/inventory/appliances", appliances, methods=["GET"]),
        Route("/v1/healthalerts", health_alerts, methods=["POST"]),
    ]


def _first_created_before(alerts: list[Alert], before: datetime) -> int:
    """Index of the first alert created before `before` in a newest-first list (a
    binary search: the big chain has 10,000 alerts and every page asks again)."""
    lo, hi = 0, len(alerts)
    while lo < hi:
        mid = (lo + hi) // 2
        if alerts[mid].created < before:
            hi = mid
        else:
            lo = mid + 1
    return lo
