"""The request pipeline over real HTTP: credentials, limits, retries (and the
refusal to repeat unsafe calls), typed errors, and secrets kept out of sight."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from storeops.api.client import RetailNextClient
from storeops.api.errors import (
    ApiError,
    AuthError,
    ConnectionFailed,
    InvalidRequest,
    ProtocolError,
    RateLimited,
    RequestTimeout,
    ServerError,
    ValidationError,
)
from storeops.api.models import ExportRequest, LocationCreate, LocationQuery
from storeops.api.retry import RetryPolicy
from tests.conftest import ACCESS_KEY, SECRET_KEY

from .conftest import FAST_RETRY, make_client, sent


async def test_wrong_secret_is_an_auth_error(sim):
    async with RetailNextClient(sim.url, ACCESS_KEY, "wrong-secret", retry=FAST_RETRY) as bad:
        before = sent(sim, "/v2/location")
        with pytest.raises(AuthError) as info:
            await bad.query_locations()
        assert info.value.status == 401
        assert sent(sim, "/v2/location") == before + 1  # a 401 is not retried


async def test_injected_http_client_is_used_and_left_open(sim):
    async with httpx.AsyncClient() as http:
        client = make_client(sim, http=http)
        assert await client.query_locations(LocationQuery(location_types=["store"]))
        await client.aclose()
        assert not http.is_closed  # not ours to close
        response = await http.post(sim.url + "/v2/location", json={}, auth=(ACCESS_KEY, SECRET_KEY))
        assert response.status_code == 200


async def test_owned_http_client_is_closed(sim):
    client = make_client(sim)
    await client.query_locations(LocationQuery(location_types=["region"]))
    await client.aclose()
    assert client.transport.http.is_closed


async def test_injected_client_auth_never_replaces_ours(sim):
    # An injected client configured with other credentials: the per-request
    # auth of the RetailNext client wins, and only its own header is sent.
    async with httpx.AsyncClient(auth=("someone", "else")) as http, make_client(sim, http=http) as client:
        assert await client.query_locations(LocationQuery(location_types=["store"]))


# ------------------------------------------------------------ limits


async def test_many_concurrent_location_queries_never_get_429(fresh_sim):
    # No retries: any 429 would surface as RateLimited.
    async with make_client(fresh_sim, retry=RetryPolicy.never()) as client:
        fresh_sim.faults.add("/v2/location", "delay", count=6, seconds=0.1)
        results = await asyncio.gather(
            *[client.query_locations(LocationQuery(location_types=["store"])) for _ in range(12)]
        )
    assert all(results)
    assert fresh_sim.limits.peak["location"] == 2
    assert fresh_sim.limits.rejected["location"] == 0


async def test_concurrent_cameras_and_predictions_stay_within_their_limits(fresh_sim):
    async with make_client(fresh_sim, retry=RetryPolicy.never()) as client:
        fresh_sim.faults.add("/v1/inventory/cameras", "delay", count=8, seconds=0.05)

        async def listing():
            return [c async for c in client.cameras(page_length=25)]

        await asyncio.gather(*[listing() for _ in range(10)])
    assert fresh_sim.limits.peak["cameras"] <= 3
    assert fresh_sim.limits.rejected["cameras"] == 0


async def test_global_in_flight_cap(fresh_sim):
    async with make_client(fresh_sim, max_in_flight=4, retry=RetryPolicy.never()) as client:
        fresh_sim.faults.add("/v1/healthalerts", "delay", count=12, seconds=0.1)
        started = asyncio.get_running_loop().time()

        async def alerts():
            return [a async for a in client.health_alerts()]

        await asyncio.gather(*[alerts() for _ in range(12)])
        elapsed = asyncio.get_running_loop().time() - started
    # 12 delayed requests, 4 at a time: at least three rounds of 0.1 s.
    assert elapsed >= 0.28


# ------------------------------------------------------------ retries of safe calls


@pytest.mark.parametrize(
    "fault",
    [
        {"kind": "status", "status": 503},
        {"kind": "status", "status": 502},
        {"kind": "status", "status": 500},
        {"kind": "status", "status": 429, "retry_after": 0},
        {"kind": "disconnect"},
    ],
)
async def test_safe_call_is_retried(fresh_sim, fresh_client, fault):
    params = dict(fault)
    kind = params.pop("kind")
    fresh_sim.faults.add("/v2/location", kind, count=2, **params)
    nodes = await fresh_client.query_locations(LocationQuery(location_types=["store"]))
    assert nodes
    assert sent(fresh_sim, "/v2/location") == 3  # two faults, then the answer


async def test_retry_after_is_waited_for(fresh_sim, fresh_client):
    fresh_sim.faults.add("/v1/hlsapitoken", "status", count=1, status=429, retry_after=0.4)
    store = fresh_sim.world.stores()[0]
    started = asyncio.get_running_loop().time()
    token = await fresh_client.hls_token(store.uuid)
    assert token.token
    assert asyncio.get_running_loop().time() - started >= 0.38
    assert sent(fresh_sim, "/v1/hlsapitoken") == 2


async def test_retries_give_up_with_the_typed_error(fresh_sim, fresh_client):
    fresh_sim.faults.add("/v2/datamine", "status", count=10, status=503, detail="maintenance")
    from datetime import date

    from storeops.api.datamine import DatamineRequest, DateRange

    with pytest.raises(ServerError) as info:
        await fresh_client.datamine(
            DatamineRequest(
                [fresh_sim.world.stores()[0].uuid], ["traffic_in"], [DateRange.days(date(2025, 1, 1), date(2025, 1, 2))]
            )
        )
    assert info.value.status == 503 and info.value.detail == "maintenance"
    assert sent(fresh_sim, "/v2/datamine") == FAST_RETRY.max_attempts


async def test_429_for_a_safe_call_surfaces_when_retry_after_is_too_long(fresh_sim, fresh_client):
    fresh_sim.faults.add("/v1/storehours", "status", count=1, status=429, retry_after=120)
    store = fresh_sim.world.stores()[0]
    with pytest.raises(RateLimited) as info:
        await fresh_client.store_hours([store.uuid], datetime(2025, 1, 1).date(), datetime(2025, 1, 2).date())
    assert info.value.retry_after == 120
    assert sent(fresh_sim, "/v1/storehours") == 1


async def test_bad_request_is_not_retried(fresh_sim, fresh_client):
    fresh_sim.faults.add("/v2/location", "status", count=1, status=400, detail="refine your query")
    with pytest.raises(InvalidRequest) as info:
        await fresh_client.query_locations()
    assert info.value.detail == "refine your query"
    assert "refine your query" in str(info.value)
    assert sent(fresh_sim, "/v2/location") == 1


# ------------------------------------------------------------ unsafe calls: sent once


@pytest.mark.parametrize(
    "fault",
    [
        {"kind": "status", "status": 503},
        {"kind": "status", "status": 429, "retry_after": 0},
        {"kind": "disconnect"},
    ],
)
async def test_create_location_is_never_repeated(fresh_sim, fresh_client, fault):
    params = dict(fault)
    kind = params.pop("kind")
    fresh_sim.faults.add("/v2/location/create", kind, count=3, **params)
    store = fresh_sim.world.stores()[0]
    with pytest.raises(ApiError):
        await fresh_client.create_location(
            LocationCreate(name="Front Table 3", parent_uuid=store.uuid, location_type="display")
        )
    assert sent(fresh_sim, "/v2/location/create") == 1


@pytest.mark.parametrize(
    "kind,params,error",
    [
        ("status", {"status": 503}, ServerError),
        ("status", {"status": 500}, ServerError),
        ("status", {"status": 429, "retry_after": 0}, RateLimited),
        ("disconnect", {}, ConnectionFailed),
    ],
)
async def test_adjust_occupancy_is_never_repeated(fresh_sim, fresh_client, kind, params, error):
    fresh_sim.faults.add("/v1/occupancy/adjust", kind, count=3, **params)
    with pytest.raises(error):
        await fresh_client.adjust_occupancy(fresh_sim.world.stores()[0].uuid, 1)
    assert sent(fresh_sim, "/v1/occupancy/adjust") == 1
    with fresh_sim.world.lock:
        assert fresh_sim.world.adjustments == []


@pytest.mark.parametrize(
    "fault",
    [
        {"kind": "status", "status": 503},
        {"kind": "disconnect"},
    ],
)
async def test_export_start_is_never_repeated(fresh_sim, fresh_client, fault):
    params = dict(fault)
    kind = params.pop("kind")
    fresh_sim.faults.add("/v1/video/export/start", kind, count=3, **params)
    channel = next(iter(fresh_sim.world.channels))
    end = datetime.now(UTC) - timedelta(minutes=5)
    with pytest.raises(ApiError):
        await fresh_client.start_export(ExportRequest(channels=[channel], start=end - timedelta(seconds=10), end=end))
    assert sent(fresh_sim, "/v1/video/export/start") == 1


async def test_update_location_may_be_retried(fresh_sim, fresh_client):
    from storeops.api.models import LocationUpdate

    store = fresh_sim.world.stores()[0]
    fresh_sim.faults.add(f"/v2/location/{store.uuid}", "status", count=1, status=503)
    updated = await fresh_client.update_location(store.uuid, LocationUpdate(name="Renamed"))
    assert updated.name == "Renamed"
    assert sent(fresh_sim, f"/v2/location/{store.uuid}") == 2


# ------------------------------------------------------------ malformed answers / timeouts


async def test_malformed_body_is_a_protocol_error(fresh_sim, fresh_client):
    fresh_sim.faults.add("/v2/location", "malformed", count=1)
    with pytest.raises(ProtocolError):
        await fresh_client.query_locations()
    assert sent(fresh_sim, "/v2/location") == 1


async def test_unexpected_shape_is_a_protocol_error(fresh_sim, fresh_client):
    fresh_sim.faults.add("/v1/hlsapitoken", "malformed", count=1, body=b'{"token": 42}')
    with pytest.raises(ProtocolError) as info:
        await fresh_client.hls_token(fresh_sim.world.stores()[0].uuid)
    assert "token" in str(info.value)
    fresh_sim.faults.add("/v2/location", "malformed", count=1, body=b'{"nodes": [[{"name": "x"}]]}')
    with pytest.raises(ProtocolError):
        await fresh_client.query_locations()


async def test_slow_answer_is_a_timeout(fresh_sim):
    async with make_client(fresh_sim, timeout=0.2, retry=RetryPolicy.never()) as client:
        fresh_sim.faults.add("/v1/inventory/appliances", "delay", count=1, seconds=1.0)
        with pytest.raises(RequestTimeout):
            [a async for a in client.appliances()]


async def test_nobody_listening_is_connection_failed():
    async with RetailNextClient("http://127.0.0.1:9", "k", "s", retry=FAST_RETRY) as client:
        with pytest.raises(ConnectionFailed) as info:
            await client.query_locations()
    assert "POST /v2/location" in str(info.value)


async def test_plain_http_to_another_host_is_refused():
    with pytest.raises(ValidationError):
        RetailNextClient("http://api.example.com", ACCESS_KEY, SECRET_KEY)
    with pytest.raises(ValidationError):
        RetailNextClient("http://192.168.1.10:8080", ACCESS_KEY, SECRET_KEY)


# ------------------------------------------------------------ credentials and secrets


async def test_download_link_to_another_host_gets_no_credentials(sim, fresh_sim, tmp_path):
    # Two simulators with the same keys are two origins. A download link that
    # points at the other one must be fetched without our Authorization header:
    # the other simulator then answers 401, proving nothing was sent.
    from storeops.api.models import ExportState, ExportStatus

    file = sorted(fresh_sim.world.files)[0]
    foreign = f"{fresh_sim.url}/v1/downloads/download?file={file}"
    async with make_client(sim) as client:
        status = ExportStatus(export_id="x", state=ExportState.READY, download_url=foreign)
        with pytest.raises(AuthError):
            await client.download_export(status, tmp_path / "out.csv")
    assert sent(fresh_sim, "/v1/downloads/download") == 1
    assert not (tmp_path / "out.csv").exists()

    # The same link on our own origin carries the credentials and works.
    own = f"{sim.url}/v1/downloads/download?file={sorted(sim.world.files)[0]}"
    async with make_client(sim) as client:
        status = ExportStatus(export_id="x", state=ExportState.READY, download_url=own)
        path = await client.download_export(status, tmp_path / "own.csv")
    assert path.read_bytes() == sim.world.file_bytes(sorted(sim.world.files)[0])


async def test_secrets_never_in_repr_errors_or_logs(fresh_sim, caplog):
    import base64

    secret_forms = [SECRET_KEY, base64.b64encode(f"{ACCESS_KEY}:{SECRET_KEY}".encode()).decode()]
    caplog.set_level(logging.DEBUG)
    async with make_client(fresh_sim) as client:
        texts = [repr(client), str(client), repr(client.transport)]
        store = fresh_sim.world.stores()[0]
        token = await client.hls_token(store.uuid)
        texts += [repr(token), str(token)]
        fresh_sim.faults.add("/v2/location", "status", count=2, status=503)
        await client.query_locations(LocationQuery(location_types=["store"]))  # retried, logged
        errors: list[BaseException] = []
        for kind, params in [
            ("status", {"status": 401}),
            ("status", {"status": 500}),
            ("malformed", {"status": 502}),
            ("disconnect", {}),
        ]:
            fresh_sim.faults.add("/v1/occupancy/adjust", kind, count=1, **params)
            try:
                await client.adjust_occupancy(store.uuid, 1)
            except ApiError as exc:
                errors.append(exc)
        assert len(errors) == 4
        texts += [str(e) for e in errors] + [repr(e) for e in errors]
        texts += [str(e.__cause__) for e in errors if e.__cause__ is not None]
    texts.append(caplog.text)
    assert "retry 1" in caplog.text  # the retry was logged: the check below looked at real logs
    for text in texts:
        for secret in secret_forms:
            assert secret not in text
        assert token.token not in text
    assert all("/v1/occupancy/adjust" in str(e) for e in errors)


async def test_query_strings_are_cut_from_httpx_logs(client, sim, tmp_path, caplog):
    # A cloud download link may be pre-signed: its query string is a credential.
    caplog.set_level(logging.INFO, logger="httpx")
    name = sorted(sim.world.files)[0]
    await client.download_file(name, tmp_path / "f.csv")
    lines = [r.getMessage() for r in caplog.records if r.name == "httpx"]
    assert any("/v1/downloads/download?…" in line for line in lines)
    assert not any("file=" in line for line in lines)
