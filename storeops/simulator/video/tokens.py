"""HLS access tokens: `POST v1/hlsapitoken` grants a location's channels for 24 hours."""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

TOKEN_LIFETIME = timedelta(hours=24)


@dataclass(frozen=True)
class Grant:
    location_uuid: str
    # The subtree the token opens: the location itself and what lies below it, never
    # more. The reference: "access to video channels within the specified location";
    # a token asked for an entrance must not show the whole store's cameras.
    scope_uuid: str
    expires_at: datetime


def _ancestors_or_self(nodes: dict[str, Any], uuid: str) -> list[str]:
    chain: list[str] = []
    seen: set[str] = set()
    current: str | None = uuid
    while current and current in nodes and current not in seen:
        seen.add(current)
        chain.append(current)
        current = getattr(nodes[current], "parent_uuid", None)
    return chain


class TokenStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._grants: dict[str, Grant] = {}

    def issue(self, world: Any, location_uuid: str, now: datetime) -> str | None:
        """A new token for `location_uuid`, or None if there is no such location."""
        with world.lock:
            nodes = world.nodes
            if location_uuid not in nodes:
                return None
        token = secrets.token_urlsafe(20)
        with self._lock:
            self._grants = {t: g for t, g in self._grants.items() if g.expires_at > now}
            self._grants[token] = Grant(location_uuid, location_uuid, now + TOKEN_LIFETIME)
        return token

    def check(self, world: Any, token: str | None, channel_uuid: str, store_uuid: str, now: datetime) -> str | None:
        """None if `token` opens the channel now, else the reason it does not.

        A channel is a "video" node of the location tree (under its store, unless moved
        below a sublocation); `store_uuid` places it when it has no node."""
        if not token:
            return "missing token"
        with self._lock:
            grant = self._grants.get(token)
        if grant is None:
            return "unknown token"
        if grant.expires_at <= now:
            return "token expired"
        with world.lock:
            start = channel_uuid if channel_uuid in world.nodes else store_uuid
            chain = _ancestors_or_self(world.nodes, start)
        if grant.scope_uuid not in chain:
            return "channel is outside the token's location"
        return None
