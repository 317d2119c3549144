"""The services of one connection, built once by the composition root and handed to
the panes (through their PaneContext): a pane never makes its own service and never
calls the client itself. No Qt."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING

from storeops.services.jobs import JobService
from storeops.services.locations import LocationsService
from storeops.services.occupancy import DEFAULT_INTERVAL, OccupancyService
from storeops.services.store_hours import utc_now
from storeops.services.video import VideoService

if TYPE_CHECKING:
    from storeops.api.client import RetailNextClient
    from storeops.services.cameras import CamerasService
    from storeops.services.exports import ExportsService
    from storeops.services.predictions import PredictionService
    from storeops.services.traffic import TrafficService


class Services:
    """`now`: the clock services reason with; `poll_interval` and `profile` configure the
    occupancy poller (from the settings and the account in use)."""

    def __init__(
        self,
        client: RetailNextClient,
        *,
        jobs: JobService | None = None,
        now: Callable[[], datetime] = utc_now,
        poll_interval: float = DEFAULT_INTERVAL,
        profile: str = "",
    ) -> None:
        self.client = client
        self.jobs = jobs or JobService()
        self.now = now
        self.poll_interval = poll_interval
        self.profile = profile

    @cached_property
    def locations(self) -> LocationsService:
        return LocationsService(self.client)

    @cached_property
    def cameras(self) -> CamerasService:
        """The camera inventory (cameras, channels, appliances, alerts) and the counting check."""
        from storeops.services.cameras import CamerasService

        return CamerasService(self.client, now=self.now)

    @cached_property
    def video(self) -> VideoService:
        """Channels and stream URLs, with one HLS token per store shared by every tile."""
        return VideoService(self.client, now=self.now)

    @cached_property
    def exports(self) -> ExportsService:
        """Video and custom exports: the list kept in the app's data dir (one per
        server, one service per list for the whole session), downloads as jobs. The
        download folder is the user's Downloads/StoreOps until the pane sets the one
        from the settings."""
        from storeops.config import app_dirs
        from storeops.services.exports import ExportsService

        return ExportsService.shared(self.client, self.jobs, list_dir=app_dirs().data, now=self.now)

    @cached_property
    def traffic(self) -> TrafficService:
        """Traffic and predicted traffic of a store or a region, cached per query."""
        from storeops.services.traffic import TrafficService

        return TrafficService(self.client, now=self.now)

    @cached_property
    def predictions(self) -> PredictionService:
        """Predicted traffic of a store's local coming days, in cached 7-day chunks."""
        from storeops.services.predictions import PredictionService

        return PredictionService(self.client, now=self.now)

    def occupancy_poller(
        self, *, interval: float | None = None, now: Callable[[], datetime] | None = None, profile: str | None = None
    ) -> OccupancyService:
        """A poller of its own on the connection's client (a poller holds the state of its
        poll loop, so each consumer has one): the Occupancy pane polls every store, an
        entrance display one store at its own pace."""
        return OccupancyService(
            self.client,
            interval=interval or self.poll_interval,
            now=now or self.now,
            profile=self.profile if profile is None else profile,
        )
