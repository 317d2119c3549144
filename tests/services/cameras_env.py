"""A frozen simulator and a client for the camera service tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from storeops.api.client import RetailNextClient
from storeops.api.models import Location
from storeops.services.cameras import CamerasService, Inventory
from storeops.services.stores import load_stores
from storeops.simulator.clock import Clock
from storeops.simulator.server import RunningSimulator, start_simulator
from tests.conftest import ACCESS_KEY, SECRET_KEY, TEST_NOW


@contextmanager
def frozen_sim(at: datetime = TEST_NOW) -> Iterator[RunningSimulator]:
    running = start_simulator(access_key=ACCESS_KEY, secret_key=SECRET_KEY, seed=7, clock=Clock(at, speed=0))
    try:
        yield running
    finally:
        running.stop()


def client_of(running: RunningSimulator) -> RetailNextClient:
    return RetailNextClient(running.url, ACCESS_KEY, SECRET_KEY)


async def load(running: RunningSimulator, client: RetailNextClient) -> tuple[Inventory, list[Location]]:
    stores = await load_stores(client)
    service = CamerasService(client, now=running.clock.now)
    return await service.load(stores), stores


def store_node(running: RunningSimulator, name: str):
    return next(s for s in running.world.stores() if s.name == name)


def camera_named(running: RunningSimulator, store: str, name: str):
    uuid = store_node(running, store).uuid
    return next(c for c in running.world.cameras if c.store_uuid == uuid and c.device_name == name)
