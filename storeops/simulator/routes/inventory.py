"""v1/inventory (cameras, channels, appliances; `next_page` cursors) and
v1/healthalerts (206 + X-Page-Next UUID pages)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from storeops.simulator.context import SimContext
from storeops.simulator.dates import parse_iso_instant
from storeops.simulator.errors import bad, read_object
from storeops.simulator.pagination import header_page_response, page_by_key


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
        return JSONResponse({"ok": True, "next_page": following or "end",
                             "cameras": [c.to_json() for c in page]})

    async def channels(request: Request) -> Response:
        with world.lock:
            items = list(world.channels.values())
        page, following = page_by_key(request, items, lambda c: c.uuid)
        return JSONResponse({"ok": True, "next_page": following or "end",
                             "channels": [c.to_json() for c in page]})

    async def appliances(request: Request) -> Response:
        with world.lock:
            items = list(world.appliances)
        page, following = page_by_key(request, items, lambda a: a.appliance_id)
        return JSONResponse({"ok": True, "next_page": following or "end",
                             "store_appliances": [a.to_json() for a in page]})

    async def health_alerts(request: Request) -> Response:
        body = await read_object(request, optional=True)
        unknown = set(body) - {"start_time"}
        if unknown:
            raise bad(f"unknown field(s): {', '.join(sorted(unknown))}")
        before = clock.now()
        if body.get("start_time") is not None:
            before = parse_iso_instant(body["start_time"], "start_time", ZoneInfo("UTC"))
        with world.lock:
            items = [a for a in world.alerts if a.created < before]
        page, following = page_by_key(request, items, lambda a: a.uuid)
        return header_page_response({"result": [a.to_json() for a in page]}, following)

    return [
        Route("/v1/inventory/cameras", cameras, methods=["GET"]),
        Route("/v1/inventory/channels", channels, methods=["GET"]),
        Route("/v1/inventory/appliances", appliances, methods=["GET"]),
        Route("/v1/healthalerts", health_alerts, methods=["POST"]),
    ]
