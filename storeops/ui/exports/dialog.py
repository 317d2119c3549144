"""The "New video export" dialog: channels of one store (at most 16, all from one
recorder), start and end in the store's own time with quick picks, overlays, raw, and a
resolution for a tiled export. Each rule's message shows beside its field; the dialog
only lays out and checks: the controller sends the request (`submitted`) and answers
with `done()` or `failed(message)`, so a refusal leaves every choice in place."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDateTime, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from storeops.api.models import ExportRequest, Location
from storeops.services.exports import ChannelRef
from storeops.ui.exports.validation import channels_problem, resolution_problem, resolution_value, times_problem

UUID_ROLE = Qt.ItemDataRole.UserRole
ERROR_STYLE = "color: #b3261e;"
QUICK_MINUTES = (5, 15, 60)
AROUND_MINUTES = (1, 2, 5, 10, 15, 30)
DEFAULT_RESOLUTION = "1024x768"


def _qt(value: datetime) -> QDateTime:
    """A store-local wall time for a QDateTimeEdit (no zone of its own: it shows what it is given)."""
    return QDateTime(value.year, value.month, value.day, value.hour, value.minute, value.second)


def _local(value: QDateTime, tz: ZoneInfo) -> datetime:
    d, t = value.date(), value.time()
    return datetime(d.year(), d.month(), d.day(), t.hour(), t.minute(), t.second(), tzinfo=tz)


class ExportDialog(QDialog):
    submitted = Signal(object, object)  # ExportRequest, list[ChannelRef]

    def __init__(self, store: Location, now: datetime | Callable[[], datetime], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"New video export — {store.name}")
        self.setObjectName("ExportDialog")
        self.store = store
        self.tz = ZoneInfo(store.time_zone or "UTC")
        # The clock itself, not a reading: the dialog may stay open while time passes.
        self._clock: Callable[[], datetime] = now if callable(now) else (lambda: now)
        self._channels: list[ChannelRef] = []
        self._tried = False  # "choose a channel" only once the user tried to send

        self.channel_list = QListWidget()
        self.channel_list.setMinimumHeight(180)
        self.channel_list.setAccessibleName("Channels")
        self.channel_list.itemChanged.connect(lambda _i: self._check())
        self.channel_count = QLabel("Loading channels…")
        self.channel_error = self._error_label()

        self.start = QDateTimeEdit()
        self.end = QDateTimeEdit()
        for edit in (self.start, self.end):
            edit.setDisplayFormat("ddd d MMM yyyy  HH:mm:ss")
            edit.setCalendarPopup(True)
            edit.dateTimeChanged.connect(lambda _v: self._check())
        self.start.setAccessibleName("Start (store time)")
        self.end.setAccessibleName("End (store time)")
        self.time_error = self._error_label()

        quick = QHBoxLayout()
        quick.addWidget(QLabel("Last"))
        self.quick_buttons: dict[int, QPushButton] = {}
        for minutes in QUICK_MINUTES:
            button = QPushButton(f"{minutes} min")
            button.setToolTip(f"The last {minutes} minutes, up to now (store time)")
            button.clicked.connect(lambda _c=False, m=minutes: self.pick_last(m))
            quick.addWidget(button)
            self.quick_buttons[minutes] = button
        quick.addSpacing(16)
        quick.addWidget(QLabel("Around"))
        self.around = QDateTimeEdit()
        self.around.setDisplayFormat("HH:mm")
        self.around.setAccessibleName("Around this time (store time)")
        self.around_span = QComboBox()
        for minutes in AROUND_MINUTES:
            self.around_span.addItem(f"± {minutes} min", minutes)
        self.around_span.setCurrentIndex(AROUND_MINUTES.index(5))
        self.around_button = QPushButton("Use")
        self.around_button.setToolTip("Start and end around the chosen time")
        self.around_button.clicked.connect(self.pick_around)
        quick.addWidget(self.around)
        quick.addWidget(self.around_span)
        quick.addWidget(self.around_button)
        quick.addStretch(1)

        self.analytics = QCheckBox("Analytics overlay (traffic lines, tracks)")
        self.info = QCheckBox("Info overlay (camera name, time)")
        self.raw = QCheckBox("Raw (best quality, larger file)")
        self.resolution = QLineEdit(DEFAULT_RESOLUTION)
        self.resolution.setPlaceholderText(DEFAULT_RESOLUTION)
        self.resolution.setAccessibleName("Resolution")
        self.resolution.textChanged.connect(lambda _t: self._check())
        self.resolution_note = QLabel()
        self.resolution_note.setStyleSheet("color: #5b6470;")
        self.resolution_error = self._error_label()

        self.server_error = self._error_label()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok = self.buttons.addButton("Start export", QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)

        form = QFormLayout()
        channels_box = QVBoxLayout()
        channels_box.addWidget(self.channel_list)
        channels_box.addWidget(self.channel_count)
        channels_box.addWidget(self.channel_error)
        form.addRow("Channels", channels_box)
        zone_note = QLabel(f"Times are the store's local time ({self.tz.key}).")
        zone_note.setStyleSheet("color: #5b6470;")
        form.addRow("", zone_note)
        form.addRow("Start", self.start)
        form.addRow("End", self.end)
        form.addRow("", self.time_error)
        form.addRow("Quick pick", quick)
        form.addRow("Overlays", self.analytics)
        form.addRow("", self.info)
        form.addRow("Quality", self.raw)
        res = QVBoxLayout()
        res.addWidget(self.resolution)
        res.addWidget(self.resolution_note)
        res.addWidget(self.resolution_error)
        form.addRow("Resolution", res)

        box = QVBoxLayout(self)
        box.addLayout(form)
        box.addWidget(self.server_error)
        box.addWidget(self.buttons)
        self.resize(620, 640)

        self.around.setDateTime(_qt(self.local_now() - timedelta(minutes=10)))
        self.pick_last(5)

    @staticmethod
    def _error_label() -> QLabel:
        label = QLabel()
        label.setStyleSheet(ERROR_STYLE)
        label.setWordWrap(True)
        label.hide()
        return label

    # ------------------------------------------------------------ channels

    def set_channels(self, channels: list[ChannelRef]) -> None:
        """The store's channels, each labelled with its recorder (several may exist)."""
        self._channels = list(channels)
        recorders: dict[str, int] = {}
        for c in channels:
            if c.appliance_id and c.appliance_id not in recorders:
                recorders[c.appliance_id] = len(recorders) + 1
        self.channel_list.blockSignals(True)
        self.channel_list.clear()
        for c in channels:
            where = f"recorder {recorders[c.appliance_id]}" if c.appliance_id else "cloud camera"
            item = QListWidgetItem(f"{c.name}  ·  {where}")
            item.setData(UUID_ROLE, c.uuid)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsSelectable)
            item.setCheckState(Qt.CheckState.Unchecked)
            item.setToolTip(
                f"{c.name} — channel {c.uuid}" + (f", appliance {c.appliance_id}" if c.appliance_id else "")
            )
            self.channel_list.addItem(item)
        self.channel_list.blockSignals(False)
        if not channels:
            self.channel_count.setText("This store has no video channels.")
        self._check()

    def channels_failed(self, message: str) -> None:
        self.channel_count.setText(message)

    def set_checked(self, uuids: list[str]) -> None:
        wanted = set(uuids)
        for i in range(self.channel_list.count()):
            item = self.channel_list.item(i)
            item.setCheckState(Qt.CheckState.Checked if item.data(UUID_ROLE) in wanted else Qt.CheckState.Unchecked)

    def chosen(self) -> list[ChannelRef]:
        by_uuid = {c.uuid: c for c in self._channels}
        out = []
        for i in range(self.channel_list.count()):
            item = self.channel_list.item(i)
            if item.checkState() == Qt.CheckState.Checked and item.data(UUID_ROLE) in by_uuid:
                out.append(by_uuid[item.data(UUID_ROLE)])
        return out

    # ------------------------------------------------------------ times

    def local_now(self) -> datetime:
        return self._clock().astimezone(self.tz).replace(microsecond=0)

    def pick_last(self, minutes: int) -> None:
        end = self.local_now().replace(second=0)
        self.set_period(end - timedelta(minutes=minutes), end)

    def pick_around(self) -> None:
        centre = _local(self.around.dateTime(), self.tz)
        span = timedelta(minutes=int(self.around_span.currentData()))
        end = min(centre + span, self.local_now())
        self.set_period(min(centre - span, end - timedelta(seconds=1)), end)

    def set_period(self, start: datetime, end: datetime) -> None:
        self.start.setDateTime(_qt(start.astimezone(self.tz)))
        self.end.setDateTime(_qt(end.astimezone(self.tz)))
        self._check()

    def period(self) -> tuple[datetime, datetime]:
        return _local(self.start.dateTime(), self.tz), _local(self.end.dateTime(), self.tz)

    # ------------------------------------------------------------ checks

    def problems(self) -> dict[str, str]:
        chosen = self.chosen()
        start, end = self.period()
        found = {
            "channels": channels_problem(chosen) if self._channels else "Loading channels…",
            "times": times_problem(start, end, self._clock()),
            "resolution": resolution_problem(self.resolution.text(), len(chosen)),
        }
        return {k: v for k, v in found.items() if v}

    def _check(self) -> bool:
        found = self.problems()
        chosen = len(self.chosen())
        if self._channels:
            self.channel_count.setText(f"{chosen} of {len(self._channels)} chosen (at most 16, from one recorder)")
        for key, label in (
            ("channels", self.channel_error),
            ("times", self.time_error),
            ("resolution", self.resolution_error),
        ):
            message = found.get(key, "")
            if key == "channels" and chosen == 0 and not self._tried:
                message = ""
            label.setText(message)
            label.setVisible(bool(message))
        tiled = chosen > 1
        self.resolution.setEnabled(tiled)
        self.resolution_note.setText(
            "The channels are tiled into one picture of this size."
            if tiled
            else "Applies when several channels are tiled into one picture."
        )
        self.server_error.hide()
        shown = {k for k in found if not (k == "channels" and chosen == 0 and not self._tried)}
        self.ok.setEnabled(not shown)
        return not found

    def _submit(self) -> None:
        self._tried = True
        if not self._check():
            return
        chosen = self.chosen()
        start, end = self.period()
        request = ExportRequest(
            channels=[c.uuid for c in chosen],
            start=start,
            end=end,
            analytics_overlay=self.analytics.isChecked(),
            info_overlay=self.info.isChecked(),
            raw=self.raw.isChecked(),
            resolution=resolution_value(self.resolution.text()) if len(chosen) > 1 else None,
        )
        self.set_busy(True)
        self.submitted.emit(request, chosen)

    def set_busy(self, busy: bool) -> None:
        self.ok.setEnabled(not busy)
        self.ok.setText("Starting…" if busy else "Start export")

    def failed(self, message: str) -> None:
        """The server refused: say why, keep every choice."""
        self.set_busy(False)
        self.server_error.setText(message)
        self.server_error.show()

    def done_ok(self) -> None:
        self.accept()
