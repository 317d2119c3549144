"""Parse and check what the user typed, field by field, before anything is sent.

Pure functions: text in, value or a message out. The message is shown beside
the field it belongs to.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Generic, TypeVar

from storeops.services.locations import (
    MAX_NAME_LENGTH,
    LocationTree,
    creatable_types,
    type_label,
)

T = TypeVar("T")


@dataclass(frozen=True)
class Checked(Generic[T]):
    value: T | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def check_name(text: str) -> Checked[str]:
    name = text.strip()
    if not name:
        return Checked(error="A name is required.")
    if len(name) > MAX_NAME_LENGTH:
        return Checked(error=f"At most {MAX_NAME_LENGTH} characters ({len(name)} now).")
    return Checked(name)


def check_area(text: str) -> Checked[float]:
    """Empty means "not set" (None). Accepts 1,250.5 as well as 1250.5."""
    raw = text.strip().replace(",", "").replace("\u202f", "").replace(" ", "")
    if not raw:
        return Checked(None)
    try:
        value = float(raw)
    except ValueError:
        return Checked(error="Enter the area as a number of square feet, e.g. 1250.")
    if not math.isfinite(value):
        return Checked(error="Enter the area as a number of square feet, e.g. 1250.")
    if value < 0:
        return Checked(error="The area cannot be negative.")
    return Checked(value)


def check_occupancy_limit(text: str) -> Checked[int]:
    """Empty means "not set" (None): the API has no way to clear a limit, so the
    form refuses clearing one that exists (see `required`)."""
    raw = text.strip().replace(",", "")
    if not raw:
        return Checked(None)
    try:
        value = int(raw)
    except ValueError:
        return Checked(error="Enter a whole number of people, e.g. 40.")
    if value <= 0:
        return Checked(error="The occupancy limit must be at least 1.")
    if value > 1_000_000:
        return Checked(error="That limit is too large for a store.")
    return Checked(value)


def check_type(tree: LocationTree, parent_uuid: str | None, location_type: str | None) -> Checked[str]:
    allowed = creatable_types(tree, parent_uuid)
    if not location_type:
        return Checked(error="Choose a type.")
    if location_type not in allowed:
        parent = tree.get(parent_uuid)
        where = "this location" if parent is None else f"“{parent.name}”"
        if allowed:
            names = ", ".join(type_label(t).lower() for t in allowed)
            return Checked(error=f"Under {where} you can create: {names}.")
        return Checked(error=f"Nothing can be created under {where}.")
    return Checked(location_type)
