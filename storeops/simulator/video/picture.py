"""The simulated camera picture: colour bars, a box sweeping with time, the channel
name and the wall clock burnt in (like a camera's on-screen display).

A frame depends only on (channel, instant, size), so segments and exports are
reproducible and tests can check what is drawn."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from functools import lru_cache

import numpy as np

from storeops.simulator.video.font import draw_text, text_size

_BARS = np.array(
    [
        (191, 191, 191),
        (191, 191, 0),
        (0, 191, 191),
        (0, 191, 0),
        (191, 0, 191),
        (191, 0, 0),
        (0, 0, 191),
    ],
    dtype=np.uint8,
)
SWEEP_PERIOD_S = 8.0


def channel_seed(channel_uuid: str) -> int:
    return int.from_bytes(hashlib.sha256(channel_uuid.encode()).digest()[:4], "big")


def text_scale(height: int) -> int:
    """Font scale for a frame of this height: 3 at 360 lines, never below 1."""
    return max(1, height // 120)


def clock_text(at: datetime) -> str:
    """What the on-screen clock shows at `at`: UTC to the tenth of a second."""
    at = at.astimezone(UTC)
    return at.strftime("%Y-%m-%d %H:%M:%S.") + str(at.microsecond // 100_000) + " UTC"


def name_position(height: int) -> tuple[int, int]:
    s = text_scale(height)
    return 3 * s, 3 * s


def clock_position(height: int) -> tuple[int, int]:
    s = text_scale(height)
    return 3 * s, height - 3 * s - text_size("0", s)[1]


@lru_cache(maxsize=32)
def _background(width: int, height: int, seed: int) -> np.ndarray:
    img = np.empty((height, width, 3), dtype=np.uint8)
    bars_h = height * 2 // 3
    order = np.roll(_BARS, seed % len(_BARS), axis=0)
    columns = (np.arange(width) * len(order)) // width
    img[:bars_h] = order[columns][None, :, :]
    ramp = (np.arange(width) * 255 // max(1, width - 1)).astype(np.uint8)
    img[bars_h:] = ramp[None, :, None]
    img.flags.writeable = False
    return img


def render_frame(name: str, channel_uuid: str, at: datetime, width: int, height: int) -> np.ndarray:
    """One RGB frame (height, width, 3) of `channel_uuid` at instant `at`."""
    seed = channel_seed(channel_uuid)
    img = _background(width, height, seed).copy()
    # A box sweeping left to right: motion that shows the stream is live.
    box = max(4, height // 6)
    phase = (at.timestamp() % SWEEP_PERIOD_S) / SWEEP_PERIOD_S
    bx = int(phase * (width - box))
    by = height // 3 - box // 2
    hue = np.array([(seed >> 8) & 255, (seed >> 16) & 255, 255], dtype=np.uint8)
    img[by : by + box, bx : bx + box] = hue
    s = text_scale(height)
    nx, ny = name_position(height)
    draw_text(img, name.upper(), nx, ny, s, background=(0, 0, 0), pad=s)
    cx, cy = clock_position(height)
    draw_text(img, clock_text(at), cx, cy, s, background=(0, 0, 0), pad=s)
    return img
