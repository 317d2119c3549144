"""The simulator's video: live HLS test pictures per channel, HLS tokens, and video
exports rendered to MP4, all generated with PyAV's LGPL `mpeg4` encoder.

The app mounts it through `storeops.simulator.video.routes.video_routes(ctx)`."""
