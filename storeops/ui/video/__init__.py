"""The Live video pane: a grid of live channels through libvlc (storeops.media)."""
