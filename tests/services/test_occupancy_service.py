"""OccupancyService against the real simulator over HTTP: per-zone polling,
stale state, store hours, and adjusts that are sent exactly once."""

from __future__ import annotations

import asyncio

import pytest

from storeops.api.retry import RetryPolicy
from storeops.services.audit import AuditLog
from storeops.services.occupancy import AdjustBlocked, AdjustResult, OccupancyService, next_backoff
from tests.helpers import not_none
from tests.services.occupancy_env import (
    LIMITED_STORE,
    NO_LIMIT_STORE,
    chicago,
    make_client,
    occupancy_now,
    put_closed,
    put_open,
    sent,
    store,
)


async def _service(running, **kw) -> OccupancyService:
    client = make_client(running, **{k: kw.pop(k) for k in ("timeout", "retry") if k in kw})
    service = OccupancyService(client, interval=0.2, now=running.clock.now, **kw)
    service.set_stores(await service.load_stores())
    return service


async def test_one_query_per_time_zone_and_values_match_the_server(fresh_sim):
    put_open(fresh_sim)
    service = await _service(fresh_sim)
    try:
        zones = {s.time_zone for s in service.stores}
        assert len(zones) == 4 and len(service.stores) == 14  # the archived store is left out
        await service.poll_once()  # first poll also reads hours and the trend
        before = sent(fresh_sim, "/v2/datamine")
        snaps = await service.poll_once()
        assert sent(fresh_sim, "/v2/datamine") - before == len(zones)
        loop_store = store(fresh_sim, LIMITED_STORE)
        snap = not_none(service.snapshot(loop_store.uuid))
        assert snap.occupancy == await occupancy_now(service.client, loop_store.uuid, loop_store.time_zone)
        assert not_none(snap.traffic_in) - not_none(snap.traffic_out) == snap.occupancy
        assert len(snap.trend) >= 2 and snap.trend[-1] == snap.occupancy
        assert all(s.updated_at == fresh_sim.clock.now() for s in snaps)
    finally:
        await service.client.aclose()


async def test_store_hours_decide_open_now_in_store_local_time(fresh_sim):
    put_closed(fresh_sim)  # 07:00 Chicago = 05:00 Los Angeles = 13:00 London
    service = await _service(fresh_sim)
    try:
        await service.poll_once()
        by_name = {s.store.name: s for s in service.snapshots()}
        assert by_name[LIMITED_STORE].hours.open is False
        assert service.adjust_block_reason(by_name[LIMITED_STORE].store.uuid) == "Closed now — opens 10:00"
        assert by_name["London Covent Garden"].hours.open is True
        assert by_name["Seattle Night Market"].hours.open is False  # 18:00-02:00, now 05:00
    finally:
        await service.client.aclose()


async def test_stale_after_two_failed_polls_then_recovers(fresh_sim):
    put_open(fresh_sim)
    service = await _service(fresh_sim, retry=RetryPolicy.never())
    try:
        await service.poll_once()
        uuid = store(fresh_sim, LIMITED_STORE).uuid
        good = not_none(service.snapshot(uuid))
        fresh_sim.faults.add("/v2/datamine", "status", count=100, status=503)
        await service.poll_once()
        one = not_none(service.snapshot(uuid))
        assert one.failed_polls == 1 and not one.stale and one.occupancy == good.occupancy
        await service.poll_once()
        two = not_none(service.snapshot(uuid))
        assert two.stale and two.updated_at == good.updated_at and two.error
        assert service.consecutive_failures == 2
        fresh_sim.faults.clear()
        await service.poll_once()
        assert not not_none(service.snapshot(uuid)).stale and service.consecutive_failures == 0
    finally:
        await service.client.aclose()


async def test_adjust_is_sent_once_changes_occupancy_and_is_audited(fresh_sim, tmp_path):
    put_open(fresh_sim)
    audit = AuditLog(tmp_path / "audit.jsonl")
    service = await _service(fresh_sim, audit=audit, user="maria", profile="Head office")
    try:
        await service.poll_once()
        s = store(fresh_sim, LIMITED_STORE)
        before = await occupancy_now(service.client, s.uuid, s.time_zone)
        outcome = await service.adjust(s.uuid, 3)
        assert outcome.result is AdjustResult.APPLIED and outcome.occupancy == before + 3
        assert await occupancy_now(service.client, s.uuid, s.time_zone) == before + 3
        assert sent(fresh_sim, "/v1/occupancy/adjust") == 1
        assert not_none(service.snapshot(s.uuid)).occupancy == before + 3
        [entry] = audit.entries()
        assert entry["user"] == "maria" and entry["profile"] == "Head office"
        assert entry["store_uuid"] == s.uuid and entry["count"] == 3 and entry["result"] == "applied"
    finally:
        await service.client.aclose()


async def test_documented_rules_block_before_sending(fresh_sim):
    put_closed(fresh_sim)
    service = await _service(fresh_sim)
    try:
        await service.poll_once()
        closed = store(fresh_sim, LIMITED_STORE).uuid
        no_limit = store(fresh_sim, NO_LIMIT_STORE).uuid
        with pytest.raises(AdjustBlocked, match="opens 10:00"):
            await service.adjust(closed, 1)
        with pytest.raises(AdjustBlocked, match="No occupancy limit"):
            await service.adjust(no_limit, 1)
        put_open(fresh_sim)
        await service.hours.refresh({closed: "America/Chicago"})
        with pytest.raises(AdjustBlocked, match="non-zero"):
            await service.adjust(closed, 0)
        assert sent(fresh_sim, "/v1/occupancy/adjust") == 0
    finally:
        await service.client.aclose()


async def test_server_refusal_is_reported_not_retried(fresh_sim):
    """This computer's clock says 15:00 but the server's says 07:00 (closed): the
    client-side check lets it through, the server refuses, and it is not resent."""
    put_closed(fresh_sim)
    client = make_client(fresh_sim)
    service = OccupancyService(client, interval=0.2, now=lambda: chicago(15))
    service.set_stores(await service.load_stores())
    try:
        await service.poll_once()
        uuid = store(fresh_sim, LIMITED_STORE).uuid
        assert service.adjust_block_reason(uuid) is None
        outcome = await service.adjust(uuid, 1)
        assert outcome.result is AdjustResult.REFUSED
        assert "store hours" in outcome.message
        assert sent(fresh_sim, "/v1/occupancy/adjust") == 1
    finally:
        await client.aclose()


async def test_timeout_then_reread_says_it_did_not_take_effect(fresh_sim):
    put_open(fresh_sim)
    service = await _service(fresh_sim, timeout=0.4, verify_delay=0.1)
    try:
        await service.poll_once()
        s = store(fresh_sim, LIMITED_STORE)
        before = await occupancy_now(service.client, s.uuid, s.time_zone)
        # The server answers later than the client waits (the simulator then drops the request).
        fresh_sim.faults.add("/v1/occupancy/adjust", "delay", seconds=1.0)
        outcome = await service.adjust(s.uuid, 2)
        assert outcome.result is AdjustResult.NOT_APPLIED, outcome.message
        assert "did not take effect" in outcome.message and outcome.occupancy == before
        await asyncio.sleep(0.8)  # past the server's delay: still nothing applied, nothing resent
        assert await occupancy_now(service.client, s.uuid, s.time_zone) == before
        assert sent(fresh_sim, "/v1/occupancy/adjust") == 1
    finally:
        await service.client.aclose()


async def test_timeout_then_reread_says_it_took_effect(fresh_sim, tmp_path):
    """The server applies the adjust but its answer is held back past the client's
    timeout (a lost answer): the re-read shows before + count, so the user is told
    it took effect, the audit log says so, and nothing is resent."""
    put_open(fresh_sim)
    audit = AuditLog(tmp_path / "audit.jsonl")
    service = await _service(fresh_sim, timeout=0.4, verify_delay=0.1, audit=audit)
    try:
        await service.poll_once()
        s = store(fresh_sim, LIMITED_STORE)
        before = await occupancy_now(service.client, s.uuid, s.time_zone)
        recorded = len(fresh_sim.world.adjustments)
        fresh_sim.faults.add("/v1/occupancy/adjust", "delay_answer", seconds=1.0)
        outcome = await service.adjust(s.uuid, 2)
        assert fresh_sim.faults.fired["delay_answer"] == 1
        assert outcome.result is AdjustResult.APPLIED and not outcome.answered, outcome.message
        assert "slow to answer" in outcome.message and "took effect" in outcome.message
        assert outcome.occupancy == before + 2 and not_none(service.snapshot(s.uuid)).occupancy == before + 2
        await asyncio.sleep(0.8)  # past the held-back answer: applied once, never resent
        assert await occupancy_now(service.client, s.uuid, s.time_zone) == before + 2
        assert sent(fresh_sim, "/v1/occupancy/adjust") == 1
        assert len(fresh_sim.world.adjustments) == recorded + 1
        [entry] = audit.entries()
        assert (entry["count"], entry["result"]) == (2, "timeout-applied")
        assert "took effect" in entry["detail"]
    finally:
        await service.client.aclose()


async def test_dropped_adjust_is_reported_as_not_applied(fresh_sim):
    put_open(fresh_sim)
    service = await _service(fresh_sim, verify_delay=0.05)
    try:
        await service.poll_once()
        s = store(fresh_sim, LIMITED_STORE)
        before = await occupancy_now(service.client, s.uuid, s.time_zone)
        fresh_sim.faults.add("/v1/occupancy/adjust", "disconnect")
        outcome = await service.adjust(s.uuid, 2)
        assert outcome.result is AdjustResult.NOT_APPLIED, outcome.message
        assert "did not take effect" in outcome.message
        assert await occupancy_now(service.client, s.uuid, s.time_zone) == before
        assert sent(fresh_sim, "/v1/occupancy/adjust") == 1
        assert service.audit.entries()[-1]["result"] == "timeout-not-applied"
    finally:
        await service.client.aclose()


async def test_run_backs_off_while_down_and_stops_on_request(fresh_sim):
    """Each wait run() asks for follows the schedule: the interval after the first
    failure, then doubling to the cap; a stop ends the loop. Waits are stepped
    through, not slept."""
    put_open(fresh_sim)
    stop = asyncio.Event()
    waits: list[float] = []

    async def pause(event: asyncio.Event, seconds: float) -> None:
        assert event is stop
        waits.append(seconds)
        if len(waits) == 6:
            stop.set()

    service = await _service(fresh_sim, retry=RetryPolicy.never(), max_backoff=0.5, pause=pause)
    failures: list[int] = []
    try:
        fresh_sim.faults.add("/v2/datamine", "status", count=1000, status=503)
        await asyncio.wait_for(service.run(lambda snaps: failures.append(service.consecutive_failures), stop=stop), 10)
        assert failures == [1, 2, 3, 4, 5, 6]
        assert waits[0] == 0.2
        assert 0.85 * 0.4 <= waits[1] <= 0.4
        assert all(0.85 * 0.5 <= w <= 0.5 for w in waits[2:])
        fresh_sim.faults.clear()
        stop.clear()
        waits.clear()
        failures.clear()
        await asyncio.wait_for(service.run(lambda snaps: failures.append(service.consecutive_failures), stop=stop), 10)
        assert failures[0] == 0 and waits[0] == 0.2  # recovered on the first good answer
    finally:
        await service.client.aclose()


def test_backoff_schedule():
    assert next_backoff(0, 15) == 15 and next_backoff(1, 15) == 15
    assert 0.85 * 30 <= next_backoff(2, 15) <= 30
    assert next_backoff(10, 15, cap=60) <= 60
    assert next_backoff(10, 120, cap=60) <= 120  # never shorter than the poll interval itself


async def test_store_hours_are_reread_when_the_store_day_changes(fresh_sim):
    from datetime import timedelta

    put_open(fresh_sim)
    service = await _service(fresh_sim)
    try:
        await service.poll_once()
        await service.poll_once()
        assert sent(fresh_sim, "/v1/storehours") == 1  # once, for all stores
        fresh_sim.clock.freeze(chicago(23, 30))  # same store day everywhere west of London...
        await service.poll_once()
        # ...but London has passed midnight (05:30 there): its new day needs new hours.
        assert sent(fresh_sim, "/v1/storehours") == 2
        fresh_sim.clock.freeze(chicago(15) + timedelta(days=1))
        await service.poll_once()
        assert sent(fresh_sim, "/v1/storehours") == 3
        loop_store = store(fresh_sim, LIMITED_STORE)
        assert not_none(service.snapshot(loop_store.uuid)).hours.open is True
    finally:
        await service.client.aclose()
