"""No secret in what the app shows or writes when a server echoes it: a server that
puts the secret key and the basic-auth credentials in its error_detail, while the
user works in the Locations and Occupancy panes. Every text on screen (labels,
buttons, tooltips, titles, the status bar, banners), the log file and a crash
report of the failure are searched. The errors alone are tested in
tests/api/test_secret_words.py; settings and log files after a clean session in
test_secrets_on_disk.py."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QLineEdit, QStatusBar, QTextEdit, QWidget

from storeops import log as applog
from storeops.config import app_dirs
from storeops.ui.dialogs.crash import build_report
from storeops.ui.locations.pane import LocationsPane
from storeops.ui.occupancy.pane import OccupancyPane
from tests.conftest import ACCESS_KEY, SECRET_KEY
from tests.helpers import wait_until
from tests.ui.shell_env import profile_settings

pytestmark = pytest.mark.gui

CREDENTIALS = base64.b64encode(f"{ACCESS_KEY}:{SECRET_KEY}".encode()).decode()
ECHO = f"key pair {ACCESS_KEY}:{SECRET_KEY} refused (Authorization: Basic {CREDENTIALS})"


def _texts(widget: QWidget) -> list[str]:
    out = [widget.toolTip(), widget.windowTitle(), widget.accessibleName()]
    # A password field holds the secret by design, hidden: only plain fields count.
    if isinstance(widget, QLineEdit) and widget.echoMode() != QLineEdit.EchoMode.Normal:
        return [t for t in out if t]
    if isinstance(widget, QLabel | QAbstractButton | QLineEdit):
        out.append(widget.text())
    elif isinstance(widget, QTextEdit):
        out.append(widget.toPlainText())
    elif isinstance(widget, QStatusBar):
        out.append(widget.currentMessage())
    return [t for t in out if t]


def test_an_echoed_secret_appears_nowhere_the_user_or_a_log_can_see(run_app, fresh_sim, memory_keyring) -> None:
    applog.setup(app_dirs().log)
    failures: list[BaseException] = []
    try:
        settings = profile_settings(fresh_sim.url)

        async def body(app) -> None:
            await wait_until(lambda: app.ctx is not None, timeout=30)
            for path in ("/v2/location", "/v2/datamine", "/v1/occupancy/adjust", "/v1/storehours"):
                fresh_sim.faults.add(path, "status", count=50, status=400, detail=ECHO)
            locations = app.window.show_pane("locations")
            assert isinstance(locations, LocationsPane)
            app.refresh()  # F5: the tree's reload is refused, in the server's words
            await wait_until(lambda: app.reporter.last_error, timeout=20)
            occupancy = app.window.show_pane("occupancy")
            assert isinstance(occupancy, OccupancyPane)
            await wait_until(lambda: occupancy.banner.isVisible(), timeout=20)
            try:
                await app.ctx.client.query_locations()
            except Exception as exc:  # what a crash report would carry
                failures.append(exc)
            texts = [t for w in QApplication.allWidgets() for t in _texts(w)]
            shown = "\n".join(texts)
            assert "key pair *** refused" in shown  # the server's words reach the screen, masked
            assert SECRET_KEY not in shown and CREDENTIALS not in shown

        run_app(settings, body)
    finally:
        applog.shutdown_file()
    [failure] = failures
    report = build_report(type(failure), failure, failure.__traceback__)
    assert "key pair *** refused" in report and SECRET_KEY not in report and CREDENTIALS not in report
    for path in Path(os.environ["STOREOPS_HOME"]).rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert SECRET_KEY.encode() not in data and CREDENTIALS.encode() not in data, path
