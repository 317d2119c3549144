"""PyInstaller runtime hook: make python-vlc use the libvlc and plugins bundled
with the app, before anything imports `vlc`.

python-vlc reads PYTHON_VLC_LIB_PATH (the libvlc file to load) and
PYTHON_VLC_MODULE_PATH (which it exports as VLC_PLUGIN_PATH for libvlccore);
without them it searches the system (on macOS only /Applications/VLC.app). The
spec puts libvlc beside the app's other libraries and its plugins in vlc/plugins.
libvlccore and the plugins' own dependencies (libavcodec, gnutls...) resolve to
the bundled copies: on Linux the bootloader starts the app with LD_LIBRARY_PATH
set to the bundle, on macOS PyInstaller rewrites their load paths, on Windows
the bootloader adds the bundle to the DLL search path.

Nothing bundled (a build without libvlc): leave the environment alone, so a
system VLC still works and the app shows its install hint otherwise.
"""

import os
import sys


def _bundled_vlc(base: str) -> tuple[str, str] | None:
    """(libvlc, plugins folder) inside the bundle, if both are there."""
    if sys.platform.startswith("win"):
        lib = "libvlc.dll"
    elif sys.platform == "darwin":
        lib = "libvlc.dylib"
    else:
        lib = "libvlc.so.5"
    lib_path = os.path.join(base, lib)
    plugins = os.path.join(base, "vlc", "plugins")
    if os.path.isfile(lib_path) and os.path.isdir(plugins):
        return lib_path, plugins
    return None


def _install() -> None:
    found = _bundled_vlc(getattr(sys, "_MEIPASS", os.path.dirname(sys.executable)))
    if found is None:
        return
    # Assigned, not setdefault: a PYTHON_VLC_* left in the user's environment for
    # another program must not make the app load a different libvlc.
    os.environ["PYTHON_VLC_LIB_PATH"], os.environ["PYTHON_VLC_MODULE_PATH"] = found


_install()
