"""Packing variable-length codes into bytes with numpy (no per-bit Python loop)."""

from __future__ import annotations

import numpy as np


def pack(codes: np.ndarray, lengths: np.ndarray) -> tuple[bytes, int]:
    """Concatenate codes (each `lengths[i]` bits, most significant first, at most 62
    bits) into bytes, zero-padded to a whole byte; also return the bit count."""
    codes = np.asarray(codes, dtype=np.int64)
    lengths = np.asarray(lengths, dtype=np.int64)
    keep = lengths > 0
    codes, lengths = codes[keep], lengths[keep]
    total = int(lengths.sum())
    if total == 0:
        return b"", 0
    owner = np.repeat(np.arange(len(lengths)), lengths)
    starts = np.cumsum(lengths) - lengths
    shift = lengths[owner] - 1 - (np.arange(total) - starts[owner])
    bits = ((codes[owner] >> shift) & 1).astype(np.uint8)
    return np.packbits(bits).tobytes(), total


class BitWriter:
    """Headers: a few dozen fields written one by one."""

    def __init__(self) -> None:
        self.codes: list[int] = []
        self.lengths: list[int] = []

    def put(self, value: int, nbits: int) -> None:
        if value < 0 or value >= 1 << nbits:
            raise ValueError(f"{value} does not fit in {nbits} bits")
        self.codes.append(value)
        self.lengths.append(nbits)

    @property
    def nbits(self) -> int:
        return sum(self.lengths)

    def stuff(self) -> None:
        """MPEG-4 next_start_code(): a 0 bit, then 1 bits up to the byte boundary."""
        self.put(0, 1)
        pad = -self.nbits % 8
        if pad:
            self.put((1 << pad) - 1, pad)

    def getvalue(self) -> bytes:
        data, _ = pack(np.array(self.codes), np.array(self.lengths))
        return data
