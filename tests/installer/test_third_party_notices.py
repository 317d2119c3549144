"""THIRD-PARTY-NOTICES: attributed from the files of a bundle, unknown files refused."""

from __future__ import annotations

import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from tests.installer.conftest import INSTALLER

SCRIPT = INSTALLER / "third_party_notices.py"


def _system_zlib() -> Path:
    for base in ("/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu"):
        if Path(base, "libz.so.1").exists():
            return Path(base, "libz.so.1")
    pytest.fail("zlib (Debian zlib1g) is part of every Debian system")


def _bundle(tmp_path: Path) -> Path:
    bundle = tmp_path / "_internal"
    (bundle / "numpy").mkdir(parents=True)
    (bundle / "numpy" / "__init__.py").write_text("")
    shutil.copy(_system_zlib(), bundle / "libz.so.1")
    (bundle / "resources").mkdir()
    (bundle / "resources" / "style.qss").write_text("")
    return bundle


def _run(bundle: Path) -> tuple[int, str]:
    done = subprocess.run([sys.executable, str(SCRIPT), str(bundle)], capture_output=True, text=True, check=False)
    return done.returncode, (bundle / "THIRD-PARTY-NOTICES.txt").read_text()


def test_each_file_is_attributed_with_version_and_licence(tmp_path):
    code, text = _run(_bundle(tmp_path))
    assert code == 0, text
    assert f"numpy {metadata.version('numpy')}" in text
    assert "zlib1g " in text and "licence: Zlib" in text
    assert "StoreOps " in text and "GPL-3.0-or-later" in text
    assert "Not identified" not in text


def test_a_file_nobody_claims_fails_the_build(tmp_path):
    bundle = _bundle(tmp_path)
    (bundle / "libmystery.so.3").write_bytes(b"\x7fELF")
    code, text = _run(bundle)
    assert code == 2
    assert "Not identified" in text and "libmystery.so.3" in text
