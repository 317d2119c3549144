"""Without libvlc, loading it fails with words that say what to install — seen here
through the availability module's import seam, on a machine that has VLC."""

from __future__ import annotations

import pytest

from storeops.media import availability
from storeops.media.availability import INSTALL_HINT, LibVlcUnavailable, check_libvlc, load_vlc
from storeops.media.player import FrameGrabber


def _missing():
    raise OSError("libvlc.so.5: cannot open shared object file: No such file or directory")


def test_missing_libvlc_is_an_error_with_the_install_hint():
    with availability.importer(_missing):
        for attempt in (load_vlc, check_libvlc, FrameGrabber):
            with pytest.raises(LibVlcUnavailable) as info:
                attempt()
            assert INSTALL_HINT in str(info.value)
            assert "libvlc.so.5" in str(info.value)
    # The seam is put back: the real libvlc loads again.
    assert check_libvlc().startswith("3.")
