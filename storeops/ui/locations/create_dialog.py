"""Dialog to create a sublocation under a store, or a region under a region or
the organization. Types offered are only those the parent allows; every field
is checked here, with its message beside it, before the dialog closes."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from storeops.api.models import SUBLOCATION_TYPES, LocationCreate, LocationType
from storeops.services.locations import LocationTree, creatable_types, type_label
from storeops.ui.locations import validation
from storeops.ui.locations.icons import location_icon

_INVALID_STYLE = "border: 2px solid #c62828; border-radius: 3px; padding: 1px;"


class CreateLocationDialog(QDialog):
    def __init__(
        self,
        tree: LocationTree,
        parent_uuid: str,
        *,
        draft: LocationCreate | None = None,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self._tree = tree
        self._parent_uuid = parent_uuid
        self._aggregates_touched = False
        allowed = creatable_types(tree, parent_uuid)
        is_region = allowed == [str(LocationType.REGION)]
        self.setWindowTitle("New region" if is_region else "New sublocation")
        self.setMinimumWidth(420)

        layout = QVBoxLayout(self)
        form = QFormLayout()
        layout.addLayout(form)
        where = QLabel(tree.path(parent_uuid))
        where.setWordWrap(True)
        form.addRow("Under", where)

        self.name_edit = QLineEdit()
        self.name_edit.setMaxLength(1000)
        self.name_edit.setPlaceholderText("e.g. Front door" if not is_region else "e.g. Pacific Northwest")
        self.name_error = self._error_label()
        form.addRow("Name", self._stack(self.name_edit, self.name_error))

        self.type_combo = QComboBox()
        for t in allowed:
            self.type_combo.addItem(location_icon(t), type_label(t), t)
        self.type_error = self._error_label()
        form.addRow("Type", self._stack(self.type_combo, self.type_error))

        self.area_edit = QLineEdit()
        self.area_edit.setPlaceholderText("optional")
        self.area_error = self._error_label()
        self._area_row = self._stack(self.area_edit, self.area_error)
        form.addRow("Area (sq ft)", self._area_row)

        self.aggregate_parent_check = QCheckBox("Counts add up to the parent location")
        self.aggregate_store_check = QCheckBox("Counts add up to the whole store")
        self._aggregate_row = self._stack(self.aggregate_parent_check, self.aggregate_store_check)
        form.addRow("Aggregation", self._aggregate_row)
        self._form = form

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Create")
        self.buttons.accepted.connect(self.try_accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

        self.type_combo.currentIndexChanged.connect(self._on_type_changed)
        self.aggregate_parent_check.clicked.connect(self._touch)
        self.aggregate_store_check.clicked.connect(self._touch)
        self._on_type_changed()
        if draft is not None and draft.parent_uuid == parent_uuid:
            self._restore(draft)

    @staticmethod
    def _error_label() -> QLabel:
        label = QLabel()
        label.setStyleSheet("color: #c62828;")
        label.setWordWrap(True)
        label.hide()
        return label

    @staticmethod
    def _stack(*widgets: QWidget) -> QWidget:
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(1)
        for w in widgets:
            column.addWidget(w)
        return box

    def _touch(self) -> None:
        self._aggregates_touched = True

    def _on_type_changed(self, *_: object) -> None:
        t = self.type_combo.currentData()
        sub = t in SUBLOCATION_TYPES
        self._form.setRowVisible(self._area_row, sub)
        self._form.setRowVisible(self._aggregate_row, sub)
        if sub and not self._aggregates_touched:
            # The reference's defaults: true for an entrance, false otherwise.
            self.aggregate_parent_check.setChecked(t == LocationType.ENTRANCE)
            self.aggregate_store_check.setChecked(t == LocationType.ENTRANCE)

    def _restore(self, draft: LocationCreate) -> None:
        self.name_edit.setText(draft.name)
        index = self.type_combo.findData(draft.location_type)
        if index >= 0:
            self.type_combo.setCurrentIndex(index)
        self.area_edit.setText("" if draft.area is None else f"{draft.area:g}")
        if draft.aggregate_to_parent is not None:
            self.aggregate_parent_check.setChecked(draft.aggregate_to_parent)
            self.aggregate_store_check.setChecked(bool(draft.aggregate_to_store))
            self._aggregates_touched = True

    def _show(self, label: QLabel, widget: QWidget, message: str | None) -> None:
        label.setText(message or "")
        label.setVisible(bool(message))
        widget.setStyleSheet(_INVALID_STYLE if message else "")

    def draft(self) -> LocationCreate | None:
        """The validated request, or None (with messages shown beside the fields)."""
        name = validation.check_name(self.name_edit.text())
        kind = validation.check_type(self._tree, self._parent_uuid, self.type_combo.currentData())
        sub = kind.ok and kind.value in SUBLOCATION_TYPES
        area = validation.check_area(self.area_edit.text()) if sub else validation.Checked(None)
        self._show(self.name_error, self.name_edit, name.error)
        self._show(self.type_error, self.type_combo, kind.error)
        self._show(self.area_error, self.area_edit, area.error)
        if not (name.ok and kind.ok and area.ok):
            return None
        assert name.value is not None and kind.value is not None
        return LocationCreate(
            name=name.value,
            parent_uuid=self._parent_uuid,
            location_type=kind.value,
            area=area.value,
            aggregate_to_parent=self.aggregate_parent_check.isChecked() if sub else None,
            aggregate_to_store=self.aggregate_store_check.isChecked() if sub else None,
        )

    def try_accept(self) -> None:
        if self.draft() is not None:
            self.accept()
