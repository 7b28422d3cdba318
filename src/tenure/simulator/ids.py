"""Vendor-shaped identifiers: ``user_01…``, ``apikey_01…``, and reversible activity ids.

Activity ids encode their position in the feed through a keyed bijection, so the server can
turn an opaque ``after_id`` back into a position without an index over millions of rows, while
ids still look like the vendor's (``activity_01`` + 22 base58 characters).
"""

from __future__ import annotations

import random

ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_INDEX = {c: i for i, c in enumerate(ALPHABET)}
_MASK = (1 << 64) - 1
_MUL = 0x9E3779B97F4A7C15  # odd, so multiplication mod 2**64 is invertible
_MUL_INV = pow(_MUL, -1, 1 << 64)
_ADD = 0x5DEECE66D1234567
_CHECK_MUL = 0xC2B2AE3D27D4EB4F


def b58(value: int, width: int) -> str:
    """``value`` in base58, left-padded to ``width`` characters."""
    out = []
    for _ in range(width):
        value, digit = divmod(value, 58)
        out.append(ALPHABET[digit])
    return "".join(reversed(out))


def unb58(text: str) -> int:
    """Inverse of :func:`b58`; raises ``ValueError`` on a foreign character."""
    value = 0
    for char in text:
        if char not in _INDEX:
            raise ValueError(f"invalid character {char!r}")
        value = value * 58 + _INDEX[char]
    return value


def random_id(rng: random.Random, prefix: str) -> str:
    """A vendor-looking id such as ``user_01WCz1FkmYMm4gnmykNKUu3Q`` drawn from ``rng``."""
    return f"{prefix}_01{b58(rng.getrandbits(128), 22)}"


def activity_id(seq: int) -> str:
    """The activity id for feed position ``seq`` (1-based)."""
    mixed = (seq * _MUL + _ADD) & _MASK
    check = ((seq ^ 0xA5A5A5A5) * _CHECK_MUL) & _MASK
    return f"activity_01{b58(mixed, 11)}{b58(check, 11)}"


def activity_seq(activity: str) -> int | None:
    """The feed position of an activity id, or None when it is not one of ours."""
    if not activity.startswith("activity_01") or len(activity) != 33:
        return None
    try:
        mixed = unb58(activity[11:22])
    except ValueError:
        return None
    seq = ((mixed - _ADD) * _MUL_INV) & _MASK
    return seq if activity_id(seq) == activity else None
