"""What the entrance display shows, from one store's snapshot: pure logic.

Safety first: data older than two poll intervals (or two failed polls) never
shows green — it switches to a neutral "Please ask staff" with the time of the
last good count.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from storeops.services.store_hours import local_now, zone
from storeops.ui.kiosk.messages import Messages
from storeops.ui.occupancy.state import Level, Thresholds, level_for

if TYPE_CHECKING:
    from storeops.services.occupancy import StoreOccupancy


class KioskState(StrEnum):
    STARTING = "starting"
    WELCOME = "welcome"
    NEARLY_FULL = "nearly-full"
    WAIT = "wait"
    ASK_STAFF = "ask-staff"
    CLOSED = "closed"


# The glyph drawn for each state (shapes shared with the Occupancy pane).
GLYPH: dict[KioskState, Level] = {
    KioskState.STARTING: Level.UNKNOWN,
    KioskState.WELCOME: Level.GREEN,
    KioskState.NEARLY_FULL: Level.AMBER,
    KioskState.WAIT: Level.RED,
    KioskState.ASK_STAFF: Level.STALE,
    KioskState.CLOSED: Level.CLOSED,
}

# background, text. Amber carries black text: white on amber fails contrast.
COLOURS: dict[KioskState, tuple[str, str]] = {
    KioskState.STARTING: ("#3c4043", "#ffffff"),
    KioskState.WELCOME: ("#1b6e32", "#ffffff"),
    KioskState.NEARLY_FULL: ("#f2b705", "#1a1a1a"),
    KioskState.WAIT: ("#b3261e", "#ffffff"),
    KioskState.ASK_STAFF: ("#5f6368", "#ffffff"),
    KioskState.CLOSED: ("#2f2a4a", "#ffffff"),
}


@dataclass(frozen=True)
class KioskView:
    state: KioskState
    title: str
    detail: str = ""
    number: str = ""  # the big figure: people inside
    number_caption: str = ""
    footer: str = ""


def is_outdated(snap: StoreOccupancy, interval: float, now_mono: float | None = None) -> bool:
    """Older than two poll intervals, or two polls failed in a row."""
    if snap.stale:
        return True
    if snap.fresh_at is None:
        return False
    now_mono = time.monotonic() if now_mono is None else now_mono
    return now_mono - snap.fresh_at > 2 * interval


def kiosk_view(
    snap: StoreOccupancy | None,
    *,
    interval: float,
    messages: Messages,
    now: datetime,
    thresholds: Thresholds = Thresholds(),
    now_mono: float | None = None,
) -> KioskView:
    if snap is None:
        return KioskView(KioskState.STARTING, messages.get("starting"))
    ref = snap.store
    footer = ref.name
    if snap.hours.open is False:
        return KioskView(
            KioskState.CLOSED,
            messages.get("closed_title"),
            _opens_text(snap.hours.opens_at, local_now(now, ref.time_zone), messages),
            footer=footer,
        )
    if snap.occupancy is None and not snap.stale:
        return KioskView(KioskState.STARTING, messages.get("starting"), footer=footer)
    if snap.occupancy is None or is_outdated(snap, interval, now_mono):
        as_of = ""
        if snap.updated_at is not None:
            stamp = snap.updated_at.astimezone(zone(ref.time_zone))
            as_of = messages.get("as_of", time=f"{stamp:%H:%M}")
        detail = messages.get("staff_detail") + (f" ({as_of})" if as_of else "")
        return KioskView(KioskState.ASK_STAFF, messages.get("staff_title"), detail, footer=footer)
    number = str(snap.occupancy)
    caption = messages.get("inside_of", limit=ref.limit) if ref.limit else messages.get("inside")
    level = level_for(snap.occupancy, ref.limit, thresholds)
    remaining = snap.remaining
    if level is Level.RED:
        return KioskView(
            KioskState.WAIT, messages.get("wait_title"), messages.get("wait_detail"), number, caption, footer
        )
    if level is Level.AMBER:
        return KioskView(
            KioskState.NEARLY_FULL,
            messages.get("nearly_full_title"),
            messages.count("nearly_full_detail", remaining or 0),
            number,
            caption,
            footer,
        )
    detail = messages.count("welcome_detail", remaining) if remaining is not None else ""
    return KioskView(KioskState.WELCOME, messages.get("welcome_title"), detail, number, caption, footer)


def _opens_text(opens_at: datetime | None, local: datetime, messages: Messages) -> str:
    if opens_at is None:
        return messages.get("closed_unknown")
    hhmm = f"{opens_at:%H:%M}"
    if opens_at.date() == local.date():
        return messages.get("closed_opens_today", time=hhmm)
    if opens_at.date() == local.date() + timedelta(days=1):
        return messages.get("closed_opens_tomorrow", time=hhmm)
    return messages.get("closed_opens_day", day=messages.weekday(opens_at.weekday()), time=hhmm)
