"""Revocation: plans that list the exact vendor calls, a guarded apply, and verification."""
