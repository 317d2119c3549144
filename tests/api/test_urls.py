"""Which servers the client agrees to send credentials to."""

from __future__ import annotations

import pytest

from storeops.api.client import RetailNextClient
from storeops.api.errors import ValidationError
from storeops.api.urls import (
    is_loopback_host,
    normalize_base_url,
    path_segment,
    subscription_url,
)


async def test_for_subscription_builds_the_https_url():
    client = RetailNextClient.for_subscription("acme-retail", "key", "secret")
    try:
        assert client.base_url == "https://acme-retail.api.retailnext.net"
    finally:
        await client.aclose()


@pytest.mark.parametrize("name", ["", "acme.evil.com/x", "a b", "-acme", "acme_1"])
def test_bad_subscription_names_are_refused(name):
    with pytest.raises(ValidationError):
        subscription_url(name)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080",
        "http://127.3.4.5",
        "http://localhost:1234/",
        "http://[::1]:99",
        "https://example.com",
        "https://example.com/api/",
    ],
)
def test_accepted_base_urls(url):
    assert not normalize_base_url(url).endswith("/")


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com",
        "http://10.0.0.5:8080",
        "http://128.0.0.1",
        "http://localhost.example.com",
        "ftp://localhost",
        "https://user:pw@example.com",
        "https://example.com/?a=1",
        "not a url",
    ],
)
def test_refused_base_urls(url):
    with pytest.raises(ValidationError):
        RetailNextClient(url, "key", "secret")


def test_loopback_hosts():
    assert is_loopback_host("127.0.0.1") and is_loopback_host("::1") and is_loopback_host("localhost")
    assert not is_loopback_host("192.168.1.1") and not is_loopback_host("localhost.evil.com")


def test_missing_keys_are_refused():
    with pytest.raises(ValidationError):
        RetailNextClient("https://example.com", "", "secret")
    with pytest.raises(ValidationError):
        RetailNextClient("https://example.com", "key", "")


# ------------------------------------------------------------ names that only look local


@pytest.mark.parametrize(
    "url",
    [
        "http://anything.localhost",
        "http://api.localhost:8080",
        "http://localhost.",
        "http://127.1",
        "http://LOCALHOST.evil.com",
        "http://0.0.0.0:8080",
        "http://[::ffff:7f00:1]",
    ],
)
def test_names_that_only_look_local_are_refused_for_plain_http(url):
    with pytest.raises(ValidationError):
        normalize_base_url(url)


def test_localhost_is_pinned_to_the_loopback_address():
    # Never resolved: a hosts file or resolver that maps "localhost" elsewhere
    # must not receive the keys in clear.
    assert normalize_base_url("http://localhost:8765/") == "http://127.0.0.1:8765"
    assert normalize_base_url("http://LocalHost") == "http://127.0.0.1"
    assert normalize_base_url("https://localhost:8443") == "https://localhost:8443"  # TLS decides


def test_only_real_loopback_addresses_are_loopback():
    assert is_loopback_host("127.0.0.1") and is_loopback_host("127.255.0.9")
    assert is_loopback_host("[::1]") and is_loopback_host("localhost")
    assert not is_loopback_host("x.localhost") and not is_loopback_host("localhost.")
    assert not is_loopback_host("0.0.0.0") and not is_loopback_host("::")


# ------------------------------------------------------------ path segments


@pytest.mark.parametrize(
    "value",
    [
        "9f1c2d3e-0000-4000-8000-000000000001",
        "exp_42",
        "AA:BB:CC",
        "a.b",
        "v1~x",
    ],
)
def test_plain_ids_are_path_segments(value):
    assert path_segment(value, "location") == value


@pytest.mark.parametrize(
    "value",
    [
        "",
        ".",
        "..",
        "...",
        "a/b",
        "a\\b",
        "%2e%2e",
        "a b",
        "x\u00e9",
        "a?b",
        "a#b",
        "a\x00",
        "a\n",
        "x" * 300,
        None,
        42,
    ],
)
def test_ids_that_could_walk_or_bend_the_path_are_refused(value):
    with pytest.raises(ValidationError):
        path_segment(value, "location")
