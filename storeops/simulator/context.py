"""Everything one simulator instance shares between its routes."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from storeops.simulator.clock import Clock
from storeops.simulator.faults import FaultInjector
from storeops.simulator.limits import Limits
from storeops.simulator.pagination import CursorStyle, InventoryPaging
from storeops.simulator.world import World


@dataclass
class SimContext:
    world: World
    clock: Clock
    access_key: str
    secret_key: str
    faults: FaultInjector = field(default_factory=FaultInjector)
    limits: Limits = field(default_factory=Limits)
    data_dir: Path = field(default_factory=Path)  # generated files of this instance
    # X-Page-Next of v1/healthalerts: "offset" (the reference's default) or "uuid".
    # Read per request, so tests may switch it on a running simulator.
    alert_cursor: CursorStyle = "offset"
    # How v1/inventory lists page: "auto" (206 + X-Page-Next when X-Page-Length is
    # sent, the body's next_page otherwise) or "body" (always next_page). Per request.
    inventory_paging: InventoryPaging = "auto"
    # Most nodes one v2/location answer holds: the reference's 10,000. Tests lower
    # it to see the too-many-nodes answer (and v1/location fallbacks) on any chain.
    location_node_limit: int = 10_000
    # The simulator's own video export limits, which the reference does not state
    # (at most 60 minutes, resolutions within 160x120-1920x1080, 32 exports in
    # progress): off unless asked for (start_simulator(export_limits=True)).
    export_limits: bool = False
    # How GET v1/video/export/task/<id> answers a ready export: 302 (the reference's
    # list of statuses) or 201 with a Location (the reference's example answer).
    export_ready_status: int = 302

    def __repr__(self) -> str:  # keep the secret out of logs and tracebacks
        return f"SimContext(world=seed {self.world.seed}, data_dir={str(self.data_dir)!r})"
