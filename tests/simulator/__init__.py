"""Tests of the RetailNext API simulator, over real HTTP."""
