"""Facts about the desktop bundle shared by the PyInstaller spec, the Windows
installer generator, the macOS Info.plist and their tests: one place to change them."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

APP = "storeops"  # executable and one-folder name
DISPLAY_NAME = "StoreOps"
PUBLISHER = "StoreOps"
BUNDLE_ID = "net.storeops.StoreOps"
# Inno Setup's AppId: fixed forever, so upgrades replace the installed copy.
WINDOWS_APP_ID = "7C4B3E1A-2F6D-4A8B-9E0C-5D1F3A7B6C24"
# Where platformdirs puts settings, logs and cache on Windows (storeops/config.py:
# PlatformDirs("StoreOps", "StoreOps")): %LOCALAPPDATA%\StoreOps\StoreOps\...
WINDOWS_DATA_DIR = r"{localappdata}\StoreOps"
# Qt 6.11 supports macOS 13 and later (doc.qt.io/qt-6.11/macos.html).
MACOS_MINIMUM = "13.0"

# The libvlc plugins for HLS and MP4 through video callbacks, as category/name of
# lib<name>_plugin.<ext>; libvlc loads nothing else (no display, no audio, no
# interface). A new source (RTSP, another codec) needs its plugin here.
VLC_PLUGINS = (
    "access/http", "access/https", "access/filesystem",     # HLS; exported MP4 on disk
    "stream_filter/prefetch", "stream_filter/cache_block",
    "demux/adaptive", "demux/ts", "demux/mp4",              # playlists, segments, exports
    "packetizer/packetizer_mpeg4video",                      # the simulator's MPEG-4 part 2
    "packetizer/packetizer_h264",                            # cameras' H.264
    "codec/avcodec",
    "video_chroma/swscale", "video_chroma/yuvp", "video_chroma/chain",
    "video_output/vmem",                                     # video_set_callbacks
    "audio_output/adummy",                                   # --aout=adummy
    "logger/console_logger",
    "keystore/memory_keystore", "misc/gnutls",              # https
)  # fmt: skip


def version() -> str:
    return str(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"])


def plugin_file(rel: str, ext: str) -> str:
    """`access/http`, `.dll` -> `libhttp_plugin.dll`."""
    return f"lib{rel.split('/')[1]}_plugin{ext}"
