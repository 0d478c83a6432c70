"""The top layer: URL wiring, the home page, /healthz and /metrics (docs/architecture.md)."""
