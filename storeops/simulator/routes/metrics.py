"""v2/datamine (traffic and occupancy metrics) and v1/occupancy/adjust."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from storeops.simulator.context import SimContext
from storeops.simulator.datamine import run_query
from storeops.simulator.dates import parse_iso_instant
from storeops.simulator.errors import ApiError, bad, check_int_range, read_object, req_str
from storeops.simulator.world import Adjustment, Node, World


def metric_routes(ctx: SimContext) -> list[Route]:
    world, clock = ctx.world, ctx.clock

    async def datamine(request: Request) -> Response:
        body = await read_object(request)
        # Numpy work off the loop: other requests keep flowing meanwhile.
        result = await run_in_threadpool(lambda: json.dumps(run_query(world, body, clock.now())).encode())
        return Response(result, media_type="application/json")

    async def adjust(request: Request) -> Response:
        body = await read_object(request)
        return JSONResponse(adjust_occupancy(world, body, clock.now()))

    return [
        Route("/v2/datamine", datamine, methods=["POST"]),
        Route("/v1/occupancy/adjust", adjust, methods=["POST"]),
    ]


def open_at(world: World, store: Node, at_utc: datetime) -> date | None:
    """The store day (the local date it opened) whose hours include `at_utc`, if
    any; a store day may have begun the evening before."""
    local = at_utc.astimezone(ZoneInfo(store.time_zone or "UTC")).replace(tzinfo=None)
    for day in (local.date(), local.date() - timedelta(days=1)):
        hours = world.hours_on(store, day)
        if hours is None:
            continue
        midnight = datetime.combine(day, datetime.min.time())
        if midnight + timedelta(minutes=hours[0]) <= local < midnight + timedelta(minutes=hours[1]):
            return day
    return None


def adjust_occupancy(world: World, body: dict[str, Any], now_utc: datetime) -> dict[str, Any]:
    unknown = set(body) - {"store_uuid", "adjustment_count", "adjustment_time"}
    if unknown:
        raise bad(f"unknown field(s): {', '.join(sorted(unknown))}")
    store_uuid = req_str(body, "store_uuid")
    count = body.get("adjustment_count")
    if count is None:
        raise bad("missing required field: adjustment_count")
    if isinstance(count, bool) or not isinstance(count, int):
        raise bad("adjustment_count must be an integer")
    if count == 0:
        raise bad("adjustment_count must be non-zero")
    check_int_range(count, "adjustment_count")
    with world.lock:
        store = world.nodes.get(store_uuid)
        if store is None or not store.is_store:
            raise ApiError(404, f"no store with uuid {store_uuid}")
        tz = ZoneInfo(store.time_zone or "UTC")
        raw_time = body.get("adjustment_time")
        at = now_utc if raw_time is None else parse_iso_instant(raw_time, "adjustment_time", tz)
        if store.occupancy_limit is None:
            raise bad("occupancy adjustments need the store's occupancy limit to be defined")
        store_day = open_at(world, store, at)
        if store_day is None:
            raise bad(
                f"occupancy adjustments are only accepted within store hours "
                f"({at.astimezone(tz).isoformat(timespec='seconds')} is outside them)"
            )
        world.adjustments.append(Adjustment(store_uuid, at, count, store_day))
    return {
        "ok": True,
        "store_uuid": store_uuid,
        "adjustment_count": count,
        "adjustment_time": at.astimezone(tz).isoformat(timespec="seconds"),
    }
