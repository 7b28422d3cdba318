"""RFC 6962 Merkle tree: roots, inclusion and consistency proofs against a literal reference."""

from __future__ import annotations

import hashlib

from hypothesis import given, settings
from hypothesis import strategies as st

from tenure.evidence import merkle


def _reference_mth(leaves: list[bytes]) -> bytes:
    """MTH exactly as RFC 6962 section 2.1 states it (recursive, no shortcuts)."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + _reference_mth(leaves[:k]) + _reference_mth(
        leaves[k:])).digest()


def _leaves(n: int) -> list[bytes]:
    return [merkle.leaf_hash(hashlib.sha256(str(i).encode()).hexdigest()) for i in range(n)]


def test_leaf_and_node_prefixes() -> None:
    h = "ab" * 32
    assert merkle.leaf_hash(h) == hashlib.sha256(b"\x00" + bytes.fromhex(h)).digest()
    assert merkle.node_hash(b"a", b"b") == hashlib.sha256(b"\x01ab").digest()
    assert merkle.root([]) == hashlib.sha256(b"").digest()


def test_roots_match_reference_for_every_size_up_to_130() -> None:
    leaves = _leaves(130)
    tree = merkle.CompactTree()
    assert tree.root() == _reference_mth([])
    for n in range(1, 131):
        tree.add(leaves[n - 1])
        assert tree.root() == _reference_mth(leaves[:n]), n


def test_every_inclusion_proof_verifies_up_to_40() -> None:
    leaves = _leaves(40)
    for n in range(1, 41):
        root = _reference_mth(leaves[:n])
        for i in range(n):
            path = merkle.inclusion_proof(leaves[:n], i)
            assert merkle.verify_inclusion(i, n, leaves[i], path, root)
            assert len(path) <= (n - 1).bit_length()


def test_every_consistency_proof_verifies_up_to_40() -> None:
    leaves = _leaves(40)
    for n in range(0, 41):
        for m in range(0, n + 1):
            proof = merkle.consistency_proof(leaves[:n], m)
            assert merkle.verify_consistency(m, n, _reference_mth(leaves[:m]),
                                             _reference_mth(leaves[:n]), proof), (m, n)


@settings(max_examples=200, deadline=None)
@given(n=st.integers(2, 300), data=st.data())
def test_tampered_inclusion_proofs_fail(n: int, data: st.DataObject) -> None:
    leaves = _leaves(n)
    root = merkle.root(leaves)
    i = data.draw(st.integers(0, n - 1))
    path = merkle.inclusion_proof(leaves, i)
    other = data.draw(st.integers(0, n - 1).filter(lambda j: j != i))
    assert not merkle.verify_inclusion(i, n, leaves[other], path, root)
    assert not merkle.verify_inclusion(other, n, leaves[i], path, root) or (
        merkle.inclusion_proof(leaves, other) == path and leaves[other] == leaves[i])
    if path:
        k = data.draw(st.integers(0, len(path) - 1))
        bad = [*path[:k], bytes(32), *path[k + 1:]]
        assert not merkle.verify_inclusion(i, n, leaves[i], bad, root)
        assert not merkle.verify_inclusion(i, n, leaves[i], path[:-1], root)
    assert not merkle.verify_inclusion(i, n, leaves[i], [*path, bytes(32)], root)


@settings(max_examples=200, deadline=None)
@given(n=st.integers(2, 300), data=st.data())
def test_consistency_fails_when_history_was_rewritten(n: int, data: st.DataObject) -> None:
    leaves = _leaves(n)
    m = data.draw(st.integers(1, n - 1))
    changed = data.draw(st.integers(0, m - 1))
    old_root = merkle.root(leaves[:m])
    rewritten = list(leaves)
    rewritten[changed] = merkle.leaf_hash("ff" * 32)
    proof = merkle.consistency_proof(rewritten, m)
    assert not merkle.verify_consistency(m, n, old_root, merkle.root(rewritten), proof)
    good = merkle.consistency_proof(leaves, m)
    assert merkle.verify_consistency(m, n, old_root, merkle.root(leaves), good)
