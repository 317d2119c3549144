"""A small MPEG-4 Part 2 (Simple Profile) video encoder in numpy.

Why our own: the app bundles libvlc, whose FFmpeg decodes this format, and nothing
else needs an encoder; PyAV would carry a second FFmpeg (~100 MB with x264/x265) into
every installer just for the demo simulator's pictures. The pictures are synthetic
(colour bars, a box, burnt-in text) and mostly still, so two tools suffice:
key frames coded intra, and in between P-VOPs where a macroblock whose source
pixels did not change is skipped (the decoder keeps it) and one that changed is
coded intra again. No motion search, no drift: what is shown always decodes
from the same source pixels.

What is coded: visual object sequence / visual object / video object layer headers,
then I- and P-VOPs (rectangular, progressive, 8-bit, H.263 quantisation, no AC
prediction, no resync markers), DC with the standard's gradient prediction, AC
with the intra VLC table (B-16) and escape mode 3 for the rest. The tables come
from ISO/IEC 14496-2 annex B.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from storeops.simulator.video.bits import BitWriter, pack

# ------------------------------------------------------------------ tables (annex B)

# B-16, intra TCOEF: (code, length) in order of (last, run, level); levels run from 1
# to the maximum for that run, listed below.
_INTRA_VLC = (
    (2, 2), (6, 3), (15, 4), (13, 5), (12, 5), (21, 6), (19, 6), (18, 6), (23, 7), (31, 8), (30, 8),
    (29, 8), (37, 9), (36, 9), (35, 9), (33, 9), (33, 10), (32, 10), (15, 10), (14, 10), (7, 11),
    (6, 11), (32, 11), (33, 11), (80, 12), (81, 12), (82, 12), (14, 4), (20, 6), (22, 7), (28, 8),
    (32, 9), (31, 9), (13, 10), (34, 11), (83, 12), (85, 12), (11, 5), (21, 7), (30, 9), (12, 10),
    (86, 12), (17, 6), (27, 8), (29, 9), (11, 10), (16, 6), (34, 9), (10, 10), (13, 6), (28, 9),
    (8, 10), (18, 7), (27, 9), (84, 12), (20, 7), (26, 9), (87, 12), (25, 8), (9, 10), (24, 8),
    (35, 11), (23, 8), (25, 9), (24, 9), (7, 10), (88, 12), (7, 4), (12, 6), (22, 8), (23, 9),
    (6, 10), (5, 11), (4, 11), (89, 12), (15, 6), (22, 9), (5, 10), (14, 6), (4, 10), (17, 7),
    (36, 11), (16, 7), (37, 11), (19, 7), (90, 12), (21, 8), (91, 12), (20, 8), (19, 8), (26, 8),
    (21, 9), (20, 9), (19, 9), (18, 9), (17, 9), (38, 11), (39, 11), (92, 12), (93, 12), (94, 12),
    (95, 12),
)  # fmt: skip
# Largest level with a code of its own, per run: not last, then last.
_INTRA_MAX_LEVEL = (
    (27, 10, 5, 4, 3, 3, 3, 3, 2, 2, 1, 1, 1, 1, 1),
    (8, 3, 2, 2, 2, 2, 2, *(1,) * 14),
)
_ESCAPE = (3, 7)
_MAX_TABLE_LEVEL = 27
# B-13 / B-14: dct_dc_size for luminance and chrominance, (code, length) by size.
_DC_LUMA = ((3, 3), (3, 2), (2, 2), (2, 3), (1, 3), (1, 4), (1, 5), (1, 6), (1, 7), (1, 8), (1, 9), (1, 10), (1, 11))
_DC_CHROMA = ((3, 2), (2, 2), (1, 2), (1, 3), (1, 4), (1, 5), (1, 6), (1, 7), (1, 8), (1, 9), (1, 10), (1, 11), (1, 12))
# B-6 / B-7: mcbpc of an intra macroblock (type 3) by cbpc, in an I-VOP and in a
# P-VOP; B-8 cbpy (intra), by cbpy.
_MCBPC_INTRA = ((1, 1), (1, 3), (2, 3), (3, 3))
_MCBPC_INTRA_IN_P = ((3, 5), (4, 8), (3, 8), (3, 7))
_CBPY = (
    (3, 4), (5, 5), (4, 5), (9, 4), (3, 5), (7, 4), (2, 6), (11, 4),
    (2, 5), (3, 6), (5, 4), (10, 4), (4, 4), (8, 4), (6, 4), (3, 2),
)  # fmt: skip

_ZIGZAG = np.array(
    [
        0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5,
        12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
        35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
        58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
    ]
)  # fmt: skip

VISUAL_OBJECT_SEQUENCE = 0x1B0
VISUAL_OBJECT = 0x1B5
VIDEO_OBJECT = 0x100
VIDEO_OBJECT_LAYER = 0x120
VOP = 0x1B6
DC_PADDING = 1024  # the DC predictor outside the picture: 2^(bits_per_pixel + 2)


def _ac_lookup() -> tuple[np.ndarray, np.ndarray]:
    """(code, length) indexed [last, run, level]; length 0 where only an escape fits."""
    codes = np.zeros((2, 64, _MAX_TABLE_LEVEL + 1), dtype=np.int64)
    lengths = np.zeros_like(codes)
    index = 0
    for last, maxima in enumerate(_INTRA_MAX_LEVEL):
        for run, top in enumerate(maxima):
            for level in range(1, top + 1):
                codes[last, run, level], lengths[last, run, level] = _INTRA_VLC[index]
                index += 1
    assert index == len(_INTRA_VLC)
    return codes, lengths


_AC_CODE, _AC_LEN = _ac_lookup()


def dc_scalers(qp: int) -> tuple[int, int]:
    """(luminance, chrominance) DC scaler for quantiser `qp` (table 7-1)."""
    if qp <= 4:
        luma = 8
    elif qp <= 8:
        luma = 2 * qp
    elif qp <= 24:
        luma = qp + 8
    else:
        luma = 2 * qp - 16
    chroma = 8 if qp <= 4 else (qp + 13) // 2 if qp <= 24 else qp - 6
    return luma, chroma


@lru_cache(maxsize=1)
def _dct_matrix() -> np.ndarray:
    k = np.arange(8)
    m = np.cos((2 * k[None, :] + 1) * k[:, None] * np.pi / 16) * 0.5
    m[0] /= np.sqrt(2)
    return m.astype(np.float32)


# ------------------------------------------------------------------ pictures

_RGB_TO_YUV = (
    np.array(
        [
            [65.481, 128.553, 24.966],
            [-37.797, -74.203, 112.0],
            [112.0, -93.786, -18.214],
        ],
        dtype=np.float32,
    )
    / 255
)
_YUV_OFFSET = np.array([16, 128, 128], dtype=np.float32)


def macroblock_tiles(rgb: np.ndarray, mb_width: int, mb_height: int) -> np.ndarray:
    """(macroblocks, 16, 16, 3) in raster order, the picture extended by repeating
    its edge to whole macroblocks."""
    height, width = rgb.shape[:2]
    pad_h, pad_w = mb_height * 16 - height, mb_width * 16 - width
    if pad_h or pad_w:
        rgb = np.pad(rgb, ((0, pad_h), (0, pad_w), (0, 0)), mode="edge")
    return rgb.reshape(mb_height, 16, mb_width, 16, 3).swapaxes(1, 2).reshape(-1, 16, 16, 3)


def tiles_to_blocks(tiles: np.ndarray) -> np.ndarray:
    """(n, 6, 8, 8) blocks of (n, 16, 16, 3) RGB tiles: four luminance (top left, top
    right, bottom left, bottom right), Cb, Cr; BT.601 limited range (what decoders
    assume when nothing is signalled), chrominance averaged over 2x2."""
    n = tiles.shape[0]
    # Element-wise, not a matrix product: BLAS threads crawl on a busy machine.
    r, g, b = (tiles[..., i].astype(np.float32) for i in range(3))

    def plane(row: int) -> np.ndarray:
        kr, kg, kb = _RGB_TO_YUV[row]
        return r * kr + g * kg + b * kb + _YUV_OFFSET[row]

    def half(p: np.ndarray) -> np.ndarray:
        return (p[:, 0::2, 0::2] + p[:, 1::2, 0::2] + p[:, 0::2, 1::2] + p[:, 1::2, 1::2]) * 0.25

    luma = plane(0).reshape(n, 2, 8, 2, 8).swapaxes(2, 3).reshape(n, 4, 8, 8)
    return np.concatenate([luma, half(plane(1))[:, None], half(plane(2))[:, None]], axis=1)


def _dct(blocks: np.ndarray) -> np.ndarray:
    """2-D DCT of (..., 8, 8) blocks."""
    m = _dct_matrix()
    # Stacked 8x8 products: numpy loops over them; measured 4x faster than one big
    # (N*8, 8) product, which OpenBLAS spreads over threads that crawl on a busy machine.
    return m @ blocks @ m.T


def _dc_prediction(dc: np.ndarray, intra: np.ndarray, scale: int) -> np.ndarray:
    """Predicted quantised DC of every block of a (rows, cols) grid of quantised DCs:
    from the block above if the left/above-left gradient is smaller than the
    above-left/above one, else from the left (7.4.3.1). Blocks outside the picture
    or not coded intra in this VOP count as DC_PADDING."""
    rows, cols = dc.shape
    padded = np.full((rows + 1, cols + 1), DC_PADDING, dtype=np.int64)
    padded[1:, 1:] = np.where(intra, dc * scale, DC_PADDING)
    a = padded[1:, :-1]  # left
    b = padded[:-1, :-1]  # above left
    c = padded[:-1, 1:]  # above
    pred = np.where(np.abs(a - b) < np.abs(b - c), c, a)
    return (pred + scale // 2) // scale


# ------------------------------------------------------------------ encoder


class Mpeg4Encoder:
    """Encodes RGB pictures of one size into MPEG-4 Part 2 VOPs."""

    def __init__(self, width: int, height: int, *, time_resolution: int, qp: int = 6) -> None:
        if not (1 <= qp <= 31):
            raise ValueError("quantiser must be 1..31")
        if width % 2 or height % 2 or not (16 <= width < 8192 and 16 <= height < 8192):
            raise ValueError(f"{width}x{height}: width and height must be even, 16 to 8190")
        if not (1 <= time_resolution < 1 << 16):
            raise ValueError("time resolution must be 1..65535 ticks per second")
        self.width, self.height, self.qp = width, height, qp
        self.time_resolution = time_resolution
        self.time_bits = max(1, (time_resolution - 1).bit_length())
        self.mb_width, self.mb_height = -(-width // 16), -(-height // 16)
        self.luma_scale, self.chroma_scale = dc_scalers(qp)
        self._last_second = 0
        self._reference: np.ndarray | None = None  # source tiles the decoder shows now

    def headers(self) -> bytes:
        """Visual object sequence, visual object, video object, video object layer:
        what a decoder needs before the first VOP (also the MP4 `esds` payload)."""
        w = BitWriter()
        w.put(VISUAL_OBJECT_SEQUENCE, 32)
        w.put(0x03, 8)  # Simple Profile, level 3
        w.put(VISUAL_OBJECT, 32)
        w.put(0, 1)  # is_visual_object_identifier
        w.put(1, 4)  # visual_object_type: video
        w.put(0, 1)  # video_signal_type
        w.stuff()
        w.put(VIDEO_OBJECT, 32)
        w.put(VIDEO_OBJECT_LAYER, 32)
        w.put(0, 1)  # random_accessible_vol
        w.put(1, 8)  # video_object_type_indication: simple object
        w.put(0, 1)  # is_object_layer_identifier
        w.put(1, 4)  # aspect_ratio_info: square pixels
        w.put(0, 1)  # vol_control_parameters
        w.put(0, 2)  # video_object_layer_shape: rectangular
        w.put(1, 1)
        w.put(self.time_resolution, 16)
        w.put(1, 1)
        w.put(0, 1)  # fixed_vop_rate
        w.put(1, 1)
        w.put(self.width, 13)
        w.put(1, 1)
        w.put(self.height, 13)
        w.put(1, 1)
        w.put(0, 1)  # interlaced
        w.put(1, 1)  # obmc_disable
        w.put(0, 1)  # sprite_enable
        w.put(0, 1)  # not_8_bit
        w.put(0, 1)  # quant_type: H.263
        w.put(1, 1)  # complexity_estimation_disable
        w.put(1, 1)  # resync_marker_disable
        w.put(0, 1)  # data_partitioned
        w.put(0, 1)  # scalability
        w.stuff()
        return w.getvalue()

    def encode(self, rgb: np.ndarray, ticks: int, *, key: bool) -> bytes:
        """One VOP of `rgb` (height, width, 3 uint8) at `ticks` / time_resolution
        seconds from the start of the stream (never decreasing). `key`: an I-VOP,
        decodable alone; otherwise a P-VOP over the previous picture."""
        if rgb.shape != (self.height, self.width, 3):
            raise ValueError(f"picture is {rgb.shape}, the stream {self.height}x{self.width}x3")
        second, increment = divmod(ticks, self.time_resolution)
        if second < self._last_second:
            raise ValueError("time went backwards")
        tiles = macroblock_tiles(rgb, self.mb_width, self.mb_height)
        predicted = not key and self._reference is not None
        if predicted:
            assert self._reference is not None
            coded = (tiles != self._reference).any(axis=(1, 2, 3))
        else:
            coded = np.ones(len(tiles), dtype=bool)
        self._reference = tiles

        head = BitWriter()
        head.put(VOP, 32)
        head.put(1 if predicted else 0, 2)  # vop_coding_type: P or I
        for _ in range(second - self._last_second):
            head.put(1, 1)  # modulo_time_base
        head.put(0, 1)
        head.put(1, 1)
        head.put(increment, self.time_bits)
        head.put(1, 1)
        head.put(1, 1)  # vop_coded
        if predicted:
            head.put(0, 1)  # rounding_type
        head.put(0, 3)  # intra_dc_vlc_thr: DC always with its own VLC
        head.put(self.qp, 5)
        if predicted:
            head.put(1, 3)  # vop_fcode_forward (no motion vectors are sent)
        self._last_second = second

        codes, lengths = self._macroblocks(tiles, coded, predicted)
        codes = np.concatenate([np.array(head.codes, dtype=np.int64), codes])
        lengths = np.concatenate([np.array(head.lengths, dtype=np.int64), lengths])
        # next_start_code(): a 0 bit, then 1 bits to the byte boundary.
        pad = -(int(lengths.sum()) + 1) % 8
        codes = np.append(codes, (1 << pad) - 1)
        lengths = np.append(lengths, pad + 1)
        data, _ = pack(codes, lengths)
        return data

    def _macroblocks(self, tiles: np.ndarray, coded: np.ndarray, predicted: bool) -> tuple[np.ndarray, np.ndarray]:
        mbw, mbh = self.mb_width, self.mb_height
        which = np.flatnonzero(coded)
        levels, dc = self._quantise(_dct(tiles_to_blocks(tiles[which])))  # (k, 6, 64), (k, 6)
        # DC prediction runs over whole-picture grids of blocks.
        rows, cols = np.divmod(which, mbw)
        diffs = np.empty_like(dc)
        luma_dc = np.zeros((2 * mbh, 2 * mbw), dtype=np.int64)
        luma_intra = np.zeros((2 * mbh, 2 * mbw), dtype=bool)
        for n, (by, bx) in enumerate(((0, 0), (0, 1), (1, 0), (1, 1))):
            luma_dc[2 * rows + by, 2 * cols + bx] = dc[:, n]
            luma_intra[2 * rows + by, 2 * cols + bx] = True
        luma_pred = _dc_prediction(luma_dc, luma_intra, self.luma_scale)
        for n, (by, bx) in enumerate(((0, 0), (0, 1), (1, 0), (1, 1))):
            diffs[:, n] = dc[:, n] - luma_pred[2 * rows + by, 2 * cols + bx]
        chroma_intra = np.zeros((mbh, mbw), dtype=bool)
        chroma_intra[rows, cols] = True
        for n in (4, 5):
            grid = np.zeros((mbh, mbw), dtype=np.int64)
            grid[rows, cols] = dc[:, n]
            diffs[:, n] = dc[:, n] - _dc_prediction(grid, chroma_intra, self.chroma_scale)[rows, cols]
        return _macroblock_codes(levels, diffs, which, mbw * mbh, predicted)

    def _quantise(self, coefficients: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(levels in zigzag order with the AC quantised, quantised DC) of (k, 6, 8, 8)."""
        n = coefficients.shape[0]
        flat = coefficients.reshape(n, 6, 64)
        scales = np.array([self.luma_scale] * 4 + [self.chroma_scale] * 2, dtype=np.float32)
        dc = np.clip(np.floor(flat[..., 0] / scales + 0.5), 1, 254).astype(np.int64)
        ac = np.clip(flat * (1 / (2 * self.qp)), -2047, 2047).astype(np.int16)  # H.263 intra: |c| // 2QP
        ac = ac[..., _ZIGZAG]
        ac[..., 0] = 0
        return ac, dc


def _macroblock_codes(
    blocks: np.ndarray, dc_diffs: np.ndarray, which: np.ndarray, n_mb: int, predicted: bool
) -> tuple[np.ndarray, np.ndarray]:
    """The VOP's macroblock layer as (code, length) in bitstream order. `blocks`
    (k, 6, 64) and `dc_diffs` (k, 6) belong to the coded (intra) macroblocks `which`;
    in a P-VOP every other macroblock is sent as not coded.

    Fields are generated per kind for all macroblocks at once, each with a sort key
    (macroblock, field slot), then put in order with one argsort."""
    k = len(which)
    slots = 1024
    mb_key = which.astype(np.int64) * slots
    keys: list[np.ndarray] = []
    codes: list[np.ndarray] = []
    lengths: list[np.ndarray] = []

    def add(key: np.ndarray, code: np.ndarray, length: np.ndarray) -> None:
        keys.append(np.asarray(key, dtype=np.int64).ravel())
        codes.append(np.asarray(code, dtype=np.int64).ravel())
        lengths.append(np.asarray(length, dtype=np.int64).ravel())

    if predicted:
        not_coded = np.ones(n_mb, dtype=np.int64)
        not_coded[which] = 0
        add(np.arange(n_mb, dtype=np.int64) * slots, not_coded, np.ones(n_mb))
    block_coded = (blocks[..., 1:] != 0).any(axis=-1)  # (k, 6)
    cbp = (block_coded * np.array([32, 16, 8, 4, 2, 1])).sum(axis=1)
    mcbpc = np.array(_MCBPC_INTRA_IN_P if predicted else _MCBPC_INTRA)[cbp & 3]
    cbpy = np.array(_CBPY)[cbp >> 2]
    add(mb_key + 1, mcbpc[:, 0], mcbpc[:, 1])
    add(mb_key + 2, np.zeros(k), np.ones(k))  # ac_pred_flag
    add(mb_key + 3, cbpy[:, 0], cbpy[:, 1])

    # DC: size VLC, the difference in `size` bits (negative: ones' complement), a
    # marker bit after sizes above 8.
    block_base = mb_key[:, None] + 4 + np.arange(6)[None, :] * 100
    size = np.zeros_like(dc_diffs)
    nonzero = dc_diffs != 0
    size[nonzero] = np.floor(np.log2(np.abs(dc_diffs[nonzero]))).astype(np.int64) + 1
    dc_vlc = np.array([_DC_LUMA] * 4 + [_DC_CHROMA] * 2)[np.arange(6)[None, :], size]
    add(block_base, dc_vlc[..., 0], dc_vlc[..., 1])
    add(block_base + 1, np.where(dc_diffs < 0, dc_diffs + (1 << size) - 1, dc_diffs), size)
    add(block_base + 2, np.ones_like(size), (size > 8).astype(np.int64))

    # AC: (last, run, level) events in zigzag order after the DC.
    flat = blocks.reshape(k * 6, 64)
    blk, pos = np.nonzero(flat[:, 1:])
    pos = pos + 1
    if len(blk):
        level = flat[blk, pos].astype(np.int64)
        first = np.ones(len(blk), dtype=bool)
        first[1:] = blk[1:] != blk[:-1]
        previous = np.where(first, 0, np.concatenate([[0], pos[:-1]]))
        run = pos - previous - 1
        last = np.ones(len(blk), dtype=np.int64)
        last[:-1] = blk[1:] != blk[:-1]
        magnitude = np.abs(level)
        clipped = np.minimum(magnitude, _MAX_TABLE_LEVEL)
        vlc_len = np.where(magnitude <= _MAX_TABLE_LEVEL, _AC_LEN[last, run, clipped], 0)
        vlc = (_AC_CODE[last, run, clipped] << 1) | (level < 0)
        # Escape 3: ESC '11' last run(6) marker level(12, two's complement) marker.
        escape = (_ESCAPE[0] << 23) | (3 << 21) | (last << 20) | (run << 14) | (1 << 13) | ((level & 0xFFF) << 1) | 1
        add(
            mb_key[blk // 6] + 4 + (blk % 6) * 100 + 3 + pos,
            np.where(vlc_len > 0, vlc, escape),
            np.where(vlc_len > 0, vlc_len + 1, 30),
        )

    order = np.argsort(np.concatenate(keys), kind="stable")
    return np.concatenate(codes)[order], np.concatenate(lengths)[order]
