"""The evidence ledger: an append-only, hash-chained record of every governance event."""
