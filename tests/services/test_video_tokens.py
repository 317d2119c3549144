"""The video service over real HTTP: one HLS token per store, kept and renewed before
its 24 hours are up (the service and the simulator share one pinned clock, moved by
the test), stream URLs as the reference documents them, and the channel list grouped
by store from the camera and channel inventories."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest

from storeops.api.client import RetailNextClient
from storeops.api.errors import NotFound, ServerError
from storeops.services.bundle import Services
from storeops.services.video import RENEW_BEFORE, TOKEN_LIFETIME, ChannelEntry, VideoService
from tests.api.conftest import FAST_RETRY, sent
from tests.conftest import ACCESS_KEY, SECRET_KEY


@pytest.fixture
async def setup(fresh_sim):
    clock = fresh_sim.clock
    clock.freeze(clock.now().replace(microsecond=0))
    async with RetailNextClient(fresh_sim.url, ACCESS_KEY, SECRET_KEY, retry=FAST_RETRY) as client:
        yield fresh_sim, VideoService(client, now=clock.now)


def _opens(sim, url: str) -> int:
    return httpx.get(url, timeout=20).status_code


async def test_channels_are_listed_with_their_store_and_their_urls_open(setup):
    sim, service = setup
    entries = await service.channel_list()
    assert {e.channel_uuid for e in entries} == set(sim.world.channels)
    for entry in entries:
        rec = sim.world.channels[entry.channel_uuid]
        assert (entry.name, entry.store_uuid, entry.resolution) == (rec.name, rec.store_uuid, rec.resolution)
    assert [e.store_uuid for e in entries] == sorted(e.store_uuid for e in entries)
    first = entries[0]
    url = await service.stream_url(first)
    token = (await service.token(first.store_uuid)).token
    assert url == f"{sim.url}/v1/hls/{first.channel_uuid}.m3u8?token={token}"
    assert _opens(sim, url) == 200
    # One token per store: every channel of that store shares it.
    same_store = [e for e in entries if e.store_uuid == first.store_uuid]
    for entry in same_store:
        assert _opens(sim, await service.stream_url(entry)) == 200
    assert service.tokens_issued == 1 and sent(sim, "/v1/hlsapitoken") == 1


async def test_the_token_is_kept_then_renewed_before_it_expires(setup):
    sim, service = setup
    store = next(iter(sim.world.channels.values())).store_uuid
    channel = next(c for c in sim.world.channels.values() if c.store_uuid == store)
    entry = ChannelEntry(channel.uuid, channel.name, store)
    first = await service.token(store)
    issued = sim.clock.now()
    assert service.expires_at(store) == issued + TOKEN_LIFETIME

    # Just before the renewal point: the same token, no request.
    sim.clock.advance(TOKEN_LIFETIME - RENEW_BEFORE - timedelta(seconds=1))
    assert (await service.token(store)).token == first.token
    assert sent(sim, "/v1/hlsapitoken") == 1

    # Past it (still before expiry): a new token, which the server accepts.
    sim.clock.advance(timedelta(seconds=2))
    renewed_url = await service.stream_url(entry)
    second = await service.token(store)
    assert second.token != first.token and sent(sim, "/v1/hlsapitoken") == 2
    assert service.expires_at(store) == sim.clock.now() + TOKEN_LIFETIME
    # At 24 h the old token dies on the server; the renewed one plays on.
    sim.clock.advance(RENEW_BEFORE)
    old_url = f"{sim.url}/v1/hls/{channel.uuid}.m3u8?token={first.token}"
    assert _opens(sim, old_url) == 403
    assert _opens(sim, renewed_url) == 200


async def test_tiles_asking_at_once_share_one_request_and_a_refused_token_is_replaced(setup):
    sim, service = setup
    store = next(iter(sim.world.channels.values())).store_uuid
    tokens = await asyncio.gather(*(service.token(store) for _ in range(6)))
    assert len({t.token for t in tokens}) == 1 and sent(sim, "/v1/hlsapitoken") == 1
    service.forget_token(store)
    assert (await service.token(store)).token != tokens[0].token
    assert sent(sim, "/v1/hlsapitoken") == 2


async def test_a_cancelled_asker_does_not_cancel_the_request_the_others_wait_for(setup):
    sim, service = setup
    store = next(iter(sim.world.channels.values())).store_uuid
    sim.faults.add("/v1/hlsapitoken", "delay", count=1, seconds=0.5)
    first = asyncio.ensure_future(service.token(store))  # the one that sends the request
    await asyncio.sleep(0.1)
    second = asyncio.ensure_future(service.token(store))
    await asyncio.sleep(0.1)
    first.cancel()  # e.g. its tile was closed
    token = await asyncio.wait_for(second, 10)
    assert token.token and first.cancelled()
    assert sent(sim, "/v1/hlsapitoken") == 1


async def test_a_failed_token_request_is_not_cached(setup):
    sim, service = setup
    store = next(iter(sim.world.channels.values())).store_uuid
    sim.faults.add("/v1/hlsapitoken", "status", count=8, status=503)
    asked = sent(sim, "/v1/hlsapitoken")
    with pytest.raises(ServerError):
        await asyncio.gather(service.token(store), service.token(store))
    assert sent(sim, "/v1/hlsapitoken") - asked == FAST_RETRY.max_attempts  # one caller's retries, shared
    sim.faults.clear()
    assert (await service.token(store)).token
    with pytest.raises(NotFound):
        await service.token("00000000-0000-0000-0000-000000000000")


async def test_the_bundle_has_one_video_service_on_the_connections_clock(setup):
    sim, service = setup
    services = Services(service.client, now=sim.clock.now)
    assert services.video is services.video
    assert services.video.now == sim.clock.now
