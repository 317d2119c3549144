"""A tiny 5x7 bitmap font drawn with numpy: enough for channel names and clocks
without a font library (no Pillow, no FreeType in the simulator)."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

GLYPH_W, GLYPH_H = 5, 7
ADVANCE = GLYPH_W + 1  # one blank column between characters

# Each glyph: 7 rows of 5 columns, "#" lit. Lower case is drawn as upper case.
_RAW: dict[str, str] = {
    " ": ".....|.....|.....|.....|.....|.....|.....",
    "0": ".###.|#...#|#..##|#.#.#|##..#|#...#|.###.",
    "1": "..#..|.##..|..#..|..#..|..#..|..#..|.###.",
    "2": ".###.|#...#|....#|...#.|..#..|.#...|#####",
    "3": "####.|....#|....#|.###.|....#|....#|####.",
    "4": "...#.|..##.|.#.#.|#..#.|#####|...#.|...#.",
    "5": "#####|#....|####.|....#|....#|#...#|.###.",
    "6": "..##.|.#...|#....|####.|#...#|#...#|.###.",
    "7": "#####|....#|...#.|..#..|.#...|.#...|.#...",
    "8": ".###.|#...#|#...#|.###.|#...#|#...#|.###.",
    "9": ".###.|#...#|#...#|.####|....#|...#.|.##..",
    "A": ".###.|#...#|#...#|#####|#...#|#...#|#...#",
    "B": "####.|#...#|#...#|####.|#...#|#...#|####.",
    "C": ".###.|#...#|#....|#....|#....|#...#|.###.",
    "D": "###..|#..#.|#...#|#...#|#...#|#..#.|###..",
    "E": "#####|#....|#....|####.|#....|#....|#####",
    "F": "#####|#....|#....|####.|#....|#....|#....",
    "G": ".###.|#...#|#....|#.###|#...#|#...#|.####",
    "H": "#...#|#...#|#...#|#####|#...#|#...#|#...#",
    "I": ".###.|..#..|..#..|..#..|..#..|..#..|.###.",
    "J": "..###|...#.|...#.|...#.|...#.|#..#.|.##..",
    "K": "#...#|#..#.|#.#..|##...|#.#..|#..#.|#...#",
    "L": "#....|#....|#....|#....|#....|#....|#####",
    "M": "#...#|##.##|#.#.#|#.#.#|#...#|#...#|#...#",
    "N": "#...#|#...#|##..#|#.#.#|#..##|#...#|#...#",
    "O": ".###.|#...#|#...#|#...#|#...#|#...#|.###.",
    "P": "####.|#...#|#...#|####.|#....|#....|#....",
    "Q": ".###.|#...#|#...#|#...#|#.#.#|#..#.|.##.#",
    "R": "####.|#...#|#...#|####.|#.#..|#..#.|#...#",
    "S": ".####|#....|#....|.###.|....#|....#|####.",
    "T": "#####|..#..|..#..|..#..|..#..|..#..|..#..",
    "U": "#...#|#...#|#...#|#...#|#...#|#...#|.###.",
    "V": "#...#|#...#|#...#|#...#|#...#|.#.#.|..#..",
    "W": "#...#|#...#|#...#|#.#.#|#.#.#|#.#.#|.#.#.",
    "X": "#...#|#...#|.#.#.|..#..|.#.#.|#...#|#...#",
    "Y": "#...#|#...#|.#.#.|..#..|..#..|..#..|..#..",
    "Z": "#####|....#|...#.|..#..|.#...|#....|#####",
    ":": ".....|..#..|..#..|.....|..#..|..#..|.....",
    ".": ".....|.....|.....|.....|.....|.##..|.##..",
    ",": ".....|.....|.....|.....|.##..|..#..|.#...",
    "-": ".....|.....|.....|.###.|.....|.....|.....",
    "+": ".....|..#..|..#..|#####|..#..|..#..|.....",
    "/": "....#|....#|...#.|..#..|.#...|#....|#....",
    "_": ".....|.....|.....|.....|.....|.....|#####",
    "#": ".#.#.|.#.#.|#####|.#.#.|#####|.#.#.|.#.#.",
    "(": "...#.|..#..|.#...|.#...|.#...|..#..|...#.",
    ")": ".#...|..#..|...#.|...#.|...#.|..#..|.#...",
    "'": "..#..|..#..|.#...|.....|.....|.....|.....",
    "&": ".##..|#..#.|#.#..|.#...|#.#.#|#..#.|.##.#",
    "?": ".###.|#...#|....#|...#.|..#..|.....|..#..",
}

GLYPHS: dict[str, np.ndarray] = {
    ch: np.array([[c == "#" for c in row] for row in rows.split("|")], dtype=bool) for ch, rows in _RAW.items()
}


def glyph(ch: str) -> np.ndarray:
    return GLYPHS.get(ch.upper(), GLYPHS["?"])


@lru_cache(maxsize=512)
def _scaled(ch: str, scale: int) -> np.ndarray:
    return np.kron(glyph(ch), np.ones((scale, scale), dtype=bool))


def text_size(text: str, scale: int) -> tuple[int, int]:
    """(width, height) in pixels of `text` drawn at `scale`."""
    if not text:
        return 0, GLYPH_H * scale
    return (len(text) * ADVANCE - 1) * scale, GLYPH_H * scale


def draw_text(
    img: np.ndarray,
    text: str,
    x: int,
    y: int,
    scale: int = 2,
    color: tuple[int, int, int] = (255, 255, 255),
    background: tuple[int, int, int] | None = None,
    pad: int = 0,
) -> int:
    """Draw `text` into the RGB array `img` (H, W, 3) with its top-left at (x, y).

    Characters that fall outside the image are clipped. Returns the width drawn."""
    height, width = img.shape[:2]
    tw, th = text_size(text, scale)
    if background is not None:
        y0, y1 = max(0, y - pad), min(height, y + th + pad)
        x0, x1 = max(0, x - pad), min(width, x + tw + pad)
        if y1 > y0 and x1 > x0:
            img[y0:y1, x0:x1] = background
    colour = np.array(color, dtype=img.dtype)
    for i, ch in enumerate(text):
        if ch == " ":
            continue
        cx = x + i * ADVANCE * scale
        mask = _scaled(ch, scale)
        gh, gw = mask.shape
        # Clip the glyph to the image.
        sx0, sy0 = max(0, -cx), max(0, -y)
        sx1, sy1 = min(gw, width - cx), min(gh, height - y)
        if sx1 <= sx0 or sy1 <= sy0:
            continue
        region = img[y + sy0 : y + sy1, cx + sx0 : cx + sx1]
        region[mask[sy0:sy1, sx0:sx1]] = colour
    return tw


def read_text(img: np.ndarray, x: int, y: int, scale: int, length: int) -> str:
    """Read back `length` characters drawn by draw_text at (x, y) with light ink on a
    dark background, tolerating compression noise: each cell is binarised and matched
    to the nearest glyph. Used by tests and tools to check what a decoded frame shows."""
    gray = img[..., :3].astype(np.float32).mean(axis=2)
    out = []
    for i in range(length):
        cx = x + i * ADVANCE * scale
        cell = gray[y : y + GLYPH_H * scale, cx : cx + GLYPH_W * scale]
        if cell.shape != (GLYPH_H * scale, GLYPH_W * scale):
            out.append("?")
            continue
        # Average each scale x scale block down to one glyph pixel.
        blocks = cell.reshape(GLYPH_H, scale, GLYPH_W, scale).mean(axis=(1, 3)) > 128
        best, best_score = "?", -1
        for ch, g in GLYPHS.items():
            score = int((g == blocks).sum())
            if score > best_score:
                best, best_score = ch, score
        out.append(best)
    return "".join(out)
