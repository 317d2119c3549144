"""Write THIRD-PARTY-NOTICES.txt for a built bundle from what is actually in it.

    python installer/third_party_notices.py BUNDLE_DIR [--out FILE] [--vlc-version V]

Run by the spec after the build (with the build's Python), so the list is the
bundle's, not the project's wishes. Every file of the bundle is attributed to:

- a Python distribution of the build environment (its RECORD lists the file, or the
  frozen archive holds one of its modules): name, version, licence from its metadata;
- on Debian, the system package that installed a copied shared library (`dpkg -S`):
  name, version, the licences named in /usr/share/doc/<package>/copyright;
- Python itself (libpython, the standard library): PSF-2.0;
- on Windows and macOS, VLC (libvlc, libvlccore, plugins): LGPL-2.1-or-later, some
  plugins GPL-2.0-or-later (`--vlc-version`);
- StoreOps itself.

Files nobody claims are listed under "Not identified" and make the exit status 2,
so a new library cannot slip into a release without its licence.
"""

from __future__ import annotations

import argparse
import contextlib
import platform
import re
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

OUT_NAME = "THIRD-PARTY-NOTICES.txt"
_SHARED = re.compile(r"\.(so(\.\d+)*|dylib|dll|pyd)$")
# Files the build itself writes (not third-party code).
_OWN = {OUT_NAME, "LICENSE", "plugins.dat", "base_library.zip"}


@dataclass
class Component:
    name: str
    version: str
    licence: str
    origin: str  # "Python package", "Debian package", ...
    files: list[str] = field(default_factory=list)


def _dist_licence(dist: metadata.Distribution) -> str:
    meta = dist.metadata
    expression = meta.get("License-Expression")
    if expression:
        return expression
    classifiers = [c.split("::")[-1].strip() for c in meta.get_all("Classifier") or [] if c.startswith("License ::")]
    text = (meta.get("License") or "").strip()
    if text and len(text) < 120 and "\n" not in text:
        return text if not classifiers else f"{text} ({'; '.join(classifiers)})"
    return "; ".join(classifiers) or "see the package's licence file"


def _python_files() -> tuple[dict[str, metadata.Distribution], dict[str, metadata.Distribution]]:
    """(relative path or basename of a file -> distribution, top-level module -> distribution)."""
    by_file: dict[str, metadata.Distribution] = {}
    by_module: dict[str, metadata.Distribution] = {}
    for dist in metadata.distributions():
        for f in dist.files or ():
            rel = Path(str(f)).as_posix()
            by_file.setdefault(rel, dist)
            by_file.setdefault(Path(rel).name, dist)
        for top in (dist.read_text("top_level.txt") or "").split():
            by_module.setdefault(top, dist)
    for module, names in metadata.packages_distributions().items():
        for name in names:
            with contextlib.suppress(metadata.PackageNotFoundError):
                by_module.setdefault(module, metadata.distribution(name))
    return by_file, by_module


def _frozen_modules(bundle: Path) -> list[str]:
    """Top-level modules in the frozen archive of the bundle's executable."""
    try:
        from PyInstaller.archive.readers import CArchiveReader
    except ImportError:
        return []
    for exe in (bundle / "storeops", bundle / "storeops.exe", bundle.parent / "MacOS" / "storeops"):
        if exe.is_file():
            try:
                pyz = CArchiveReader(str(exe)).open_embedded_archive("PYZ.pyz")
            except Exception:  # not a PyInstaller executable
                continue
            return sorted({name.split(".")[0] for name in pyz.toc})
    return []


def _debian_packages(names: list[str]) -> dict[str, str]:
    """basename -> Debian package, for shared libraries copied from the system. Reads
    dpkg's file lists directly: `dpkg -S` over a hundred names takes minutes."""
    info = Path("/var/lib/dpkg/info")
    wanted = set(names)
    found: dict[str, str] = {}
    if not wanted or not info.is_dir():
        return found
    for listing in sorted(info.glob("*.list")):
        package = listing.stem.split(":")[0]
        for line in listing.read_text(encoding="utf-8", errors="replace").splitlines():
            base = line.rpartition("/")[2]
            if base in wanted and "/lib" in line:
                found.setdefault(base, package)
    return found


def _debian_versions() -> dict[str, str]:
    versions: dict[str, str] = {}
    status = Path("/var/lib/dpkg/status")
    if status.is_file():
        for stanza in status.read_text(encoding="utf-8", errors="replace").split("\n\n"):
            fields = dict(re.findall(r"^(Package|Version): (.*)$", stanza, flags=re.M))
            if "Package" in fields:
                versions[fields["Package"]] = fields.get("Version", "?")
    return versions


def _debian_component(package: str, version: str) -> Component:
    copyright_file = Path("/usr/share/doc") / package / "copyright"
    licences: list[str] = []
    if copyright_file.is_file():
        for line in copyright_file.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("License:"):
                value = line.split(":", 1)[1].strip()
                if value and value not in licences:
                    licences.append(value)
    licence = ", ".join(licences[:12]) + (" …" if len(licences) > 12 else "") if licences else "see copyright file"
    return Component(package, version, licence, f"Debian package (/usr/share/doc/{package}/copyright)")


def collect(bundle: Path, vlc_version: str | None = None) -> tuple[list[Component], list[str]]:
    """Components found in `bundle` and the files no component claims."""
    by_file, by_module = _python_files()
    components: dict[str, Component] = {}
    unclaimed_shared: list[str] = []
    unclaimed: list[str] = []

    def claim(key: str, make: Component, rel: str) -> None:
        components.setdefault(key, make).files.append(rel)

    def python_dist(dist: metadata.Distribution) -> tuple[str, Component]:
        name = dist.metadata["Name"]
        return f"py:{name.lower()}", Component(name, dist.version, _dist_licence(dist), "Python package")

    runtime = Component("Python", platform.python_version(), "PSF-2.0", "Python runtime and standard library")
    own = Component("StoreOps", _storeops_version(), "GPL-3.0-or-later", "this application (LICENSE)")
    vlc = Component(
        "VLC media player (libvlc, libvlccore, plugins)",
        vlc_version or "3.x",
        "LGPL-2.1-or-later; some plugins GPL-2.0-or-later",
        "VideoLAN, https://www.videolan.org/vlc/",
    )

    for path in sorted(p for p in bundle.rglob("*") if p.is_file() or p.is_symlink()):
        rel = path.relative_to(bundle).as_posix()
        base = path.name
        if base in _OWN or path.is_symlink():
            continue
        parts = rel.split("/")
        if parts[0] == "storeops" or base in ("storeops", "storeops.exe") or parts[0] == "resources":
            claim("own", own, rel)
        elif re.match(r"libpython3|python3\d*\.dll|Python$", base) or parts[0] in ("python3.11", "lib-dynload"):
            claim("python", runtime, rel)
        elif base.startswith(("libvlc.", "libvlccore.")) or parts[0] == "vlc":
            # libvlc and its plugins: Debian's packages on Linux, VLC's own build elsewhere.
            if Path("/var/lib/dpkg/info").is_dir():
                unclaimed_shared.append(rel)
            else:
                claim("vlc", vlc, rel)
        elif rel in by_file or base in by_file:
            key, comp = python_dist(by_file.get(rel) or by_file[base])
            claim(key, comp, rel)
        elif parts[0] in by_module or parts[0].split(".")[0] in by_module:
            key, comp = python_dist(by_module.get(parts[0]) or by_module[parts[0].split(".")[0]])
            claim(key, comp, rel)
        elif re.search(r"-info$", parts[0]):
            dist_name = re.sub(r"-[^-]+\.(dist|egg)-info$", "", parts[0])
            try:
                key, comp = python_dist(metadata.distribution(dist_name))
                claim(key, comp, rel)
            except metadata.PackageNotFoundError:
                unclaimed.append(rel)
        elif _SHARED.search(base):
            unclaimed_shared.append(rel)
        else:
            unclaimed.append(rel)

    packages = _debian_packages([Path(r).name for r in unclaimed_shared])
    versions = _debian_versions() if packages else {}
    for rel in unclaimed_shared:
        package = packages.get(Path(rel).name)
        if package:
            claim(f"deb:{package}", _debian_component(package, versions.get(package, "?")), rel)
        else:
            unclaimed.append(rel)

    for module in _frozen_modules(bundle):
        dist = by_module.get(module)
        if dist is not None:
            key, comp = python_dist(dist)
            claim(key, comp, f"(frozen module {module})")

    return sorted(components.values(), key=lambda c: (c.origin, c.name.lower())), sorted(unclaimed)


def _storeops_version() -> str:
    import tomllib

    root = Path(__file__).resolve().parent.parent
    return str(tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"])


def render(components: list[Component], unclaimed: list[str]) -> str:
    lines = [
        "StoreOps - third-party software in this build",
        "=" * 46,
        "",
        "StoreOps is free software under the GNU General Public License, version 3 or",
        "later (the file LICENSE beside this one). This build also contains the software",
        "below, each under its own licence. Generated from the files of this build by",
        "installer/third_party_notices.py. Source code of the GPL and LGPL components:",
        "their upstream projects and, for Debian packages, `apt-get source <package>`.",
        "",
    ]
    groups: dict[str, list[Component]] = defaultdict(list)
    for comp in components:
        groups[comp.origin.split(" (")[0]].append(comp)
    for origin in sorted(groups):
        lines += [origin, "-" * len(origin)]
        for comp in groups[origin]:
            shown = ", ".join(Path(f).name for f in comp.files[:4]) + (
                f" … ({len(comp.files)} files)" if len(comp.files) > 4 else ""
            )
            lines += [f"{comp.name} {comp.version}", f"    licence: {comp.licence}", f"    files:   {shown}"]
            if "(" in comp.origin:
                lines.append(f"    details: {comp.origin[comp.origin.index('(') + 1 : -1]}")
        lines.append("")
    if unclaimed:
        lines += ["Not identified", "--------------", *(f"    {f}" for f in unclaimed), ""]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bundle", type=Path, help="the folder holding the app's libraries (PyInstaller's _internal)")
    parser.add_argument("--out", type=Path, help=f"where to write (default BUNDLE/{OUT_NAME})")
    parser.add_argument("--vlc-version", help="version of the VLC whose files were bundled (Windows, macOS)")
    args = parser.parse_args(argv)
    components, unclaimed = collect(args.bundle, args.vlc_version)
    out = args.out or args.bundle / OUT_NAME
    out.write_text(render(components, unclaimed), encoding="utf-8")
    print(f"third_party_notices: {len(components)} components in {out}", file=sys.stderr)
    if unclaimed:
        print(f"third_party_notices: {len(unclaimed)} files not identified (listed at the end)", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
