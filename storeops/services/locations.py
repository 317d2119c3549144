"""The location tree as a use-case: load it, and create / rename / move / edit
nodes under the rules the RetailNext reference states.

No Qt here. The tree is a plain mutable index (parent -> children built once
from the flat answer) that the UI's item model wraps; the rule functions are
pure so the UI can ask them before anything is sent (valid move targets,
creatable types) and the service checks them again before sending.

Rules, from the reference (POST v2/location/create, PUT v2/location/<uuid>):
- stores cannot be created; sublocations (entrance, fitting_room, display,
  other) are created under a store; regions under a region or the
  organization (the subscription's top node);
- moving: a sublocation goes under a store, a store under a region (or the
  organization), a region under a region or the organization; never under
  itself or one of its descendants; the organization never moves;
- location_type changes only among sublocation types;
- area applies to stores and sublocations (create: sublocations only),
  occupancy_limit to stores only, aggregate_* to sublocations only.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Iterable, Iterator
from dataclasses import dataclass, field
from enum import IntEnum
from typing import TYPE_CHECKING

from storeops.api.errors import InvalidRequest, ValidationError
from storeops.api.models import (
    SUBLOCATION_TYPES,
    Location,
    LocationCreate,
    LocationQuery,
    LocationType,
    LocationUpdate,
)

if TYPE_CHECKING:  # the client is injected; importing it here would pull httpx into every import
    from storeops.api.client import RetailNextClient

TREE_EXTRA_FIELDS = ("store.store_id", "store.time_zone", "store.occupancy_limit")
MAX_NAME_LENGTH = 255

SUBLOCATION_TYPE_ORDER = (
    LocationType.ENTRANCE,
    LocationType.FITTING_ROOM,
    LocationType.DISPLAY,
    LocationType.OTHER,
)

TYPE_LABELS = {
    "organization": "Organization",
    LocationType.REGION: "Region",
    LocationType.STORE: "Store",
    LocationType.ENTRANCE: "Entrance",
    LocationType.FITTING_ROOM: "Fitting room",
    LocationType.DISPLAY: "Display",
    LocationType.OTHER: "Other",
}


class NodeKind(IntEnum):
    """Where a node sits in the hierarchy; the value orders siblings."""

    ORGANIZATION = 0
    REGION = 1
    STORE = 2
    SUBLOCATION = 3
    UNKNOWN = 4


def type_label(location_type: str | None) -> str:
    if location_type is None:
        return "Location"
    return TYPE_LABELS.get(location_type, location_type.replace("_", " ").capitalize())


class RuleViolation(ValidationError):
    """A documented rule would be broken; nothing was sent. `field` names the
    form field the message belongs beside (None: the whole change)."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.field = field


# ---------------------------------------------------------------- the tree


@dataclass
class LocationTree:
    """Flat nodes plus a parent -> children index, built once per answer.

    Children lists keep the answer's order; sorting for display is the UI's
    business (and is done lazily there, per expanded parent)."""

    nodes: dict[str, Location] = field(default_factory=dict)
    children: dict[str | None, list[str]] = field(default_factory=dict)
    organization_uuid: str | None = None

    @classmethod
    def from_nodes(cls, nodes: Iterable[Location]) -> LocationTree:
        by_uuid: dict[str, Location] = {}
        for node in nodes:
            by_uuid[node.uuid] = node
        children: dict[str | None, list[str]] = {None: []}
        for uuid, node in by_uuid.items():
            parent = node.parent_uuid if node.parent_uuid in by_uuid else None
            children.setdefault(parent, []).append(uuid)
        tree = cls(nodes=by_uuid, children=children)
        tree.organization_uuid = tree._find_organization()
        return tree

    def _find_organization(self) -> str | None:
        roots = self.children.get(None, [])
        for uuid in roots:
            node = self.nodes[uuid]
            # Whatever the top node's type is called, it is neither a region,
            # a store nor a sublocation.
            if not (node.is_region or node.is_store or node.is_sublocation):
                return uuid
        # The answer may leave the organization node out: then the regions at
        # the top share its uuid as their parent.
        parents = {self.nodes[u].parent_uuid for u in roots if self.nodes[u].is_region and self.nodes[u].parent_uuid}
        return parents.pop() if len(parents) == 1 else None

    # -- reading

    def __len__(self) -> int:
        return len(self.nodes)

    def __contains__(self, uuid: object) -> bool:
        return uuid in self.nodes

    def get(self, uuid: str | None) -> Location | None:
        return self.nodes.get(uuid) if uuid is not None else None

    def parent_key(self, uuid: str) -> str | None:
        """The key under which `uuid` is listed in `children` (None: a root)."""
        parent = self.nodes[uuid].parent_uuid
        return parent if parent in self.nodes else None

    def children_of(self, uuid: str | None) -> list[str]:
        return self.children.get(uuid, [])

    def kind(self, node: Location) -> NodeKind:
        if node.is_sublocation:
            return NodeKind.SUBLOCATION
        if node.is_store:
            return NodeKind.STORE
        if node.is_region:
            return NodeKind.REGION
        if node.uuid == self.organization_uuid or node.location_type in (
            None,
            "organization",
            "chain",
            "subscription",
            "root",
        ):
            return NodeKind.ORGANIZATION
        return NodeKind.UNKNOWN

    def is_organization(self, uuid: str | None) -> bool:
        return uuid is not None and uuid == self.organization_uuid

    def ancestors(self, uuid: str) -> Iterator[str]:
        """Parent, grandparent, ... (bounded: a cyclic answer must not hang us)."""
        seen = {uuid}
        current = self.nodes.get(uuid)
        while current is not None and current.parent_uuid is not None:
            parent = current.parent_uuid
            if parent in seen:
                return
            seen.add(parent)
            yield parent
            current = self.nodes.get(parent)

    def is_within(self, uuid: str, ancestor: str) -> bool:
        """True when `uuid` is `ancestor` or lies below it."""
        return uuid == ancestor or any(a == ancestor for a in self.ancestors(uuid))

    def is_archived_here(self, uuid: str) -> bool:
        """Archived itself or below an archived node."""
        node = self.nodes.get(uuid)
        if node is None:
            return False
        if node.archived:
            return True
        return any(self.nodes[a].archived for a in self.ancestors(uuid) if a in self.nodes)

    def store_of(self, uuid: str) -> Location | None:
        node = self.nodes.get(uuid)
        if node is not None and node.is_store:
            return node
        for a in self.ancestors(uuid):
            n = self.nodes.get(a)
            if n is not None and n.is_store:
                return n
        return None

    def path(self, uuid: str) -> str:
        names = [self.nodes[a].name for a in self.ancestors(uuid) if a in self.nodes]
        names.reverse()
        names.append(self.nodes[uuid].name)
        return " / ".join(names)

    # -- changing (the UI model calls these inside its begin/end signals)

    def add(self, node: Location) -> None:
        self.nodes[node.uuid] = node
        self.children.setdefault(self.parent_key(node.uuid), []).append(node.uuid)

    def remove(self, uuid: str) -> None:
        """Remove a leaf (a node we created and the server refused)."""
        key = self.parent_key(uuid)
        self.children.get(key, []).remove(uuid)
        self.children.pop(uuid, None)
        del self.nodes[uuid]

    def replace(self, node: Location) -> None:
        """Swap a node's fields (same uuid), relinking it if its parent changed."""
        old_key = self.parent_key(node.uuid)
        self.nodes[node.uuid] = node
        new_key = self.parent_key(node.uuid)
        if new_key != old_key:
            self.children.get(old_key, []).remove(node.uuid)
            self.children.setdefault(new_key, []).append(node.uuid)

    def rekey(self, old_uuid: str, node: Location) -> None:
        """A placeholder (leaf) becomes the server's node with its real uuid."""
        key = self.parent_key(old_uuid)
        siblings = self.children.get(key, [])
        siblings[siblings.index(old_uuid)] = node.uuid
        del self.nodes[old_uuid]
        self.children.pop(old_uuid, None)
        self.nodes[node.uuid] = node
        if self.parent_key(node.uuid) != key:
            siblings.remove(node.uuid)
            self.children.setdefault(self.parent_key(node.uuid), []).append(node.uuid)


# ---------------------------------------------------------------- rules


def creatable_types(tree: LocationTree, parent_uuid: str | None) -> list[str]:
    """Types the reference lets us create under this parent."""
    parent = tree.get(parent_uuid)
    if parent is None:
        return []
    if parent.archived:
        return []
    kind = tree.kind(parent)
    if kind is NodeKind.STORE:
        return [str(t) for t in SUBLOCATION_TYPE_ORDER]
    if kind in (NodeKind.REGION, NodeKind.ORGANIZATION):
        return [str(LocationType.REGION)]
    return []


def allowed_parent_kinds(kind: NodeKind) -> tuple[NodeKind, ...]:
    if kind is NodeKind.SUBLOCATION:
        return (NodeKind.STORE,)
    if kind is NodeKind.STORE:
        return (NodeKind.REGION, NodeKind.ORGANIZATION)
    if kind is NodeKind.REGION:
        return (NodeKind.REGION, NodeKind.ORGANIZATION)
    return ()


def move_problem(tree: LocationTree, uuid: str, new_parent_uuid: str) -> str | None:
    """Why `uuid` cannot go under `new_parent_uuid`, or None when it can."""
    node = tree.get(uuid)
    target = tree.get(new_parent_uuid)
    if node is None:
        return "This location is no longer in the tree; refresh and try again."
    if target is None:
        return "The destination is no longer in the tree; refresh and try again."
    kind = tree.kind(node)
    if kind is NodeKind.ORGANIZATION:
        return "The organization cannot be moved."
    if kind is NodeKind.UNKNOWN:
        return f"A {type_label(node.location_type).lower()} cannot be moved from here."
    if tree.is_within(new_parent_uuid, uuid):
        return f"“{node.name}” cannot go under itself or one of its own locations."
    if node.parent_uuid == new_parent_uuid:
        return f"“{node.name}” is already under “{target.name}”."
    if target.archived:
        return f"“{target.name}” is archived."
    target_kind = tree.kind(target)
    if target_kind not in allowed_parent_kinds(kind):
        wanted = {
            NodeKind.SUBLOCATION: "a store",
            NodeKind.STORE: "a region or the organization",
            NodeKind.REGION: "a region or the organization",
        }[kind]
        return f"A {type_label(node.location_type).lower()} can only go under {wanted}."
    return None


def valid_move_targets(tree: LocationTree, uuid: str) -> list[str]:
    """Every node `uuid` may be moved under (in the answer's order)."""
    node = tree.get(uuid)
    if node is None:
        return []
    kinds = allowed_parent_kinds(tree.kind(node))
    if not kinds:
        return []
    return [
        target
        for target, candidate in tree.nodes.items()
        if tree.kind(candidate) in kinds and move_problem(tree, uuid, target) is None
    ]


def check_name(name: str | None) -> str:
    cleaned = (name or "").strip()
    if not cleaned:
        raise RuleViolation("A name is required.", field="name")
    if len(cleaned) > MAX_NAME_LENGTH:
        raise RuleViolation(f"At most {MAX_NAME_LENGTH} characters ({len(cleaned)} now).", field="name")
    return cleaned


def _whole_number(value: object) -> bool:
    """An int, not a bool (True is an int to Python): callers without type checks may pass either."""
    return isinstance(value, int) and not isinstance(value, bool)


def check_area(area: float | None) -> None:
    if area is None:
        return
    if isinstance(area, bool) or not math.isfinite(area) or area < 0:
        raise RuleViolation("The area must be a number of square feet, 0 or more.", field="area")


def check_occupancy_limit(limit: int | None) -> None:
    if limit is None:
        return
    if not _whole_number(limit) or limit <= 0:
        raise RuleViolation("The occupancy limit must be a whole number above 0.", field="occupancy_limit")


def check_create(tree: LocationTree, draft: LocationCreate) -> LocationCreate:
    """Raise RuleViolation, or return the draft with its name trimmed."""
    name = check_name(draft.name)
    parent = tree.get(draft.parent_uuid)
    if parent is None:
        raise RuleViolation("The parent location is no longer in the tree; refresh and try again.")
    if draft.location_type == LocationType.STORE:
        raise RuleViolation("Stores cannot be created here; RetailNext support creates them.", field="location_type")
    allowed = creatable_types(tree, draft.parent_uuid)
    if draft.location_type not in allowed:
        where = type_label(parent.location_type if not tree.is_organization(parent.uuid) else "organization")
        if allowed:
            names = ", ".join(type_label(t).lower() for t in allowed)
            msg = f"Under a {where.lower()} you can create: {names}."
        else:
            msg = f"Nothing can be created under a {where.lower()}."
        raise RuleViolation(msg, field="location_type")
    sub = draft.location_type in SUBLOCATION_TYPES
    if not sub and draft.area is not None:
        raise RuleViolation("Only sublocations take an area when created.", field="area")
    if not sub and (draft.aggregate_to_parent is not None or draft.aggregate_to_store is not None):
        raise RuleViolation("Only sublocations aggregate to their parent or store.", field="aggregate_to_parent")
    check_area(draft.area)
    return draft.model_copy(update={"name": name})


def check_update(tree: LocationTree, uuid: str, change: LocationUpdate) -> LocationUpdate:
    """Raise RuleViolation, or return the change with its name trimmed."""
    node = tree.get(uuid)
    if node is None:
        raise RuleViolation("This location is no longer in the tree; refresh and try again.")
    kind = tree.kind(node)
    update: dict[str, object] = {}
    if change.name is not None:
        update["name"] = check_name(change.name)
    if change.parent_uuid is not None and change.parent_uuid != node.parent_uuid:
        problem = move_problem(tree, uuid, change.parent_uuid)
        if problem:
            raise RuleViolation(problem, field="parent_uuid")
    if (
        change.location_type is not None
        and change.location_type != node.location_type
        and (kind is not NodeKind.SUBLOCATION or change.location_type not in SUBLOCATION_TYPES)
    ):
        raise RuleViolation(
            "Only a sublocation's type can change, and only to entrance, fitting room, display or other.",
            field="location_type",
        )
    if change.area is not None:
        if kind not in (NodeKind.STORE, NodeKind.SUBLOCATION):
            raise RuleViolation("Only stores and sublocations have an area.", field="area")
        check_area(change.area)
    if change.occupancy_limit is not None:
        if kind is not NodeKind.STORE:
            raise RuleViolation("Only stores have an occupancy limit.", field="occupancy_limit")
        check_occupancy_limit(change.occupancy_limit)
    if (change.aggregate_to_parent is not None or change.aggregate_to_store is not None) and (
        kind is not NodeKind.SUBLOCATION
    ):
        raise RuleViolation("Only sublocations aggregate to their parent or store.", field="aggregate_to_parent")
    return change.model_copy(update=update) if update else change


def apply_update(node: Location, change: LocationUpdate) -> Location:
    """The node as it will look once the server accepts `change` (for optimistic display)."""
    fields = change.model_dump(exclude_none=True, exclude={"bandwidth_limit"})
    return node.model_copy(update=fields)


def unchanged_dropped(node: Location, change: LocationUpdate) -> LocationUpdate:
    """The change without the fields that already hold the asked value."""
    current = node.model_dump()
    fields = change.model_dump(exclude_none=True)
    return LocationUpdate(**{k: v for k, v in fields.items() if current.get(k) != v})


def is_empty(change: LocationUpdate) -> bool:
    return not change.model_dump(exclude_none=True)


# ---------------------------------------------------------------- the service


class LocationsService:
    """Async use-cases over the client.

    The change methods check the rules *when called* and raise RuleViolation
    right away, before anything is sent; they return an awaitable that sends.
    So a caller can check, show the change optimistically, then await:

        sending = service.update(tree, uuid, change)   # may raise RuleViolation
        ...show it as pending...
        node = await sending                           # may raise the client's ApiError types

    `await service.update(...)` in one go works the same."""

    def __init__(self, client: RetailNextClient):
        self._client = client

    async def load_tree(self) -> LocationTree:
        """The whole tree: one v2/location answer, or, when v2 refuses it as over
        its documented 10,000 nodes, v1/location page by page (the reference's
        advice).

        The client parses a big v2 answer in an executor (v1 pages are small);
        the index is built in one too."""
        query = LocationQuery(extra_fields=list(TREE_EXTRA_FIELDS), node_types=["location"])
        try:
            nodes = await self._client.query_locations(query)
        except InvalidRequest as error:
            if not self._client.is_too_many_nodes(error):
                raise
            nodes = [node async for node in self._client.paged_locations()]
        # Indexing 10,000 nodes is ~5 ms of pure Python: done in a worker thread
        # so the GUI thread, which shares the GIL, keeps getting turns.
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, _index_locations, nodes)

    def create(self, tree: LocationTree, draft: LocationCreate) -> Awaitable[Location]:
        checked = check_create(tree, draft)
        return self._client.create_location(checked)

    def update(self, tree: LocationTree, uuid: str, change: LocationUpdate) -> Awaitable[Location]:
        checked = check_update(tree, uuid, change)  # raises before .nodes[uuid] can
        checked = unchanged_dropped(tree.nodes[uuid], checked)
        if is_empty(checked):
            return _already(tree.nodes[uuid])
        return self._client.update_location(uuid, checked)

    def rename(self, tree: LocationTree, uuid: str, name: str) -> Awaitable[Location]:
        return self.update(tree, uuid, LocationUpdate(name=name))

    def move(self, tree: LocationTree, uuid: str, new_parent_uuid: str) -> Awaitable[Location]:
        return self.update(tree, uuid, LocationUpdate(parent_uuid=new_parent_uuid))

    def edit(
        self, tree: LocationTree, uuid: str, *, area: float | None = None, occupancy_limit: int | None = None
    ) -> Awaitable[Location]:
        return self.update(tree, uuid, LocationUpdate(area=area, occupancy_limit=occupancy_limit))


def _index_locations(nodes: list[Location]) -> LocationTree:
    # Video / traffic / POS nodes are not part of the location tree.
    return LocationTree.from_nodes(n for n in nodes if n.type in ("location", "", None))


async def _already(node: Location) -> Location:
    return node
