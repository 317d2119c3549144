"""`storeops --demo --screenshot DIR`: every pane, and the kiosk display, saved
as DIR/<pane>.png with demo content showing (for the README and reviews).

A pane module may expose `async prepare_screenshot(widget)` that returns once
its demo content is visible; otherwise we wait until background activity is
over. The kiosk is rendered through `storeops.ui.kiosk.create_kiosk_widget(ctx)`
(the current store) and its `prepare_screenshot`.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QWidget

from storeops.ui.sidebar import PANES

if TYPE_CHECKING:
    from storeops.app import App
    from storeops.ui.context import PaneContext
    from storeops.ui.kiosk.widget import KioskWidget

    KioskFactory = Callable[[PaneContext], KioskWidget]

log = logging.getLogger(__name__)

SIZE = (1280, 800)
CONNECT_TIMEOUT_S = 60.0
PREPARE_TIMEOUT_S = 30.0
SETTLE_S = 0.4


async def take_screenshots(app: App, out_dir: Path) -> list[Path]:
    await asyncio.to_thread(out_dir.mkdir, parents=True, exist_ok=True)
    window = app.window
    window.resize(*SIZE)
    await asyncio.wait_for(app.connected.wait(), CONNECT_TIMEOUT_S)
    written: list[Path] = []
    for pane in PANES:
        widget = window.show_pane(pane.key)
        await _prepare(app, window.panes.module(pane.key), widget, pane.key)
        path = out_dir / f"{pane.key}.png"
        _save(window, path)
        written.append(path)
    kiosk_path = await save_kiosk(app, out_dir)
    if kiosk_path is not None:
        written.append(kiosk_path)
    return written


async def save_kiosk(app: App, out_dir: Path) -> Path | None:
    """DIR/kiosk.png (None without a kiosk in this build); the display is shut
    down afterwards, its polling ended before the app closes the client."""
    kiosk = await _kiosk(app)
    if kiosk is None:
        return None
    try:
        path = out_dir / "kiosk.png"
        _save(kiosk, path)
    finally:
        await _shut_down_kiosk(kiosk)
    return path


async def _shut_down_kiosk(widget: KioskWidget) -> None:
    # close() is refused by design (visitors must not close the display);
    # shutdown() is the app's own way out. Stop polling first, as `storeops kiosk` does.
    controller = widget.controller
    controller.stop()
    widget.shutdown()
    await controller.wait_stopped()
    widget.deleteLater()


async def _prepare(app: App, module: ModuleType | None, widget: QWidget | None, key: str) -> None:
    prepare = getattr(module, "prepare_screenshot", None) if module is not None else None
    if prepare is not None and widget is not None:
        try:
            await asyncio.wait_for(prepare(widget), PREPARE_TIMEOUT_S)
        except TimeoutError:
            log.warning("%s: demo content not ready after %.0f s; saving what shows", key, PREPARE_TIMEOUT_S)
    await _settle(app)


async def _settle(app: App) -> None:
    """Until nothing is busy for a moment, then one more beat for painting."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + PREPARE_TIMEOUT_S
    quiet_since = None
    while loop.time() < deadline:
        if app.reporter.activity():
            quiet_since = None
        elif quiet_since is None:
            quiet_since = loop.time()
        elif loop.time() - quiet_since >= SETTLE_S:
            return
        await asyncio.sleep(0.05)


def _save(widget: QWidget, path: Path) -> None:
    if not widget.grab().save(str(path), "PNG"):
        raise OSError(f"could not write {path}")
    log.info("screenshot: %s", path)


def _kiosk_factory() -> tuple[ModuleType, KioskFactory] | tuple[None, None]:
    """The kiosk package's factory: `create_kiosk_widget(ctx)` (store: the
    current one), or None while there is no kiosk in this build."""
    try:
        module = importlib.import_module("storeops.ui.kiosk")
    except ModuleNotFoundError as exc:
        if exc.name and "storeops.ui.kiosk".startswith(exc.name):
            return None, None
        raise
    factory = getattr(module, "create_kiosk_widget", None) or getattr(module, "create_kiosk", None)
    return (module, factory) if factory is not None else (None, None)


async def _kiosk(app: App) -> KioskWidget | None:
    module, factory = _kiosk_factory()
    if factory is None or app.ctx is None:
        log.warning("no kiosk factory in storeops.ui.kiosk; kiosk.png not written")
        return None
    widget = factory(app.ctx)
    widget.resize(*SIZE)
    widget.show()
    prepare = getattr(module, "prepare_screenshot", None)
    if prepare is not None:
        try:
            await asyncio.wait_for(prepare(widget), PREPARE_TIMEOUT_S)
        except TimeoutError:
            log.warning("kiosk: demo content not ready; saving what shows")
    await _settle(app)
    return widget
