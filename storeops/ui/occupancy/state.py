"""Colour state of a store's occupancy: pure logic, no widgets.

Colours are never the only signal: each level also has a word and an icon
shape, so the display works for colour-blind staff and visitors.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

DEFAULT_AMBER_PERCENT = 80
DEFAULT_RED_PERCENT = 100


class Level(StrEnum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"
    NO_LIMIT = "no-limit"  # occupancy known, no limit to compare with
    UNKNOWN = "unknown"  # not read yet
    STALE = "stale"  # last good data too old to trust
    CLOSED = "closed"


@dataclass(frozen=True)
class Palette:
    background: str
    foreground: str
    accent: str


PALETTES: dict[Level, Palette] = {
    # Dark text on light fills for the card; contrast >= 4.5:1 everywhere.
    Level.GREEN: Palette("#e3f4e6", "#0f3d1c", "#1e7b34"),
    Level.AMBER: Palette("#fff1d1", "#4a3100", "#b86e00"),
    Level.RED: Palette("#fbe0e0", "#5c0d0d", "#b3261e"),
    Level.NO_LIMIT: Palette("#eef1f5", "#1d2733", "#55657a"),
    Level.UNKNOWN: Palette("#eef1f5", "#1d2733", "#55657a"),
    Level.STALE: Palette("#e4e4e4", "#555555", "#8a8a8a"),
    Level.CLOSED: Palette("#e8e6f0", "#2a2540", "#5a4f8c"),
}

WORDS: dict[Level, str] = {
    Level.GREEN: "OK",
    Level.AMBER: "Nearly full",
    Level.RED: "Full",
    Level.NO_LIMIT: "No limit set",
    Level.UNKNOWN: "Waiting for data",
    Level.STALE: "Not updating",
    Level.CLOSED: "Closed",
}


@dataclass(frozen=True)
class Thresholds:
    amber_percent: float = DEFAULT_AMBER_PERCENT
    red_percent: float = DEFAULT_RED_PERCENT

    @classmethod
    def from_settings(cls, settings) -> Thresholds:
        t = getattr(settings, "thresholds", None)
        if t is None:
            return cls()
        return cls(float(getattr(t, "amber", DEFAULT_AMBER_PERCENT)), float(getattr(t, "red", DEFAULT_RED_PERCENT)))


def percent(occupancy: int | None, limit: int | None) -> float | None:
    if occupancy is None or not limit or limit <= 0:
        return None
    return 100.0 * occupancy / limit


def level_for(occupancy: int | None, limit: int | None, thresholds: Thresholds = Thresholds()) -> Level:
    """Green below amber, amber from amber% up to red%, red at red% and above."""
    if occupancy is None:
        return Level.UNKNOWN
    pct = percent(occupancy, limit)
    if pct is None:
        return Level.NO_LIMIT
    if pct >= thresholds.red_percent:
        return Level.RED
    if pct >= thresholds.amber_percent:
        return Level.AMBER
    return Level.GREEN


def card_level(snapshot, thresholds: Thresholds = Thresholds()) -> Level:
    """The card's level: stale beats everything, since its numbers are old."""
    if snapshot.stale:
        return Level.STALE
    if getattr(snapshot.hours, "open", None) is False:
        return Level.CLOSED
    return level_for(snapshot.occupancy, snapshot.limit, thresholds)


def fullness_key(snapshot) -> tuple:
    """Sort key: fullest first; closed stores, then stores without a limit or data, last."""
    pct = percent(snapshot.occupancy, snapshot.limit)
    closed = getattr(snapshot.hours, "open", None) is False
    return (closed, pct is None, -(pct or 0.0), snapshot.store.name.casefold())


UNUSUAL_ADJUST = 10  # people; a correction beyond this is more often a typo than a crowd


def unusual_adjust(count: int, occupancy: int | None) -> str | None:
    """Why an adjust deserves a second look before it is sent, or None.

    The server clamps occupancy at zero, so an adjust that would go below it
    silently does less than asked; a big one is usually a slip of the wheel
    or the keyboard."""
    if occupancy is not None and occupancy + count < 0:
        return (
            f"There are {occupancy} people counted now, so {count:+d} would go below zero: occupancy would stop at 0."
        )
    if abs(count) > UNUSUAL_ADJUST:
        return f"{count:+d} is a large correction (more than {UNUSUAL_ADJUST} people at once)."
    return None
