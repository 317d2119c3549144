"""The chain's stores, for the store selector shared by the panes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from storeops.api.models import Location, LocationQuery

if TYPE_CHECKING:
    from storeops.api.client import RetailNextClient

STORE_FIELDS = ["store.store_id", "store.time_zone", "store.occupancy_limit"]


def stores_query() -> LocationQuery:
    return LocationQuery(location_types=["store"], extra_fields=list(STORE_FIELDS))


async def load_stores(client: RetailNextClient) -> list[Location]:
    """Open stores, by name. Archived stores are left out: nobody picks a closed
    store to watch its occupancy."""
    stores = await client.query_locations(stores_query())
    active = [s for s in stores if s.is_store and not s.archived]
    return sorted(active, key=lambda s: (s.name.casefold(), s.store_id or "", s.uuid))


def find_store(stores: list[Location], key: str) -> Location | None:
    """A store by uuid, store id, or name (case-insensitive), in that order."""
    key = key.strip()
    for store in stores:
        if store.uuid == key:
            return store
    for store in stores:
        if store.store_id is not None and store.store_id == key:
            return store
    folded = key.casefold()
    for store in stores:
        if store.name.casefold() == folded:
            return store
    return None
