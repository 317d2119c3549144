"""The export dialog's rules, as plain functions: each returns the message to show
beside its field, or None. The server refuses the same requests; saying so before
sending keeps the user's choices in the dialog and costs no request."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from storeops.api.client import MAX_EXPORT_CHANNELS
from storeops.services.exports import ChannelRef

RESOLUTION = re.compile(r"^\s*(\d{2,5})\s*[x×]\s*(\d{2,5})\s*$", re.IGNORECASE)


def channels_problem(chosen: Sequence[ChannelRef]) -> str | None:
    if not chosen:
        return "Choose at least one channel."
    if len(chosen) > MAX_EXPORT_CHANNELS:
        return f"At most {MAX_EXPORT_CHANNELS} channels in one export ({len(chosen)} chosen)."
    if len(chosen) > 1:
        if any(not c.appliance_id for c in chosen):
            return "A cloud-connected camera exports on its own: choose it alone."
        if len({c.appliance_id for c in chosen}) > 1:
            return "All channels of one export must come from the same recorder (appliance)."
    return None


def times_problem(start: datetime, end: datetime, now: datetime) -> str | None:
    if end <= start:
        return "The end must be after the start."
    if end > now:
        return "The end is in the future: footage exists only up to now."
    return None


def resolution_problem(text: str, channels: int) -> str | None:
    """Only a tiled export (several channels) has a resolution; empty: the server's default."""
    if channels < 2 or not text.strip():
        return None
    if RESOLUTION.match(text) is None:
        return "Write the resolution as width x height, e.g. 1024x768."
    return None


def resolution_value(text: str) -> str | None:
    match = RESOLUTION.match(text)
    return f"{int(match.group(1))}x{int(match.group(2))}" if match else None
