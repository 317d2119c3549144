"""The async RetailNext API client: one object per subscription, long-lived.

    async with RetailNextClient.for_subscription("acme", access_key, secret_key) as client:
        stores = await client.query_locations(LocationQuery(location_types=["store"]))

Every call states its limit family and whether it is safe to repeat; the
transport does the rest (limits, credentials, retries, typed errors).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import TypeAdapter

from storeops.api import download_files, downloads, parsing
from storeops.api.datamine import DatamineRequest, gregorian_text, zone
from storeops.api.errors import ApiError, ExportNotReady, InvalidRequest, ProtocolError, ValidationError
from storeops.api.limits import MAX_IN_FLIGHT, Family, RequestLimits
from storeops.api.models import (
    SUBLOCATION_TYPES,
    Appliance,
    AppliancePage,
    Camera,
    CameraPage,
    Channel,
    ChannelPage,
    DatamineResult,
    DownloadList,
    ExportRequest,
    ExportState,
    ExportStatus,
    HealthAlert,
    HealthAlertPage,
    HlsToken,
    Location,
    LocationAnswer,
    LocationCreate,
    LocationPage,
    LocationQuery,
    LocationType,
    LocationUpdate,
    PredictedTraffic,
    Prediction,
    StoreHours,
    StoreHoursAnswer,
)
from storeops.api.pagination import MAX_PAGE_LENGTH, cursor_pages, header_pages
from storeops.api.retry import RetryPolicy
from storeops.api.transport import (
    DATAMINE_MAX_BYTES,
    DEFAULT_DEADLINE_S,
    DEFAULT_TIMEOUT,
    STORE_HOURS_MAX_BYTES,
    Call,
    Transport,
    basic_auth_header,
    server_detail,
    tls_context,
    typed_errors,
)
from storeops.api.urls import normalize_base_url, path_segment, resolve_link, subscription_url

T = TypeVar("T")

log = logging.getLogger("storeops.api")

#: Days per predicted traffic request (documented maximum).
PREDICTION_DAYS_PER_REQUEST = 7
#: How far ahead predictions exist (documented).
PREDICTION_HORIZON_DAYS = 31
#: Channels in one video export (documented maximum, one appliance).
MAX_EXPORT_CHANNELS = 16

EXPORT_TASK_PATH = "/v1/video/export/task/"
CREATABLE_TYPES = frozenset(SUBLOCATION_TYPES | {LocationType.REGION})

_LOCATIONS = TypeAdapter(LocationAnswer)
_LOCATION_PAGE = TypeAdapter(LocationPage)
_LOCATION = TypeAdapter(Location)
_DATAMINE = TypeAdapter(DatamineResult)
_STORE_HOURS = TypeAdapter(StoreHoursAnswer)
_PREDICTED = TypeAdapter(PredictedTraffic)
_CAMERAS = TypeAdapter(CameraPage)
_CHANNELS = TypeAdapter(ChannelPage)
_APPLIANCES = TypeAdapter(AppliancePage)
_ALERTS = TypeAdapter(HealthAlertPage)
_HLS_TOKEN = TypeAdapter(HlsToken)
_DOWNLOADS = TypeAdapter(DownloadList)


def _segment(value: str, what: str) -> str:
    """One path segment: an id that could walk the path (`..`) is refused."""
    return path_segment(value, what)


def _iso_utc(value: datetime, what: str) -> str:
    if value.tzinfo is None:
        raise ValidationError(f"{what} needs a time zone")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _big_location_answer(label: str, content: bytes) -> LocationAnswer:
    return LocationAnswer.model_construct(nodes=[parsing.location_nodes(label, content)])


# The documented refusal of a v2/location answer over 10,000 nodes.
_TOO_MANY_NODES = re.compile(r"too many result nodes \(\d+\)")


def _whole_number(value: object) -> bool:
    """An int, not a bool (True is an int to Python): callers without type checks may pass either."""
    return isinstance(value, int) and not isinstance(value, bool)


def _utc_today() -> date:
    return datetime.now(UTC).date()


@typed_errors  # whatever a server answers, only ApiError types come out
class RetailNextClient:
    """`http`: an httpx.AsyncClient to share (left open on aclose; one is made and
    owned otherwise). `retry`: timing of retries of safe calls. `max_in_flight`:
    the global cap on concurrent requests; `limits` replaces the whole set (give
    several clients of one subscription the same instance). `timeout`: seconds or
    an httpx.Timeout, per read; `deadline`: seconds for a whole call, retries
    included. `today`: the date predictions must lie after, unless a call
    passes its own (a store's local date)."""

    def __init__(
        self,
        base_url: str,
        access_key: str,
        secret_key: str,
        *,
        http: httpx.AsyncClient | None = None,
        retry: RetryPolicy | None = None,
        max_in_flight: int = MAX_IN_FLIGHT,
        timeout: httpx.Timeout | float | None = None,
        deadline: float = DEFAULT_DEADLINE_S,
        limits: RequestLimits | None = None,
        today: Callable[[], date] = _utc_today,
    ) -> None:
        if not access_key or not secret_key:
            raise ValidationError("both the access key and the secret key are needed")
        self.base_url = normalize_base_url(base_url)
        self._access_hint = access_key[:4] + "…" if len(access_key) > 8 else "…"
        self._owns_http = http is None
        if http is None:
            http = httpx.AsyncClient(
                verify=tls_context(),
                follow_redirects=False,
                limits=httpx.Limits(max_connections=max_in_flight + 4, max_keepalive_connections=max_in_flight),
            )
        if timeout is None:
            timeout = DEFAULT_TIMEOUT
        elif not isinstance(timeout, httpx.Timeout):
            timeout = httpx.Timeout(timeout)
        self._today = today
        self._transport = Transport(
            self.base_url,
            basic_auth_header(access_key, secret_key),
            http,
            retry=retry or RetryPolicy(),
            limits=limits or RequestLimits(max_in_flight),
            timeout=timeout,
            deadline=deadline,
        )

    @classmethod
    def for_subscription(cls, name: str, access_key: str, secret_key: str, **kw: Any) -> RetailNextClient:
        return cls(subscription_url(name), access_key, secret_key, **kw)

    def __repr__(self) -> str:
        return f"RetailNextClient({self.base_url!r}, access_key={self._access_hint!r}, secret_key='***')"

    __str__ = __repr__

    @property
    def transport(self) -> Transport:
        return self._transport

    async def aclose(self) -> None:
        if self._owns_http:
            await self._transport.http.aclose()

    async def __aenter__(self) -> RetailNextClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def _call(self, call: Call, adapter: TypeAdapter[T], big: Callable[[str, bytes], T] | None = None) -> T:
        response = await self._transport.send(call)
        return await self._transport.decode(call, response, adapter, big)

    # ------------------------------------------------------------ locations

    async def query_locations(self, query: LocationQuery | None = None) -> list[Location]:
        body = query.to_body() if query is not None else {}
        call = Call("POST", "/v2/location", Family.LOCATION, safe=True, json=body)
        answer = await self._call(call, _LOCATIONS, _big_location_answer)
        return answer.flat()

    @staticmethod
    def is_too_many_nodes(error: ApiError) -> bool:
        """True for v2/location's documented 400 "too many result nodes (N), please
        refine your query", after which the reference suggests v1/location."""
        return (
            isinstance(error, InvalidRequest)
            and error.status == 400
            and error.detail is not None
            and _TOO_MANY_NODES.search(error.detail) is not None
        )

    def paged_locations(self, *, page_length: int = MAX_PAGE_LENGTH) -> AsyncIterator[Location]:
        """Every location node through GET v1/location, a page at a time: no node
        limit, no filters (stores carry their extra fields). For trees v2/location
        refuses as too big (see is_too_many_nodes)."""
        call = Call("GET", "/v1/location", Family.LOCATION, safe=True)
        return header_pages(self._transport, call, _LOCATION_PAGE, lambda p: p.locations, page_length)

    async def create_location(self, new: LocationCreate) -> Location:
        if new.location_type not in CREATABLE_TYPES:
            raise ValidationError(
                "only entrances, fitting rooms, displays, other areas and regions can be created (stores cannot)"
            )
        if not new.name.strip():
            raise ValidationError("a location needs a name")
        call = Call(
            "POST",
            "/v2/location/create",
            Family.LOCATION,
            safe=False,
            json=new.model_dump(exclude_none=True),
            expected=frozenset({200, 201}),
        )
        return await self._call(call, _LOCATION)

    async def update_location(self, uuid: str, change: LocationUpdate) -> Location:
        body = change.model_dump(exclude_none=True)
        if not body:
            raise ValidationError("nothing to change")
        if change.location_type is not None and change.location_type not in SUBLOCATION_TYPES:
            raise ValidationError("only sublocations can change type, and not to store or region")
        # A PUT of the same fields twice leaves the same result: safe to retry.
        call = Call("PUT", f"/v2/location/{_segment(uuid, 'location')}", Family.LOCATION, safe=True, json=body)
        return await self._call(call, _LOCATION)

    # ------------------------------------------------------------ metrics

    async def datamine(self, request: DatamineRequest) -> DatamineResult:
        call = Call(
            "POST", "/v2/datamine", Family.OTHER, safe=True, json=request.to_body(), max_bytes=DATAMINE_MAX_BYTES
        )
        return await self._call(call, _DATAMINE, parsing.datamine_result)

    async def adjust_occupancy(self, store_uuid: str, count: int, at: datetime | None = None) -> None:
        """Never retried: repeating it would count the people twice.

        The reference documents no answer body, so a 2xx with an empty body or
        any JSON is success; a 2xx whose body is not JSON, or is an API error
        (`"error"` set, `"ok": false`), is a ProtocolError: the request may or
        may not have been applied (the caller re-reads, it never resends)."""
        if not _whole_number(count) or count == 0:
            raise ValidationError("the adjustment must be a non-zero whole number")
        body: dict[str, Any] = {"store_uuid": store_uuid, "adjustment_count": count}
        if not store_uuid:
            raise ValidationError("choose a store")
        if at is not None:
            body["adjustment_time"] = at.isoformat(timespec="seconds")
        call = Call(
            "POST", "/v1/occupancy/adjust", Family.OTHER, safe=False, json=body, expected=frozenset({200, 201, 204})
        )
        response = await self._transport.send(call)
        _check_adjust_answer(call, response)

    async def store_hours(
        self, store_uuids: Sequence[str] | str, start: date, end: date
    ) -> dict[str, list[StoreHours]]:
        stores = [store_uuids] if isinstance(store_uuids, str) else list(store_uuids)
        if not stores:
            raise ValidationError("choose at least one store")
        if end < start:
            raise ValidationError("the end date is before the start date")
        body = {"stores": stores, "start_date": gregorian_text(start), "end_date": gregorian_text(end)}
        call = Call("POST", "/v1/storehours", Family.OTHER, safe=True, json=body, max_bytes=STORE_HOURS_MAX_BYTES)
        answer = await self._call(call, _STORE_HOURS)
        return answer.by_store()

    async def predicted_traffic(
        self,
        store_uuid: str,
        first_day: date,
        last_day: date,
        *,
        today: date | None = None,
        time_zone: str | None = None,
    ) -> list[Prediction]:
        """15-minute predictions for the store's local days first_day..last_day
        (inclusive); times are store-local wall times. Ranges over 7 days become
        several requests, run side by side (the family limit of 3 applies) and
        merged in order.

        "Future days" are the store's local days: `today` is the store's local
        date (what the app's clock reads in the store's zone); without it,
        `time_zone` (the store's IANA `time_zone`) gives it from the machine's
        clock, and without either the client's `today` (UTC by default, which
        refuses a US store's tomorrow from about 17:00 local). Uncached: see
        storeops/services/predictions.py."""
        if today is None:
            today = datetime.now(UTC).astimezone(zone(time_zone)).date() if time_zone else self._today()
        if not store_uuid:
            raise ValidationError("choose a store")
        if last_day < first_day:
            raise ValidationError("the last day is before the first day")
        if first_day <= today:
            raise ValidationError(f"predictions are only for days after the store's today ({today.isoformat()})")
        if last_day > today + timedelta(days=PREDICTION_HORIZON_DAYS):
            raise ValidationError(f"predictions reach only {PREDICTION_HORIZON_DAYS} days ahead")
        chunks = []
        start = first_day
        while start <= last_day:
            end = min(last_day, start + timedelta(days=PREDICTION_DAYS_PER_REQUEST - 1))
            chunks.append((start, end))
            start = end + timedelta(days=1)
        parts = await _gather([self._predicted_chunk(store_uuid, a, b) for a, b in chunks])
        return [p for part in parts for p in part]

    async def _predicted_chunk(self, store_uuid: str, first: date, last: date) -> list[Prediction]:
        body = {"store_uuid": store_uuid, "first_day": first.isoformat(), "last_day": last.isoformat()}
        call = Call("POST", "/v1/predictedtraffic", Family.PREDICTED_TRAFFIC, safe=True, json=body)
        answer = await self._call(call, _PREDICTED)
        if not answer.ok:
            raise InvalidRequest(f"{call.label}: no prediction", detail=answer.error or None)
        return sorted(answer.predictions, key=lambda p: p.time)

    # ------------------------------------------------------------ inventory

    def cameras(self, store_uuid: str | None = None, *, page_length: int = MAX_PAGE_LENGTH) -> AsyncIterator[Camera]:
        params = [("store_uuid", store_uuid)] if store_uuid else None
        call = Call("GET", "/v1/inventory/cameras", Family.INVENTORY, safe=True, params=params)
        return cursor_pages(self._transport, call, _CAMERAS, lambda p: p.cameras, lambda p: p.next_page, page_length)

    def channels(self, *, page_length: int = MAX_PAGE_LENGTH) -> AsyncIterator[Channel]:
        call = Call("GET", "/v1/inventory/channels", Family.INVENTORY, safe=True)
        return cursor_pages(self._transport, call, _CHANNELS, lambda p: p.channels, lambda p: p.next_page, page_length)

    def appliances(self, *, page_length: int = MAX_PAGE_LENGTH) -> AsyncIterator[Appliance]:
        call = Call("GET", "/v1/inventory/appliances", Family.INVENTORY, safe=True)
        return cursor_pages(
            self._transport, call, _APPLIANCES, lambda p: p.store_appliances, lambda p: p.next_page, page_length
        )

    def health_alerts(
        self, start_time: datetime | None = None, *, page_length: int = MAX_PAGE_LENGTH
    ) -> AsyncIterator[HealthAlert]:
        """Alerts created before `start_time` (the API's name), newest first."""
        body = {"start_time": gregorian_text(start_time)} if start_time is not None else {}
        call = Call("POST", "/v1/healthalerts", Family.OTHER, safe=True, json=body)
        return header_pages(self._transport, call, _ALERTS, lambda p: p.result, page_length)

    # ------------------------------------------------------------ video

    async def hls_token(self, location_uuid: str) -> HlsToken:
        if not location_uuid:
            raise ValidationError("choose a location")
        call = Call("POST", "/v1/hlsapitoken", Family.OTHER, safe=True, json={"location_uuid": location_uuid})
        return await self._call(call, _HLS_TOKEN)

    def hls_url(self, channel_uuid: str, token: HlsToken | str) -> str:
        """The stream URL for the player. It carries the token: do not log it."""
        value = token.token if isinstance(token, HlsToken) else token
        return f"{self.base_url}/v1/hls/{_segment(channel_uuid, 'channel')}.m3u8?token={quote(value, safe='')}"

    async def start_export(self, request: ExportRequest) -> str:
        """Starts a video export; returns its id. Never retried: a repeat would
        start a second export."""
        channels = list(request.channels)
        if not channels:
            raise ValidationError("choose at least one channel")
        if len(channels) > MAX_EXPORT_CHANNELS:
            raise ValidationError(f"at most {MAX_EXPORT_CHANNELS} channels in one export")
        if len(set(channels)) != len(channels):
            raise ValidationError("a channel is listed twice")
        if request.end <= request.start:
            raise ValidationError("the export must end after it starts")
        params: list[tuple[str, str]] = [("channel", c) for c in channels]
        params += [
            ("start", _iso_utc(request.start, "the export start")),
            ("end", _iso_utc(request.end, "the export end")),
            ("analytics_overlay", "1" if request.analytics_overlay else "0"),
            ("info_overlay", "1" if request.info_overlay else "0"),
            ("raw", "1" if request.raw else "0"),
        ]
        # The resolution only applies when several channels are tiled together.
        if request.resolution and len(channels) > 1:
            width, _, height = request.resolution.lower().partition("x")
            if not (width.isdigit() and height.isdigit()):
                raise ValidationError("the resolution is written like 1024x768")
            params.append(("resolution", f"{int(width)}x{int(height)}"))
        call = Call(
            "POST",
            "/v1/video/export/start",
            Family.OTHER,
            safe=False,
            params=params,
            expected=frozenset({200, 201, 202}),
        )
        response = await self._transport.send(call)
        location = response.headers.get("location", "")
        try:
            path = httpx.URL(location).path if location else ""
        except httpx.InvalidURL:
            path = ""
        if EXPORT_TASK_PATH not in path:
            raise ProtocolError(f"{call.label}: the answer did not say where the export is")
        export_id = path.split(EXPORT_TASK_PATH, 1)[1].strip("/")
        if not export_id or "/" in export_id:
            raise ProtocolError(f"{call.label}: the answer did not say where the export is")
        # The id goes into the paths of later calls: refused now, as the server's fault.
        return path_segment(export_id, f"{call.label}: the export id", ProtocolError)

    async def export_status(self, export_id: str) -> ExportStatus:
        """302 means ready in the reference's list of statuses; its example answers
        201 with a location instead, taken as ready too (a 201 without a location
        says nothing of where the file is: still in progress). 404: expired or
        deleted; 424: failed, with the server's reason. The ready link may be on
        another host (no credentials are sent there); one that is not an http(s)
        URL, or is malformed, is a ProtocolError (urls.resolve_link)."""
        call = Call(
            "GET",
            EXPORT_TASK_PATH + _segment(export_id, "export"),
            Family.OTHER,
            safe=True,
            expected=frozenset({200, 201, 202, 302, 404, 424}),
        )
        with downloads.malformed_links(call.label):
            response = await self._transport.send(call)
        status = response.status_code
        if status == 302 or (status == 201 and response.headers.get("location")):
            location = response.headers.get("location")
            if not location:
                raise ProtocolError(f"{call.label}: ready, but without a download link")
            url = resolve_link(self._transport.url(call.path), location, f"{call.label}: the download link")
            return ExportStatus(export_id=export_id, state=ExportState.READY, download_url=url)
        if status == 404:
            return ExportStatus(export_id=export_id, state=ExportState.EXPIRED)
        if status == 424:
            return ExportStatus(
                export_id=export_id, state=ExportState.FAILED, reason=server_detail(response) or "the export failed"
            )
        return ExportStatus(export_id=export_id, state=ExportState.IN_PROGRESS)

    async def delete_export(self, export_id: str) -> None:
        """Deleting an export that is already gone is not an error."""
        call = Call(
            "DELETE",
            EXPORT_TASK_PATH + _segment(export_id, "export"),
            Family.OTHER,
            safe=True,
            expected=frozenset({200, 202, 204, 404}),
        )
        await self._transport.send(call)

    async def download_export(
        self,
        export: str | ExportStatus,
        dest: Path,
        progress: downloads.Progress | None = None,
        *,
        on_progress: downloads.ProgressReport | None = None,
        if_exists: downloads.IfExists = "rename",
        stall_timeout: float = downloads.STALL_TIMEOUT_S,
        deadline: float | None = None,
    ) -> Path:
        """Download a ready export (its id, or the status from export_status) to
        `dest`, through `<dest>.part`; returns where the file landed.

        An interrupted download resumes from the part, in this call (safe
        retries) or a later one, only if the server validates it (see
        storeops/api/downloads.py); otherwise it starts over. Both callbacks
        run on the event loop: `progress(done, total)` as bytes arrive (at
        most every 20 ms, and once at the end); `on_progress(DownloadProgress)`
        at most 10 times a second, with speed and time left (a progress bar).
        A callback that raises stops the download with its exception.
        `if_exists`: "rename" (an existing file stays; the new one is saved as
        "x (1).mp4"), "replace", or "error" (LocalFileError). `stall_timeout`:
        a body bringing under 16 KB in that many seconds is a RequestTimeout;
        `deadline`: seconds for the whole download. Not ready: ExportNotReady."""
        status = export if isinstance(export, ExportStatus) else await self.export_status(export)
        if status.state is not ExportState.READY or not status.download_url:
            messages = {
                ExportState.IN_PROGRESS: "the export is still being prepared",
                ExportState.EXPIRED: "the export has expired or was deleted",
                ExportState.FAILED: "the export failed",
            }
            raise ExportNotReady(
                messages.get(status.state, "the export is not ready"), state=status.state, detail=status.reason
            )
        return await downloads.download(
            self._transport,
            resolve_link(self.base_url + "/", status.download_url, "the export's download link", ValidationError),
            Path(dest),
            progress=progress,
            on_progress=on_progress,
            # The export, not its link: a signed link may change between two status queries.
            source=f"export:{status.export_id}",
            if_exists=if_exists,
            stall_timeout=stall_timeout,
            deadline=deadline,
        )

    # ------------------------------------------------------------ custom exports

    async def list_downloads(self, prefix: str = "custom_exports") -> list[str]:
        """Keys of the custom export files under `prefix` ("folder/name.csv").
        A key that could reach another file (`..`, `%2F`, a leading `/`, a control
        character) is left out and logged: it would be refused by download_file."""
        call = Call("GET", "/v1/downloads/list", Family.OTHER, safe=True, params=[("prefix", prefix)])
        files = (await self._call(call, _DOWNLOADS)).files
        safe = [f for f in files if download_files.server_key_problem(f) is None]
        if len(safe) != len(files):
            log.warning("%s: %d unsafe file names left out", call.label, len(files) - len(safe))
        return safe

    async def download_file(
        self,
        file: str,
        dest: Path,
        progress: downloads.Progress | None = None,
        *,
        on_progress: downloads.ProgressReport | None = None,
        if_exists: downloads.IfExists = "rename",
        stall_timeout: float = downloads.STALL_TIMEOUT_S,
        deadline: float | None = None,
    ) -> Path:
        """Download the custom export file `file` (a key from list_downloads) to
        `dest`; as download_export for the rest. A key with `..`, `%2F` and the
        like is refused (ValidationError) before anything is sent. To name `dest`
        after the key: download_files.free_path(folder, file)."""
        if not file:
            raise ValidationError("choose a file")
        download_files.check_server_key(file, "the file name")
        return await downloads.download(
            self._transport,
            "/v1/downloads/download",
            Path(dest),
            params=[("file", file)],
            progress=progress,
            on_progress=on_progress,
            source=f"file:{file}",
            if_exists=if_exists,
            stall_timeout=stall_timeout,
            deadline=deadline,
        )


async def _gather(coros: Iterable[Awaitable[T]]) -> list[T]:
    """Like asyncio.gather, but the first failure cancels the siblings (no
    requests left running for an answer nobody will read)."""
    tasks = [asyncio.ensure_future(c) for c in coros]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


def _check_adjust_answer(call: Call, response: httpx.Response) -> None:
    """A 2xx to v1/occupancy/adjust that is not a success answer: ProtocolError."""
    content = response.content
    if not content.strip():
        return
    try:
        body = json.loads(content)
    except ValueError:
        raise ProtocolError(
            f"{call.label}: the server's answer could not be read", status=response.status_code
        ) from None
    if isinstance(body, dict):
        error = body.get("error")
        if (isinstance(error, str) and error) or body.get("ok") is False:
            raise ProtocolError(
                f"{call.label}: the server answered HTTP {response.status_code} with an error",
                status=response.status_code,
                detail=server_detail(response),
            )
