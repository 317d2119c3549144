"""The simulator's own MPEG-4 Part 2 encoder, checked by FFmpeg's decoder (PyAV)."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import av
import numpy as np
import pytest

from storeops.simulator.video.mpeg4 import Mpeg4Encoder
from storeops.simulator.video.picture import render_frame

START = datetime(2026, 4, 22, 15, 0, tzinfo=UTC)


def _decode(data: bytes) -> list[np.ndarray]:
    with av.open(io.BytesIO(data), "r", format="m4v") as container:
        return [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]


def _pictures(width: int, height: int, count: int) -> list[np.ndarray]:
    return [render_frame("Door", "ch-1", START + timedelta(seconds=i / 10), width, height) for i in range(count)]


@pytest.mark.parametrize("size", [(640, 360), (250, 98)])  # 360 and 98 lines: not whole macroblocks
def test_predicted_pictures_decode_as_their_key_frame_would(size):
    """Skipped macroblocks keep what the decoder shows and changed ones are coded
    intra again, so a P-VOP decodes to exactly the picture an I-VOP of the same
    source gives: no drift along a segment."""
    width, height = size
    pictures = _pictures(width, height, 12)
    mixed = Mpeg4Encoder(width, height, time_resolution=10)
    stream = mixed.headers() + b"".join(mixed.encode(p, i, key=i == 0) for i, p in enumerate(pictures))
    intra = Mpeg4Encoder(width, height, time_resolution=10)
    reference = intra.headers() + b"".join(intra.encode(p, i, key=True) for i, p in enumerate(pictures))
    decoded, expected = _decode(stream), _decode(reference)
    assert len(decoded) == len(expected) == len(pictures)
    for got, want, source in zip(decoded, expected, pictures, strict=True):
        assert got.shape == source.shape
        assert np.array_equal(got, want)
        assert np.abs(got.astype(int) - source).mean() < 4  # close to what was drawn
    assert len(stream) < len(reference) / 3  # the point of skipping


def test_a_picture_of_another_size_or_time_going_back_is_refused():
    encoder = Mpeg4Encoder(64, 48, time_resolution=10)
    encoder.encode(np.zeros((48, 64, 3), np.uint8), 15, key=True)
    with pytest.raises(ValueError, match="picture is"):
        encoder.encode(np.zeros((48, 66, 3), np.uint8), 16, key=False)
    with pytest.raises(ValueError, match="backwards"):
        encoder.encode(np.zeros((48, 64, 3), np.uint8), 3, key=False)
    with pytest.raises(ValueError, match="even"):
        Mpeg4Encoder(63, 48, time_resolution=10)
