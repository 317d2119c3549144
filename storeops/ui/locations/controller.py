"""Behaviour of the Locations pane: loading, create / rename / move / edit with
rollback, unsaved edits, undo, and the words for what went wrong. The view
(pane.py) only lays out and asks; this talks to the service.

Every change goes the same way: checked here (message beside the field,
nothing sent), shown at once as pending ("Saving…", italic), sent, then
either replaced by the server's answer or rolled back with a message in the
banner and the status bar. A refused form edit stays in the form for another
try; a refused creation is remembered so the dialog opens with it again.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject
from qasync import asyncSlot
from shiboken6 import isValid

from storeops.api.errors import ApiError
from storeops.api.models import Location, LocationCreate, LocationUpdate
from storeops.services.locations import (
    LocationsService,
    LocationTree,
    RuleViolation,
    apply_update,
    check_create,
    check_update,
    is_empty,
    move_problem,
)
from storeops.services.wording import reason
from storeops.ui.locations import validation
from storeops.ui.locations.details_form import format_area, format_count

if TYPE_CHECKING:
    from storeops.ui.context import StatusReporter, StoreSelection
    from storeops.ui.locations.pane import LocationsPane

SAVING = "Saving…"
MOVING = "Moving…"
CREATING = "Creating…"
# Fields whose old value can be sent back to undo an edit.
_UNDOABLE = (
    "name",
    "parent_uuid",
    "location_type",
    "area",
    "occupancy_limit",
    "aggregate_to_parent",
    "aggregate_to_store",
)


class LocationsController(QObject):
    def __init__(
        self,
        view: LocationsPane,
        service: LocationsService,
        *,
        stores: StoreSelection | None = None,
        status: StatusReporter | None = None,
    ):
        super().__init__(view)
        self.view = view
        self.service = service
        self.stores = stores
        self.status = status
        self._placeholders = itertools.count(1)
        self._drafts: dict[str, dict[str, Any]] = {}  # unsaved form edits, per node
        # The last saved edit: (uuid, inverse change, applied change, what it did).
        self._undo: tuple[str, LocationUpdate, LocationUpdate, str] | None = None
        self._loading = False
        self.last_error = ""
        self._wire()

    def _wire(self) -> None:
        v = self.view
        v.refresh_requested.connect(self._on_refresh)
        v.current_changed.connect(self._on_current_changed)
        v.save_requested.connect(self._on_save_requested)
        v.move_requested.connect(self._on_move_requested)
        v.rename_requested.connect(self._on_rename_requested)
        v.create_requested.connect(self._on_create_requested)
        v.undo_requested.connect(self._on_undo)
        if self.stores is not None:
            self.stores.changed.connect(self._on_shared_store_changed)

    def shutdown(self) -> None:
        """The pane is dropped: stop following the shared store, and say nothing
        more in the status bar (an answer still in flight lands only in the view)."""
        if self.stores is not None:
            self.stores.changed.disconnect(self._on_shared_store_changed)
        self.stores = None
        self.status = None

    @property
    def tree(self) -> LocationTree:
        return self.view.tree

    def _view_gone(self) -> bool:
        """The pane was dropped (a reconnect) and Qt deleted its widgets while an answer
        was on its way: the answer then has nowhere to land (seen in a chaos run: F5, then
        a reconnect, then the crash dialog)."""
        return not isValid(self.view)

    # ------------------------------------------------------------ messages

    def _report(self, message: str) -> None:
        """A failure the user must see: the banner above the tree and the status bar."""
        self.last_error = message
        self.view.show_message(message)
        if self.status is not None:
            self.status.error(message)

    def _info(self, message: str) -> None:
        if self.status is not None:
            self.status.info(message)

    # ------------------------------------------------------------ loading

    @asyncSlot()
    async def _on_refresh(self) -> None:
        await self.reload()

    async def reload(self) -> bool:
        """Read the tree again, keeping selection and expansion where possible."""
        if self._loading:
            return False
        view = self.view
        self._loading = True
        view.set_loading(True)
        first = not view.loaded.is_set()
        try:
            if self.status is not None:
                async with self.status.busy("Loading locations"):
                    tree = await self.service.load_tree()
            else:
                tree = await self.service.load_tree()
        except ApiError as error:
            if self._view_gone():
                return False
            self._report(f"Could not load the locations: {reason(error)}.")
            if first:
                view.show_load_failed()
            return False
        finally:
            self._loading = False
            if not self._view_gone():
                view.set_loading(False)
        if self._view_gone():
            return False
        self._keep_form_draft()  # the form is about to show the node afresh
        shared = self._shared_store()
        view.show_tree(tree, fallback=shared.uuid if shared else None)
        return True

    # ------------------------------------------------------------ selection and form

    def _shared_store(self) -> Location | None:
        return self.stores.current() if self.stores is not None else None

    def _on_shared_store_changed(self, store: Location | None) -> None:
        """The store picked in the main window's selector is shown here too."""
        if store is None or store.uuid not in self.tree:
            return
        selected = self.view.selected_uuid()
        owner = self.tree.store_of(selected) if selected else None
        if owner is None or owner.uuid != store.uuid:
            self.view.select(store.uuid)

    def _share_store(self, uuid: str | None) -> None:
        """A store picked here becomes the store every pane shows."""
        node = self.tree.get(uuid)
        if self.stores is None or node is None or not node.is_store:
            return
        current = self.stores.current()
        if (current is None or current.uuid != uuid) and any(s.uuid == uuid for s in self.stores.stores()):
            self.stores.set_current(uuid)

    def _keep_form_draft(self) -> None:
        """Unsaved form edits are set aside (not lost) when the form shows another node."""
        form = self.view.form
        if form.uuid and form.is_dirty() and not form.pending:
            self._drafts[form.uuid] = form.raw_values()
            self._mark_unsaved()

    def _mark_unsaved(self) -> None:
        self.view.model.set_unsaved(set(self._drafts))

    def _on_current_changed(self, old: str | None, uuid: str | None) -> None:
        if old and old == self.view.form.uuid:
            self._keep_form_draft()
        self._show_in_form(uuid)
        self.view.update_actions()
        self._share_store(uuid)

    def _show_in_form(self, uuid: str | None) -> None:
        form = self.view.form
        node = self.tree.get(uuid)
        if node is None:
            form.clear()
            return
        form.load(node, self.tree, pending=self.view.model.is_pending(node.uuid))
        draft = self._drafts.pop(node.uuid, None)
        if draft is not None:
            form.restore_raw(draft)
            self._mark_unsaved()

    # ------------------------------------------------------------ unsaved edits (asked on quit)

    def has_unsaved_changes(self) -> bool:
        form = self.view.form
        return (form.is_dirty() and not form.pending) or bool(self._drafts)

    def unsaved_description(self) -> str:
        form = self.view.form
        uuids = ([form.uuid] if form.uuid and form.is_dirty() else []) + [u for u in self._drafts if u != form.uuid]
        names = [f"“{self.tree.nodes[u].name}”" for u in uuids if u in self.tree]
        return "Locations: unsaved changes to " + ", ".join(names) if names else ""

    async def save_unsaved(self) -> bool:
        """Save every unsaved edit through the form's checks; False at the first
        one refused (the form then shows that node, its edit and the reason)."""
        view, form = self.view, self.view.form
        self._keep_form_draft()
        for uuid in list(self._drafts):
            if uuid not in self.tree:
                self._drafts.pop(uuid, None)
                self._mark_unsaved()
                continue
            if form.uuid != uuid:
                if not view.select(uuid):
                    self._show_in_form(uuid)
            elif uuid in self._drafts:
                form.restore_raw(self._drafts[uuid])
            self._drafts.pop(uuid, None)
            self._mark_unsaved()
            change = form.collect()
            if change is None:
                return False  # the problem is shown beside its field
            if is_empty(change):
                continue
            form.banner.hide()
            if not await self.save_node(uuid, change, from_form=True):
                return False
        return True

    # ------------------------------------------------------------ undo

    def _remember_undo(self, before: Location, change: LocationUpdate) -> None:
        applied = change.model_dump(exclude_none=True)
        inverse = {k: getattr(before, k) for k in applied if k in _UNDOABLE and getattr(before, k) is not None}
        if not inverse:
            self._undo = None
            return
        self._undo = (before.uuid, LocationUpdate(**inverse), LocationUpdate(**applied), self._describe(before, change))

    def _describe(self, before: Location, change: LocationUpdate, *, back: bool = False) -> str:
        again = " back" if back else ""
        if change.parent_uuid is not None and change.parent_uuid != before.parent_uuid:
            target = self.tree.get(change.parent_uuid)
            return f"moved “{before.name}”{again} under “{target.name if target else '?'}”"
        if change.name is not None and change.name != before.name:
            return f"renamed “{before.name}”{again} to “{change.name}”"
        if change.area is not None:
            return f"area of “{before.name}” set{again} to {format_area(change.area)} sq ft"
        if change.occupancy_limit is not None:
            return f"occupancy limit of “{before.name}” set{again} to {format_count(change.occupancy_limit)}"
        return f"“{before.name}” changed{again}"

    @property
    def can_undo(self) -> bool:
        return self._undo is not None

    @asyncSlot()
    async def _on_undo(self) -> None:
        await self.undo_last()

    async def undo_last(self) -> bool:
        """Send the inverse of the last saved edit, through the same checks."""
        if self._undo is None:
            self._info("Nothing to undo.")
            return False
        uuid, inverse, applied, what = self._undo
        node = self.tree.get(uuid)
        if node is None:
            self._undo = None
            self._report("That location is no longer in the tree; nothing was undone.")
            return False
        if any(getattr(node, k) != v for k, v in applied.model_dump(exclude_none=True).items()):
            self._undo = None
            self._report(f"“{node.name}” changed since; nothing was undone.")
            return False
        if self.view.form.uuid == uuid and self.view.form.is_dirty():
            self._report(f"Save or revert your edits to “{node.name}” first, then undo.")
            return False
        self._undo = None
        undone = self._describe(node, inverse, back=True)
        marker = MOVING if inverse.parent_uuid is not None else SAVING
        if not await self.save_node(uuid, inverse, marker=marker, remember=False):
            self._undo = (uuid, inverse, applied, what)  # refused: they can try again
            return False
        self.view.select(uuid)
        self.view.show_message(f"Undone: {undone}.", error=False)
        return True

    # ------------------------------------------------------------ changes

    @asyncSlot(str, object)
    async def _on_save_requested(self, uuid: str, change: LocationUpdate) -> None:
        await self.save_node(uuid, change, from_form=True)

    @asyncSlot(str, str)
    async def _on_move_requested(self, uuid: str, new_parent: str) -> None:
        await self.move_node(uuid, new_parent)

    @asyncSlot(str, str)
    async def _on_rename_requested(self, uuid: str, name: str) -> None:
        await self.rename_node(uuid, name)

    @asyncSlot(object)
    async def _on_create_requested(self, draft: LocationCreate) -> None:
        await self.create_node(draft)

    async def rename_node(self, uuid: str, name: str) -> bool:
        checked = validation.check_name(name)
        if not checked.ok:
            # Put what they typed where the message can stand beside it.
            self.view.select(uuid)
            self.view.form.name_edit.setText(name)
            self.view.form.show_field_error("name", checked.error or "")
            return False
        return await self.save_node(uuid, LocationUpdate(name=checked.value))

    async def move_node(self, uuid: str, new_parent: str) -> bool:
        problem = move_problem(self.tree, uuid, new_parent)
        if problem:
            self._report(problem)
            return False
        return await self.save_node(uuid, LocationUpdate(parent_uuid=new_parent), marker=MOVING)

    async def save_node(
        self, uuid: str, change: LocationUpdate, *, marker: str = SAVING, from_form: bool = False, remember: bool = True
    ) -> bool:
        """Send one change; show it at once; roll it back if the server refuses."""
        view, form, model = self.view, self.view.form, self.view.model
        tree = self.tree
        original = tree.get(uuid)
        if original is None:
            self._report("That location is no longer in the tree; refresh and try again.")
            return False
        if model.is_pending(uuid):
            self._report(f"“{original.name}” is still being saved; wait for it to finish.")
            return False
        if tree.is_archived_here(uuid):
            self._report(f"“{original.name}” is archived — read only.")
            return False
        try:
            sending = self.service.update(tree, uuid, change)  # rules checked now, before anything is sent
        except RuleViolation as violation:
            if form.uuid == uuid and violation.field:
                form.show_field_error(violation.field, violation.message)
            else:
                self._report(violation.message)
            return False
        checked = check_update(tree, uuid, change)
        optimistic = apply_update(original, checked)
        model.set_pending(uuid, marker)
        model.update_node(optimistic)
        if form.uuid == uuid:
            form.set_pending(True, marker)
        view.update_actions()
        try:
            answer = await sending
        except ApiError as error:
            if self._view_gone():
                return False
            model.set_pending(uuid, None)
            if uuid in self.tree:
                model.update_node(original)
            message = f"“{original.name}” was not changed — {reason(error)}."
            if from_form and form.uuid == uuid:
                # Their edit stays in the form so they can fix it and Save again;
                # the message stands above it (and in the status bar).
                form.set_pending(False)
                form.state_label.setText("Not saved")
                form.banner.show_message(
                    f"Not saved — {reason(error)}. Your changes are still here: correct them and press Save, or Revert."
                )
                self.last_error = message
                if self.status is not None:
                    self.status.error(message)
            else:
                self._report(message)
                if form.uuid == uuid:
                    form.set_pending(False)
                    if not form.is_dirty():
                        form.load(original, self.tree)
            view.update_actions()
            return False
        except BaseException:
            if not self._view_gone():
                model.set_pending(uuid, None)
                if uuid in self.tree:
                    model.update_node(original)
            raise
        if self._view_gone():
            return True  # saved on the server; the next pane reads it afresh
        # The PUT answer may leave out extra fields (store id, time zone): keep ours.
        confirmed = optimistic.model_copy(update=answer.model_dump(exclude_unset=True))
        model.set_pending(uuid, None)
        if uuid in self.tree:
            model.update_node(confirmed)
        if form.uuid == uuid:
            form.load(self.tree.get(uuid) or confirmed, self.tree)
            form.state_label.setText("Saved")
            if change.parent_uuid is not None:
                view.select(uuid)  # moved: the row the form shows is selected and in view
        self._info(f"Saved “{confirmed.name}”.")
        if confirmed.is_store and self.stores is not None:
            self.stores.update_store(confirmed)  # the store selector, Occupancy, the kiosk chooser
        if remember:
            self._remember_undo(original, checked)
            if self._undo is not None:
                view.show_message(f"Saved: {self._undo[3]}.", error=False, action="Undo")
        view.update_actions()
        view.update_summary()
        return True

    async def create_node(self, draft: LocationCreate) -> Location | None:
        view, model = self.view, self.view.model
        tree = self.tree
        try:
            checked = check_create(tree, draft)
            sending = self.service.create(tree, checked)
        except RuleViolation as violation:
            view.create_draft = draft
            self._report(violation.message)
            return None
        placeholder_uuid = f"pending-{next(self._placeholders)}"
        placeholder = Location(
            uuid=placeholder_uuid,
            name=checked.name,
            location_type=checked.location_type,
            parent_uuid=checked.parent_uuid,
            area=checked.area,
            aggregate_to_parent=checked.aggregate_to_parent,
            aggregate_to_store=checked.aggregate_to_store,
        )
        model.insert_node(placeholder)
        model.set_pending(placeholder_uuid, CREATING)
        view.select(placeholder_uuid)
        try:
            created = await sending
        except ApiError as error:
            if self._view_gone():
                return None
            model.remove_node(placeholder_uuid)
            view.create_draft = draft  # the dialog opens with it again
            view.select(checked.parent_uuid)
            self._report(
                f"“{checked.name}” was not created — {reason(error)}. "
                "Open the New dialog again: what you entered is still there."
            )
            return None
        except BaseException:
            if not self._view_gone():
                model.remove_node(placeholder_uuid)
            raise
        if self._view_gone():
            return created  # created on the server; the next pane reads it afresh
        view.create_draft = None
        model.replace_placeholder(placeholder_uuid, created)
        view.select(created.uuid)
        self._show_in_form(created.uuid)  # same row as the placeholder: no current change
        self._info(f"Created “{created.name}”.")
        view.update_summary()
        return created
