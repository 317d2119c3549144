"""The Exports pane against the real simulator (pinned clock): the export dialog's rules
(17 channels, two recorders, a cloud camera with others, end before start, a future
end, a bad resolution), quick picks in the store's time, a server refusal that keeps the
user's choices, and the whole walk: start, poll to ready, download with its bar, show
in folder, cancel and resume, delete; the pane's polling follows activate/deactivate
and the list comes back in a new pane (a restart)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QUrl
from shiboken6 import isValid

from storeops.api.models import ExportState, Location
from storeops.services.exports import ChannelRef, DownloadState
from storeops.services.jobs import JobService
from storeops.settings import Settings
from storeops.ui.context import PaneContext, StatusReporter, StoreSelection
from storeops.ui.exports.dialog import ExportDialog
from storeops.ui.exports.model import BUSY, DOWNLOAD, PROGRESS_ROLE, STATUS
from storeops.ui.exports.pane import ExportsPane, create_pane
from tests.conftest import TEST_NOW
from tests.helpers import wait_until
from tests.services.exports_env import data, export_file, flagship, make_client, service

pytestmark = pytest.mark.gui

STORE = Location(uuid="s1", name="Test Store", time_zone="America/Chicago", location_type="store")


def names_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def refs(n: int, appliance: str = "app-1", start: int = 0) -> list[ChannelRef]:
    return [ChannelRef(uuid=f"c{start + i}", name=f"Camera {start + i}", appliance_id=appliance) for i in range(n)]


@pytest.fixture
def dialog(qtbot):
    d = ExportDialog(STORE, TEST_NOW)
    qtbot.addWidget(d)
    d.show()
    return d


def test_seventeen_channels_are_refused_beside_the_field(dialog):
    dialog.set_channels(refs(18))
    dialog.set_checked([f"c{i}" for i in range(16)])
    assert dialog.channel_error.isHidden() and dialog.ok.isEnabled()
    dialog.set_checked([f"c{i}" for i in range(17)])
    assert dialog.channel_error.isVisible()
    assert dialog.channel_error.text() == "At most 16 channels in one export (17 chosen)."
    assert not dialog.ok.isEnabled()
    sent = []
    dialog.submitted.connect(lambda *a: sent.append(a))
    dialog._submit()
    assert sent == []


def test_channels_of_two_recorders_or_a_cloud_camera_with_others_are_refused(dialog):
    dialog.set_channels([*refs(2, "app-1"), *refs(1, "app-2", start=2), *refs(1, "", start=3)])
    dialog.set_checked(["c0", "c2"])
    assert "same recorder" in dialog.channel_error.text() and dialog.channel_error.isVisible()
    dialog.set_checked(["c0", "c3"])
    assert "cloud-connected camera exports on its own" in dialog.channel_error.text()
    dialog.set_checked(["c3"])  # alone it is fine
    assert dialog.channel_error.isHidden() and dialog.ok.isEnabled()
    assert "recorder 2" in dialog.channel_list.item(2).text() and "cloud camera" in dialog.channel_list.item(3).text()


def test_no_channel_is_said_once_the_user_tries(dialog):
    dialog.set_channels(refs(3))
    assert dialog.channel_error.isHidden() and dialog.ok.isEnabled()
    dialog._submit()
    assert dialog.channel_error.text() == "Choose at least one channel." and dialog.channel_error.isVisible()


def test_end_before_start_and_a_future_end_are_refused(dialog):
    dialog.set_channels(refs(1))
    dialog.set_checked(["c0"])
    tz = ZoneInfo("America/Chicago")
    now = TEST_NOW.astimezone(tz)
    dialog.set_period(now - timedelta(minutes=5), now - timedelta(minutes=10))
    assert dialog.time_error.text() == "The end must be after the start." and not dialog.ok.isEnabled()
    dialog.set_period(now - timedelta(minutes=5), now + timedelta(minutes=5))
    assert "future" in dialog.time_error.text() and not dialog.ok.isEnabled()
    dialog.set_period(now - timedelta(minutes=5), now)
    assert dialog.time_error.isHidden() and dialog.ok.isEnabled()


def test_quick_picks_are_in_the_stores_time(dialog):
    tz = ZoneInfo("America/Chicago")
    end = TEST_NOW.astimezone(tz).replace(second=0, microsecond=0)
    for minutes in (5, 15, 60):
        dialog.quick_buttons[minutes].click()
        assert dialog.period() == (end - timedelta(minutes=minutes), end)
    assert dialog.period()[0].utcoffset() == end.utcoffset()  # a local wall time, not UTC
    dialog.around.setDateTime(dialog.start.dateTime().addSecs(10 * 60))  # end - 50 min
    dialog.around_span.setCurrentIndex(dialog.around_span.findData(2))
    dialog.around_button.click()
    centre = end - timedelta(minutes=50)
    assert dialog.period() == (centre - timedelta(minutes=2), centre + timedelta(minutes=2))


def test_resolution_only_for_several_channels_and_checked(dialog):
    dialog.set_channels(refs(3))
    dialog.set_checked(["c0"])
    assert not dialog.resolution.isEnabled()
    dialog.set_checked(["c0", "c1"])
    assert dialog.resolution.isEnabled()
    dialog.resolution.setText("big")
    assert "width x height" in dialog.resolution_error.text() and not dialog.ok.isEnabled()
    dialog.resolution.setText("1280x720")
    sent = []
    dialog.submitted.connect(lambda request, chosen: sent.append((request, chosen)))
    dialog.analytics.setChecked(True)
    dialog._submit()
    [(request, chosen)] = sent
    assert request.resolution == "1280x720" and request.analytics_overlay and not request.info_overlay
    assert [c.uuid for c in chosen] == ["c0", "c1"] and request.channels == ["c0", "c1"]


# ---------------------------------------------------------------- against the simulator


def make_pane(qtbot, fresh_sim, tmp_path, *, jobs=None, opened=None):
    client = make_client(fresh_sim)
    store, _channels = flagship(fresh_sim)
    selection = StoreSelection()
    selection.set_stores([store])
    ctx = PaneContext(
        client=client,
        stores=selection,
        status=StatusReporter(),
        settings=Settings(),
        now=fresh_sim.clock.now,
        jobs=jobs or JobService(),
    )
    svc = service(client, tmp_path, ctx.jobs, now=fresh_sim.clock.now)
    asked: list[str] = []

    async def confirm(_parent, _title, question, _action):
        asked.append(question)
        return True

    pane = create_pane(ctx, service=svc, confirm=confirm)
    assert isinstance(pane, ExportsPane)
    pane.controller.open_url = lambda url: (opened.append(url) if opened is not None else None) or True
    qtbot.addWidget(pane)
    pane.resize(1200, 700)
    return pane, client, svc, asked


async def close(pane, client):
    pane.shutdown()
    await pane.controller.wait_idle()
    await client.aclose()


def test_the_whole_walk_start_ready_download_show_delete(qtbot, qloop, fresh_sim, tmp_path):
    opened: list[QUrl] = []
    pane, client, svc, asked = make_pane(qtbot, fresh_sim, tmp_path, opened=opened)
    _store, channels = flagship(fresh_sim)

    async def scenario():
        pane.show()
        pane.activate()
        assert pane.empty.isVisible() and not pane.table.isVisible()
        dialog = pane.controller.open_export_dialog()
        assert dialog is not None
        await wait_until(lambda: dialog.channel_list.count() >= len(channels))  # and the cloud camera
        dialog.set_checked([channels[0].uuid, channels[1].uuid])
        dialog.quick_buttons[5].click()
        _start, end = dialog.period()
        dialog.set_period(end - timedelta(seconds=30), end)  # a short clip renders quickly
        dialog.resolution.setText("320x240")
        dialog.info.setChecked(True)
        dialog.ok.click()
        await wait_until(lambda: not isValid(dialog) or not dialog.isVisible())
        [entry] = svc.entries()
        assert [c.uuid for c in entry.channels] == [channels[0].uuid, channels[1].uuid] and entry.info_overlay
        assert entry.resolution == "320x240" and entry.end is not None and entry.end == end
        assert pane.table.isVisible() and pane.selected_id() == entry.id
        assert pane.model.index(0, STATUS).data().startswith("Preparing on the server… (asked ")
        assert pane.model.index(0, STATUS).data(PROGRESS_ROLE) == BUSY and pane._busy_timer.isActive()
        # Polling (the pane is shown) brings it to ready.
        await wait_until(lambda: entry.status is ExportState.READY, timeout=60)
        assert pane.model.index(0, STATUS).data() == "Ready" and pane.download_button.isEnabled()
        assert pane.model.index(0, STATUS).data(PROGRESS_ROLE) is None and not pane._busy_timer.isActive()
        pane.download_button.click()
        await wait_until(lambda: entry.download is DownloadState.DONE, timeout=30)
        assert pane.model.index(0, DOWNLOAD).data().startswith("Saved · ")
        assert pane.model.index(0, DOWNLOAD).data(PROGRESS_ROLE) is None
        assert data(entry.dest) == export_file(fresh_sim, entry.id)
        assert pane.show_button.isEnabled() and not pane.download_button.isEnabled()
        pane.show_button.click()
        assert [u.toLocalFile() for u in opened] == [str(Path(entry.dest).parent)]
        infos: list[str] = []
        pane.controller.ctx.status.info_reported.connect(infos.append)
        pane.evidence_button.click()
        await wait_until(lambda: any(i.startswith("Evidence pack saved: ") for i in infos), timeout=30)
        pack = Path(next(i for i in infos if i.startswith("Evidence pack saved: ")).split(": ", 1)[1])
        assert names_in(pack) == sorted([Path(entry.dest).name, "evidence.json", "occupancy.csv", "traffic.csv"])
        assert opened[-1].toLocalFile() == str(pack.parent)
        pane.delete_button.click()
        await wait_until(lambda: svc.entries() == [])
        assert "stays where it is" in asked[0]
        assert pane.empty.isVisible()
        assert (await client.export_status(entry.id)).state is ExportState.EXPIRED
        pane.deactivate()
        await wait_until(lambda: not pane.controller.polling)
        await close(pane, client)

    qloop.run_until_complete(scenario())


def test_a_refusal_keeps_the_dialog_and_its_choices(qtbot, qloop, fresh_sim, tmp_path):
    pane, client, svc, _asked = make_pane(qtbot, fresh_sim, tmp_path)
    _store, channels = flagship(fresh_sim)
    fresh_sim.faults.add("/v1/video/export/start", "status", status=400, detail="the appliance is offline")

    async def scenario():
        pane.show()
        dialog = pane.controller.open_export_dialog()
        await wait_until(lambda: dialog.channel_list.count() >= len(channels))  # and the cloud camera
        dialog.set_checked([channels[2].uuid])
        dialog.quick_buttons[15].click()
        period = dialog.period()
        dialog.ok.click()
        await wait_until(lambda: dialog.server_error.isVisible())
        assert "the appliance is offline" in dialog.server_error.text()
        assert (
            dialog.isVisible() and dialog.period() == period and [c.uuid for c in dialog.chosen()] == [channels[2].uuid]
        )
        assert dialog.ok.isEnabled() and svc.entries() == []
        dialog.ok.click()  # the fault was for one request: the second try goes through
        await wait_until(lambda: not isValid(dialog) or not dialog.isVisible())
        assert len(svc.entries()) == 1
        await close(pane, client)

    qloop.run_until_complete(scenario())


def test_cancel_resume_and_the_list_in_a_new_pane(qtbot, qloop, fresh_sim, tmp_path):
    jobs = JobService()
    pane, client, svc, _asked = make_pane(qtbot, fresh_sim, tmp_path, jobs=jobs)
    store, channels = flagship(fresh_sim)

    async def scenario():
        from tests.services.exports_env import request, settled

        entry = await svc.start_export(request(channels[:1], seconds=60), store, channels[:1])
        await settled(svc, entry.id)
        pane.show()
        pane.select(entry.id)
        fresh_sim.faults.set_random("drip=1")
        pane.download_button.click()
        await wait_until(lambda: entry.done_bytes > 0 and pane.cancel_button.isEnabled())
        assert pane.model.index(0, DOWNLOAD).data(PROGRESS_ROLE) is not None  # the bar
        pane.cancel_button.click()
        await wait_until(lambda: entry.download is DownloadState.PAUSED)
        fresh_sim.faults.set_random(None)
        assert pane.download_button.text() == "Resume download"
        assert pane.model.index(0, DOWNLOAD).data().startswith("Paused at ")
        assert pane.download_button.isEnabled(), (pane.selected_id(), entry.status, entry.download)
        pane.download_button.click()
        await wait_until(lambda: entry.download is not DownloadState.PAUSED)
        await wait_until(lambda: entry.download is not DownloadState.RUNNING, timeout=30)
        assert entry.download is DownloadState.DONE, entry.download_error
        assert data(entry.dest) == export_file(fresh_sim, entry.id)
        await close(pane, client)

        # A restart: a new service and pane over the same data dir show the same list.
        pane2, client2, svc2, _ = make_pane(qtbot, fresh_sim, tmp_path)
        pane2.show()
        await wait_until(lambda: pane2.model.rowCount() == 1)
        kept = svc2.entries()[0]
        assert (kept.id, kept.download, kept.dest) == (entry.id, DownloadState.DONE, entry.dest)
        assert pane2.model.index(0, DOWNLOAD).data().startswith("Saved · ")
        await close(pane2, client2)

    qloop.run_until_complete(scenario())


def test_quick_picks_follow_the_clock_while_the_dialog_is_open(qtbot):
    clock = [TEST_NOW]
    d = ExportDialog(STORE, lambda: clock[0])
    qtbot.addWidget(d)
    clock[0] = TEST_NOW + timedelta(minutes=7)  # the manager took a while to choose
    d.quick_buttons[5].click()
    end = clock[0].astimezone(ZoneInfo("America/Chicago")).replace(second=0, microsecond=0)
    assert d.period() == (end - timedelta(minutes=5), end)


def test_keys_on_the_list_download_and_delete(qtbot, qloop, fresh_sim, tmp_path):
    from PySide6.QtCore import Qt

    pane, client, svc, asked = make_pane(qtbot, fresh_sim, tmp_path)
    store, channels = flagship(fresh_sim)

    async def scenario():
        from tests.services.exports_env import request, settled

        entry = await svc.start_export(request(channels[:1], seconds=10), store, channels[:1])
        await settled(svc, entry.id)
        pane.show()
        pane.select(entry.id)
        pane.table.setCurrentIndex(pane.model.index(0, 0))
        pane.table.setFocus()
        qtbot.keyClick(pane.table, Qt.Key.Key_Return)
        await wait_until(lambda: entry.download is DownloadState.DONE, timeout=30)
        qtbot.keyClick(pane.table, Qt.Key.Key_Delete)
        await wait_until(lambda: svc.entries() == [])
        assert len(asked) == 1  # asked first
        await close(pane, client)

    qloop.run_until_complete(scenario())


def test_the_download_folder_is_kept_in_the_settings(qtbot, qloop, fresh_sim, tmp_path):
    pane, client, svc, _asked = make_pane(qtbot, fresh_sim, tmp_path)
    chosen = tmp_path / "Incidents"
    pane.controller.set_folder(str(chosen))
    assert svc.download_dir == chosen and pane.controller.ctx.settings.download_dir == str(chosen)
    assert pane.folder_label.toolTip() == str(chosen)
    pane.controller.ctx.settings.flush()
    qloop.run_until_complete(close(pane, client))


def test_at_the_windows_minimum_width_buttons_do_not_overlap_and_names_stay_readable(qtbot, qloop, fresh_sim, tmp_path):
    # Seen under Xvfb at the main window's minimum size (980 px, a pane of ~780 px):
    # "Delete…" drawn over "Cancel download", "Evidence pack" over "Show in folder",
    # the folder path over both, and the Export column squeezed to "…".
    from storeops.ui.exports.model import EXPORT

    pane, client, svc, _asked = make_pane(qtbot, fresh_sim, tmp_path)
    store, channels = flagship(fresh_sim)
    pane.controller.set_folder(str(tmp_path / "a folder with a rather long name for incident footage"))

    async def scenario():
        from tests.services.exports_env import request, settled

        entry = await svc.start_export(request(channels[:2], seconds=10), store, channels[:2])
        await settled(svc, entry.id)
        pane.resize(780, 560)
        pane.show()
        pane.activate()
        await wait_until(lambda: pane.table.isVisible() and pane.model.rowCount() == 1)
        await asyncio.sleep(0.1)  # the layout settles
        assert pane.minimumSizeHint().width() <= 780
        row = [
            pane.download_button,
            pane.cancel_button,
            pane.delete_button,
            pane.show_button,
            pane.evidence_button,
            pane.folder_label,
            pane.folder_button,
        ]
        for i, one in enumerate(row):
            assert one.geometry().right() < pane.width(), one.text()
            for other in row[i + 1 :]:
                assert not one.geometry().intersects(other.geometry()), (one.text(), other.text())
        # A wide window keeps them on one line.
        pane.resize(1200, 560)
        await asyncio.sleep(0.1)  # the layout settles
        assert pane.folder_button.geometry().top() == pane.download_button.geometry().top()
        label = pane.folder_label
        assert label.isVisible() and label.text().startswith("Files go to") and label.width() > 200
        assert pane.table.columnWidth(EXPORT) >= 150
        await close(pane, client)

    qloop.run_until_complete(scenario())
