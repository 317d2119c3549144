"""What the server names (redirects, export links, export ids, file keys) is
checked before it is used: a link that is not http(s) or is malformed, an id or
a key with `..`, `/` or `%2F` is a typed error, never a request URL or a path;
names from the server become safe file names in the download folder."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from storeops.api import download_files
from storeops.api.download_files import free_path, safe_filename
from storeops.api.errors import ProtocolError, ValidationError
from storeops.api.models import ExportRequest, ExportState, ExportStatus

from .hostile_server import Peer, Request, ServedFile, client_for, serve_file

BAD_LINKS = [
    "javascript:alert(1)",
    "file:///etc/passwd",
    "mailto:manager@example.com",
    "data:text/plain,hello",
    "http://[::1",
    "ht tp://example.com/x",
    "http:relative",
    "https://",
    "/v1/video/export/file/../../../etc/passwd",
    "/v1/video/export/file/a%2F..%2Fb.mp4",
    "http://user:password@example.com/x.mp4",
]


@pytest.mark.parametrize("location", BAD_LINKS)
async def test_a_bad_redirect_is_a_typed_error(hostile, tmp_path, location):
    async def script(request: Request, peer: Peer) -> None:
        await peer.head(302, {"Location": location, "Content-Length": "0"})

    server = hostile(script)
    async with client_for(server) as client:
        with pytest.raises(ProtocolError, match="link"):
            await client.download_file("custom_exports/a.csv", tmp_path / "a.csv")
    assert len(server.requests) == 1  # nothing was fetched from it, on the base or elsewhere
    assert list(tmp_path.iterdir()) == []


async def test_redirect_loops_end(hostile, tmp_path):
    async def script(request: Request, peer: Peer) -> None:
        await peer.head(302, {"Location": request.path, "Content-Length": "0"})

    server = hostile(script)
    async with client_for(server) as client:
        with pytest.raises(ProtocolError, match="too many redirects"):
            await client.download_file("custom_exports/a.csv", tmp_path / "a.csv")
    assert len(server.requests) == 6


async def test_a_relative_redirect_is_resolved_on_the_same_server(hostile, tmp_path):
    body = b"day,traffic\n" * 1000

    async def script(request: Request, peer: Peer) -> None:
        if request.path == "/v1/downloads/download":
            await peer.head(307, {"Location": "files/a.csv", "Content-Length": "0"})
        else:
            await serve_file(request, peer, ServedFile(body))

    server = hostile(script)
    async with client_for(server) as client:
        path = await client.download_file("custom_exports/a.csv", tmp_path / "a.csv")
    assert path.read_bytes() == body
    assert server.requests[1].path == "/v1/downloads/files/a.csv"


@pytest.mark.parametrize("location", BAD_LINKS)
async def test_a_bad_ready_link_is_a_typed_error(hostile, location):
    async def script(request: Request, peer: Peer) -> None:
        await peer.head(302, {"Location": location, "Content-Length": "0"})

    server = hostile(script)
    async with client_for(server) as client:
        with pytest.raises(ProtocolError, match="link"):
            await client.export_status("e1")


async def test_a_ready_link_given_by_the_caller_is_checked_too(hostile, tmp_path):
    server = hostile(lambda r, p: serve_file(r, p, ServedFile(b"x")))
    async with client_for(server) as client:
        status = ExportStatus(export_id="e1", state=ExportState.READY, download_url="file:///etc/passwd")
        with pytest.raises(ValidationError):
            await client.download_export(status, tmp_path / "x.mp4")
    assert server.requests == []


async def test_an_https_server_may_not_send_the_file_over_plain_http():
    from storeops.api.urls import resolve_link

    with pytest.raises(ProtocolError, match="plain http"):
        resolve_link("https://acme.api.retailnext.net/v1/video/export/task/e1", "http://cdn.example/x.mp4", "GET x")
    assert resolve_link("https://acme.api.retailnext.net/a", "https://cdn.example/x.mp4?sig=a%2Fb", "GET x") == (
        "https://cdn.example/x.mp4?sig=a%2Fb"
    )


@pytest.mark.parametrize(
    "task",
    ["..", "a%2F..%2Fb", "a/../b", "%2e%2e", "a b", "a%00"],
)
async def test_an_export_id_that_could_walk_the_path_is_refused(hostile, task):
    async def script(request: Request, peer: Peer) -> None:
        await peer.json({"ok": True}, 201, {"Location": f"/v1/video/export/task/{task}"})

    server = hostile(script)
    end = datetime(2026, 4, 22, 20, 0, tzinfo=UTC)
    async with client_for(server) as client:
        with pytest.raises(ProtocolError, match="export"):
            await client.start_export(ExportRequest(channels=["c1"], start=end - timedelta(seconds=30), end=end))
    assert len(server.requests) == 1


@pytest.mark.parametrize("location", ["http://[::1/v1/video/export/task/e1", "", "/v1/video/export/task/"])
async def test_a_malformed_export_location_is_a_protocol_error(hostile, location):
    async def script(request: Request, peer: Peer) -> None:
        await peer.json({"ok": True}, 201, {"Location": location})

    server = hostile(script)
    end = datetime(2026, 4, 22, 20, 0, tzinfo=UTC)
    async with client_for(server) as client:
        with pytest.raises(ProtocolError, match="where the export is"):
            await client.start_export(ExportRequest(channels=["c1"], start=end - timedelta(seconds=30), end=end))


@pytest.mark.parametrize("export_id", ["..", "a/b", "a%2Fb", "../../v1/location", ""])
async def test_an_export_id_with_slashes_or_dots_is_never_sent(hostile, tmp_path, export_id):
    server = hostile(lambda r, p: p.json({}))
    async with client_for(server) as client:
        for call in (client.export_status, client.delete_export):
            with pytest.raises(ValidationError):
                await call(export_id)
        with pytest.raises(ValidationError):
            await client.download_export(export_id, tmp_path / "x.mp4")
    assert server.requests == []


# ------------------------------------------------------------ file keys and names

HOSTILE_KEYS = [
    "custom_exports/../../etc/passwd",
    "../secret.csv",
    "custom_exports/%2e%2e/secret.csv",
    "custom_exports/a%2F..%2F..%2Fb.csv",
    "custom_exports/a%5cb.csv",
    "/etc/passwd",
    "custom_exports/./a.csv",
    "custom_exports/a\x00.csv",
    "custom_exports\\..\\a.csv",
]


async def test_hostile_keys_are_left_out_of_the_list(hostile):
    good = ["custom_exports/traffic/a.csv", "custom_exports/b c (final).csv"]

    async def script(request: Request, peer: Peer) -> None:
        await peer.json({"files": [good[0], *HOSTILE_KEYS, good[1]]})

    server = hostile(script)
    async with client_for(server) as client:
        assert await client.list_downloads() == good


@pytest.mark.parametrize("key", HOSTILE_KEYS)
async def test_a_hostile_key_is_never_sent(hostile, tmp_path, key):
    server = hostile(lambda r, p: serve_file(r, p, ServedFile(b"x")))
    async with client_for(server) as client:
        with pytest.raises(ValidationError):
            await client.download_file(key, tmp_path / "x.csv")
    assert server.requests == []


@pytest.mark.parametrize(
    "name,safe",
    [
        ("custom_exports/traffic/2026-04.csv", "2026-04.csv"),
        ("../../etc/passwd", "passwd"),
        ("..", "download"),
        ("a\\..\\b.csv", "b.csv"),
        ("custom_exports/", "download"),
        (".hidden.csv", "hidden.csv"),
        ('x<>:"|?*\x01.mp4', "x________.mp4"),
        ("CON.csv", "_CON.csv"),
        ("nul", "_nul"),
        ("a%2F..%2Fb.csv", "a%2F..%2Fb.csv"),  # no separator left: a plain (odd) name
        ("clip.mp4. ", "clip.mp4"),
    ],
)
def test_safe_filename(name, safe):
    assert safe_filename(name) == safe


def test_long_names_keep_their_extension():
    name = safe_filename("x" * 500 + ".mp4")
    assert len(name) <= download_files.MAX_NAME_CHARS and name.endswith(".mp4")


def test_free_path_never_names_an_existing_file(tmp_path):
    assert free_path(tmp_path, "custom_exports/a.csv") == tmp_path / "a.csv"
    (tmp_path / "a.csv").write_text("kept")
    assert free_path(tmp_path, "a.csv") == tmp_path / "a (1).csv"
    (tmp_path / "a (1).csv.part").write_text("another download under way")
    assert free_path(tmp_path, "a.csv") == tmp_path / "a (2).csv"
    for name in HOSTILE_KEYS:
        assert free_path(tmp_path, name).parent == tmp_path
