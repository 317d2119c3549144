"""Small test helpers shared across the suite."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
REPO = Path(__file__).resolve().parent.parent


def not_none(value: T | None) -> T:
    """The value, which the test expects to be there (an error's detail, a found node)."""
    assert value is not None
    return value


async def wait_until(predicate: Callable[[], object], timeout: float = 10.0, interval: float = 0.02):
    """Await until predicate() is truthy, letting the event loop (and Qt under qasync) run.

    Returns the predicate's value; raises AssertionError on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        await asyncio.sleep(interval)


def self_signed_cert(tmp_path: Path) -> tuple[Path, Path]:
    """A certificate + key for 127.0.0.1 that no trust store knows (TLS failure tests)."""
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


@contextlib.contextmanager
def simulator_process(
    *flags: str, access_key: str = "K", secret_key: str = "S"
) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """`python -m storeops.simulator` as a child process on a free port: yields its URL (read
    from the line it prints once it accepts connections) and the process; ended on exit."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "storeops.simulator",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--access-key",
            access_key,
            "--secret-key",
            secret_key,
            *flags,
        ],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stderr is not None  # PIPE
    try:
        line = proc.stdout.readline().strip()
        assert line.startswith("storeops simulator listening on http://127.0.0.1:"), line or proc.stderr.read()
        yield line.rsplit(" ", 1)[1], proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        proc.stdout.close()
        proc.stderr.close()
