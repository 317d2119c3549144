"""v1/downloads: listing, downloading, byte ranges, and no way out of the store."""

from __future__ import annotations

import pytest


def test_list_and_download(http, frozen_sim):
    response = http.get("/v1/downloads/list", params={"prefix": "custom_exports"})
    assert response.status_code == 200
    files = response.json()["files"]
    assert files == sorted(frozen_sim.world.files)
    assert any("/inventory_reports/" in f for f in files) and all(f.endswith(".csv") for f in files)
    sub = http.get("/v1/downloads/list", params={"prefix": "custom_exports/traffic_reports"}).json()["files"]
    assert sub and set(sub) < set(files)
    body = http.get("/v1/downloads/download", params={"file": files[0]})
    assert body.status_code == 200 and body.headers["accept-ranges"] == "bytes"
    assert body.content == frozen_sim.world.file_bytes(files[0])
    assert body.content.splitlines()[0].startswith(b"store_id,")


def test_ranges_resume_a_download(http, frozen_sim):
    big = max(frozen_sim.world.files, key=lambda p: len(frozen_sim.world.file_bytes(p)))
    whole = frozen_sim.world.file_bytes(big)
    assert len(whole) > 1_000_000
    tail = http.get("/v1/downloads/download", params={"file": big}, headers={"Range": "bytes=1000-"})
    assert tail.status_code == 206
    assert tail.headers["content-range"] == f"bytes 1000-{len(whole) - 1}/{len(whole)}"
    assert tail.content == whole[1000:]
    middle = http.get("/v1/downloads/download", params={"file": big}, headers={"Range": "bytes=10-19"})
    assert middle.content == whole[10:20]
    beyond = http.get("/v1/downloads/download", params={"file": big}, headers={"Range": f"bytes={len(whole)}-"})
    assert beyond.status_code == 416


@pytest.mark.parametrize(
    "file",
    [
        "../etc/passwd",
        "custom_exports/../../etc/passwd",
        "/etc/passwd",
        "custom_exports/./x.csv",
        "..\\..\\windows",
        "custom_exports/%2e%2e/secret",
        "custom_exports/\x00.csv",
        "",
    ],
)
def test_path_traversal_never_leaves_the_store(http, file):
    response = http.get("/v1/downloads/download", params={"file": file})
    assert response.status_code in (400, 404), response.text
    assert response.json()["error"] in ("bad_request", "not_found")


def test_unknown_files_and_prefixes(http):
    assert http.get("/v1/downloads/download", params={"file": "custom_exports/none.csv"}).status_code == 404
    assert http.get("/v1/downloads/download").status_code == 400
    for prefix in ("", "secrets", "../custom_exports"):
        assert http.get("/v1/downloads/list", params={"prefix": prefix}).status_code == 400
