"""Accounts: add, edit, remove and test RetailNext connection profiles.

The secret key goes to the keyring (storeops.secrets), never into settings.
Problems are shown beside the field they concern. Keyring calls and settings
writes run on worker threads: a keyring can block (a locked keychain, a slow
D-Bus secret service), and the GUI must not. Where the secret key is kept (the
keyring, or only until StoreOps closes when there is none) is checked there too,
and said under the field before saving and beside the buttons after.
"""

from __future__ import annotations

import asyncio
import logging

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from qasync import asyncSlot
from shiboken6 import isValid

from storeops.secrets import SecretPlace, SecretStore
from storeops.services import accounts
from storeops.settings import Profile, Settings, new_profile_id

log = logging.getLogger(__name__)

FIELDS = ("name", "target", "access_key", "secret_key")
SECRET_HINT = "Never written to a file."  # until the keyring has been asked


class AccountsDialog(QDialog):
    """Emits `active_changed(object)` with the profile id to use, or None for demo data."""

    active_changed = Signal(object)
    profile_saved = Signal(str)  # a saved profile's id: the app reconnects if it is in use

    def __init__(self, settings: Settings, secrets: SecretStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("AccountsDialog")
        self.setWindowTitle("Accounts")
        self.resize(820, 460)
        self.settings = settings
        self.secrets = secrets
        self.test_timeout = accounts.TEST_TIMEOUT_S
        self.editing: Profile | None = None  # None: a new profile
        # Where the edited profile's secret is kept, once a worker thread has asked.
        self.secret_place: SecretPlace | None = None
        self._place_checks: set[asyncio.Task[None]] = set()

        root = QHBoxLayout(self)
        root.addLayout(self._list_column(), 2)
        root.addLayout(self._form_column(), 5)
        self._fill_list()
        active = settings.active_profile()
        if active is not None:
            self.select(active.id)
        elif settings.profiles:
            self.select(settings.profiles[0].id)
        else:
            self.new_profile()

    # ------------------------------------------------------------ layout
    def _list_column(self) -> QVBoxLayout:
        column = QVBoxLayout()
        column.addWidget(QLabel("<b>Accounts</b>", self))
        note = QLabel("Without an account, StoreOps shows demo data.", self)
        note.setObjectName("Hint")
        note.setWordWrap(True)
        column.addWidget(note)
        self.list = QListWidget(self)
        self.list.setObjectName("ProfileList")
        self.list.currentItemChanged.connect(self._item_changed)
        column.addWidget(self.list, 1)
        row = QHBoxLayout()
        self.add_button = QPushButton("Add", self)
        self.add_button.clicked.connect(self.new_profile)
        self.remove_button = QPushButton("Remove", self)
        self.remove_button.clicked.connect(self._ask_remove)
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        column.addLayout(row)
        self.demo_button = QPushButton("Use demo data", self)
        self.demo_button.setToolTip("Show the built-in example store chain instead of a real account")
        self.demo_button.clicked.connect(self.use_demo)
        column.addWidget(self.demo_button)
        return column

    def _form_column(self) -> QVBoxLayout:
        column = QVBoxLayout()
        self.heading = QLabel("", self)
        column.addWidget(self.heading)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.edits: dict[str, QLineEdit] = {}
        self.errors: dict[str, QLabel] = {}
        specs = {
            "name": ("Name", "e.g. Acme stores", ""),
            "target": (
                "Subscription or URL",
                "acme  or  https://acme.api.retailnext.net",
                "The part before .api.retailnext.net, or the full server address.",
            ),
            "access_key": ("Access key", "", ""),
            "secret_key": ("Secret key", "", SECRET_HINT),
        }
        for key, (label, placeholder, hint) in specs.items():
            edit = QLineEdit(self)
            edit.setObjectName(f"field_{key}")
            edit.setPlaceholderText(placeholder)
            edit.textEdited.connect(lambda _t, k=key: self._clear_error(k))
            if key == "secret_key":
                edit.setEchoMode(QLineEdit.EchoMode.Password)
            cell = QVBoxLayout()
            cell.setSpacing(2)
            cell.addWidget(edit)
            if hint:
                note = QLabel(hint, self)
                note.setObjectName("Hint")
                note.setWordWrap(True)
                cell.addWidget(note)
                if key == "secret_key":
                    self.secret_hint = note
            error = QLabel("", self)
            error.setObjectName("FieldError")
            error.setWordWrap(True)
            error.hide()
            cell.addWidget(error)
            form.addRow(label, cell)
            self.edits[key] = edit
            self.errors[key] = error
        column.addLayout(form)

        self.test_result = QLabel("", self)  # the "Test connection" verdict
        self.test_result.setObjectName("TestResult")
        self.test_result.setWordWrap(True)
        self.test_result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        column.addWidget(self.test_result)
        column.addStretch(1)

        row = QHBoxLayout()
        self.test_button = QPushButton("Test connection", self)
        self.test_button.clicked.connect(self.test_connection)
        self.save_button = QPushButton("Save", self)
        self.save_button.clicked.connect(self._save_clicked)
        self.use_button = QPushButton("Save and use this account", self)
        self.use_button.setDefault(True)
        self.use_button.clicked.connect(self.use_selected)
        close = QPushButton("Close", self)
        close.clicked.connect(self.close)
        row.addWidget(self.test_button)
        row.addStretch(1)
        row.addWidget(self.save_button)
        row.addWidget(self.use_button)
        row.addWidget(close)
        column.addLayout(row)
        return column

    # ------------------------------------------------------------ list
    def _fill_list(self) -> None:
        self.list.blockSignals(True)
        try:
            self.list.clear()
            for profile in self.settings.profiles:
                item = QListWidgetItem(self._item_text(profile))
                item.setData(Qt.ItemDataRole.UserRole, profile.id)
                self.list.addItem(item)
        finally:
            self.list.blockSignals(False)
        self.remove_button.setEnabled(bool(self.settings.profiles))

    def _item_text(self, profile: Profile) -> str:
        return f"{profile.name} (in use)" if profile.id == self.settings.active_profile_id else profile.name

    def show_in_use(self) -> None:
        """Mark the account in use again (the app kept the connection: a switch was
        cancelled); the form and what is typed in it stay as they are."""
        for row in range(self.list.count()):
            item = self.list.item(row)
            profile = self.settings.profile(item.data(Qt.ItemDataRole.UserRole))
            if profile is not None:
                item.setText(self._item_text(profile))

    def select(self, profile_id: str) -> None:
        for row in range(self.list.count()):
            if self.list.item(row).data(Qt.ItemDataRole.UserRole) == profile_id:
                self.list.setCurrentRow(row)
                self._load(self.settings.profile(profile_id))
                return

    def _item_changed(self, item: QListWidgetItem | None, _previous: QListWidgetItem | None = None) -> None:
        if item is not None:
            self._load(self.settings.profile(item.data(Qt.ItemDataRole.UserRole)))

    # ------------------------------------------------------------ form
    def new_profile(self) -> None:
        self.list.blockSignals(True)
        self.list.clearSelection()
        self.list.setCurrentRow(-1)
        self.list.blockSignals(False)
        self._load(None)
        self.edits["name"].setFocus()

    def _load(self, profile: Profile | None) -> None:
        self.editing = profile
        self.heading.setText("<b>New account</b>" if profile is None else f"<b>{profile.name}</b>")
        self.edits["name"].setText(profile.name if profile else "")
        self.edits["target"].setText(profile.target if profile else "")
        self.edits["access_key"].setText(profile.access_key if profile else "")
        self.edits["secret_key"].clear()
        self.edits["secret_key"].setPlaceholderText("")
        for key in FIELDS:
            self._clear_error(key)
        self.test_result.clear()
        self._check_secret_place()

    def _check_secret_place(self) -> None:
        """Ask, on a worker thread, where the secret is kept; the hint and the
        secret field's placeholder then say so."""
        self.secret_place = None
        task = asyncio.ensure_future(self._show_secret_place(self.editing.id if self.editing else None))
        self._place_checks.add(task)
        task.add_done_callback(self._place_checks.discard)

    async def _show_secret_place(self, profile_id: str | None) -> None:
        place = await asyncio.to_thread(self.secrets.where, profile_id)
        if not isValid(self) or (self.editing.id if self.editing else None) != profile_id:
            return  # closed, or another profile is shown: its own check answers
        self.secret_place = place
        self.secret_hint.setText(place.text if place.persistent else f"⚠ {place.text}")
        if place.stored is None:
            placeholder = ""
        elif not place.stored:
            placeholder = "No secret key stored: enter it to connect"
        elif place.persistent:
            placeholder = "Leave empty to keep the stored secret"
        else:
            placeholder = "Leave empty to keep the secret entered earlier (until StoreOps closes)"
        self.edits["secret_key"].setPlaceholderText(placeholder)

    def form(self) -> accounts.ProfileForm:
        return accounts.ProfileForm(
            name=self.edits["name"].text(),
            target=self.edits["target"].text(),
            access_key=self.edits["access_key"].text(),
            secret_key=self.edits["secret_key"].text(),
        )

    async def _stored_secret(self) -> str | None:
        if self.editing is None:
            return None
        return await asyncio.to_thread(self.secrets.get, self.editing.id)

    def validate(self, *, has_stored_secret: bool = False) -> tuple[bool, str | None, str | None]:
        problems, subscription, base_url = accounts.validate_form(
            self.form(), creating=self.editing is None, has_stored_secret=has_stored_secret
        )
        for key in FIELDS:
            if key in problems:
                self.errors[key].setText(problems[key])
                self.errors[key].show()
            else:
                self._clear_error(key)
        if problems:
            self.edits[next(k for k in FIELDS if k in problems)].setFocus()
        return not problems, subscription, base_url

    def _clear_error(self, key: str) -> None:
        self.errors[key].clear()
        self.errors[key].hide()

    def error_text(self, key: str) -> str:
        return self.errors[key].text() if self.errors[key].isVisibleTo(self) else ""

    # ------------------------------------------------------------ actions
    def _busy(self, busy: bool) -> None:
        for button in (self.save_button, self.use_button, self.remove_button, self.demo_button):
            button.setEnabled(not busy)

    @asyncSlot()
    async def _save_clicked(self) -> None:
        await self.save()

    async def save(self) -> Profile | None:
        # An empty secret field keeps the stored secret, if there is one.
        has_stored = not self.form().secret_key and await self._stored_secret() is not None
        ok, subscription, base_url = self.validate(has_stored_secret=has_stored)
        if not ok:
            return None
        form = self.form()
        profile = Profile(
            id=self.editing.id if self.editing else new_profile_id(),
            name=form.name.strip(),
            subscription=subscription,
            base_url=base_url,
            access_key=form.access_key.strip(),
        )
        warnings: list[str] = []
        self._busy(True)
        try:
            if form.secret_key and not await asyncio.to_thread(self.secrets.set, profile.id, form.secret_key):
                place = await asyncio.to_thread(self.secrets.where, profile.id)
                warnings.append(f"Saved. {place.text}")
            self.settings.upsert_profile(profile)
            if not await self.settings.save_async():
                warnings.append("The settings could not be written to disk; see the log file.")
        finally:
            self._busy(False)
        self._fill_list()
        self.select(profile.id)  # clears the result line: the warnings go after it
        if warnings:
            self._show_result(False, " ".join(warnings), prefix="⚠ ")
        log.info("account saved: %r", profile)
        self.profile_saved.emit(profile.id)
        return profile

    @asyncSlot()
    async def use_selected(self) -> None:
        profile = await self.save()
        if profile is None:
            return
        self.settings.active_profile_id = profile.id
        await self.settings.save_async()
        self._fill_list()
        self.select(profile.id)
        self.active_changed.emit(profile.id)

    @asyncSlot()
    async def use_demo(self) -> None:
        self.settings.active_profile_id = None
        await self.settings.save_async()
        self._fill_list()
        self.active_changed.emit(None)

    def _ask_remove(self) -> None:
        if self.editing is None:
            return
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Remove account",
            f"Remove the account “{self.editing.name}” and forget its secret key?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )
        box.setObjectName("ConfirmRemove")
        box.finished.connect(lambda code: self._remove_confirmed() if code == QMessageBox.StandardButton.Yes else None)
        box.open()  # not exec(): no nested event loop under qasync

    @asyncSlot()
    async def _remove_confirmed(self) -> None:
        await self.remove()

    async def remove(self) -> None:
        if self.editing is None:
            return
        removed = self.editing
        was_active = removed.id == self.settings.active_profile_id
        self._busy(True)
        try:
            await asyncio.to_thread(self.secrets.delete, removed.id)
            self.settings.remove_profile(removed.id)
            await self.settings.save_async()
        finally:
            self._busy(False)
        self._fill_list()
        if self.settings.profiles:
            self.select(self.settings.profiles[0].id)
        else:
            self.new_profile()
        if was_active:
            self.active_changed.emit(None)

    @asyncSlot()
    async def test_connection(self) -> None:
        form = self.form()
        secret = form.secret_key or await self._stored_secret() or ""
        ok, subscription, base_url = self.validate(has_stored_secret=bool(secret))
        if not ok:
            return
        url = Profile(name="test", subscription=subscription, base_url=base_url).url
        self.test_button.setEnabled(False)
        self._show_result(None, "Testing the connection…")
        try:
            result = await accounts.test_connection(url, form.access_key.strip(), secret, timeout=self.test_timeout)
            self._show_result(result.ok, result.message)
        finally:
            self.test_button.setEnabled(True)

    def _show_result(self, ok: bool | None, message: str, *, prefix: str | None = None) -> None:
        self.test_result.setProperty("state", {True: "ok", False: "fail", None: ""}[ok])
        self.test_result.style().unpolish(self.test_result)  # re-apply the QSS for the new state
        self.test_result.style().polish(self.test_result)
        if prefix is None:
            prefix = {True: "✔ ", False: "✖ ", None: ""}[ok]
        self.test_result.setText(prefix + message)
