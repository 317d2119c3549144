"""Drives the Exports pane from ExportsService: polls the list's status while the pane is
shown, opens the export and custom-export dialogs, and runs downloads, cancels, deletes
and evidence packs (downloads and packs are app jobs: they go on when the pane is
hidden, and the status bar shows them). The view (pane.py) never calls the service."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from datetime import timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog
from shiboken6 import isValid

from storeops.api.errors import ApiError
from storeops.api.models import ExportRequest, ExportState, Location
from storeops.services.exports import ChannelRef, DownloadState, ExportKind, ExportsService
from storeops.services.jobs import Job, JobState
from storeops.services.wording import reason
from storeops.ui.exports.custom_dialog import CustomExportsDialog
from storeops.ui.exports.dialog import ExportDialog
from storeops.ui.exports.pane import ExportsPane
from storeops.ui.question import Confirm, ask_destructive

log = logging.getLogger(__name__)

OpenUrl = Callable[[QUrl], bool]


class ExportsController(QObject):
    def __init__(
        self,
        view: ExportsPane,
        ctx: Any,
        *,
        service: ExportsService | None = None,
        confirm: Confirm | None = None,
        open_url: OpenUrl = QDesktopServices.openUrl,
    ) -> None:
        super().__init__(view)
        self.view = view
        self.ctx = ctx
        self.service: ExportsService = service or ctx.services.exports
        folder = getattr(ctx.settings, "download_dir", None)
        if folder and service is None:
            self.service.download_dir = Path(folder)
        self.confirm: Confirm = confirm or ask_destructive
        self.open_url = open_url
        self.dialog: ExportDialog | None = None
        self.custom_dialog: CustomExportsDialog | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._poll: asyncio.Task[None] | None = None
        self._stop: asyncio.Event | None = None
        self._shut = False
        self._unsubscribe = self.service.subscribe(self._on_change)

        view.visibility_changed.connect(self._on_visibility)
        view.shutdown_requested.connect(self.shutdown)
        view.refresh_requested.connect(self.refresh)
        view.new_export_requested.connect(self.open_export_dialog)
        view.custom_requested.connect(self.open_custom_dialog)
        view.folder_requested.connect(self.choose_folder)
        view.download_requested.connect(self.download)
        view.cancel_requested.connect(self.cancel)
        view.delete_requested.connect(lambda i: self._spawn(self.delete(i)))
        view.show_requested.connect(self.show_in_folder)
        view.evidence_requested.connect(self.evidence_pack)
        self._show_folder()
        self._spawn(self.service.load())

    # ------------------------------------------------------------ lifecycle

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._ended)
        return task

    def _ended(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and (exc := task.exception()) is not None:
            if isinstance(exc, ApiError | OSError):
                self.ctx.status.error(f"Exports: {reason(exc)}")
            else:
                log.error("exports pane task failed", exc_info=exc)

    def _on_visibility(self, shown: bool) -> None:
        if shown:
            self.start()
        else:
            self.stop()

    def start(self) -> None:
        if self._shut or (self._poll is not None and not self._poll.done()):
            return
        self._stop = asyncio.Event()
        self._poll = self._spawn(self._run(self._stop))

    def stop(self) -> None:
        if self._stop is not None:
            self._stop.set()

    @property
    def polling(self) -> bool:
        return self._poll is not None and not self._poll.done()

    async def _run(self, stop: asyncio.Event) -> None:
        await self.service.load()
        await self.service.run(stop)

    def refresh(self) -> None:
        self.service.refresh()
        self.start()

    def shutdown(self) -> None:
        if self._shut:
            return
        self._shut = True
        self.stop()
        self._unsubscribe()
        for dialog in (self.dialog, self.custom_dialog):
            if dialog is not None and isValid(dialog):
                dialog.close()
        for task in list(self._tasks):
            if task is not self._poll:
                task.cancel()

    async def wait_idle(self) -> None:
        if self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    # ------------------------------------------------------------ list

    def _on_change(self, entry_id: str | None) -> None:
        if self._shut or not isValid(self.view):
            return
        if entry_id is None:
            self.view.set_entries(self.service.entries())
        else:
            self.view.model.entry_changed(entry_id)
        self.view.set_summary(self.summary())

    def summary(self) -> str:
        entries = self.service.entries()
        if not entries:
            return ""
        counts = {
            "preparing": sum(e.status is ExportState.IN_PROGRESS for e in entries),
            "downloading": sum(e.download is DownloadState.RUNNING for e in entries),
            "paused": sum(e.download is DownloadState.PAUSED for e in entries),
            "ready to download": sum(
                e.status is ExportState.READY and e.download in (DownloadState.NONE, DownloadState.FAILED)
                for e in entries
            ),
            "saved": sum(e.download is DownloadState.DONE for e in entries),
            "failed": sum(e.status is ExportState.FAILED for e in entries),
        }
        parts = [f"{len(entries)} export{'s' if len(entries) != 1 else ''}"]
        parts += [f"{n} {word}" for word, n in counts.items() if n]
        return " · ".join(parts)

    def _show_folder(self) -> None:
        folder = self.service.download_dir
        home = Path.home()
        shown = f"~/{folder.relative_to(home)}" if folder.is_relative_to(home) else str(folder)
        self.view.set_folder(f"Files go to {shown}", str(folder))

    # ------------------------------------------------------------ new export

    def open_export_dialog(self) -> ExportDialog | None:
        store = self.ctx.stores.current()
        if store is None:
            self.ctx.status.error("Choose a store first: an export is of one store's cameras.")
            return None
        if self.dialog is not None and isValid(self.dialog) and self.dialog.isVisible():
            self.dialog.raise_()
            return self.dialog
        dialog = ExportDialog(store, self.ctx.now, self.view)
        dialog.submitted.connect(lambda req, chosen: self._spawn(self.start_export(dialog, store, req, chosen)))
        dialog.finished.connect(lambda _r: dialog.deleteLater())
        self.dialog = dialog
        dialog.open()
        self._spawn(self._load_channels(dialog, store))
        return dialog

    async def _load_channels(self, dialog: ExportDialog, store: Location) -> None:
        try:
            channels = await self.service.store_channels(store.uuid)
        except ApiError as exc:
            if isValid(dialog):
                dialog.channels_failed(f"Channels not loaded — {reason(exc)}.")
            return
        if isValid(dialog):
            dialog.set_channels(channels)

    async def start_export(
        self, dialog: ExportDialog | None, store: Location, request: ExportRequest, chosen: list[ChannelRef]
    ) -> bool:
        try:
            async with self.ctx.status.busy("Starting an export"):
                entry = await self.service.start_export(request, store, chosen)
        except ApiError as exc:
            if dialog is not None and isValid(dialog):
                dialog.failed(f"Not started — {reason(exc)}.")
            else:
                self.ctx.status.error(f"Export not started — {reason(exc)}.")
            return False
        if dialog is not None and isValid(dialog):
            dialog.done_ok()
        if isValid(self.view):
            self.view.select(entry.id)
        self.ctx.status.info(f"Export started: {entry.title}; StoreOps checks when it is ready.")
        self.service.refresh()
        return True

    # ------------------------------------------------------------ custom exports

    def open_custom_dialog(self) -> CustomExportsDialog:
        dialog = CustomExportsDialog(self.view)
        dialog.chosen.connect(lambda files: self._spawn(self.add_custom(dialog, files)))
        dialog.finished.connect(lambda _r: dialog.deleteLater())
        self.custom_dialog = dialog
        dialog.open()
        self._spawn(self._list_custom(dialog))
        return dialog

    async def _list_custom(self, dialog: CustomExportsDialog) -> None:
        try:
            files = await self.service.list_custom()
        except ApiError as exc:
            if isValid(dialog):
                dialog.failed(f"The list could not be read — {reason(exc)}.")
            return
        if isValid(dialog):
            dialog.set_files(files)

    async def add_custom(self, dialog: CustomExportsDialog | None, files: list[str]) -> None:
        entry = None
        for file in files:
            entry = await self.service.add_custom(file)
            self.service.download(entry.id)
        if entry is not None and isValid(self.view):
            self.view.select(entry.id)
        if dialog is not None and isValid(dialog):
            dialog.accept()

    # ------------------------------------------------------------ actions

    def download(self, entry_id: str) -> Job | None:
        job = self.service.download(entry_id)
        if job is not None:
            self.view.update_actions()
            # The clicked button is now disabled: focus must not slide onto "Delete…".
            self.view.table.setFocus()
        return job

    def cancel(self, entry_id: str) -> None:
        if self.service.cancel(entry_id):
            self.view.table.setFocus()  # not onto "Delete…", next to the disabled button
            self.ctx.status.info("Download paused; “Resume download” continues where it stopped.")

    async def delete(self, entry_id: str) -> bool:
        entry = self.service.entry(entry_id)
        if entry is None:
            return False
        saved = entry.download is DownloadState.DONE
        on_server = entry.kind is ExportKind.VIDEO and entry.status is not ExportState.EXPIRED
        question = (
            f"Delete “{entry.title}” from the server and from this list?"
            if on_server
            else f"Remove “{entry.title}” from this list?"
        ) + ("\n\nThe file you downloaded stays where it is." if saved else "")
        if not await self.confirm(self.view, "Delete export", question, "Delete"):
            return False
        try:
            await self.service.delete(entry_id)
        except ApiError as exc:
            self.ctx.status.error(f"Not deleted — {reason(exc)}.")
            return False
        self.ctx.status.info(f"Deleted: {entry.title}")
        return True

    def show_in_folder(self, entry_id: str) -> bool:
        entry = self.service.entry(entry_id)
        if entry is None or entry.download is not DownloadState.DONE or not entry.dest:
            return False
        return bool(self.open_url(QUrl.fromLocalFile(str(Path(entry.dest).parent))))

    def evidence_pack(self, entry_id: str) -> Job | None:
        entry = self.service.entry(entry_id)
        if entry is None:
            return None
        job = self.service.evidence_pack(entry_id)
        self._spawn(self._tell_when_packed(job))
        return job

    async def _tell_when_packed(self, job: Job) -> None:
        await job.wait()
        if job.state is JobState.DONE:
            self.ctx.status.info(f"Evidence pack saved: {job.result}")
            with contextlib.suppress(RuntimeError):
                self.open_url(QUrl.fromLocalFile(str(Path(job.result).parent)))

    def choose_folder(self) -> QFileDialog:
        dialog = QFileDialog(self.view, "Folder for exports", str(self.service.download_dir))
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
        dialog.fileSelected.connect(self.set_folder)
        dialog.finished.connect(lambda _r: dialog.deleteLater())
        dialog.open()
        return dialog

    def set_folder(self, folder: str) -> None:
        if not folder:
            return
        self.service.download_dir = Path(folder)
        with contextlib.suppress(AttributeError, ValueError):
            self.ctx.settings.download_dir = folder
            self.ctx.settings.save_in_background()
        self._show_folder()

    # ------------------------------------------------------------ demo (screenshot)

    async def demo_list(self) -> None:
        """The screenshot's list, made for real against the demo chain: a ready export
        downloaded, one ready to download, one the server is preparing, one refused (no
        recordings that long ago). An existing list is shown as it is."""
        await self.service.load()
        if self.service.entries():
            return
        # The current store first, else the first few of the chain: one whose recorder has
        # several channels shows a tiled export too.
        current = self.ctx.stores.current()
        stores = ([current] if current is not None else []) + self.ctx.stores.stores()[:6]
        store: Location | None = None
        recorded: list[ChannelRef] = []
        for candidate in stores:
            channels = [c for c in await self.service.store_channels(candidate.uuid) if c.appliance_id]
            same = [c for c in channels if c.appliance_id == channels[0].appliance_id] if channels else []
            if len(same) > len(recorded):
                store, recorded = candidate, same
            if len(recorded) >= 4:
                break
        if store is None:
            return
        now = self.ctx.now().replace(second=0, microsecond=0)

        async def export(chosen: list[ChannelRef], start_ago: timedelta, length: timedelta, **kw: Any) -> str:
            request = ExportRequest(
                channels=[c.uuid for c in chosen], start=now - start_ago, end=now - start_ago + length, **kw
            )
            return (await self.service.start_export(request, store, chosen)).id

        # Short clips render in a few seconds; the refused one first (it fails at once).
        await export(recorded[:1], timedelta(days=120), timedelta(minutes=5))
        saved = await export(recorded[:1], timedelta(minutes=45), timedelta(minutes=1), info_overlay=True)
        ready = await export(
            recorded[-2:], timedelta(minutes=20), timedelta(minutes=1), analytics_overlay=True, resolution="640x360"
        )
        for entry_id in (saved, ready):
            while (e := self.service.entry(entry_id)) is not None and e.status is ExportState.IN_PROGRESS:
                await asyncio.sleep(0.2)
                await self.service.check(entry_id)
        job = self.service.download(saved)
        if job is not None:
            await job.wait()
        await export(recorded[:4], timedelta(minutes=60), timedelta(minutes=30), analytics_overlay=True)
        await self.service.poll_due()
        if isValid(self.view):
            self.view.select(ready)
