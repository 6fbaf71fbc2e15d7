"""HTTP routers of the public API."""
