"""v1/storehours and v1/predictedtraffic: both answer store-local times with the
documented meaningless trailing Z."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from storeops.simulator import traffic
from storeops.simulator.context import SimContext
from storeops.simulator.dates import MAX_YEAR, MIN_YEAR
from storeops.simulator.errors import ApiError, bad, read_object, req_str, req_str_list
from storeops.simulator.world import World

# A simulator guard, not an API limit (the reference states none): store-days per
# query, as for datamine; any range between 1900 and 2200 fits for a few stores.
MAX_HOURS_STORE_DAYS = 250_000
PREDICT_DAYS_PER_QUERY = 7
PREDICT_HORIZON_DAYS = 31


def hours_routes(ctx: SimContext) -> list[Route]:
    world, clock = ctx.world, ctx.clock

    async def store_hours(request: Request) -> Response:
        body = await read_object(request)
        return JSONResponse(query_store_hours(world, body))

    async def predicted(request: Request) -> Response:
        try:
            body = await read_object(request)
            result = await run_in_threadpool(predicted_traffic, world, body, clock.now())
        except ApiError as exc:
            # This method reports errors in its own ok/error shape (plus error_detail).
            return JSONResponse(
                {"ok": False, "error": exc.detail, "error_detail": exc.detail, "predictions": []},
                status_code=exc.status,
            )
        return JSONResponse(result)

    return [
        Route("/v1/storehours", store_hours, methods=["POST"]),
        Route("/v1/predictedtraffic", predicted, methods=["POST"]),
    ]


def _fake_z(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def _day(value: str, key: str) -> date:
    # The date as written: "2021-01-15T00:00:00Z" is the store day 2021-01-15.
    try:
        day = date.fromisoformat(value.strip()[:10])
    except ValueError:
        raise bad(f"{key} must be an ISO 8601 date, got {value!r}") from None
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise bad(f"{key} must fall between {MIN_YEAR} and {MAX_YEAR}")
    return day


def query_store_hours(world: World, body: dict[str, Any]) -> dict[str, Any]:
    stores = req_str_list(body, "stores")
    if not stores:
        raise bad("stores must not be empty")
    start = _day(req_str(body, "start_date"), "start_date")
    end = _day(req_str(body, "end_date"), "end_date")
    if end < start:
        raise bad("end_date is before start_date")
    if len(stores) * ((end - start).days + 1) > MAX_HOURS_STORE_DAYS:
        raise bad("query too large: narrow the dates or the stores")
    result: dict[str, dict[str, dict[str, str | None]]] = {}
    with world.lock:
        for uuid in stores:
            store = world.nodes.get(uuid)
            if store is None or not store.is_store:
                raise bad(f"not a store: {uuid}")
            days: dict[str, dict[str, str | None]] = {}
            day = start
            while day <= end:
                key = _fake_z(datetime.combine(day, datetime.min.time()))
                hours = world.hours_on(store, day)
                entry: dict[str, str | None] = {"store_uuid": uuid, "effective_day": key, "open": None, "close": None}
                if hours is not None:  # closed days are listed with null open/close
                    midnight = datetime.combine(day, datetime.min.time())
                    entry["open"] = _fake_z(midnight + timedelta(minutes=hours[0]))
                    entry["close"] = _fake_z(midnight + timedelta(minutes=hours[1]))
                days[key] = entry
                day += timedelta(days=1)
            result[uuid] = days
    return {"result": result}


def _strict_day(value: str, key: str) -> date:
    try:
        if len(value) != 10:
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise bad(f"{key} must be yyyy-mm-dd, got {value!r}") from None


def predicted_traffic(world: World, body: dict[str, Any], now_utc: datetime) -> dict[str, Any]:
    store_uuid = req_str(body, "store_uuid")
    first = _strict_day(req_str(body, "first_day"), "first_day")
    last = _strict_day(req_str(body, "last_day"), "last_day")
    with world.lock:
        store = world.nodes.get(store_uuid)
        if store is None or not store.is_store:
            raise ApiError(404, f"no store with uuid {store_uuid}")
    today = now_utc.astimezone(ZoneInfo(store.time_zone or "UTC")).date()
    # "Must be in the future": today, the store's own, is not.
    if first <= today:
        raise bad(f"first_day must be in the future: after {today.isoformat()}, the store's today")
    if last < first:
        raise bad("last_day is before first_day")
    if (last - first).days + 1 > PREDICT_DAYS_PER_QUERY:
        raise bad(f"at most {PREDICT_DAYS_PER_QUERY} days per query")
    if last > today + timedelta(days=PREDICT_HORIZON_DAYS):
        raise bad(f"predictions are available up to {PREDICT_HORIZON_DAYS} days ahead")
    values = traffic.predicted(world, store, first, last, today)
    return {"ok": True, "error": "", "predictions": [{"time": _fake_z(t), "value": v} for t, v in values]}
