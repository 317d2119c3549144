"""The Locations pane: the chain's location tree and its editing flows."""

from storeops.ui.locations.pane import create_pane, prepare_screenshot

__all__ = ["create_pane", "prepare_screenshot"]
