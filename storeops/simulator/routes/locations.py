"""v2/location: query, create and update location nodes; v1/location: every
location node, paged (the reference's way round v2's 10,000-node limit)."""

from __future__ import annotations

import json
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from storeops.simulator.context import SimContext
from storeops.simulator.errors import (
    ApiError,
    bad,
    opt_bool,
    opt_int,
    opt_number,
    opt_str,
    read_object,
    req_str,
    str_list,
)
from storeops.simulator.pagination import header_page_response, page_by_offset
from storeops.simulator.world import EXTRA_FIELDS, SUBLOCATION_TYPES, Node, World

MAX_NODES = 10_000  # the reference's limit of one v2/location answer
_ALL_EXTRA = tuple(EXTRA_FIELDS.values())
LOCATION_TYPES = (*SUBLOCATION_TYPES, "store", "region", "organization")
NODE_TYPES = ("location", "video", "traffic", "pos")
_UPDATE_FIELDS = {
    "name",
    "parent_uuid",
    "location_type",
    "area",
    "occupancy_limit",
    "bandwidth_limit",
    "aggregate_to_parent",
    "aggregate_to_store",
}
_CREATE_FIELDS = {"name", "parent_uuid", "location_type", "area", "aggregate_to_parent", "aggregate_to_store"}


def location_routes(ctx: SimContext) -> list[Route]:
    world = ctx.world

    async def query(request: Request) -> Response:
        body = await read_object(request, optional=True)
        content = await run_in_threadpool(_query, world, body, ctx.location_node_limit)
        return Response(content, media_type="application/json")

    async def paged(request: Request) -> Response:
        # Walked again for every page: pages stay consistent with the tree as it
        # is now, and a walk of 10,000 nodes takes a few milliseconds.
        nodes = await run_in_threadpool(_location_nodes, world)
        page, following = page_by_offset(request, nodes)
        return header_page_response({"locations": [n.to_json(_ALL_EXTRA) for n in page]}, following)

    async def create(request: Request) -> Response:
        body = await read_object(request)
        return JSONResponse(_create(world, body))

    async def update(request: Request) -> Response:
        uuid = request.path_params["uuid"]
        body = await read_object(request)
        return JSONResponse(_update(world, uuid, body))

    return [
        Route("/v1/location", paged, methods=["GET"]),
        Route("/v2/location", query, methods=["POST"]),
        Route("/v2/location/create", create, methods=["POST"]),
        Route("/v2/location/{uuid}", update, methods=["PUT"]),
    ]


def _location_nodes(world: World) -> list[Node]:
    """Every location node (no video, traffic or POS nodes), parents first."""
    return [n for n in world.walk(world.organization_uuid) if n.type == "location"]


def _query(world: World, body: dict[str, Any], max_nodes: int = MAX_NODES) -> bytes:
    unknown = set(body) - {"extra_fields", "where", "root_uuids"}
    if unknown:
        raise bad(f"unknown field(s): {', '.join(sorted(unknown))}")
    extra_names = str_list(body.get("extra_fields") or [], "extra_fields")
    for name in extra_names:
        if name not in EXTRA_FIELDS:
            raise bad(f"unknown extra field: {name}; supported: {', '.join(EXTRA_FIELDS)}")
    extra = tuple(EXTRA_FIELDS[n] for n in extra_names)
    location_types, node_types, uuids = _where(body.get("where"))
    roots = str_list(body.get("root_uuids") or [], "root_uuids")
    with world.lock:
        for root in roots:
            if root not in world.nodes:
                raise bad(f"unknown root uuid: {root}")
        lists: list[list[Node]] = []
        total = 0
        for root in roots or [world.organization_uuid]:
            picked = [
                n
                for n in world.walk(root)
                if (location_types is None or n.location_type in location_types)
                and (node_types is None or n.type in node_types)
                and (uuids is None or n.uuid in uuids)
            ]
            total += len(picked)
            lists.append(picked)
        if total > max_nodes:
            raise bad(f"too many result nodes ({total}), please refine your query")
        nodes = [[n.to_json(extra) for n in picked] for picked in lists]
    return json.dumps({"nodes": nodes}, separators=(",", ":")).encode()


def _where(where: Any) -> tuple[set[str] | None, set[str] | None, set[str] | None]:
    if where is None:
        return None, None, None
    if not isinstance(where, dict):
        raise bad("where must be an object")
    clauses = [where]
    if "and" in where:
        if not isinstance(where["and"], list) or not all(isinstance(c, dict) for c in where["and"]):
            raise bad("where.and must be a list of objects")
        clauses = [{k: v for k, v in where.items() if k != "and"}, *where["and"]]
    found: dict[str, set[str]] = {}
    allowed = {"location_types": LOCATION_TYPES, "node_types": NODE_TYPES, "uuids": None}
    for clause in clauses:
        for key, value in clause.items():
            if key not in allowed:
                raise bad(f"unknown where filter: {key}; supported: and, {', '.join(allowed)}")
            values = set(str_list(value, f"where.{key}"))
            choices = allowed[key]
            if choices is not None:
                wrong = values - set(choices)
                if wrong:
                    raise bad(f"unknown {key} value(s): {', '.join(sorted(wrong))}")
            # Several clauses on the same key narrow each other (it is an "and").
            found[key] = found[key] & values if key in found else values
    return found.get("location_types"), found.get("node_types"), found.get("uuids")


def _node_out(node: Node) -> dict[str, Any]:
    out = node.to_json()
    if node.is_store:
        out["occupancy_limit"] = node.occupancy_limit
        if node.bandwidth_limit is not None:
            out["bandwidth_limit"] = node.bandwidth_limit
    return out


def _create(world: World, body: dict[str, Any]) -> dict[str, Any]:
    unknown = set(body) - _CREATE_FIELDS
    if unknown:
        raise bad(f"unknown field(s): {', '.join(sorted(unknown))}")
    name = req_str(body, "name").strip()
    parent_uuid = req_str(body, "parent_uuid")
    location_type = req_str(body, "location_type")
    area = opt_number(body, "area")
    to_parent = opt_bool(body, "aggregate_to_parent")
    to_store = opt_bool(body, "aggregate_to_store")
    if location_type == "store":
        raise bad("creating store locations is not supported through the API")
    if location_type not in (*SUBLOCATION_TYPES, "region"):
        raise bad(f"location_type must be one of: {', '.join(SUBLOCATION_TYPES)}, region")
    if area is not None and area < 0:
        raise bad("area must not be negative")
    with world.lock:
        parent = world.nodes.get(parent_uuid)
        if parent is None or parent.type != "location":
            raise bad(f"unknown parent_uuid: {parent_uuid}")
        if location_type == "region":
            if not parent.is_region:
                raise bad("a region's parent must be a region or the subscription (organization) uuid")
            if area is not None or to_parent is not None or to_store is not None:
                raise bad("area and aggregate flags only apply to sublocations")
            node = Node(_new_uuid(world), name, "region", parent_uuid)
        else:
            if not (parent.is_store or parent.is_sublocation):
                raise bad("a sublocation's parent must be a store (or another sublocation)")
            entrance = location_type == "entrance"
            node = Node(
                _new_uuid(world),
                name,
                location_type,
                parent_uuid,
                area=area,
                aggregate_to_parent=entrance if to_parent is None else to_parent,
                aggregate_to_store=entrance if to_store is None else to_store,
            )
        world.add(node)
        return _node_out(node)


def _new_uuid(world: World) -> str:
    import uuid as uuidlib

    # Created nodes need not be reproducible, only unique.
    while True:
        candidate = str(uuidlib.uuid4())
        if candidate not in world.nodes:
            return candidate


def _update(world: World, uuid: str, body: dict[str, Any]) -> dict[str, Any]:
    with world.lock:
        node = world.nodes.get(uuid)
        if node is None or node.type != "location":
            raise ApiError(404, f"no location with uuid {uuid}")
        unknown = set(body) - _UPDATE_FIELDS
        if unknown:
            raise bad(f"unknown field(s): {', '.join(sorted(unknown))}")
        if not body:
            raise bad("nothing to update")
        if node.location_type == "organization":
            raise bad("the organization node cannot be changed through the API")
        name = opt_str(body, "name")
        parent_uuid = opt_str(body, "parent_uuid")
        new_type = opt_str(body, "location_type")
        area = opt_number(body, "area")
        limit = opt_int(body, "occupancy_limit")
        bandwidth = opt_int(body, "bandwidth_limit")
        to_parent = opt_bool(body, "aggregate_to_parent")
        to_store = opt_bool(body, "aggregate_to_store")

        if new_type is not None and new_type != node.location_type:
            if new_type in ("store", "region", "organization") or not node.is_sublocation:
                raise bad("changing location_type to or from store or region is not supported")
            if new_type not in SUBLOCATION_TYPES:
                raise bad(f"location_type must be one of: {', '.join(SUBLOCATION_TYPES)}")
        if area is not None:
            if node.is_region:
                raise bad("area only applies to stores and sublocations")
            if area < 0:
                raise bad("area must not be negative")
        if limit is not None:
            if not node.is_store:
                raise bad("occupancy_limit only applies to stores")
            if limit < 1:
                raise bad("occupancy_limit must be a positive integer")
        if bandwidth is not None:
            if not node.is_store:
                raise bad("bandwidth_limit only applies to stores")
            if bandwidth < 0:
                raise bad("bandwidth_limit must not be negative (0 reverts to the global limit)")
        if (to_parent is not None or to_store is not None) and not node.is_sublocation:
            raise bad("aggregate flags only apply to sublocations")
        if parent_uuid is not None and parent_uuid != node.parent_uuid:
            _check_move(world, node, parent_uuid)

        # Everything is valid: apply it all at once.
        if name is not None:
            node.name = name.strip()
        if parent_uuid is not None and parent_uuid != node.parent_uuid:
            world.move(node.uuid, parent_uuid)
        if new_type is not None:
            node.location_type = new_type
        if area is not None:
            node.area = area
        if limit is not None:
            node.occupancy_limit = limit
        if bandwidth is not None:
            node.bandwidth_limit = bandwidth or None
        if to_parent is not None:
            node.aggregate_to_parent = to_parent
        if to_store is not None:
            node.aggregate_to_store = to_store
        return _node_out(node)


def _check_move(world: World, node: Node, parent_uuid: str) -> None:
    parent = world.nodes.get(parent_uuid)
    if parent is None or parent.type != "location":
        raise bad(f"unknown parent_uuid: {parent_uuid}")
    if parent.uuid == node.uuid or world.is_descendant(parent.uuid, node.uuid):
        raise bad("a location cannot move beneath itself")
    if node.is_sublocation and not (parent.is_store or parent.is_sublocation):
        raise bad("a sublocation's parent must be a store (or another sublocation)")
    if node.is_store and not parent.is_region:
        raise bad("a store's parent must be a region")
    if node.is_region and not parent.is_region:
        raise bad("a region's parent must be a region or the organization")
