"""A RetailNext API simulator: a real HTTP server on loopback over a seeded store chain.

It is StoreOps' demo mode and the server every test talks to.
`start_simulator()` runs it on a background thread; `python -m storeops.simulator`
runs it as a process.
"""
