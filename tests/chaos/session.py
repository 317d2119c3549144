"""A scripted StoreOps session against a faulty simulator, and what it proves.

The whole app runs (App in demo mode: the simulator on a thread of this process)
while the simulator injects random faults (server errors, rate limits, dropped
connections, malformed and stalled bodies, dripped answers, latency). A seeded
script then acts as a store manager would: it switches panes, refreshes, edits
locations, adjusts occupancy from the Occupancy pane and from the entrance
display. Afterwards the simulator's own world is the judge:

- every edit the app called saved is on the server; every edit it called
  failed is counted (on the server or not: a failed answer says nothing of
  the request, so the user is told "not changed" and the next load shows);
- every occupancy adjust the app called applied is recorded once by the
  server, none it called not applied / refused is recorded, none twice;
- nothing reached sys.excepthook or the loop's exception handler, no crash
  dialog opened, no ERROR with a traceback was logged;
- RSS is sampled through the run (memory flat).

Adding a pane's script is a few lines: an async function taking the Session,
decorated with `@step("name", pane="key", weight=n)`. Steps for panes whose
module is not in the shell yet are skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import itertools
import logging
import random
import sys
import time
import traceback
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from shiboken6 import isValid

from storeops.app import App
from storeops.services.occupancy import AdjustOutcome, AdjustResult
from storeops.settings import Settings
from storeops.simulator.clock import Clock
from storeops.simulator.server import RunningSimulator
from storeops.ui.sidebar import PANES

#: The issue's example: every fault kind, latency up to 3 s.
DEFAULT_FAULTS = "5xx=0.1,429=0.05,reset=0.02,malformed=0.01,latency=0-3s,stall=0.05,drip=0.01"
#: A Wednesday afternoon: every seeded store open, counts moving (Chicago 15:07).
SESSION_NOW = "2026-04-22T20:07:00Z"
#: Longest one step may take before the session calls it hung (a failure): past the
#: client's own deadline for a call (DEFAULT_DEADLINE_S, 120 s), which an adjust's
#: reads and a download's wait may each take under 0-3 s of latency on every retry.
STEP_TIMEOUT_S = 150.0
#: A step slower than this is counted (not a failure): what a user would find slow.
SLOW_STEP_S = 30.0

StepFn = Callable[["Session"], Awaitable[None]]
T = TypeVar("T")


@dataclass(frozen=True)
class Step:
    name: str
    fn: StepFn
    pane: str | None
    weight: int


STEPS: list[Step] = []


def step(name: str, *, pane: str | None = None, weight: int = 1) -> Callable[[StepFn], StepFn]:
    """Register a step of the script. `pane`: the sidebar key it needs (skipped
    while that pane has no module in the shell)."""

    def register(fn: StepFn) -> StepFn:
        STEPS.append(Step(name, fn, pane, weight))
        return fn

    return register


def available_steps() -> list[Step]:
    built = {p.key for p in PANES if p.module}
    return [s for s in STEPS if s.pane is None or s.pane in built]


# ---------------------------------------------------------------- what is counted


@dataclass
class Tally:
    steps: Counter[str] = field(default_factory=Counter)
    edits: Counter[str] = field(default_factory=Counter)
    exports: Counter[str] = field(
        default_factory=Counter
    )  # downloaded, corrupt, and the failures the pane shows  # saved, refused, lost, applied_despite_error
    adjusts: Counter[str] = field(default_factory=Counter)  # AdjustResult values, plus doubled/lost/phantom
    unhandled: list[str] = field(default_factory=list)  # excepthook, loop handler, logged tracebacks, hung steps
    crash_dialogs: int = 0
    not_sent_reasons: Counter[str] = field(default_factory=Counter)  # what the app said instead
    rss_mb: list[tuple[float, float]] = field(default_factory=list)  # (seconds into the run, MB)
    rss_base_mb: float | None = None  # after warm-up
    warmed_at: float = 0.0  # seconds into the run
    slow_steps: Counter[str] = field(default_factory=Counter)
    questions: Counter[str] = field(default_factory=Counter)
    corrupt_files: list[str] = field(
        default_factory=list
    )  # what a corrupt download held  # question boxes the script answered
    requests: int = 0
    faults: Counter[str] = field(default_factory=Counter)

    @property
    def faults_injected(self) -> int:
        """Faults that changed an answer (latency, on nearly every request, is not counted)."""
        return sum(n for kind, n in self.faults.items() if kind != "latency")

    @property
    def failures_unrecovered(self) -> int:
        return (
            len(self.unhandled)
            + self.crash_dialogs
            + self.edits["lost"]
            + self.adjusts["doubled"]
            + self.adjusts["lost"]
            + self.adjusts["phantom"]
            + self.adjusts["applied_on_broken_answer"]
            + self.exports["corrupt"]
            + self.exports["corrupt_on_broken_answer"]
        )

    def rss_growth_mb(self) -> float:
        """Growth over the second half of the run: the median RSS of its last quarter
        less that of its second quarter. A leak climbs steadily and shows here; the
        first loads of each pane and the first big answers (a plateau reached in
        the first minutes, see rss_settle_mb) do not."""
        n = len(self.rss_mb)
        if n < 8:
            return 0.0
        quarter = n // 4
        return _median(self.rss_mb[-quarter:]) - _median(self.rss_mb[quarter : 2 * quarter])

    def rss_settle_mb(self) -> float:
        """From the end of warm-up (each step run once) to the median of the second
        quarter: what first use costs before memory levels off."""
        n = len(self.rss_mb)
        if self.rss_base_mb is None or n < 8:
            return 0.0
        quarter = n // 4
        return _median(self.rss_mb[quarter : 2 * quarter]) - self.rss_base_mb

    def summary(self) -> str:
        return (
            f"requests={self.requests} faults={self.faults_injected} {dict(self.faults)} "
            f"steps={dict(self.steps)} edits={dict(self.edits)} exports={dict(self.exports)} adjusts={dict(self.adjusts)} not_sent={dict(self.not_sent_reasons)} "
            f"slow_steps={dict(self.slow_steps)} questions={dict(self.questions)} unhandled={len(self.unhandled)} crash_dialogs={self.crash_dialogs} "
            f"rss_growth_mb={self.rss_growth_mb():.1f} rss_settle_mb={self.rss_settle_mb():.1f}"
        )


def _median(samples: list[tuple[float, float]]) -> float:
    values = sorted(mb for _, mb in samples)
    return values[len(values) // 2]


def rss_mb() -> float:
    """Resident memory after a collection and malloc_trim (as the entrance display
    does every few minutes, storeops/ui/kiosk/memory.py): what is still held, not
    freed pages glibc has yet to hand back after a big answer."""
    from storeops.ui.kiosk.memory import trim_heap

    gc.collect()  # on the GUI thread, as the app's guard does
    trim_heap()
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class _Watch(logging.Handler):
    """ERROR records with a traceback from StoreOps' loggers: an exception that
    some `except Exception` caught and logged is still a bug the run found."""

    def __init__(self, tally: Tally) -> None:
        super().__init__(logging.ERROR)
        self.tally = tally

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.name.startswith("storeops") and not record.name.startswith("storeops.simulator"):
            self.tally.unhandled.append(f"logged: {record.name}: {record.getMessage()} ({record.exc_info[1]!r})")


def _where(tb: TracebackType | None) -> str:
    """The innermost frames of StoreOps' own code above the API client, for the report."""
    frames = traceback.extract_tb(tb)
    ours = [f for f in frames if "/storeops/" in f.filename and "/storeops/api/" not in f.filename] or frames
    return " at " + " < ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in reversed(ours[-4:]))


@contextlib.contextmanager
def watching(tally: Tally, loop: asyncio.AbstractEventLoop):
    """Every path by which an exception can escape: sys.excepthook (qasync's
    asyncSlot and the app's own crash path), the loop's handler (a task that
    failed with nobody awaiting it), logged tracebacks."""
    previous_hook = sys.excepthook
    previous_handler = loop.get_exception_handler()

    def hook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        tally.unhandled.append(f"excepthook: {exc_type.__name__}: {exc}{_where(tb)}")

    def handler(_loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        where = _where(exc.__traceback__) if isinstance(exc, BaseException) else ""
        tally.unhandled.append(f"loop: {context.get('message')}: {exc!r}{where}")

    watch = _Watch(tally)
    root = logging.getLogger()
    root.addHandler(watch)
    sys.excepthook = hook
    loop.set_exception_handler(handler)
    try:
        yield
    finally:
        sys.excepthook = previous_hook
        loop.set_exception_handler(previous_handler)
        root.removeHandler(watch)


# ---------------------------------------------------------------- the session


class Session:
    def __init__(self, app: App, rng: random.Random, tally: Tally) -> None:
        self.app = app
        self.rng = rng
        self.tally = tally
        self._names = itertools.count(1)
        self.warming = True  # the first run of each step: a step may cover all its variants

    @property
    def sim(self) -> RunningSimulator:
        sim = self.app.simulator
        assert sim is not None, "the chaos session runs in demo mode"
        return sim

    async def ensure_connected(self, tries: int = 20) -> None:
        """A reconnect under faults may fail (the app then says so): try again as
        a user pressing Try again would. Never connecting is a failure."""
        for _ in range(tries):
            if self.app.ctx is not None:
                return
            await self.app.reconnect()
        if self.app.ctx is None:
            self.tally.unhandled.append("could not reconnect after %d tries" % tries)

    async def show(self, key: str) -> Any:
        await self.ensure_connected()
        self.app.window.show_pane(key)
        return self.app.window.panes.pane(key) if self.app.ctx is not None else None

    def new_name(self, base: str) -> str:
        return f"{base.split(' ·')[0][:40]} · chaos {next(self._names)}"

    def world_node(self, uuid: str) -> Any:
        with self.sim.world.lock:
            return self.sim.world.nodes.get(uuid)

    def adjust_records(self) -> int:
        with self.sim.world.lock:
            return len(self.sim.world.adjustments)

    async def answering(self, work: Awaitable[T], parent: QWidget) -> T:
        """Await `work`, answering any question box it opens under `parent` as a user
        would, with one of its buttons (an adjust below zero asks first)."""
        task = asyncio.ensure_future(work)
        while not task.done():
            for box in parent.findChildren(QMessageBox):
                if box.isVisible() and box.buttons():
                    self.tally.questions[box.windowTitle()] += 1
                    self.rng.choice(box.buttons()).click()
            await asyncio.wait({task}, timeout=0.2)
        return task.result()

    def malformed_answers(self) -> int:
        return self.sim.faults.injected["malformed"]

    def judge_adjust(self, outcome: AdjustOutcome | None, recorded: int, said: str, broken: bool) -> None:
        """`recorded`: adjusts the server recorded while this one ran (adjusts run
        one at a time in the script, so they are this one's). `said`: what the
        card or the display showed. `broken`: a malformed answer was served meanwhile."""
        if outcome is None:
            self.tally.adjusts["not_sent"] += 1
            self.tally.not_sent_reasons[said] += 1
            if recorded:
                self.tally.adjusts["phantom"] += recorded
            return
        self.tally.adjusts[str(outcome.result)] += 1
        if recorded > 1:
            self.tally.adjusts["doubled"] += 1
        elif outcome.result is AdjustResult.APPLIED and recorded == 0:
            # The simulator's "malformed" fault answers 200 with a broken body
            # instead of doing the request; the client now reads that as an
            # unreadable answer and the service re-reads to tell, so this stays 0.
            # Told apart from other losses, counted as a failure all the same.
            self.tally.adjusts["applied_on_broken_answer" if broken else "lost"] += 1
        elif outcome.result in (AdjustResult.NOT_APPLIED, AdjustResult.REFUSED) and recorded:
            self.tally.adjusts["phantom"] += 1


# ---------------------------------------------------------------- steps


@step("switch pane", weight=3)
async def switch_pane(s: Session) -> None:
    key = s.rng.choice([p.key for p in PANES])
    await s.show(key)
    await asyncio.sleep(s.rng.uniform(0.2, 1.5))  # let the pane start loading, then maybe leave


@step("refresh (F5)", weight=2)
async def refresh(s: Session) -> None:
    await s.ensure_connected()
    s.app.refresh()
    await asyncio.sleep(s.rng.uniform(0.5, 2.0))


@step("reconnect", weight=1)
async def reconnect(s: Session) -> None:
    await s.app.reconnect()
    await s.ensure_connected()


@step("rename a location", pane="locations", weight=4)
async def rename_location(s: Session) -> None:
    from storeops.ui.locations.pane import LocationsPane

    pane = await s.show("locations")
    if not isinstance(pane, LocationsPane) or pane.controller is None:
        return
    try:
        await asyncio.wait_for(pane.loaded.wait(), 20)
    except TimeoutError:
        s.app.refresh()  # the load failed under faults: the user presses F5
        return
    tree = pane.tree
    nodes = [n for n in tree.nodes.values() if n.is_sublocation and not tree.is_archived_here(n.uuid)]
    if not nodes:
        return
    node = s.rng.choice(nodes)
    name = s.new_name(node.name)
    saved = await pane.controller.rename_node(node.uuid, name)
    on_server = s.world_node(node.uuid)
    applied = on_server is not None and on_server.name == name
    if saved:
        s.tally.edits["saved" if applied else "lost"] += 1
    else:
        # Reported as not changed; a lost answer to a PUT that did land is told
        # apart (the next load shows it), but is no loss.
        s.tally.edits["applied_despite_error" if applied else "refused"] += 1


@step("adjust occupancy (pane)", pane="occupancy", weight=4)
async def adjust_from_pane(s: Session) -> None:
    from storeops.ui.occupancy.pane import OccupancyPane

    pane = await s.show("occupancy")
    if not isinstance(pane, OccupancyPane):
        return
    controller = pane.controller

    def candidates() -> list[str]:
        return [u for u in pane.order() if controller.service.adjust_block_reason(u, 1) is None]

    for _ in range(20):  # cards appear after the stores' first poll, which faults may delay
        if candidates() or not isValid(pane):
            break
        await asyncio.sleep(0.5)
    if not isValid(pane) or not candidates():
        s.tally.adjusts["no_card_ready"] += 1
        return
    uuid = s.rng.choice(candidates())
    count = s.rng.choice([1, 1, 2, -1])
    before, malformed = s.adjust_records(), s.malformed_answers()
    outcome = await s.answering(controller.adjust(uuid, count), pane)
    card = pane.card(uuid)
    said = card.message_label.text() if card is not None else ""
    s.judge_adjust(outcome, s.adjust_records() - before, said, s.malformed_answers() > malformed)


@step("traffic range", pane="traffic", weight=2)
async def traffic_range(s: Session) -> None:
    from storeops.ui.traffic.pane import TrafficPane

    pane = await s.show("traffic")
    if not isinstance(pane, TrafficPane):
        return
    # Warming up, every range once (the biggest answers set the memory baseline).
    ranges = range(pane.range.count()) if s.warming else [s.rng.randrange(pane.range.count())]
    for index in ranges:
        pane.range.setCurrentIndex(index)  # asks for a load, as a click does
        for box in (pane.comparison, pane.granularity):
            if s.rng.random() < 0.3:
                box.setCurrentIndex(s.rng.randrange(box.count()))
        await pane.controller.wait_loaded()  # loaded or shown as failed: only nothing may escape


@step("export and download", pane="exports", weight=1)
async def export_and_download(s: Session) -> None:
    """A one-minute export of one channel, started, waited for and downloaded through
    the Exports pane's service; a finished download must be byte-identical to the
    simulator's file."""
    from storeops.api.errors import ApiError
    from storeops.api.models import ExportRequest, ExportState
    from storeops.simulator.video.exports import ExportManager
    from storeops.ui.exports.pane import ExportsPane

    pane = await s.show("exports")
    if not isinstance(pane, ExportsPane) or s.app.ctx is None:
        return
    controller, service = pane.controller, pane.controller.service
    store = s.rng.choice(s.app.selection.stores())
    try:
        channels = [c for c in await service.store_channels(store.uuid) if c.appliance_id]
    except ApiError:
        s.tally.exports["channels_not_loaded"] += 1  # said in the pane; the user tries again
        return
    if not channels:
        return
    now = s.app.ctx.now().replace(second=0, microsecond=0)
    minutes = s.rng.randint(5, 50)
    request = ExportRequest(
        channels=[channels[0].uuid], start=now - timedelta(minutes=minutes), end=now - timedelta(minutes=minutes - 1)
    )
    known = {e.id for e in service.entries()}
    if not await controller.start_export(None, store, request, channels[:1]):
        s.tally.exports["not_started"] += 1  # reported as not started
        return
    [entry_id] = [e.id for e in service.entries() if e.id not in known]
    for _ in range(60):
        entry = service.entry(entry_id)
        if entry is None or entry.status is not ExportState.IN_PROGRESS:
            break
        await asyncio.sleep(0.5)
        with contextlib.suppress(ApiError):  # a failed poll is shown; the next one may pass
            await service.check(entry_id)
    entry = service.entry(entry_id)
    if entry is None or entry.status is not ExportState.READY:
        s.tally.exports["not_ready"] += 1
        return
    malformed = s.malformed_answers()
    try:
        path = await service.wait_download(entry_id)
    except ApiError:
        s.tally.exports["download_failed"] += 1  # shown as failed in the list, resumable
        return
    task = ExportManager.of(s.sim.ctx.data_dir).get(entry_id)
    original = task.path if task is not None else None
    if original is None:
        return
    got, want = await asyncio.to_thread(lambda: (path.read_bytes(), original.read_bytes()))
    if got == want:
        s.tally.exports["downloaded"] += 1
        return
    # A malformed answer served meanwhile (a 200 with a broken JSON body instead of
    # the file, as the simulator's fault does) is told apart: a failure all the same.
    broken = s.malformed_answers() > malformed
    s.tally.exports["corrupt_on_broken_answer" if broken else "corrupt"] += 1
    s.tally.corrupt_files.append(f"{len(got)} of {len(want)} bytes, starts {got[:32]!r}")


@step("entrance display", pane="occupancy", weight=1)
async def entrance_display(s: Session) -> None:
    await s.ensure_connected()
    launcher = s.app.window.kiosk
    widget = launcher.start(s.app.ctx)
    if widget is None:
        return
    try:
        await asyncio.sleep(s.rng.uniform(1.0, 3.0))  # a few polls under faults
        store = widget.controller.store_uuid
        # Staff ± only where the display offers them (a store with a limit, open).
        if store is not None and widget.controller.service.adjust_block_reason(store, 1) is None:
            before, malformed = s.adjust_records(), s.malformed_answers()
            outcome = await widget.controller.staff_adjust(s.rng.choice([1, -1]))
            s.judge_adjust(outcome, s.adjust_records() - before, widget.notice(), s.malformed_answers() > malformed)
    finally:
        launcher.stop()


# ---------------------------------------------------------------- running it


def session_clock() -> Clock:
    """Frozen at SESSION_NOW: occupancy then moves only by adjusts, so a
    re-read after a lost answer can tell whether an adjust took effect."""
    from storeops.simulator.clock import parse_instant

    at: datetime = parse_instant(SESSION_NOW)
    clock = Clock(at)
    clock.freeze(at)
    return clock


async def run_session(
    seconds: float,
    *,
    faults: str = DEFAULT_FAULTS,
    seed: int = 1,
    settings: Settings | None = None,
    rss_every_s: float = 2.0,
    skip: frozenset[str] = frozenset(),
) -> Tally:
    """Start the app in demo mode, turn the faults on once connected, run random
    steps for `seconds` (all but those named in `skip`), then shut the app down and count. Call inside a running
    qasync loop."""
    from storeops.simulator.fault_spec import parse_fault_spec

    tally = Tally()
    rng = random.Random(seed)
    loop = asyncio.get_running_loop()
    spec = parse_fault_spec(faults)
    app = App(settings or Settings.load(), force_demo=True, demo_clock=session_clock())
    app.set_offline_retry(2.0)
    steps = [st for st in available_steps() if st.name not in skip]  # skip: to attribute a figure
    weights = [s.weight for s in steps]
    with watching(tally, loop):
        try:
            await app.start()
            session = Session(app, rng, tally)
            await session.ensure_connected()
            session.sim.faults.set_random(spec, seed=seed)
            started = time.monotonic()
            next_rss = 0.0
            warm_up = list(steps)  # each step once, in order, before the random ones
            while (elapsed := time.monotonic() - started) < seconds:
                if not warm_up and tally.rss_base_mb is None:
                    session.warming = False
                    tally.rss_base_mb, tally.warmed_at = rss_mb(), elapsed
                if elapsed >= next_rss:
                    tally.rss_mb.append((elapsed, rss_mb()))
                    next_rss = elapsed + rss_every_s
                chosen = warm_up.pop(0) if warm_up else rng.choices(steps, weights)[0]
                tally.steps[chosen.name] += 1
                step_started = time.monotonic()
                try:
                    await asyncio.wait_for(chosen.fn(session), STEP_TIMEOUT_S)
                except TimeoutError:
                    tally.unhandled.append(f"step {chosen.name!r} hung over {STEP_TIMEOUT_S:g} s")
                except Exception as exc:  # a step's own exception: the app let it out
                    tally.unhandled.append(f"step {chosen.name!r}: {type(exc).__name__}: {exc}")
                if time.monotonic() - step_started > SLOW_STEP_S:
                    tally.slow_steps[chosen.name] += 1
                tally.crash_dialogs += _crash_dialogs()
            sim = session.sim
            tally.requests = sim.faults.drawn  # every API request since the faults went on
            tally.faults = Counter(sim.faults.injected)
            # Calm down and let late answers land before judging the adjusts again.
            sim.faults.set_random(None)
            await asyncio.sleep(0.5)
        finally:
            await app.shutdown()
            app.window.deleteLater()
    return tally


def _crash_dialogs() -> int:
    from storeops.ui.dialogs.crash import CrashDialog

    found = 0
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, CrashDialog) and widget.isVisible():
            found += 1
            widget.close()
    return found
