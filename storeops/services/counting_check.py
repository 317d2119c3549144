"""The counting check: does each open store's traffic agree with its counters?

A video management system sees cameras; the traffic report sees counts. Neither
notices when the two disagree, and both failures silently corrupt traffic reports:

- NOT_COUNTING: the store is open, a counting camera reports in, yet nobody was
  counted for the last COUNTING_WINDOW (a counter that stopped counting: a blocked
  lens, a lost traffic line, a firmware fault);
- COUNTER_OFFLINE: people were counted in that hour, but a camera with a traffic
  line is offline (its share of the counts is missing, or the counts are not what
  they seem).

Only stores open for the whole window are checked (a store that opened half an
hour ago has not had its hour yet). The window is the last four completed
15-minute intervals in each store's own time: the datamine answers only completed
intervals. One datamine query per time zone, one store hours read. No Qt.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from storeops.api.datamine import DatamineRequest, DateRange, DateSpec, GroupBy, metric_rows
from storeops.api.models import Location, StoreHours
from storeops.services.cameras import CameraRow, Inventory, ago
from storeops.services.store_hours import local_now

if TYPE_CHECKING:
    from storeops.api.client import RetailNextClient

COUNTING_WINDOW = timedelta(minutes=60)
INTERVAL = timedelta(minutes=15)
METRIC = "traffic_in"


class FindingKind(StrEnum):
    NOT_COUNTING = "not_counting"
    COUNTER_OFFLINE = "counter_offline"


class StoreState(StrEnum):
    COUNTING = "counting"  # open for the whole window, counts and counters agree
    PROBLEM = "problem"
    CLOSED = "closed"
    JUST_OPENED = "just_opened"  # open, but not for a whole window yet
    NO_COUNTER = "no_counter"  # no camera with a traffic line
    HOURS_UNKNOWN = "hours_unknown"


@dataclass(frozen=True)
class Finding:
    kind: FindingKind
    store_uuid: str
    store_name: str
    cameras: tuple[str, ...]  # the counting cameras concerned, by name
    counted: int  # visitors counted in the window
    window_start: datetime  # store-local
    window_end: datetime
    silent_for: timedelta | None = None  # COUNTER_OFFLINE: since the camera was last heard

    @property
    def headline(self) -> str:
        names = ", ".join(self.cameras)
        if self.kind is FindingKind.NOT_COUNTING:
            counter = "its counting camera" if len(self.cameras) == 1 else "its counting cameras"
            return (
                f"{self.store_name}: nobody counted since {self.window_start:%H:%M} while open, "
                f"yet {counter} ({names}) {'is' if len(self.cameras) == 1 else 'are'} online"
            )
        heard = f", last heard {ago(self.silent_for)}" if self.silent_for is not None else ""
        return (
            f"{self.store_name}: {self.counted} visitors counted since {self.window_start:%H:%M}, "
            f"but counting camera {names} is offline{heard}"
        )

    @property
    def advice(self) -> str:
        if self.kind is FindingKind.NOT_COUNTING:
            return (
                "Today's traffic and conversion for this store will read too low. "
                "Check that the counter's view is clear and its traffic line is in place."
            )
        return (
            "Visitors passing this camera are not counted, so traffic reads low. "
            "Check its power and network cable, or restart it."
        )


@dataclass(frozen=True)
class StoreCheck:
    store_uuid: str
    store_name: str
    state: StoreState
    counted: int | None = None


@dataclass(frozen=True)
class CountingReport:
    checked_at: datetime
    findings: list[Finding] = field(default_factory=list)
    stores: list[StoreCheck] = field(default_factory=list)

    @property
    def checked(self) -> list[StoreCheck]:
        return [s for s in self.stores if s.state in (StoreState.COUNTING, StoreState.PROBLEM)]

    @property
    def summary(self) -> str:
        checked = len(self.checked)
        if not checked:
            return "No store has been open for an hour: nothing to check yet."
        stores = "store" if checked == 1 else "stores"
        if not self.findings:
            return f"Counting check: all {checked} open {stores} counting normally."
        problems = "problem" if len(self.findings) == 1 else "problems"
        return f"Counting check: {len(self.findings)} {problems} in {checked} open {stores}."


def open_since(days: Iterable[StoreHours], now_local: datetime) -> datetime | None:
    """When the store day the store is open in began (store-local), None when closed."""
    for day in days:
        if day.open is None or day.close is None:
            continue
        opens, closes = _naive(day.open), _naive(day.close)
        if opens <= now_local < closes:
            return opens
    return None


def window_end(now_local: datetime) -> datetime:
    """End of the last completed 15-minute interval."""
    return now_local.replace(minute=now_local.minute - now_local.minute % 15, second=0, microsecond=0)


def _naive(value: datetime) -> datetime:
    return value.replace(tzinfo=None) if value.tzinfo is not None else value


def evaluate(
    store: Location,
    cameras: Sequence[CameraRow],
    opened: datetime | None,
    now_local: datetime,
    counted: int | None,
) -> tuple[StoreCheck, list[Finding]]:
    """One store: `opened` from its hours (None: closed), `counted` in the window (None:
    not asked). Pure, so the rules read in one place."""
    name = store.name or store.uuid
    counters = [c for c in cameras if c.counts_traffic]
    end = window_end(now_local)
    start = end - COUNTING_WINDOW
    if opened is None:
        return StoreCheck(store.uuid, name, StoreState.CLOSED), []
    if not counters:
        return StoreCheck(store.uuid, name, StoreState.NO_COUNTER), []
    if opened > start or counted is None:
        return StoreCheck(store.uuid, name, StoreState.JUST_OPENED), []
    findings: list[Finding] = []
    online = [c for c in counters if c.online]
    if counted == 0 and online:
        findings.append(
            Finding(FindingKind.NOT_COUNTING, store.uuid, name, tuple(c.name for c in online), 0, start, end)
        )
    if counted > 0:
        for camera in counters:
            if not camera.online:
                findings.append(
                    Finding(
                        FindingKind.COUNTER_OFFLINE,
                        store.uuid,
                        name,
                        (camera.name,),
                        counted,
                        start,
                        end,
                        camera.silent_for,
                    )
                )
    state = StoreState.PROBLEM if findings else StoreState.COUNTING
    return StoreCheck(store.uuid, name, state, counted), findings


async def check_counting(
    client: RetailNextClient, inventory: Inventory, stores: Sequence[Location], now: datetime
) -> CountingReport:
    """Check every live store of `stores` at `now` (aware). Raises ApiError when the
    store hours or the traffic cannot be read."""
    live = [s for s in stores if s.is_store and not s.archived]
    if not live:
        return CountingReport(now)
    locals_ = {s.uuid: local_now(now, s.time_zone) for s in live}
    first = min(t.date() for t in locals_.values()) - timedelta(days=1)  # a store day from yesterday
    last = max(t.date() for t in locals_.values())
    hours = await client.store_hours([s.uuid for s in live], first, last)
    opened = {s.uuid: open_since(hours.get(s.uuid, []), locals_[s.uuid]) for s in live}
    by_store: dict[str, list[CameraRow]] = {}
    for camera in inventory.cameras:
        by_store.setdefault(camera.store_uuid, []).append(camera)

    # Stores open for the whole window, with a counter: their traffic, a query per zone.
    due: dict[str, list[Location]] = {}
    for s in live:
        since = opened[s.uuid]
        has_counter = any(c.counts_traffic for c in by_store.get(s.uuid, ()))
        if since is not None and has_counter and since <= window_end(locals_[s.uuid]) - COUNTING_WINDOW:
            due.setdefault(s.time_zone or "UTC", []).append(s)
    zones = list(due)
    answers = await asyncio.gather(*(_traffic(client, due[z], z, now) for z in zones))
    counted: dict[str, int] = {}
    for answer in answers:
        counted.update(answer)

    report = CountingReport(now)
    for s in sorted(live, key=lambda s: (s.name or "").casefold()):
        due_here = any(s in group for group in due.values())
        check, findings = evaluate(
            s, by_store.get(s.uuid, []), opened[s.uuid], locals_[s.uuid], counted.get(s.uuid, 0) if due_here else None
        )
        report.stores.append(check)
        report.findings.extend(findings)
    report.findings.sort(key=lambda f: (f.kind != FindingKind.NOT_COUNTING, f.store_name.casefold()))
    return report


async def _traffic(client: RetailNextClient, stores: list[Location], time_zone: str, now: datetime) -> dict[str, int]:
    """Visitors counted per store in the window, for stores of one time zone. A store
    the answer leaves out counted nobody (no interval had anyone)."""
    end = window_end(local_now(now, time_zone))
    request = DatamineRequest(
        locations=[s.uuid for s in stores],
        metrics=[METRIC],
        date_ranges=[
            DateRange(
                # Naive store-local wall times: the request's time zone places them.
                DateSpec.gregorian(end - COUNTING_WINDOW),
                DateSpec.gregorian(end),
            )
        ],
        group_bys=[GroupBy.location()],
        time_zone=time_zone,
    )
    result = await client.datamine(request)
    out = {s.uuid: 0 for s in stores}
    for row in metric_rows(result, METRIC):
        if row.location_uuid in out and row.value is not None:
            out[row.location_uuid] = round(row.value)
    return out
