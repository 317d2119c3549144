"""Render resources/icons/storeops.svg into the platform icon files the spec needs:
storeops.ico (Windows), storeops.icns (macOS), storeops.png (Linux desktop entry).

Qt's own image plugins write ICO and ICNS, so no extra tool is needed; the spec runs
this at build time into its work folder (no binary icons in git).

    python installer/make_icons.py OUT_DIR
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SVG = ROOT / "resources" / "icons" / "storeops.svg"

# (file, image format, edge in pixels): ICO holds one picture per file through Qt,
# 256 px is the largest Windows shows; ICNS takes 1024 px (retina 512@2x).
TARGETS = (("storeops.ico", "ico", 256), ("storeops.icns", "icns", 1024), ("storeops.png", "png", 512))


def main(out_dir: str) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QByteArray, Qt
    from PySide6.QtGui import QGuiApplication, QImage, QImageWriter, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841 - Qt needs it
    renderer = QSvgRenderer(QByteArray(SVG.read_bytes()))
    if not renderer.isValid():
        print(f"make_icons: cannot read {SVG}", file=sys.stderr)
        return 1
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for name, fmt, edge in TARGETS:
        image = QImage(edge, edge, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        writer = QImageWriter(str(out / name), fmt.encode())
        if not writer.write(image):
            print(f"make_icons: {name}: {writer.errorString()}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "build/icons"))
