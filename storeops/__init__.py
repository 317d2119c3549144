"""StoreOps: run retail stores through the RetailNext cloud API."""

__version__ = "0.1.0"
