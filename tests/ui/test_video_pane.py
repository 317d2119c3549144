"""The Live video pane against a real simulator, headless: tiles show decoded frames of
real HLS streams and name their channel and store; hiding the pane stops every player;
drops from the channel list and between tiles, grids and the enlarged tile; the layout
saved and restored; snapshots; a stream that stops and comes back; a channel list that
fails to load; a computer without VLC. Each scenario runs in one run of the loop."""

from __future__ import annotations

import asyncio
import functools
import json

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QImage
from PySide6.QtWidgets import QApplication

from storeops.api.client import RetailNextClient
from storeops.media import availability
from storeops.media.live import Backoff, LiveStream, StreamState
from storeops.settings import Settings, VideoLayout
from storeops.simulator.video.hls import stream_outages
from storeops.ui.context import PaneContext, StatusReporter, StoreSelection
from storeops.ui.pane import Pane
from storeops.ui.video.pane import NoVlcPage, VideoPane, create_pane
from storeops.ui.video.tile import CHANNEL_MIME, TILE_MIME, VideoTile
from tests.api.conftest import FAST_RETRY
from tests.conftest import ACCESS_KEY, SECRET_KEY
from tests.helpers import not_none, wait_until

pytestmark = pytest.mark.video

QUICK = Backoff(first=0.5, factor=2.0, longest=1.0, jitter=0.0)


async def _context(sim, settings: Settings | None = None) -> PaneContext:
    client = RetailNextClient(sim.url, ACCESS_KEY, SECRET_KEY, retry=FAST_RETRY)
    stores = StoreSelection()
    locations = await client.query_locations()
    stores.set_stores([loc for loc in locations if loc.location_type == "store"])
    return PaneContext(client=client, stores=stores, status=StatusReporter(), settings=settings or Settings())


def _run(qloop, scenario):
    return qloop.run_until_complete(asyncio.wait_for(scenario(), 120))


def _open(ctx, tmp_path, **kw) -> VideoPane:
    pane = create_pane(ctx, snapshot_dir=tmp_path / "snapshots", **kw)
    assert isinstance(pane, VideoPane)
    pane.resize(1200, 760)
    pane.show()
    pane.activate()
    return pane


async def _close(pane: VideoPane, ctx: PaneContext) -> None:
    streams = list(pane.controller._streams.values())
    pane.shutdown()
    await pane.controller.wait_idle()
    assert all(s.closed for s in streams)
    pane.hide()
    pane.deleteLater()
    await ctx.client.aclose()


def _playing(tiles: list[VideoTile], frames: int = 3) -> bool:
    return bool(tiles) and all(t.playing and t.frames_shown >= frames for t in tiles)


def _drop(tile: VideoTile, mime: QMimeData) -> None:
    point = QPointF(tile.width() / 2, tile.height() / 2)
    buttons, mods = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(point.toPoint(), Qt.DropAction.MoveAction, mime, buttons, mods)
    QApplication.sendEvent(tile, enter)
    assert enter.isAccepted()
    QApplication.sendEvent(tile, QDropEvent(point, Qt.DropAction.MoveAction, mime, buttons, mods))


def _picture(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGB32)
    return np.frombuffer(bytes(image.constBits()), np.uint8).reshape(image.height(), image.bytesPerLine())


def test_a_first_visit_plays_a_2x2_grid_and_hiding_the_pane_stops_every_player(qtbot, qloop, sim, tmp_path):
    async def scenario():
        ctx = await _context(sim)
        current = ctx.stores.current()
        pane = _open(ctx, tmp_path)
        try:
            controller = pane.controller
            tiles = pane.grid.visible_tiles()
            assert len(tiles) == 4
            await wait_until(lambda: _playing(tiles), timeout=40)
            # Filled from the current store first; each tile names its channel and store.
            first = controller.channels[not_none(tiles[0].channel_uuid)]
            assert current is not None and first.store_uuid == current.uuid
            for tile in tiles:
                rec = sim.world.channels[tile.channel_uuid]
                assert tile.title == rec.name
                assert tile.store == sim.world.nodes[rec.store_uuid].name
                assert tile.state_text == "playing"
            assert pane.summary.text().endswith("4 playing")
            # What the tile paints is the decoded picture, not a blank.
            shot = _picture(pane.grab().toImage())
            assert shot.std() > 30
            assert len(controller.channels) == len(sim.world.channels)

            pane.deactivate()
            assert controller.playing_streams() == []
            assert all(not_none(controller.stream(t.index)).status.state is StreamState.STOPPED for t in tiles)
            await asyncio.sleep(0.5)  # a frame already decoded may still arrive
            shown = [t.frames_shown for t in tiles]
            await asyncio.sleep(1.5)  # 10-15 fps: 15+ frames per tile were it playing
            assert [t.frames_shown for t in tiles] == shown

            pane.activate()
            await wait_until(lambda: all(t.frames_shown > n + 3 for t, n in zip(tiles, shown, strict=True)), 40)
        finally:
            await _close(pane, ctx)
        assert pane.controller._streams == {}

    _run(qloop, scenario)


def test_drops_grids_and_the_layout_saved_and_restored(qtbot, qloop, sim, tmp_path):
    async def scenario():
        settings = Settings()
        ctx = await _context(sim, settings)
        pane = _open(ctx, tmp_path)
        try:
            controller = pane.controller
            await wait_until(lambda: controller.loaded, timeout=20)
            before = list(controller.assigned[:4])
            # From the channel list onto tile 3: a channel of another store.
            item = next(
                it
                for it in pane.channel_list.channel_items()
                if it.data(0, Qt.ItemDataRole.UserRole) not in before
                and sim.world.channels[it.data(0, Qt.ItemDataRole.UserRole)].store_uuid
                != sim.world.channels[before[0]].store_uuid
            )
            dropped = item.data(0, Qt.ItemDataRole.UserRole)
            _drop(pane.grid.tiles[3], pane.channel_list.mimeData([item]))
            assert controller.assigned[3] == dropped
            assert item.font(0).bold() and not not_none(pane.channel_list.item_for(not_none(before[3]))).font(0).bold()
            assert pane.grid.tiles[3].title == sim.world.channels[dropped].name
            # From tile 0 onto tile 1: the two swap.
            swap = QMimeData()
            swap.setData(CHANNEL_MIME, not_none(before[0]).encode())
            swap.setData(TILE_MIME, b"0")
            _drop(pane.grid.tiles[1], swap)
            assert controller.assigned[:4] == [before[1], before[0], before[2], dropped]
            # A drop of something unknown changes nothing.
            junk = QMimeData()
            junk.setData(CHANNEL_MIME, b"not-a-channel")
            _drop(pane.grid.tiles[2], junk)
            assert controller.assigned[2] == before[2]

            pane.grid_buttons[3].click()
            assert pane.grid.side == 3 and len(pane.grid.visible_tiles()) == 9
            assert controller.assigned[:4] == [before[1], before[0], before[2], dropped]
            _drop(pane.grid.tiles[8], pane.channel_list.mimeData([pane.channel_list.channel_items()[-1]]))
            expected = VideoLayout(grid=3, tiles=[*controller.assigned[:9]])
            assert settings.video_layouts[controller.layout_key] == expected
            await wait_until(lambda: _playing([pane.grid.tiles[i] for i in (0, 1, 2, 3, 8)], 1), timeout=60)
            # F5 reads the list again; the tiles keep their channels and play on.
            assigned = list(controller.assigned)
            pane.refresh()
            await wait_until(lambda: controller.loaded, timeout=20)
            assert controller.assigned == assigned and pane.channel_list.item_for(dropped) is not None
            # ...and say so: "stopped" was written over their live video after F5.
            assert _playing([pane.grid.tiles[i] for i in (0, 1, 2, 3, 8)], 1)
            assert "stopped" not in {pane.grid.tiles[i].state_text for i in (0, 1, 2, 3, 8)}
            pane.grid_buttons[1].click()
            assert pane.grid.side == 1
            await wait_until(lambda: len(controller.playing_streams()) == 1, timeout=5)
            pane.grid_buttons[3].click()
        finally:
            await _close(pane, ctx)
        settings.flush()
        saved = json.loads(settings.path.read_text())["video_layouts"][controller.layout_key]
        assert saved["grid"] == 3 and saved["tiles"] == expected.tiles

        # A new pane (a restart): the same grid, the same channels on the same tiles.
        restored_ctx = await _context(sim, Settings.load(settings.path))
        again = _open(restored_ctx, tmp_path)
        try:
            await wait_until(lambda: again.controller.loaded, timeout=20)
            assert again.grid.side == 3 and again.grid_buttons[3].isChecked()
            assert again.controller.assigned[:9] == expected.tiles
            assert [t.channel_uuid for t in again.grid.visible_tiles()] == expected.tiles
        finally:
            await _close(again, restored_ctx)

    _run(qloop, scenario)


def test_one_tile_enlarged_alone_then_back_with_escape_and_a_snapshot(qtbot, qloop, sim, tmp_path):
    async def scenario():
        ctx = await _context(sim)
        pane = _open(ctx, tmp_path)
        try:
            controller = pane.controller
            tiles = pane.grid.visible_tiles()
            await wait_until(lambda: _playing(tiles), timeout=40)
            qtbot.mouseDClick(tiles[2], Qt.MouseButton.LeftButton)
            full = pane.grid.full_screen
            assert pane.grid.enlarged == 2 and pane.grid.visible_tiles() == [tiles[2]] and full is not None
            assert full.isWindow() and full.isFullScreen() and full.isVisible()
            assert full.geometry() == full.screen().geometry()
            assert (full.title, full.store) == (tiles[2].title, tiles[2].store) and pane.back_button.isVisible()
            assert controller.playing_streams() == [controller.stream(2)]
            frames = full.frames_shown
            shown = not_none(full)
            await wait_until(lambda: shown.frames_shown > frames + 3 and shown.playing, timeout=10)
            assert _picture(full.grab().toImage()).std() > 30
            qtbot.keyClick(full, Qt.Key.Key_Escape)
            assert pane.grid.enlarged is None and pane.grid.full_screen is None and not full.isVisible()
            await wait_until(lambda: len(controller.playing_streams()) == 4, timeout=5)
            await wait_until(lambda: _playing(tiles), timeout=40)
            # Full screen, then the pane hidden: no full-screen window is left behind.
            qtbot.mouseDClick(tiles[1], Qt.MouseButton.LeftButton)
            full = pane.grid.full_screen
            assert full is not None and full.isVisible()
            pane.deactivate()
            assert pane.grid.full_screen is None and not full.isVisible() and pane.grid.enlarged is None
            assert controller.playing_streams() == []
            pane.activate()
            await wait_until(lambda: _playing(tiles), timeout=40)

            controller.select(1)
            path = await controller.snapshot(1)
            assert path is not None and path.parent == tmp_path / "snapshots"
            assert tiles[1].title in path.name and tiles[1].store in path.name
            image = QImage(str(path))
            assert (image.width(), image.height()) == (640, 360)
            assert _picture(image).std() > 30
            empty = await controller.snapshot(8)  # a tile with no channel: nothing written
            assert empty is None and len(list((tmp_path / "snapshots").iterdir())) == 1
        finally:
            await _close(pane, ctx)

    _run(qloop, scenario)


def test_a_tile_says_offline_while_its_stream_is_down_and_plays_again_by_itself(qtbot, qloop, fresh_sim, tmp_path):
    async def scenario():
        ctx = await _context(fresh_sim)
        quick = functools.partial(LiveStream, stall_after=3.0, connect_timeout=6.0, backoff=QUICK)
        pane = _open(ctx, tmp_path, stream_factory=quick)
        try:
            tiles = pane.grid.visible_tiles()
            await wait_until(lambda: _playing(tiles), timeout=40)
            down = tiles[0]
            stream_outages(fresh_sim.world).stop(not_none(down.channel_uuid))
            await wait_until(lambda: down.state_text.startswith("offline — retrying in "), timeout=30)
            assert not down.playing and "offline" in pane.summary.text()
            assert all(t.playing for t in tiles[1:])
            stream_outages(fresh_sim.world).restore(not_none(down.channel_uuid))
            shown = down.frames_shown
            await wait_until(lambda: down.playing and down.frames_shown > shown + 3, timeout=40)
            assert down.state_text == "playing"
        finally:
            await _close(pane, ctx)

    _run(qloop, scenario)


def test_a_channel_list_that_fails_says_why_and_try_again_loads_it(qtbot, qloop, fresh_sim, tmp_path):
    async def scenario():
        ctx = await _context(fresh_sim)
        fresh_sim.faults.add("/v1/inventory/cameras", "status", count=50, status=503)
        pane = _open(ctx, tmp_path)
        try:
            await wait_until(lambda: pane.message.isVisible(), timeout=20)
            assert "could not be loaded" in pane.message.text() and pane.retry_button.isVisible()
            assert pane.controller.playing_streams() == []
            fresh_sim.faults.clear()
            # Asked for by another pane meanwhile: played once the list is there.
            wanted = next(iter(fresh_sim.world.channels))
            pane.show_channel(wanted)
            pane.retry_button.click()
            await wait_until(lambda: pane.controller.loaded, timeout=20)
            assert not pane.message.isVisible()
            assert wanted in pane.controller.assigned[:4]
        finally:
            await _close(pane, ctx)

    _run(qloop, scenario)


def test_without_vlc_the_pane_says_how_to_install_it(qtbot, qloop, sim):
    def missing():
        raise OSError("libvlc.so.5: cannot open shared object file: No such file or directory")

    async def scenario():
        ctx = await _context(sim)
        try:
            with availability.importer(missing):
                page = create_pane(ctx)
            qtbot.addWidget(page)
            assert isinstance(page, NoVlcPage) and isinstance(page, Pane)
            text = page.title.text() + page.text.text() + page.note.text()
            assert "needs VLC" in text and "videolan.org" in text
            assert "apt-get install libvlc5 vlc-plugin-base" in text and "libvlc.so.5" in text
            page.activate()
            page.deactivate()
            page.show_channel("anything")
            page.shutdown()
        finally:
            await ctx.client.aclose()

    _run(qloop, scenario)


def test_an_odd_saved_layout_is_mended_not_a_corrupt_settings_file(tmp_path):
    path = tmp_path / "settings.json"
    raw = {"last_pane": "video", "video_layouts": {"demo": {"grid": 7, "tiles": ["a", 5, None, "", *"bcdefghij"]}}}
    path.write_text(json.dumps(raw))
    settings = Settings.load(path)
    assert settings.last_pane == "video"  # the rest of the file kept
    layout = settings.video_layouts["demo"]
    assert layout.grid == 2 and layout.tiles == ["a", None, None, None, "b", "c", "d", "e", "f"]


def test_a_channel_asked_for_by_another_pane_plays_before_and_after_the_pane_exists(qtbot, qloop, sim, tmp_path):
    from storeops.ui.live_view_request import LiveViewRequest, live_view_requests

    async def scenario():
        ctx = await _context(sim)
        hub = live_view_requests(ctx)
        # Far from the current store, so a first visit would not have picked them.
        current = ctx.stores.current()
        others = [c for c in sim.world.channels.values() if current is None or c.store_uuid != current.uuid]
        first, second = others[-1], others[-2]
        hub.request(LiveViewRequest(first.uuid, first.name, first.store_uuid))  # the pane is made after
        pane = _open(ctx, tmp_path)
        try:
            controller = pane.controller
            assert hub.pending() is None  # taken by the new pane
            await wait_until(lambda: controller.loaded, timeout=20)
            tile = pane.grid.tiles[controller.assigned.index(first.uuid)]
            assert tile in pane.grid.visible_tiles() and tile.index == controller.selected
            hub.request(LiveViewRequest(second.uuid, second.name, second.store_uuid))
            assert hub.pending() is None
            tile2 = pane.grid.tiles[controller.assigned.index(second.uuid)]
            assert tile2 in pane.grid.visible_tiles() and tile2.index == controller.selected
            assert first.uuid in controller.assigned[:4]  # the second went beside the first, not over it
            await wait_until(lambda: _playing([tile, tile2], 2), timeout=40)
            assert tile2.store == sim.world.nodes[second.store_uuid].name
        finally:
            await _close(pane, ctx)
        hub.request(LiveViewRequest(first.uuid))  # a dropped pane no longer hears requests
        assert hub.pending() is not None

    _run(qloop, scenario)


def test_snapshot_names_are_safe_file_names(tmp_path):
    from datetime import UTC, datetime

    from storeops.ui.video.snapshots import snapshot_path

    path = snapshot_path(tmp_path, 'Mall: "North"/West', "Door\\1 <cam>?", datetime(2026, 4, 22, 15, 0, tzinfo=UTC))
    assert path.parent == tmp_path and path.suffix == ".png"
    assert not set('\\/:*?"<>|') & set(path.name)
    assert path.name.startswith("Mall- -North-West - Door-1 -cam-")
