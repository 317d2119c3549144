"""A 2xx to an adjust whose body is no success answer is not "applied".

Found by the chaos run: the simulator's "malformed" fault answers a 200 with
broken JSON in place of the request (nothing applied), and the app reported
the adjust as applied. Now the client raises ProtocolError and the service
re-reads occupancy, as after a lost answer: "not applied" when nothing
changed, "applied" when the server did apply it and only its answer broke
("malformed_answer"); never sent twice."""

from __future__ import annotations

import asyncio

from storeops.services.audit import AuditLog
from storeops.services.occupancy import AdjustResult, OccupancyService
from tests.helpers import not_none
from tests.services.occupancy_env import LIMITED_STORE, make_client, occupancy_now, put_open, sent, store

ADJUST = "/v1/occupancy/adjust"


async def _service(running, audit: AuditLog) -> OccupancyService:
    service = OccupancyService(
        make_client(running), interval=0.2, now=running.clock.now, verify_delay=0.05, audit=audit
    )
    service.set_stores(await service.load_stores())
    return service


async def test_a_broken_answer_in_place_of_the_adjust_is_reported_not_applied(fresh_sim, tmp_path):
    put_open(fresh_sim)
    audit = AuditLog(tmp_path / "audit.jsonl")
    service = await _service(fresh_sim, audit)
    try:
        await service.poll_once()
        s = store(fresh_sim, LIMITED_STORE)
        before = await occupancy_now(service.client, s.uuid, s.time_zone)
        recorded = len(fresh_sim.world.adjustments)
        fresh_sim.faults.add(ADJUST, "malformed")
        heard: list[str] = []
        outcome = await service.adjust(s.uuid, 2, progress=heard.append)
        assert fresh_sim.faults.fired["malformed"] == 1
        assert outcome.result is AdjustResult.NOT_APPLIED and not outcome.answered, outcome.message
        assert "could not be read" in outcome.message and "did not take effect" in outcome.message
        assert any("could not be read" in text for text in heard)
        assert outcome.occupancy == before
        assert len(fresh_sim.world.adjustments) == recorded
        assert await occupancy_now(service.client, s.uuid, s.time_zone) == before
        assert sent(fresh_sim, ADJUST) == 1
        [entry] = audit.entries()
        assert (entry["count"], entry["result"]) == (2, "timeout-not-applied")
    finally:
        await service.client.aclose()


async def test_a_broken_answer_to_an_applied_adjust_is_reported_applied_once(fresh_sim, tmp_path):
    put_open(fresh_sim)
    audit = AuditLog(tmp_path / "audit.jsonl")
    service = await _service(fresh_sim, audit)
    try:
        await service.poll_once()
        s = store(fresh_sim, LIMITED_STORE)
        before = await occupancy_now(service.client, s.uuid, s.time_zone)
        recorded = len(fresh_sim.world.adjustments)
        fresh_sim.faults.add(ADJUST, "malformed_answer")
        outcome = await service.adjust(s.uuid, 3)
        assert fresh_sim.faults.fired["malformed_answer"] == 1
        assert outcome.result is AdjustResult.APPLIED and not outcome.answered, outcome.message
        assert "could not be read" in outcome.message and "took effect" in outcome.message
        assert outcome.occupancy == before + 3 and not_none(service.snapshot(s.uuid)).occupancy == before + 3
        await asyncio.sleep(0.2)
        assert len(fresh_sim.world.adjustments) == recorded + 1
        assert await occupancy_now(service.client, s.uuid, s.time_zone) == before + 3
        assert sent(fresh_sim, ADJUST) == 1
        [entry] = audit.entries()
        assert (entry["count"], entry["result"]) == (3, "timeout-applied")
    finally:
        await service.client.aclose()


async def test_an_error_body_in_a_200_is_not_applied(fresh_sim, tmp_path):
    put_open(fresh_sim)
    service = await _service(fresh_sim, AuditLog(tmp_path / "audit.jsonl"))
    try:
        await service.poll_once()
        s = store(fresh_sim, LIMITED_STORE)
        before = await occupancy_now(service.client, s.uuid, s.time_zone)
        body = b'{"error": "internal_error", "error_detail": "adjust not stored"}'
        fresh_sim.faults.add(ADJUST, "malformed", body=body)
        outcome = await service.adjust(s.uuid, -1)
        assert outcome.result is AdjustResult.NOT_APPLIED, outcome.message
        assert await occupancy_now(service.client, s.uuid, s.time_zone) == before
        assert sent(fresh_sim, ADJUST) == 1
    finally:
        await service.client.aclose()
