"""A minimal MPEG-2 transport stream writer: one video elementary stream.

Enough for an HLS segment: PAT and PMT first, then one PES packet per picture with
its presentation time, a PCR on the video packets, every picture a random access
point where it is a key frame."""

from __future__ import annotations

import struct

PACKET = 188
PAT_PID = 0x0000
PMT_PID = 0x1000
VIDEO_PID = 0x0100
PROGRAM = 1
STREAM_TYPE_MPEG4_VISUAL = 0x10
VIDEO_STREAM_ID = 0xE0
# The first PCR this long before the first presentation time: the decoder's buffer.
PTS_DELAY_90K = 63_000


def _crc32_mpeg(data: bytes) -> int:
    """CRC-32/MPEG-2 (no reflection, no final xor) of the PSI sections."""
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x80000000 else crc << 1
            crc &= 0xFFFFFFFF
    return crc


def _section(table_id: int, extension: int, body: bytes) -> bytes:
    """A long-form PSI section (version 0, current, section 0 of 0) with its CRC."""
    length = 5 + len(body) + 4
    head = struct.pack(">BHHBBB", table_id, 0xB000 | length, extension, 0xC1, 0, 0)
    section = head + body
    return section + struct.pack(">I", _crc32_mpeg(section))


def _timestamp(prefix: int, value: int) -> bytes:
    """A 33-bit PES timestamp in its 5-byte form with marker bits."""
    value &= (1 << 33) - 1
    return bytes(
        (
            (prefix << 4) | ((value >> 29) & 0x0E) | 1,
            (value >> 22) & 0xFF,
            ((value >> 14) & 0xFE) | 1,
            (value >> 7) & 0xFF,
            ((value << 1) & 0xFE) | 1,
        )
    )


def _pcr(value_90k: int) -> bytes:
    base = value_90k & ((1 << 33) - 1)
    return struct.pack(">IH", base >> 1, ((base & 1) << 15) | 0x7E00)


class TransportStream:
    """Collects TS packets in memory; `getvalue()` returns the stream."""

    def __init__(self) -> None:
        self._out = bytearray()
        self._continuity: dict[int, int] = {}
        self._psi_written = False

    def _packet(self, pid: int, payload: bytes | memoryview, *, start: bool, adaptation: bytes | None = None) -> int:
        """Write one packet with as much of `payload` as fits; return the bytes used.
        `adaptation`: the adaptation field after its length byte (flags, PCR), if any;
        a short last packet is filled by growing (or adding) the adaptation field."""
        room = PACKET - 4 - (0 if adaptation is None else 1 + len(adaptation))
        used = min(room, len(payload))
        short = room - used
        if short:
            if adaptation is None:
                adaptation = b"" if short == 1 else b"\x00" + b"\xff" * (short - 2)
            else:
                adaptation += b"\xff" * short
        cc = self._continuity.get(pid, 0)
        self._continuity[pid] = (cc + 1) & 0x0F
        control = 0x10 if adaptation is None else 0x30
        head = struct.pack(">BHB", 0x47, (0x4000 if start else 0) | pid, control | cc)
        field = b"" if adaptation is None else bytes((len(adaptation),)) + adaptation
        packet = head + field + payload[:used]
        assert len(packet) == PACKET, len(packet)
        self._out += packet
        return used

    def _psi(self) -> None:
        pat = _section(0x00, 1, struct.pack(">HH", PROGRAM, 0xE000 | PMT_PID))
        pmt = _section(
            0x02,
            PROGRAM,
            struct.pack(">HH", 0xE000 | VIDEO_PID, 0xF000)  # PCR PID, no program descriptors
            + struct.pack(">BHH", STREAM_TYPE_MPEG4_VISUAL, 0xE000 | VIDEO_PID, 0xF000),
        )
        for pid, section in ((PAT_PID, pat), (PMT_PID, pmt)):
            # pointer_field 0, the section, 0xFF to the end of the packet.
            payload = b"\x00" + section
            self._out += struct.pack(">BHB", 0x47, 0x4000 | pid, 0x10 | self._continuity.get(pid, 0))
            self._continuity[pid] = (self._continuity.get(pid, 0) + 1) & 0x0F
            self._out += payload + b"\xff" * (PACKET - 4 - len(payload))

    def write_picture(self, data: bytes, pts_90k: int, *, key: bool) -> None:
        """One coded picture shown at `pts_90k` (90 kHz ticks); `key`: decodable alone."""
        if not self._psi_written:
            self._psi()
            self._psi_written = True
        pes_header = (
            struct.pack(">IHBBB", 0x100 | VIDEO_STREAM_ID, 0, 0x84, 0x80, 5)  # aligned; PTS only
            + _timestamp(0b0010, pts_90k + PTS_DELAY_90K)
        )
        payload = memoryview(pes_header + data)
        # First packet: PCR (and the random access indicator) in the adaptation field.
        flags = bytes((0x50 if key else 0x10,)) + _pcr(pts_90k)
        offset = self._packet(VIDEO_PID, payload, start=True, adaptation=flags)
        while offset < len(payload):
            offset += self._packet(VIDEO_PID, payload[offset:], start=False)

    def getvalue(self) -> bytes:
        return bytes(self._out)
