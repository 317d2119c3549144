"""Every example response of the reference that StoreOps uses parses into the
models. The JSON is copied from /work/shared/reference/retailnext-api.txt; the
only edits fix the reference's own typos, each noted where it is made."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from storeops.api.datamine import metric_rows
from storeops.api.models import (
    AppliancePage,
    CameraPage,
    ChannelPage,
    DatamineResult,
    DownloadList,
    HealthAlertPage,
    HlsToken,
    Location,
    LocationAnswer,
    PredictedTraffic,
    StoreHoursAnswer,
)

# "..." that stands for more entries is removed everywhere (and the comma before it).

LOCATION_QUERY = """
{ "nodes": [ [ { "store_id": "50", "occupancy_limit": 50, "location_type": "store", "area": null,
"uuid": "aec3dc7e-9e2c-11e5-9bb4-0e5ba9bee1b9", "parent_uuid": "22940210-f49b-11e6-944b-c0001cd87189",
"name": "Caspar City Plaza", "type": "location", "archive_date": null }, { "store_id": "101",
"occupancy_limit": 15, "location_type": "store", "area": null, "uuid": "86b03ba2-a117-11ea-802c-c00010892d7a",
"parent_uuid": "01b1ed64-f49b-11e6-9ef8-400075388ff3", "name": "Willow Glen", "type": "location",
"archive_date": null } ] ] }
"""
# Typo fixed: the reference ends this example with "... }", leaving the inner
# list and the outer "nodes" list unclosed; closed here as "] ] }".

LOCATION_TIME_ZONE = """
{ "nodes" : [ [ { "archive_date" : null, "area" : null, "location_type" : "store", "name" : "San Jose Store",
"parent_uuid" : "df62161a-64c8-11e6-82d4-c0008ffc38ce", "time_zone" : "America/Los_Angeles",
"type" : "location", "uuid" : "dace69f6-b307-11e9-819d-0000698cf233" } ] ] }
"""

LOCATION_CREATE = """
{ "location_type": "display", "aggregate_to_parent": true, "aggregate_to_store": false, "area": 53.1,
"uuid": "fb2d8bf5-c19e-11e8-b05c-40008b55ebf7", "parent_uuid": "2512a786-a117-11ea-874c-8000df845ed7",
"name": "Front Table", "type": "location", "archive_date": null }
"""

LOCATION_UPDATE = """
{ "occupancy_limit": 20, "location_type": "store", "area": 270.8, "uuid": "<location_uuid>",
"parent_uuid": "286b1000-f8b1-11e7-9337-c0009584d333", "name": "Willow Glen Updated", "type": "location",
"archive_date": null }
"""

STORE_HOURS = """
{ "result": { "aec3dc7e-9e2c-11e5-9bb4-0e5ba9bee1b9": { "2021-01-15T00:00:00Z": {
"store_uuid": "aec3dc7e-9e2c-11e5-9bb4-0e5ba9bee1b9", "effective_day": "2021-01-15T00:00:00Z",
"open": "2021-01-15T10:00:00Z", "close": "2021-01-15T21:00:00Z" } },
"2021-01-22T00:00:00Z": { "store_uuid": "aec5c886-9e2c-11e5-9bb7-0e5ba9bee1b9",
"effective_day": "2021-01-22T00:00:00Z", "open": "2021-01-22T09:00:00Z", "close": "2021-01-22T21:00:00Z" } } }
"""
# Kept as the reference nests it: the second store's day sits directly under
# "result" (its store key was lost with the "..."). The parser files each day
# under its own store_uuid, so the example parses without further edits; only
# the "..." was removed.

DATAMINE_TRAFFIC = """
{ "ok": true, "metrics": [ { "name": "traffic_in", "ok": true, "data": [ { "value": 173, "validity": "complete",
"group": { "type": "date", "from": { "gregorian": "2021-02-21", "year": 2021, "month": 1, "day": 22 },
"through": { "gregorian": "2021-02-21", "year": 2021, "month": 1, "day": 22 } }, "index": 0 } ] },
{ "name": "traffic_out", "ok": true, "data": [ { "value": 174, "validity": "complete",
"group": { "type": "date", "from": { "gregorian": "2021-02-21", "year": 2021, "month": 1, "day": 22 },
"through": { "gregorian": "2021-02-21", "year": 2021, "month": 1, "day": 22 } }, "index": 0 } ] } ] }
"""

DATAMINE_OCCUPANCY = """
{ "metrics" : [ { "data" : [ { "group" : { "name" : "San Jose Store", "qualified_name" : "San Jose Store",
"type" : "location", "uuid" : "dace69f6-b307-11e9-819d-0000698cf233" }, "index" : 0, "validity" : "complete",
"value" : 5 } ], "name" : "traffic_in", "ok" : true }, { "data" : [ { "group" : { "name" : "San Jose Store",
"qualified_name" : "San Jose Store", "type" : "location", "uuid" : "dace69f6-b307-11e9-819d-0000698cf233" },
"index" : 0, "validity" : "complete", "value" : 4 } ], "name" : "traffic_out", "ok" : true },
{ "data" : [ { "group" : { "name" : "San Jose Store", "qualified_name" : "San Jose Store", "type" : "location",
"uuid" : "dace69f6-b307-11e9-819d-0000698cf233" }, "index" : 0, "validity" : "complete", "value" : 1 } ],
"name" : "total_occupancy", "ok" : true } ], "ok" : true }
"""

PREDICTED_TRAFFIC = """
{ "ok": true, "error": "", "predictions": [ { "time": "2021-03-17T09:00:00Z", "value": 10 },
{ "time": "2021-03-17T09:15:00Z", "value": 10 }, { "time": "2021-03-23T20:45:00Z", "value": 3 } ] }
"""

CAMERAS = """
{ "ok": true, "next_page": "CAC:13:37:D0:86:77", "cameras": [ { "type": 1, "device_id": "20:C3:13:0F:1D:2A",
"device_name": "Aisle Camera", "store_uuid": "a434a682-30a0-11ea-896a-00005f259c6e", "appliance_id": "",
"vendor": "RetailNext", "model": "Aurora", "private_ip": "", "public_ip": "",
"last_heard": "2020-01-14T22:30:18.363Z", "serial_number": "",
"network_configuration": { "mode": 0, "ip": "", "gateway": "", "dns": "", "ntp": "" },
"video_channel_uuids": [ "d86d75e2-3338-11ea-95e3-000071946766" ], "video_channel_count": 1,
"configuration_summary": {}, "analytics": { "traffic_line_count": 1, "dwell_zone_count": 0,
"direction_line_configured": false }, "height": 3860 } ] }
"""

CHANNELS = """
{ "ok": true, "next_page": "end", "channels": [ { "channel_uuid": "9290bc70-3480-11ea-81c9-c000c7e8079e",
"name": "Registration Desk", "device_id": "92710a06-3480-11ea-9877-40003d3dd9a9", "resolution": "1280x960",
"frame_rate": 10, "record_on_motion": true, "minimum_retention_days": 0, "maximun_retention_days": 0,
"blur_video": false, "recording_enabled": true, "snapshot_enabled": true, "snapshot_interval_secs": 300,
"snapshot_resolution": "1400x1050" } ] }
"""

APPLIANCES = """
{ "ok": true, "next_page": "end", "store_appliances": [ { "appliance_id": "323231f8-6afg-11eb-8684-4000fc072082",
"store_uuid": "af21ffd8-9e2c-11e5-9bc9-0e5ba9bee1b9", "mac_address": "00:0D:29:60:FB:CB", "private_ip": "",
"network_configuration": { "mode": 0, "ip": "", "gateway": "", "dns": "", "ntp": "" }, "public_ip": "" } ] }
"""

HEALTH_ALERTS = """
{ "result": [ { "alert_creation_time": "2021-01-11T11:38:34.942-08:00",
"description": "Haven't heard from Aurora sensor recently", "event_time": "2021-01-11T10:38:34-08:00",
"resolved": true, "resolved_time": "2021-01-12T14:11:33.522-08:00", "severity": "resolved",
"store_uuid": "aec3dc7e-9e2c-11e5-9bb4-0e5ba9bee1b9", "store_name": "Caspar City Plaza",
"subject_id": "20:C3:A4:80:09:69", "subject_name": "CCP Aurora (20:C3:A4:80:09:69)", "type": "connectiondown",
"uuid": "97fd95e0-5444-11eb-8b83-40003ca6d233", "obsolete": false } ] }
"""

HLS_TOKEN = """{ "token": "9wTw-pk1VLsEGzmzaH9vOL-a6RU" }"""

DOWNLOADS_LIST = """
{ "files": [ "custom_exports/inventory_reports/05944972-c87a-11ed-8c56-8000cc4953f8.csv",
"custom_exports/inventory_reports/0f3d98f2-c87a-11ed-881d-00002a6c38b8.csv",
"custom_exports/inventory_reports/1192b1f0-c87a-11ed-981f-8000f32a2173.csv",
"custom_exports/inventory_reports/a75ae7e6-c881-11ed-8abf-8000de483b7d.csv",
"custom_exports/inventory_reports/ae16b536-c86a-11ed-887c-0000385b4561.csv",
"custom_exports/inventory_reports/b0cbaab8-c877-11ed-883f-c000a60cf1fb.csv",
"custom_exports/inventory_reports/bf6b39f8-c877-11ed-84fa-c000a5796d57.csv",
"custom_exports/inventory_reports/c5309b90-c867-11ed-8e58-00008aaf3e1d.csv",
"custom_exports/inventory_reports/f9f37dfa-c878-11ed-8a55-4000f24c4b9b.csv",
"custom_exports/inventory_reports/ffb34f5e-c878-11ed-8dbd-80001a064ed1.csv" ] }
"""
# Typo fixed: the reference wraps this object in a second pair of braces
# ("{ { "files": ... } }"), which is not JSON; one pair removed.

EXPORT_START_BODY = """{"ok":true}"""


def test_location_query():
    stores = LocationAnswer.model_validate_json(LOCATION_QUERY).flat()
    assert [s.name for s in stores] == ["Caspar City Plaza", "Willow Glen"]
    assert stores[0].store_id == "50" and stores[0].occupancy_limit == 50
    assert stores[1].parent_uuid == "01b1ed64-f49b-11e6-9ef8-400075388ff3"
    assert all(s.is_store and not s.archived and s.area is None for s in stores)


def test_location_query_with_time_zone():
    (store,) = LocationAnswer.model_validate_json(LOCATION_TIME_ZONE).flat()
    assert store.time_zone == "America/Los_Angeles" and store.uuid.startswith("dace69f6")


def test_location_create_and_update():
    created = Location.model_validate_json(LOCATION_CREATE)
    assert created.location_type == "display" and created.area == 53.1
    assert created.aggregate_to_parent is True and created.aggregate_to_store is False
    assert created.is_sublocation
    updated = Location.model_validate_json(LOCATION_UPDATE)
    assert updated.name == "Willow Glen Updated" and updated.occupancy_limit == 20
    assert updated.area == 270.8


def test_store_hours():
    hours = StoreHoursAnswer.model_validate_json(STORE_HOURS).by_store()
    first = hours["aec3dc7e-9e2c-11e5-9bb4-0e5ba9bee1b9"]
    assert len(first) == 1
    # Store-local wall time: the trailing Z is documented as meaningless.
    assert first[0].open == datetime(2021, 1, 15, 10, 0) and first[0].open.tzinfo is None
    assert first[0].close == datetime(2021, 1, 15, 21, 0)
    second = hours["aec5c886-9e2c-11e5-9bb7-0e5ba9bee1b9"]
    assert second[0].open == datetime(2021, 1, 22, 9, 0)


def test_datamine_traffic():
    result = DatamineResult.model_validate_json(DATAMINE_TRAFFIC)
    assert result.ok
    assert result.metric("traffic_in").data[0].value == 173
    (row,) = metric_rows(result, "traffic_out")
    assert row.value == 174 and row.validity == "complete"
    assert row.day is not None and row.day.isoformat() == "2021-02-21"


def test_datamine_occupancy():
    result = DatamineResult.model_validate_json(DATAMINE_OCCUPANCY)
    (row,) = metric_rows(result, "total_occupancy")
    assert row.value == 1 and row.location_uuid == "dace69f6-b307-11e9-819d-0000698cf233"
    assert row.location_name == "San Jose Store"
    group = result.metric("traffic_in").data[0].group
    assert group is not None and group.qualified_name == "San Jose Store"


def test_predicted_traffic():
    answer = PredictedTraffic.model_validate_json(PREDICTED_TRAFFIC)
    assert answer.ok and answer.error == ""
    # Store-local wall time, as for store hours: the Z is dropped.
    assert answer.predictions[0].time == datetime(2021, 3, 17, 9, 0)
    assert [p.value for p in answer.predictions] == [10, 10, 3]


def test_cameras():
    page = CameraPage.model_validate_json(CAMERAS)
    assert page.next_page == "CAC:13:37:D0:86:77"
    (cam,) = page.cameras
    assert cam.type == 1 and cam.model == "Aurora" and cam.height == 3860
    assert cam.analytics is not None and cam.analytics.traffic_line_count == 1
    assert cam.network_configuration is not None and cam.network_configuration.mode == 0
    assert cam.video_channel_uuids == ["d86d75e2-3338-11ea-95e3-000071946766"]


def test_channels():
    page = ChannelPage.model_validate_json(CHANNELS)
    assert page.next_page == "end"
    (ch,) = page.channels
    assert ch.name == "Registration Desk" and ch.frame_rate == 10 and ch.snapshot_interval_secs == 300
    assert ch.maximum_retention_days == 0 and ch.recording_enabled


def test_appliances():
    page = AppliancePage.model_validate_json(APPLIANCES)
    (app,) = page.store_appliances
    assert app.mac_address == "00:0D:29:60:FB:CB"
    assert app.store_uuid is not None and app.store_uuid.startswith("af21ffd8")


def test_health_alerts():
    (alert,) = HealthAlertPage.model_validate_json(HEALTH_ALERTS).result
    assert alert.resolved and alert.type == "connectiondown" and alert.store_name == "Caspar City Plaza"
    assert alert.alert_creation_time is not None
    assert alert.alert_creation_time.utcoffset() == timedelta(hours=-8)


def test_hls_token_parses_and_hides_itself():
    token = HlsToken.model_validate_json(HLS_TOKEN)
    assert token.token == "9wTw-pk1VLsEGzmzaH9vOL-a6RU"
    assert "9wTw" not in repr(token) and "9wTw" not in str(token)


def test_downloads_list():
    files = DownloadList.model_validate_json(DOWNLOADS_LIST).files
    assert len(files) == 10 and all(f.startswith("custom_exports/inventory_reports/") for f in files)


def test_export_start_body_is_json():
    assert json.loads(EXPORT_START_BODY) == {"ok": True}
