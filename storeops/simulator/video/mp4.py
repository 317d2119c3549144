"""A minimal MP4 (ISO base media) writer for one MPEG-4 Part 2 video track.

The index (`moov`) comes before the media data ("fast start"), so a player can begin
while the file is still downloading."""

from __future__ import annotations

import struct
from collections.abc import Sequence
from pathlib import Path

MOVIE_TIMESCALE = 1000
OBJECT_TYPE_MPEG4_VISUAL = 0x20
_MATRIX = struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)


def _box(kind: bytes, *parts: bytes) -> bytes:
    body = b"".join(parts)
    return struct.pack(">I4s", 8 + len(body), kind) + body


def _full(kind: bytes, version: int, flags: int, *parts: bytes) -> bytes:
    return _box(kind, struct.pack(">I", (version << 24) | flags), *parts)


def _descriptor(tag: int, body: bytes) -> bytes:
    """An MPEG-4 descriptor with its length in the 4-byte form."""
    n = len(body)
    size = bytes((0x80 | (n >> 21) & 0x7F, 0x80 | (n >> 14) & 0x7F, 0x80 | (n >> 7) & 0x7F, n & 0x7F))
    return bytes((tag,)) + size + body


def _esds(config: bytes, bitrate: int, buffer_size: int) -> bytes:
    decoder_config = _descriptor(
        0x04,
        struct.pack(">BB", OBJECT_TYPE_MPEG4_VISUAL, (0x04 << 2) | 1)  # visual stream
        + buffer_size.to_bytes(3, "big")
        + struct.pack(">II", bitrate, bitrate)
        + _descriptor(0x05, config),
    )
    es = _descriptor(0x03, struct.pack(">HB", 1, 0) + decoder_config + _descriptor(0x06, b"\x02"))
    return _full(b"esds", 0, 0, es)


def _run_lengths(values: Sequence[int]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for v in values:
        if runs and runs[-1][1] == v:
            runs[-1] = (runs[-1][0] + 1, v)
        else:
            runs.append((1, v))
    return runs


def _moov(
    width: int,
    height: int,
    timescale: int,
    durations: Sequence[int],
    sizes: Sequence[int],
    keys: Sequence[int],
    config: bytes,
    offset: int,
) -> bytes:
    total = sum(durations)
    movie_duration = total * MOVIE_TIMESCALE // timescale
    seconds = max(total / timescale, 1e-3)
    bitrate = int(sum(sizes) * 8 / seconds)
    stts_runs = _run_lengths(durations)
    sample_entry = _box(
        b"mp4v",
        b"\x00" * 6,
        struct.pack(">H", 1),  # data reference index
        b"\x00" * 16,
        struct.pack(">HHIIIH", width, height, 0x00480000, 0x00480000, 0, 1),
        b"\x00" * 32,  # compressor name
        struct.pack(">Hh", 0x18, -1),
        _esds(config, bitrate, max(sizes, default=0)),
    )
    stbl = _box(
        b"stbl",
        _full(b"stsd", 0, 0, struct.pack(">I", 1), sample_entry),
        _full(b"stts", 0, 0, struct.pack(">I", len(stts_runs)), *(struct.pack(">II", n, d) for n, d in stts_runs)),
        _full(b"stss", 0, 0, struct.pack(f">I{len(keys)}I", len(keys), *(k + 1 for k in keys))),
        _full(b"stsc", 0, 0, struct.pack(">IIII", 1, 1, len(sizes), 1)),  # one chunk holds every sample
        _full(b"stsz", 0, 0, struct.pack(">II", 0, len(sizes)), struct.pack(f">{len(sizes)}I", *sizes)),
        _full(b"stco", 0, 0, struct.pack(">II", 1, offset)),
    )
    minf = _box(
        b"minf",
        _full(b"vmhd", 0, 1, b"\x00" * 8),
        _box(b"dinf", _full(b"dref", 0, 0, struct.pack(">I", 1), _full(b"url ", 0, 1))),
        stbl,
    )
    mdia = _box(
        b"mdia",
        _full(b"mdhd", 0, 0, struct.pack(">IIIIHH", 0, 0, timescale, total, 0x55C4, 0)),  # language "und"
        _full(b"hdlr", 0, 0, struct.pack(">I4s12x", 0, b"vide"), b"VideoHandler\x00"),
        minf,
    )
    tkhd = _full(
        b"tkhd",
        0,
        3,  # enabled, in movie
        struct.pack(">IIII", 0, 0, 1, 0),
        struct.pack(">I8xhhH2x", movie_duration, 0, 0, 0),
        _MATRIX,
        struct.pack(">II", width << 16, height << 16),
    )
    mvhd = _full(
        b"mvhd",
        0,
        0,
        struct.pack(">IIII", 0, 0, MOVIE_TIMESCALE, movie_duration),
        struct.pack(">IH10x", 0x10000, 0x0100),
        _MATRIX,
        b"\x00" * 24,
        struct.pack(">I", 2),  # next track id
    )
    return _box(b"moov", mvhd, _box(b"trak", tkhd, mdia))


def write_mp4_file(
    path: Path,
    samples: Sequence[bytes],
    durations: Sequence[int],
    *,
    width: int,
    height: int,
    timescale: int,
    config: bytes,
    key_frames: Sequence[int],
) -> None:
    """Write `samples` (each lasting `durations[i]` / `timescale` s; those numbered in
    `key_frames` decodable alone) to `path`."""
    if len(samples) != len(durations):
        raise ValueError("one duration per sample")
    ftyp = _box(b"ftyp", b"isom", struct.pack(">I", 0x200), b"isomiso2mp41")
    sizes = [len(s) for s in samples]
    media = sum(sizes)
    # The moov's size does not depend on the offset it records: measure, then write.
    moov_size = len(_moov(width, height, timescale, durations, sizes, key_frames, config, 0))
    offset = len(ftyp) + moov_size + 8
    moov = _moov(width, height, timescale, durations, sizes, key_frames, config, offset)
    if offset + media >= 1 << 32:
        raise ValueError("export too large for a 32-bit MP4 index")
    with path.open("wb") as out:
        out.write(ftyp)
        out.write(moov)
        out.write(struct.pack(">I4s", 8 + media, b"mdat"))
        for sample in samples:
            out.write(sample)
