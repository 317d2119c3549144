"""Drives the Live video pane: loads the channel list (grouped by store), keeps the
grid's layout (saved per account in the settings), plays the visible tiles through
LiveStream (one per tile; its watchdog reconnects), stops every player when the pane
is hidden or dropped, enlarges one tile, and saves snapshots.

The view (pane.py, grid.py, tile.py, channels.py) only lays out and paints; this
controller owns the service and the players.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, Signal

from storeops.media.live import LiveStream, StreamState, StreamStatus
from storeops.services.video import ChannelEntry, VideoService
from storeops.services.wording import reason
from storeops.settings import VideoLayout
from storeops.ui.live_view_request import LiveViewRequest, live_view_requests
from storeops.ui.video.grid import GRIDS, MAX_TILES
from storeops.ui.video.relay import FrameRelay
from storeops.ui.video.snapshots import default_snapshot_dir, snapshot_path, write_png

if TYPE_CHECKING:
    from storeops.ui.context import PaneContext
    from storeops.ui.video.pane import VideoPane

log = logging.getLogger(__name__)

DEMO_LAYOUT_KEY = "demo"
StreamFactory = Callable[..., LiveStream]


class VideoController(QObject):
    layout_changed = Signal()

    def __init__(
        self,
        view: VideoPane,
        ctx: PaneContext,
        *,
        service: VideoService | None = None,
        snapshot_dir: Path | None = None,
        stream_factory: StreamFactory = LiveStream,
    ) -> None:
        super().__init__(view)
        self.view = view
        self.ctx = ctx
        self.service = service if service is not None else ctx.services.video
        self.snapshot_dir = snapshot_dir or default_snapshot_dir()
        self._make_stream = stream_factory
        self.channels: dict[str, ChannelEntry] = {}
        self.loaded = False
        self.active = False
        self.closed = False
        self.selected = 0
        self._requested: tuple[str, bool] | None = None
        self._last_asked: int | None = None  # the tile of the last channel another pane asked for
        self._loading: asyncio.Task[None] | None = None
        self._streams: dict[int, LiveStream] = {}
        self._closing: list[LiveStream] = []  # closed, their player being freed
        self._relays: dict[int, FrameRelay] = {}
        self._tasks: set[asyncio.Future[Any]] = set()
        layout = self._saved_layout()
        self.assigned: list[str | None] = (layout.tiles + [None] * MAX_TILES)[:MAX_TILES]
        self.view.grid.set_grid(layout.grid)
        self._restored = layout.tiles != [] or self.layout_key in ctx.settings.video_layouts

        grid = view.grid
        for tile in grid.tiles:
            tile.channel_dropped.connect(self.drop)
            tile.activated.connect(self.toggle_enlarged)
            tile.selected.connect(self.select)
            tile.snapshot_requested.connect(self._snapshot_slot)
            tile.clear_requested.connect(self.clear_tile)
        view.grid_chosen.connect(self.set_grid)
        view.snapshot_clicked.connect(lambda: self._snapshot_slot(self.selected))
        view.back_clicked.connect(lambda: self.enlarge(None))
        view.retry_clicked.connect(self.reload)
        view.channel_list.channel_chosen.connect(self.show_channel)
        ctx.stores.stores_changed.connect(self._stores_changed)
        self.select(0)
        # "Open in live view" from another pane (the Cameras pane's double-click): the
        # request that made this pane is pending; later ones arrive by signal.
        self._requests = live_view_requests(ctx)
        self._requests.requested.connect(self._live_view_requested)
        if (pending := self._requests.take_pending()) is not None:
            self.show_channel(pending.channel_uuid, asked_elsewhere=True)

    # ------------------------------------------------------------ life cycle

    def activate(self) -> None:
        if self.closed:
            return
        self.active = True
        if not self.loaded and (self._loading is None or self._loading.done()):
            self._loading = self._spawn(self.load())
        self._sync_streams()

    def deactivate(self) -> None:
        """Hidden: every player stops (no decoding, no network) until shown again."""
        self.active = False
        self.view.grid.enlarge(None)  # no full-screen window left over a hidden pane
        self.view.set_grid_choice(self.view.grid.side, enlarged=False)
        for stream in self._streams.values():
            stream.halt()
        self._refresh_summary()

    def shutdown(self) -> None:
        """Dropped for good: players closed, shared objects no longer heard."""
        if self.closed:
            return
        self.active = False
        self.closed = True
        self.view.grid.enlarge(None)
        with contextlib.suppress(RuntimeError, TypeError):  # never connected, or already gone
            self.ctx.stores.stores_changed.disconnect(self._stores_changed)
        with contextlib.suppress(RuntimeError, TypeError):
            self._requests.requested.disconnect(self._live_view_requested)
        if self._loading is not None:
            self._loading.cancel()
        for relay in self._relays.values():
            relay.closed = True
        for stream in self._streams.values():
            stream.close()
        self._closing += self._streams.values()
        self._streams.clear()

    async def wait_idle(self) -> None:
        """Until the loads and snapshots started so far have ended, and the players
        closed so far are freed (tests, and an orderly exit)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
        closing, self._closing = self._closing, []
        await asyncio.gather(*(s.wait_closed() for s in closing))

    def _spawn(self, coro: Any) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # ------------------------------------------------------------ channels

    def reload(self) -> None:
        if not self.closed and (self._loading is None or self._loading.done()):
            self.loaded = False
            self._loading = self._spawn(self.load())

    async def load(self) -> None:
        self.view.show_message("")
        self.view.set_summary("Loading channels…")
        try:
            async with self.ctx.status.busy("Loading video channels"):
                entries = await self.service.channel_list()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("video channels not loaded: %s", exc)
            self.view.show_message(f"The channel list could not be loaded — {reason(exc)}.", retry=True)
            self.view.set_summary("")
            return
        if self.closed:
            return
        self.channels = {e.channel_uuid: e for e in entries}
        self.loaded = True
        self._show_channel_list()
        self._apply_assignments()
        if not entries:
            self.view.show_message("This account has no video channels.")
        self._sync_streams()
        if self._requested is not None:
            (requested, elsewhere), self._requested = self._requested, None
            self.show_channel(requested, asked_elsewhere=elsewhere)

    def store_name(self, store_uuid: str) -> str:
        store = next((s for s in self.ctx.stores.stores() if s.uuid == store_uuid), None)
        return store.name if store is not None and store.name else f"Store {store_uuid[:8]}"

    def _show_channel_list(self) -> None:
        groups: dict[str, list[ChannelEntry]] = {}
        for entry in self.channels.values():
            groups.setdefault(entry.store_uuid, []).append(entry)
        named = sorted(((self.store_name(u), chs) for u, chs in groups.items()), key=lambda g: g[0].casefold())
        self.view.channel_list.set_channels(named)

    def _stores_changed(self, _stores: object) -> None:
        if self.loaded and not self.closed:
            self._show_channel_list()
            for i, uuid in enumerate(self.assigned):
                entry = self.channels.get(uuid) if uuid else None
                if entry is not None:
                    tile = self.view.grid.tiles[i]
                    tile.title, tile.store = entry.label, self.store_name(entry.store_uuid)
                    tile.update()

    def _apply_assignments(self) -> None:
        """Put the saved channels on their tiles; on a first visit, fill the grid with
        the current store's channels (then others) so the pane shows video at once."""
        if not self._restored:
            current = self.ctx.stores.current()
            first = current.uuid if current is not None else None
            ordered = sorted(self.channels.values(), key=lambda e: e.store_uuid != first)
            count = self.view.grid.count
            self.assigned = ([e.channel_uuid for e in ordered[:count]] + [None] * MAX_TILES)[:MAX_TILES]
            self._restored = True
        for i, uuid in enumerate(self.assigned):
            if uuid is not None and uuid not in self.channels:
                log.info("tile %d: channel %s is no longer in the inventory", i, uuid)
                self.assigned[i] = None
            self._show_assignment(i)
        self.select(self.selected)

    def _show_assignment(self, index: int) -> None:
        tile = self.view.grid.tiles[index]
        uuid = self.assigned[index]
        entry = self.channels.get(uuid) if uuid else None
        if entry is None:
            tile.set_channel(None)
        else:
            tile.set_channel(entry.channel_uuid, entry.label, self.store_name(entry.store_uuid))

    # ------------------------------------------------------------ layout

    @property
    def layout_key(self) -> str:
        if self.ctx.demo:
            return DEMO_LAYOUT_KEY
        return self.ctx.settings.active_profile_id or ""

    def _saved_layout(self) -> VideoLayout:
        return self.ctx.settings.video_layouts.get(self.layout_key) or VideoLayout()

    def _save_layout(self) -> None:
        layouts = dict(self.ctx.settings.video_layouts)
        tiles = list(self.assigned)
        while tiles and tiles[-1] is None:
            tiles.pop()
        layouts[self.layout_key] = VideoLayout(grid=self.view.grid.side, tiles=tiles)
        self.ctx.settings.video_layouts = layouts
        self.ctx.settings.save_in_background()
        self.layout_changed.emit()

    def set_grid(self, side: int) -> None:
        if side not in GRIDS or self.closed:
            return
        self.view.grid.set_grid(side)
        self.view.set_grid_choice(side, enlarged=False)
        if self.selected >= self.view.grid.count:
            self.select(0)
        self._save_layout()
        self._sync_streams()

    def drop(self, index: int, channel_uuid: str, source: int) -> None:
        """A channel dropped on tile `index`: from the list it replaces what played
        there; from another tile the two swap."""
        if self.closed or not 0 <= index < MAX_TILES or channel_uuid not in self.channels:
            return
        if 0 <= source < MAX_TILES and source != index:
            self.assigned[index], self.assigned[source] = self.assigned[source], self.assigned[index]
            self._replace_stream(source)
            self._show_assignment(source)
        elif source == index:
            return
        else:
            self.assigned[index] = channel_uuid
        self._replace_stream(index)
        self._show_assignment(index)
        self.select(index)
        self._save_layout()
        self._sync_streams()

    def show_channel(self, channel_uuid: str, *, asked_elsewhere: bool = False) -> None:
        """Play a channel (double-clicked in the list, or asked for by another pane): in
        the selected tile when it is empty, else the first empty tile, else the selected
        one — or, for channels asked for one after another from another pane (where the
        selection cannot be seen), the tile after the last one asked for, so the second
        does not replace the first."""
        if self.closed:
            return
        if not self.loaded:
            self._requested = (channel_uuid, asked_elsewhere)  # played once the list is there
            return
        if channel_uuid not in self.channels:
            self.view.show_message("That channel is not in this account's video inventory.")
            return
        count = self.view.grid.count
        if self.view.grid.enlarged is not None:
            self.enlarge(None)
        if channel_uuid in self.assigned[:count]:
            self.select(self.assigned.index(channel_uuid))
            return
        target = self.selected if self.selected < count else 0
        if self.assigned[target] is not None:
            empty = next((i for i in range(count) if self.assigned[i] is None), None)
            if empty is not None:
                target = empty
            elif asked_elsewhere and self._last_asked is not None:
                target = (self._last_asked + 1) % count
        if asked_elsewhere:
            self._last_asked = target
        self.drop(target, channel_uuid, -1)

    def _live_view_requested(self, request: LiveViewRequest) -> None:
        if self.closed:
            return
        self._requests.take_pending()  # handled here: not replayed to a later pane
        self.show_channel(request.channel_uuid, asked_elsewhere=True)

    def clear_tile(self, index: int) -> None:
        if self.closed or not 0 <= index < MAX_TILES:
            return
        self.assigned[index] = None
        self._replace_stream(index)
        self._show_assignment(index)
        if self.view.grid.enlarged == index:
            self.enlarge(None)
        self._save_layout()

    def select(self, index: int) -> None:
        self.selected = index
        for tile in self.view.grid.tiles:
            tile.set_selected(tile.index == index)
        self.view.set_snapshot_enabled(self.assigned[index] is not None)

    def toggle_enlarged(self, index: int) -> None:
        self.enlarge(None if self.view.grid.enlarged == index else index)

    def enlarge(self, index: int | None) -> None:
        """One tile full screen (the others stop meanwhile), or the grid back."""
        if self.closed:
            return
        if index is not None and self.assigned[index] is None:
            return
        self.view.grid.enlarge(index)
        self.view.set_grid_choice(self.view.grid.side, enlarged=self.view.grid.enlarged is not None)
        if index is not None:
            self.select(index)
        else:  # back to the grid: the keyboard stays with the tile that was enlarged
            self.view.grid.tiles[self.selected].setFocus(Qt.FocusReason.OtherFocusReason)
        self._sync_streams()

    # ------------------------------------------------------------ players

    def _replace_stream(self, index: int) -> None:
        stream = self._streams.pop(index, None)
        relay = self._relays.pop(index, None)
        if relay is not None:
            relay.closed = True
            relay.deleteLater()
        if stream is not None:
            stream.close()
            self._closing.append(stream)

    def _sync_streams(self) -> None:
        """Exactly the visible tiles with a channel play, and only while shown."""
        visible = {t.index for t in self.view.grid.visible_tiles()} if self.active else set()
        for index in range(MAX_TILES):
            entry = self.channels.get(self.assigned[index] or "")
            stream = self._streams.get(index)
            if index in visible and entry is not None:
                if stream is None:
                    stream = self._new_stream(index, entry)
                if not stream.running:
                    stream.start()
            elif stream is not None and stream.running:
                stream.halt()
        in_view = {t.channel_uuid for t in self.view.grid.visible_tiles() if t.channel_uuid}
        self.view.channel_list.mark_shown(in_view)
        self._refresh_summary()

    def _new_stream(self, index: int, entry: ChannelEntry) -> LiveStream:
        tile = self.view.grid.tiles[index]
        relay = FrameRelay(tile)
        service = self.service

        async def url() -> str:
            return await service.stream_url(entry)

        def on_failure(_why: str, had_picture: bool) -> None:
            if not had_picture:  # perhaps a token the server no longer takes: ask anew
                service.forget_token(entry.store_uuid)

        stream = self._make_stream(
            url,
            on_frame=relay.push,
            on_status=lambda status: self._status(index, status),
            on_failure=on_failure,
        )
        self._streams[index] = stream
        self._relays[index] = relay
        return stream

    def _status(self, index: int, status: StreamStatus) -> None:
        if self.closed:
            return
        tile = self.view.grid.tiles[index]
        detail = ""
        if status.state is StreamState.OFFLINE:
            detail = "The camera or its store's connection may be down; StoreOps keeps trying."
        tile.set_state(status.text, playing=status.state is StreamState.PLAYING, detail=detail)
        if status.reason:
            tile.setToolTip(f"{tile.title} — {tile.store}\nLast problem: {status.reason}")
        self._refresh_summary()

    def stream(self, index: int) -> LiveStream | None:
        return self._streams.get(index)

    def playing_streams(self) -> list[LiveStream]:
        return [s for s in self._streams.values() if s.running]

    def _refresh_summary(self) -> None:
        if not self.loaded:
            return
        states = [s.status.state for s in self._streams.values() if s.running]
        playing = states.count(StreamState.PLAYING)
        offline = states.count(StreamState.OFFLINE)
        connecting = states.count(StreamState.CONNECTING)
        parts = [f"{len(self.channels)} channels"]
        if states:
            parts.append(f"{playing} playing")
        if connecting:
            parts.append(f"{connecting} connecting")
        if offline:
            parts.append(f"{offline} offline")
        self.view.set_summary(" · ".join(parts))

    # ------------------------------------------------------------ snapshots

    def _snapshot_slot(self, index: int) -> None:
        self._spawn(self.snapshot(index))

    async def snapshot(self, index: int) -> Path | None:
        """The tile's picture as a PNG in the snapshot folder; the path, or None."""
        tile = self.view.grid.tiles[index]
        image = tile.image()
        if image is None or not tile.channel_uuid:
            self.ctx.status.info("No picture to save yet in this tile")
            return None
        path = snapshot_path(self.snapshot_dir, tile.store, tile.title, self.ctx.now())
        try:
            await asyncio.to_thread(write_png, image, path)
        except OSError as exc:
            self.ctx.status.error(f"Snapshot not saved — {exc}")
            return None
        self.ctx.status.info(f"Snapshot saved: {path}")
        return path
