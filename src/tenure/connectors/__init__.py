"""Connectors: fetch (the only I/O) → transform (pure) → records and gaps for the store."""
