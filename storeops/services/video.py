"""Live video as a use-case: the channels a manager can watch (grouped by store) and
the stream URL of each, with the HLS token of its store kept and renewed. No Qt.

Tokens (POST v1/hlsapitoken) grant a location's channels for 24 hours. One token per
location is asked for once, shared by every tile of that store, and renewed an hour
before it expires — by the injected clock, so a pinned demo or a test decides "now" —
so a tile that reconnects at hour 23 does not get a token that dies under it. A stream
the server refuses (403) drops the token: the next attempt asks for a fresh one.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, TypeVar

from storeops.api.models import Camera, Channel, HlsToken
from storeops.services.store_hours import utc_now

if TYPE_CHECKING:  # the client is injected; importing it here would pull httpx into every import
    from storeops.api.client import RetailNextClient

TOKEN_LIFETIME = timedelta(hours=24)  # the reference: "Tokens expire after 24 hours"
# Renew this long before expiry: a stream opened just before the deadline keeps its
# token for an hour at least, and a clock a few minutes off does not matter.
RENEW_BEFORE = timedelta(hours=1)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ChannelEntry:
    """A channel a tile can play: its name and the store it belongs to."""

    channel_uuid: str
    name: str
    store_uuid: str
    camera_name: str = ""
    resolution: str = ""

    @property
    def label(self) -> str:
        return self.name or self.camera_name or self.channel_uuid[:8]


@dataclass(frozen=True, slots=True)
class _CachedToken:
    token: HlsToken
    issued_at: datetime

    def fresh(self, now: datetime) -> bool:
        return now < self.issued_at + TOKEN_LIFETIME - RENEW_BEFORE


class VideoService:
    """Channels and stream URLs of one connection."""

    def __init__(self, client: RetailNextClient, *, now: Callable[[], datetime] = utc_now) -> None:
        self.client = client
        self.now = now
        self._tokens: dict[str, _CachedToken] = {}
        self._asking: dict[str, asyncio.Future[HlsToken]] = {}  # requests in flight
        self.tokens_issued = 0  # tokens asked of the server (tests, diagnostics)

    # ------------------------------------------------------------ tokens

    async def token(self, location_uuid: str) -> HlsToken:
        """The location's token: the cached one while fresh, else a new one. Tiles that
        ask at once share one request, which goes on when one of them is cancelled
        (a tile closed meanwhile) so the others still get their token."""
        cached = self._tokens.get(location_uuid)
        if cached is not None and cached.fresh(self.now()):
            return cached.token
        asking = self._asking.get(location_uuid)
        if asking is None:
            asking = asyncio.ensure_future(self._ask(location_uuid))
            self._asking[location_uuid] = asking
            asking.add_done_callback(functools.partial(self._asked, location_uuid))
        return await asyncio.shield(asking)

    def _asked(self, location_uuid: str, task: asyncio.Future[HlsToken]) -> None:
        self._asking.pop(location_uuid, None)
        if not task.cancelled():
            task.exception()  # retrieved: the askers got it (or were cancelled meanwhile)

    async def _ask(self, location_uuid: str) -> HlsToken:
        issued_at = self.now()
        token = await self.client.hls_token(location_uuid)
        self.tokens_issued += 1
        self._tokens[location_uuid] = _CachedToken(token, issued_at)
        return token

    def expires_at(self, location_uuid: str) -> datetime | None:
        cached = self._tokens.get(location_uuid)
        return None if cached is None else cached.issued_at + TOKEN_LIFETIME

    def forget_token(self, location_uuid: str) -> None:
        """The server refused a stream with this token (revoked, or expired early)."""
        self._tokens.pop(location_uuid, None)

    async def stream_url(self, channel: ChannelEntry) -> str:
        """The channel's HLS URL as the reference documents it (it carries the token:
        never log it; storeops.media.redact_url drops it)."""
        token = await self.token(channel.store_uuid)
        return self.client.hls_url(channel.channel_uuid, token)

    # ------------------------------------------------------------ channels

    async def channel_list(self) -> list[ChannelEntry]:
        """Every video channel with its store, from the camera and channel inventories
        (a channel names no store; its camera does)."""
        cameras, channels = await asyncio.gather(_collect(self.client.cameras()), _collect(self.client.channels()))
        return join_channels(cameras, channels)


async def _collect(items: AsyncIterator[T]) -> list[T]:
    return [item async for item in items]


def join_channels(cameras: Iterable[Camera], channels: Iterable[Channel]) -> list[ChannelEntry]:
    """Channels placed in their camera's store, sorted by store then name. A channel
    no camera lists (or whose camera names no store) cannot get a token: left out."""
    by_uuid = {c.channel_uuid: c for c in channels}
    entries: dict[str, ChannelEntry] = {}
    for camera in cameras:
        if not camera.store_uuid:
            continue
        for uuid in camera.video_channel_uuids:
            channel = by_uuid.get(uuid)
            entries[uuid] = ChannelEntry(
                uuid,
                channel.name if channel is not None else "",
                camera.store_uuid,
                camera.device_name,
                channel.resolution if channel is not None else "",
            )
    return sorted(entries.values(), key=lambda e: (e.store_uuid, e.label.casefold(), e.channel_uuid))
