"""Non-human identities and their accountable humans: inventory, sponsors, the chain."""
