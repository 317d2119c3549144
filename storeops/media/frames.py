"""Decoded video frames as delivered by FrameGrabber."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class VideoFrame:
    """One decoded picture in libvlc's RV32 layout: 4 bytes per pixel, B G R X in
    memory (QImage.Format_RGB32 on little-endian machines), rows `pitch` bytes apart."""

    width: int
    height: int
    pitch: int
    data: bytes
    index: int  # 1 for the first frame a grabber delivers, then 2, 3...
    monotonic: float  # time.monotonic() when it was delivered

    def bgrx(self) -> np.ndarray:
        """A (height, width, 4) uint8 view of the pixels (B, G, R, X)."""
        rows = np.frombuffer(self.data, dtype=np.uint8).reshape(self.height, self.pitch)
        return rows[:, : self.width * 4].reshape(self.height, self.width, 4)

    def rgb(self) -> np.ndarray:
        """A (height, width, 3) RGB copy."""
        return np.ascontiguousarray(self.bgrx()[..., 2::-1])
