"""Video playback through libvlc: the one place in StoreOps that imports `vlc`.

`FrameGrabber` plays a URL (an HLS stream, an exported MP4) and hands decoded frames
to a callback; a Qt widget wraps it to paint them. No Qt here."""

from storeops.media.availability import LibVlcUnavailable, check_libvlc
from storeops.media.frames import VideoFrame
from storeops.media.player import FrameGrabber, redact_url

__all__ = ["FrameGrabber", "LibVlcUnavailable", "VideoFrame", "check_libvlc", "redact_url"]
