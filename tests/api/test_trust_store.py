"""TLS is checked against the operating system's trust store (truststore), not a
bundled CA list: a corporate proxy that re-signs TLS with its own CA works once
that CA is installed on the machine, and a certificate from any other CA is a
TlsError.

On Linux the OS store is OpenSSL's: a CA file and a directory of CAs named by
subject hash (Debian's /etc/ssl/certs, where update-ca-certificates puts an
installed CA). SSL_CERT_FILE / SSL_CERT_DIR point both at test copies. httpx's
own default honours SSL_CERT_FILE alone when it is set, so the corporate CA sits
in the directory only: accepted through the OS store, refused by httpx's default."""

from __future__ import annotations

import asyncio
import json
import shutil
import ssl
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import trustme
import truststore

from storeops.api.client import RetailNextClient
from storeops.api.errors import TlsError
from storeops.api.retry import RetryPolicy
from storeops.api.transport import tls_context

NODE = {"uuid": "5f1c2a9e-0000-4000-8000-000000000001", "name": "Proxy Test Store", "location_type": "store"}


@pytest.fixture
def corporate_ca() -> trustme.CA:
    """The CA a corporate proxy signs with (trustme: test CAs and certificates)."""
    return trustme.CA(organization_name="Acme Corp IT Proxy CA")


@pytest.fixture
async def tls_server(corporate_ca: trustme.CA) -> AsyncIterator[tuple[str, list[str]]]:
    """An HTTPS server on 127.0.0.1 with a certificate of the corporate CA, answering
    any request with a one-store v2/location body; yields its URL and the request lines."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    corporate_ca.issue_cert("127.0.0.1").configure_cert(context)
    seen: list[str] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            seen.append(head.split(b"\r\n", 1)[0].decode("latin-1"))
            length = next(
                (
                    int(line.split(b":", 1)[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                ),
                0,
            )
            await reader.readexactly(length)
            body = json.dumps({"nodes": [[NODE]]}).encode()
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
                + b"Content-Length: %d\r\n\r\n" % len(body)
                + body
            )
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError):
            pass  # a client that refused the certificate hangs up in the handshake
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=context)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"https://127.0.0.1:{port}", seen
    finally:
        server.close()
        await server.wait_closed()


def _os_store(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, *, file_ca: trustme.CA, dir_ca: trustme.CA | None
) -> None:
    """The machine's trust store: `file_ca` in the CA file, `dir_ca` installed in the
    CA directory under its subject hash (as update-ca-certificates / c_rehash do)."""
    bundle = tmp_path / "ca-certificates.crt"
    file_ca.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    certs = tmp_path / "certs"
    certs.mkdir()
    if dir_ca is not None:
        pem = certs / "corporate.pem"
        dir_ca.cert_pem.write_to_path(str(pem))
        openssl = shutil.which("openssl")
        assert openssl, "the openssl command (Debian package openssl) names CA files by subject hash"
        subject_hash = subprocess.run(
            [openssl, "x509", "-hash", "-noout", "-in", str(pem)], capture_output=True, text=True, check=True
        ).stdout.strip()
        pem.rename(certs / f"{subject_hash}.0")
    monkeypatch.setenv("SSL_CERT_DIR", str(certs))


def _client(url: str) -> RetailNextClient:
    return RetailNextClient(url, "proxy-access", "proxy-secret-value", retry=RetryPolicy(base_delay=0.01))


async def test_a_certificate_from_a_ca_in_the_os_trust_store_is_accepted(
    tls_server: tuple[str, list[str]], corporate_ca: trustme.CA, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Neither certifi nor SSL_CERT_FILE holds this CA: only the OS store's directory does.
    _os_store(monkeypatch, tmp_path, file_ca=trustme.CA(organization_name="Public Root"), dir_ca=corporate_ca)
    url, seen = tls_server
    async with _client(url) as client:
        stores = await client.query_locations()
    assert [s.name for s in stores] == ["Proxy Test Store"]
    assert seen == ["POST /v2/location HTTP/1.1"]


async def test_a_certificate_from_a_ca_outside_the_trust_store_is_a_tls_error(
    tls_server: tuple[str, list[str]], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _os_store(monkeypatch, tmp_path, file_ca=trustme.CA(organization_name="Public Root"), dir_ca=None)
    url, seen = tls_server
    async with _client(url) as client:
        with pytest.raises(TlsError) as info:
            await client.query_locations()
    assert "certificate could not be verified" in str(info.value)
    assert "proxy-secret-value" not in str(info.value)
    assert seen == []  # nothing was sent over the untrusted connection


def test_the_os_store_context_verifies_certificates_and_names() -> None:
    context = tls_context()
    assert isinstance(context, truststore.SSLContext)
    assert context.verify_mode is ssl.CERT_REQUIRED
    assert context.check_hostname
