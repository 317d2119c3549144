"""The details form of the selected location: fields, per-field messages,
Save / Revert. It only lays out and validates; the pane sends.

A field's problem is shown in red right under it and the field is outlined;
nothing leaves the form until every field is fine.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from storeops.api.models import Location, LocationUpdate
from storeops.services.locations import (
    SUBLOCATION_TYPE_ORDER,
    LocationTree,
    NodeKind,
    type_label,
)
from storeops.ui.locations import validation
from storeops.ui.locations.icons import location_icon

_INVALID_STYLE = "border: 2px solid #c62828; border-radius: 3px; padding: 1px;"
_ERROR_LABEL_STYLE = "color: #c62828;"
_FIELDS = ("name", "location_type", "area", "occupancy_limit", "aggregate_to_parent", "aggregate_to_store")


def format_area(area: float | None) -> str:
    if area is None:
        return ""
    # Thousands separated, as a store manager reads floor areas; parsing accepts it back.
    return f"{area:,.10g}" if abs(area) < 1e15 else str(area)


def format_count(value: int | None) -> str:
    """Counts are written as areas are (1,000 beside 6,427); parsing accepts both."""
    return "" if value is None else f"{value:,}"


class Banner(QFrame):
    """A message strip with a close button: errors stay until read. It may carry
    one action (the Undo after a save)."""

    action_triggered = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("locationsBanner")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 6, 6, 6)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.label, 1)
        self.action_button = QPushButton()
        self.action_button.hide()
        self.action_button.clicked.connect(self.action_triggered)
        layout.addWidget(self.action_button, 0, Qt.AlignmentFlag.AlignTop)
        close = QPushButton("Dismiss")
        close.setFlat(True)
        close.clicked.connect(self.hide)
        layout.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        self.hide()

    def show_message(self, text: str, *, error: bool = True, action: str | None = None) -> None:
        color, border = ("#fdecea", "#c62828") if error else ("#e8f5e9", "#2e7d32")
        self.setStyleSheet(
            f"#locationsBanner {{ background: {color}; border: 1px solid {border}; border-radius: 4px; }}"
        )
        self.label.setText(text)
        self.action_button.setText(action or "")
        self.action_button.setVisible(bool(action))
        self.show()

    def text(self) -> str:
        return self.label.text() if self.isVisible() else ""


class DetailsForm(QWidget):
    save_requested = Signal(str, object)  # uuid, LocationUpdate (validated, only what changed)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._node: Location | None = None
        self._tree: LocationTree | None = None
        self._kind = NodeKind.UNKNOWN
        self._pending = False
        self._read_only = False
        self._focus_after_save: QWidget | None = None

        outer = QVBoxLayout(self)
        outer.setContentsMargins(8, 4, 8, 8)

        header = QHBoxLayout()
        self.icon = QLabel()
        self.icon.setFixedSize(32, 32)
        header.addWidget(self.icon)
        titles = QVBoxLayout()
        self.title = QLabel("No location selected")
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.title.setFont(font)
        self.path = QLabel("Pick a location in the tree to see and edit its details.")
        self.path.setWordWrap(True)
        self.path.setStyleSheet("color: #616161;")
        titles.addWidget(self.title)
        titles.addWidget(self.path)
        header.addLayout(titles, 1)
        outer.addLayout(header)

        self.banner = Banner(self)
        outer.addWidget(self.banner)
        # Archived places are history: shown, never edited (the API would take the edit).
        self.archived_note = QLabel(
            "Archived — read only. This location is closed; its details are kept "
            "for reports and cannot be changed here."
        )
        self.archived_note.setObjectName("ArchivedNote")
        self.archived_note.setWordWrap(True)
        self.archived_note.setStyleSheet(
            "#ArchivedNote { background: #eceff1; color: #37474f; border: 1px solid #90a4ae;"
            " border-radius: 4px; padding: 6px; font-weight: 600; }"
        )
        self.archived_note.hide()
        outer.addWidget(self.archived_note)

        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        outer.addLayout(self.form)

        self.name_edit = QLineEdit()
        self.name_edit.setMaxLength(1000)  # longer than allowed so the message can say so
        self.type_combo = QComboBox()
        self.area_edit = QLineEdit()
        self.area_edit.setPlaceholderText("not set")
        self.occupancy_edit = QLineEdit()
        self.occupancy_edit.setPlaceholderText("not set")
        self.aggregate_parent_check = QCheckBox("Counts add up to the parent location")
        self.aggregate_store_check = QCheckBox("Counts add up to the whole store")
        self.time_zone_label = QLabel()
        self.store_id_label = QLabel()
        for label in (self.time_zone_label, self.store_id_label):
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self._errors: dict[str, QLabel] = {}
        self._inputs: dict[str, QWidget] = {
            "name": self.name_edit,
            "location_type": self.type_combo,
            "area": self.area_edit,
            "occupancy_limit": self.occupancy_edit,
            "aggregate_to_parent": self.aggregate_parent_check,
            "aggregate_to_store": self.aggregate_store_check,
        }
        self._rows: dict[str, QWidget] = {}
        self._add_row("name", "Name", self.name_edit)
        self._add_row("location_type", "Type", self.type_combo)
        self._add_row("area", "Area (sq ft)", self.area_edit)
        self._add_row("occupancy_limit", "Occupancy limit", self.occupancy_edit, suffix="people")
        self._add_row("aggregate_to_parent", "Aggregation", self.aggregate_parent_check)
        self._add_row("aggregate_to_store", "", self.aggregate_store_check)
        self._add_row("time_zone", "Time zone", self.time_zone_label)
        self._add_row("store_id", "Store ID", self.store_id_label)

        buttons = QHBoxLayout()
        self.state_label = QLabel()
        self.state_label.setStyleSheet("color: #5d4037; font-style: italic;")
        buttons.addWidget(self.state_label, 1)
        self.revert_button = QPushButton("Revert")
        self.revert_button.setToolTip("Put back the values last read from the server")
        self.save_button = QPushButton("Save")
        self.save_button.setDefault(True)
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.save_button)
        outer.addLayout(buttons)
        outer.addStretch(1)
        self.tips = QLabel(
            "Tips: drag a location onto a store or region to move it (or use Move to…). "
            "F2 renames in the tree, F5 reads everything again. Areas and entrances belong to a store; "
            "stores themselves are added by RetailNext."
        )
        self.tips.setWordWrap(True)
        self.tips.setStyleSheet("color: #757575;")
        outer.addWidget(self.tips)

        self.save_button.clicked.connect(self.submit)
        self.revert_button.clicked.connect(self.revert)
        for edit in (self.name_edit, self.area_edit, self.occupancy_edit):
            edit.textEdited.connect(self._on_edited)
            edit.returnPressed.connect(self.submit)
        self.type_combo.activated.connect(self._on_edited)
        self.aggregate_parent_check.toggled.connect(self._on_edited)
        self.aggregate_store_check.toggled.connect(self._on_edited)
        self.clear()

    def _add_row(self, field: str, label: str, widget: QWidget, suffix: str | None = None) -> None:
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(1)
        if suffix:
            line = QHBoxLayout()
            line.addWidget(widget, 1)
            line.addWidget(QLabel(suffix))
            column.addLayout(line)
        else:
            column.addWidget(widget)
        error = QLabel()
        error.setStyleSheet(_ERROR_LABEL_STYLE)
        error.setWordWrap(True)
        error.setObjectName(f"error_{field}")
        error.hide()
        column.addWidget(error)
        self._errors[field] = error
        self._rows[field] = box
        self.form.addRow(label, box)
        box.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    # ------------------------------------------------------------ showing a node

    @property
    def node(self) -> Location | None:
        return self._node

    @property
    def uuid(self) -> str | None:
        return self._node.uuid if self._node else None

    def clear(self) -> None:
        self._node = None
        self._read_only = False
        self.archived_note.hide()
        self.title.setText("No location selected")
        self.path.setText("Pick a location in the tree to see and edit its details.")
        self.icon.clear()
        self.banner.hide()
        self.clear_errors()
        for field in (
            "name",
            "location_type",
            "area",
            "occupancy_limit",
            "aggregate_to_parent",
            "aggregate_to_store",
            "time_zone",
            "store_id",
        ):
            self.form.setRowVisible(self._rows[field], False)
        self.save_button.setEnabled(False)
        self.revert_button.setEnabled(False)
        self.state_label.clear()

    def load(self, node: Location, tree: LocationTree, *, pending: bool = False) -> None:
        """Show `node` as the server has it (edits in the form are dropped)."""
        self._node = node
        self._tree = tree
        self._kind = tree.kind(node)
        kind_name = "organization" if self._kind is NodeKind.ORGANIZATION else (node.location_type or "other")
        self.icon.setPixmap(location_icon(kind_name).pixmap(32, 32))
        self.title.setText(node.name or "(no name)")
        label = type_label(kind_name)
        where = tree.path(node.uuid)
        self.path.setText(f"{label}{' · archived' if node.archived else ''} — {where}")
        self.banner.hide()
        self.clear_errors()
        self._read_only = tree.is_archived_here(node.uuid)
        self.archived_note.setVisible(self._read_only)

        sub = self._kind is NodeKind.SUBLOCATION
        store = self._kind is NodeKind.STORE
        self.name_edit.setText(node.name)
        self.name_edit.setReadOnly(self._kind is NodeKind.ORGANIZATION or self._read_only)
        self.type_combo.clear()
        if sub:
            for t in SUBLOCATION_TYPE_ORDER:
                self.type_combo.addItem(location_icon(str(t)), type_label(t), str(t))
            self.type_combo.setCurrentIndex(max(0, self.type_combo.findData(node.location_type)))
            self.type_combo.setToolTip("A sublocation can become another kind of sublocation")
        else:
            self.type_combo.addItem(location_icon(kind_name), label, node.location_type)
            self.type_combo.setToolTip("Only sublocations can change type")
        self.type_combo.setEnabled(sub)
        self.area_edit.setText(format_area(node.area))
        self.occupancy_edit.setText(format_count(node.occupancy_limit))
        self.aggregate_parent_check.setChecked(bool(node.aggregate_to_parent))
        self.aggregate_store_check.setChecked(bool(node.aggregate_to_store))

        owner = tree.store_of(node.uuid)
        tz = owner.time_zone if owner else None
        sid = owner.store_id if owner else None
        of_store = f"  (of store {owner.name})" if owner is not None and owner.uuid != node.uuid else ""
        self.time_zone_label.setText((tz or "—") + (of_store if tz else ""))
        self.store_id_label.setText((sid or "—") + (of_store if sid else ""))

        visible = {
            "name": True,
            "location_type": True,
            "area": sub or store,
            "occupancy_limit": store,
            "aggregate_to_parent": sub,
            "aggregate_to_store": sub,
            "time_zone": owner is not None,
            "store_id": owner is not None,
        }
        for field, shown in visible.items():
            self.form.setRowVisible(self._rows[field], shown)
        self.set_pending(pending)

    def set_pending(self, pending: bool, marker: str = "Saving…") -> None:
        self._pending = pending
        focused = QApplication.focusWidget()
        if pending and focused is not None and self.isAncestorOf(focused):
            # Disabling the focused field would push focus to the next control in
            # the window (the store selector), where the next keys change the store.
            # Park it on the form while saving and give it back afterwards.
            self._focus_after_save = focused
            self.setFocus(Qt.FocusReason.OtherFocusReason)
        editable = self._node is not None and not pending and not self._read_only
        for field in _FIELDS:
            widget = self._inputs[field]
            widget.setEnabled(editable and (field != "location_type" or self._kind is NodeKind.SUBLOCATION))
        can_edit = editable and self._kind is not NodeKind.ORGANIZATION
        self.save_button.setEnabled(can_edit)
        self.revert_button.setEnabled(can_edit)
        font = self.name_edit.font()
        font.setItalic(pending)
        for edit in (self.name_edit, self.area_edit, self.occupancy_edit):
            edit.setFont(font)
        self.state_label.setText(marker if pending else "")
        back = self._focus_after_save
        if not pending and back is not None:
            self._focus_after_save = None
            if QApplication.focusWidget() is self and back.isEnabled():
                back.setFocus(Qt.FocusReason.OtherFocusReason)

    @property
    def pending(self) -> bool:
        return self._pending

    @property
    def read_only(self) -> bool:
        return self._read_only

    def revert(self) -> None:
        if self._node is not None and self._tree is not None:
            self.load(self._node, self._tree)

    # ------------------------------------------------------------ edits

    def raw_values(self) -> dict[str, Any]:
        """What the user typed, as typed: kept when they look elsewhere."""
        return {
            "name": self.name_edit.text(),
            "location_type": self.type_combo.currentData(),
            "area": self.area_edit.text(),
            "occupancy_limit": self.occupancy_edit.text(),
            "aggregate_to_parent": self.aggregate_parent_check.isChecked(),
            "aggregate_to_store": self.aggregate_store_check.isChecked(),
        }

    def restore_raw(self, values: dict[str, Any]) -> None:
        self.name_edit.setText(values["name"])
        index = self.type_combo.findData(values["location_type"])
        if index >= 0:
            self.type_combo.setCurrentIndex(index)
        self.area_edit.setText(values["area"])
        self.occupancy_edit.setText(values["occupancy_limit"])
        self.aggregate_parent_check.setChecked(values["aggregate_to_parent"])
        self.aggregate_store_check.setChecked(values["aggregate_to_store"])
        self.state_label.setText("Unsaved changes")

    def is_dirty(self) -> bool:
        if self._node is None or self._read_only:
            return False
        node = self._node
        raw = self.raw_values()
        if raw["name"] != node.name:
            return True
        if self._kind is NodeKind.SUBLOCATION:
            if raw["location_type"] != node.location_type:
                return True
            if raw["aggregate_to_parent"] != bool(node.aggregate_to_parent):
                return True
            if raw["aggregate_to_store"] != bool(node.aggregate_to_store):
                return True
        if self._kind in (NodeKind.STORE, NodeKind.SUBLOCATION) and raw["area"] != format_area(node.area):
            return True
        limit = format_count(node.occupancy_limit)
        return self._kind is NodeKind.STORE and raw["occupancy_limit"] != limit

    def _on_edited(self, *_: object) -> None:
        if not self._pending and self._node is not None:
            self.state_label.setText("Unsaved changes" if self.is_dirty() else "")

    def clear_errors(self) -> None:
        for field, label in self._errors.items():
            label.clear()
            label.hide()
            widget = self._inputs.get(field)
            if widget is not None:
                widget.setStyleSheet("")

    def show_field_error(self, field: str | None, message: str) -> None:
        """Show `message` beside `field` (or in the banner when it belongs to no field)."""
        label = self._errors.get(field or "")
        if label is None or not self.form.isRowVisible(self._rows[field]):  # type: ignore[index]
            self.banner.show_message(message)
            return
        label.setText(message)
        label.show()
        widget = self._inputs.get(field)  # type: ignore[arg-type]
        if widget is not None:
            widget.setStyleSheet(_INVALID_STYLE)

    def field_error(self, field: str) -> str:
        label = self._errors[field]
        return label.text() if not label.isHidden() else ""

    def collect(self) -> LocationUpdate | None:
        """Validate every field; show each problem beside its field. Return the
        change (only fields that differ) or None when something is wrong."""
        node = self._node
        if node is None:
            return None
        self.clear_errors()
        raw = self.raw_values()
        change: dict[str, Any] = {}
        ok = True

        name = validation.check_name(raw["name"])
        if not name.ok:
            self.show_field_error("name", name.error or "")
            ok = False
        elif name.value != node.name:
            change["name"] = name.value

        if self._kind is NodeKind.SUBLOCATION:
            if raw["location_type"] != node.location_type:
                change["location_type"] = raw["location_type"]
            if raw["aggregate_to_parent"] != bool(node.aggregate_to_parent):
                change["aggregate_to_parent"] = raw["aggregate_to_parent"]
            if raw["aggregate_to_store"] != bool(node.aggregate_to_store):
                change["aggregate_to_store"] = raw["aggregate_to_store"]

        if self._kind in (NodeKind.STORE, NodeKind.SUBLOCATION):
            area = validation.check_area(raw["area"])
            if not area.ok:
                self.show_field_error("area", area.error or "")
                ok = False
            elif area.value is None and node.area is not None:
                self.show_field_error("area", "Enter an area (0 if it has none); it cannot be left empty.")
                ok = False
            elif area.value is not None and area.value != node.area:
                change["area"] = area.value

        if self._kind is NodeKind.STORE:
            limit = validation.check_occupancy_limit(raw["occupancy_limit"])
            if not limit.ok:
                self.show_field_error("occupancy_limit", limit.error or "")
                ok = False
            elif limit.value is None and node.occupancy_limit is not None:
                self.show_field_error("occupancy_limit", "Enter a limit of at least 1; it cannot be removed here.")
                ok = False
            elif limit.value is not None and limit.value != node.occupancy_limit:
                change["occupancy_limit"] = limit.value

        if not ok:
            self.state_label.setText("Fix the marked fields, then Save")
            return None
        return LocationUpdate(**change)

    def submit(self) -> None:
        if self._node is None or self._pending or self._read_only or self._kind is NodeKind.ORGANIZATION:
            return
        change = self.collect()
        if change is None:
            return
        if not change.model_dump(exclude_none=True):
            self.state_label.setText("Nothing to save")
            return
        self.banner.hide()
        self.save_requested.emit(self._node.uuid, change)
