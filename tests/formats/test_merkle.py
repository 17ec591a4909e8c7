"""The RFC 9162 Merkle tree: published CT vectors, and the stored-subtree code against the RFC text.

The naive functions below are the recursive definitions of RFC 9162 §2.1.1
(MTH), §2.1.3.1 (PATH) and §2.1.4.1 (PROOF/SUBPROOF), written as literally as
possible over lists of leaves; the efficient code must agree with them.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aes_id.errors import StorageError, TrustError, UsageError
from aes_id.formats import merkle
from aes_id.formats.merkle import ProofError

VECTORS = json.loads((Path(__file__).parent.parent / "vectors" / "rfc6962_merkle.json").read_text())
LEAVES = [bytes.fromhex(leaf) for leaf in VECTORS["leaves"]]
ROOTS = [bytes.fromhex(r) for r in VECTORS["roots"]]
SOME_HASH = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")


# --- RFC 9162 §2.1 as written -------------------------------------------------------------


def _k(n: int) -> int:
    """The largest power of two smaller than n."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


@functools.lru_cache(maxsize=100_000)
def _mth(d: tuple[bytes, ...]) -> bytes:
    if not d:
        return hashlib.sha256(b"").digest()
    if len(d) == 1:
        return hashlib.sha256(b"\x00" + d[0]).digest()
    k = _k(len(d))
    return hashlib.sha256(b"\x01" + _mth(d[:k]) + _mth(d[k:])).digest()


def mth(d: Sequence[bytes]) -> bytes:
    """MTH(D[n]), memoised: the property tests ask for the same subtrees many times."""
    return _mth(tuple(d))


def path(m: int, d: Sequence[bytes]) -> list[bytes]:
    if len(d) == 1:
        return []
    k = _k(len(d))
    if m < k:
        return [*path(m, d[:k]), mth(d[k:])]
    return [*path(m - k, d[k:]), mth(d[:k])]


def subproof(m: int, d: Sequence[bytes], b: bool) -> list[bytes]:
    if m == len(d):
        return [] if b else [mth(d)]
    k = _k(len(d))
    if m <= k:
        return [*subproof(m, d[:k], b), mth(d[k:])]
    return [*subproof(m - k, d[k:], False), mth(d[:k])]


def proof(m: int, d: Sequence[bytes]) -> list[bytes]:
    return subproof(m, d, True)


# --- helpers --------------------------------------------------------------------------------


def store_of(leaves: Sequence[bytes], batch: int = 1) -> merkle.MemoryNodeStore:
    store = merkle.MemoryNodeStore()
    for start in range(0, len(leaves), batch):
        merkle.append(store, [merkle.leaf_hash(x) for x in leaves[start : start + batch]])
    return store


def hexes(hashes: Sequence[bytes]) -> list[str]:
    return [h.hex() for h in hashes]


@pytest.fixture(scope="module")
def reference_store() -> merkle.MemoryNodeStore:
    return store_of(LEAVES)


# --- published vectors --------------------------------------------------------------------


def test_hashes_have_the_rfc_prefixes() -> None:
    assert merkle.leaf_hash(b"") == hashlib.sha256(b"\x00").digest()
    assert merkle.node_hash(b"a", b"b") == hashlib.sha256(b"\x01ab").digest()
    assert merkle.EMPTY_ROOT.hex() == VECTORS["empty_root"]


@pytest.mark.parametrize("size", range(1, 9))
def test_roots_of_the_reference_leaves(reference_store: merkle.MemoryNodeStore, size: int) -> None:
    assert merkle.root(reference_store, size) == ROOTS[size - 1]
    assert mth(LEAVES[:size]) == ROOTS[size - 1]


def test_root_of_empty_tree() -> None:
    assert merkle.root(merkle.MemoryNodeStore(), 0) == merkle.EMPTY_ROOT


@pytest.mark.parametrize(
    "vector", VECTORS["inclusion"], ids=lambda v: f"{v['leaf_index']}-of-{v['tree_size']}"
)
def test_published_inclusion_proofs(
    reference_store: merkle.MemoryNodeStore, vector: dict[str, Any]
) -> None:
    index, size = vector["leaf_index"], vector["tree_size"]
    got = merkle.inclusion_proof(reference_store, index, size)
    assert hexes(got) == vector["proof"]
    merkle.verify_inclusion(merkle.leaf_hash(LEAVES[index]), index, size, got, ROOTS[size - 1])


@pytest.mark.parametrize(
    "vector", VECTORS["consistency"], ids=lambda v: f"{v['old_size']}-to-{v['new_size']}"
)
def test_published_consistency_proofs(
    reference_store: merkle.MemoryNodeStore, vector: dict[str, Any]
) -> None:
    old, new = vector["old_size"], vector["new_size"]
    got = merkle.consistency_proof(reference_store, old, new)
    assert hexes(got) == vector["proof"]
    merkle.verify_consistency(old, new, ROOTS[old - 1], ROOTS[new - 1], got)


# --- corrupted proofs (the probes of the CT verifier tests, rewritten) -----------------------


def inclusion_probes(
    index: int, size: int, p: list[bytes], root: bytes, leaf: bytes
) -> list[tuple[int, int, list[bytes], bytes, bytes]]:
    probes = [
        (index - 1, size, p, root, leaf),
        (index + 1, size, p, root, leaf),
        (index ^ 2, size, p, root, leaf),
        (index, size * 2, p, root, leaf),
        (index, size // 2, p, root, leaf),
        (index, size, p, root, merkle.leaf_hash(b"WrongLeaf")),
        (index, size, p, merkle.EMPTY_ROOT, leaf),
        (index, size, p, SOME_HASH, leaf),
        (index, size, [*p, root], root, leaf),
        (index, size, [root, *p], root, leaf),
        (index, size, [*p, b""], root, leaf),
    ]
    for i in range(len(p)):
        flipped = [*p]
        flipped[i] = bytes([p[i][0] ^ 8]) + p[i][1:]
        probes.append((index, size, flipped, root, leaf))
    if p:
        probes.append((index, size, p[:-1], root, leaf))
    if len(p) > 1:
        probes.append((index, size, [p[0], SOME_HASH, *p[1:]], root, leaf))
    return probes


@pytest.mark.parametrize(
    "vector", VECTORS["inclusion"][1:], ids=lambda v: f"{v['leaf_index']}-of-{v['tree_size']}"
)
def test_corrupted_inclusion_proofs_are_rejected(vector: dict[str, Any]) -> None:
    index, size = vector["leaf_index"], vector["tree_size"]
    p = [bytes.fromhex(h) for h in vector["proof"]]
    for probe in inclusion_probes(index, size, p, ROOTS[size - 1], merkle.leaf_hash(LEAVES[index])):
        with pytest.raises(ProofError):
            merkle.verify_inclusion(probe[4], probe[0], probe[1], probe[2], probe[3])


def consistency_probes(
    old: int, new: int, r1: bytes, r2: bytes, p: list[bytes]
) -> list[tuple[int, int, bytes, bytes, list[bytes]]]:
    probes = [
        (old - 1, new, r1, r2, p),
        (old + 1, new, r1, r2, p),
        (old ^ 2, new, r1, r2, p),
        (old, new * 2, r1, r2, p),
        (old, new // 2, r1, r2, p),
        (old, new, SOME_HASH, r2, p),
        (old, new, r1, SOME_HASH, p),
        (old, new, r2, r1, p),
        (old, new, r1, r2, []),
        (old, new, r1, r2, [*p, r1]),
        (old, new, r1, r2, [*p, r2]),
        (old, new, r1, r2, [r1, *p]),
        (old, new, r1, r2, [r2, *p]),
        (old, new, r1, r2, [p[0], *p]),
        (old, new, r1, r2, p[:-1]),
    ]
    for i in range(len(p)):
        flipped = [*p]
        flipped[i] = bytes([p[i][0] ^ 16]) + p[i][1:]
        probes.append((old, new, r1, r2, flipped))
    return probes


@pytest.mark.parametrize(
    "vector", VECTORS["consistency"][1:], ids=lambda v: f"{v['old_size']}-to-{v['new_size']}"
)
def test_corrupted_consistency_proofs_are_rejected(vector: dict[str, Any]) -> None:
    old, new = vector["old_size"], vector["new_size"]
    p = [bytes.fromhex(h) for h in vector["proof"]]
    for probe in consistency_probes(old, new, ROOTS[old - 1], ROOTS[new - 1], p):
        with pytest.raises(ProofError):
            merkle.verify_consistency(*probe)


def test_proof_error_names_expected_and_computed_roots() -> None:
    vector = VECTORS["inclusion"][1]
    p = [bytes.fromhex(h) for h in vector["proof"]]
    with pytest.raises(ProofError) as caught:
        merkle.verify_inclusion(merkle.leaf_hash(LEAVES[0]), 0, 8, p, SOME_HASH)
    assert ROOTS[7].hex() in str(caught.value) and SOME_HASH.hex() in str(caught.value)
    assert isinstance(caught.value, TrustError)


@pytest.mark.parametrize(
    ("old", "new", "r1", "r2", "p", "ok"),
    [
        (0, 0, merkle.EMPTY_ROOT, merkle.EMPTY_ROOT, [], True),
        (0, 5, merkle.EMPTY_ROOT, ROOTS[4], [], True),
        (0, 5, SOME_HASH, ROOTS[4], [], False),  # the empty tree has one root
        (0, 5, merkle.EMPTY_ROOT, ROOTS[4], [SOME_HASH], False),
        (3, 3, ROOTS[2], ROOTS[2], [], True),
        (3, 3, ROOTS[2], ROOTS[3], [], False),  # a fork: one size, two roots
        (3, 3, ROOTS[2], ROOTS[2], [ROOTS[2]], False),
        (4, 3, ROOTS[3], ROOTS[2], [], False),  # time travel
        (1, 2, ROOTS[0], ROOTS[1], [], False),  # RFC 9162 §2.1.4.2 step 1
    ],
)
def test_consistency_edge_cases(
    old: int, new: int, r1: bytes, r2: bytes, p: list[bytes], ok: bool
) -> None:
    if ok:
        merkle.verify_consistency(old, new, r1, r2, p)
    else:
        with pytest.raises(ProofError):
            merkle.verify_consistency(old, new, r1, r2, p)


@pytest.mark.parametrize(("index", "size"), [(0, 0), (1, 0), (2, 1), (-1, 3)])
def test_inclusion_outside_the_tree_is_rejected(index: int, size: int) -> None:
    with pytest.raises(ProofError, match="not in a tree"):
        merkle.verify_inclusion(SOME_HASH, index, size, [], SOME_HASH)


def test_wrong_hash_lengths_are_rejected() -> None:
    with pytest.raises(ProofError, match="31 bytes"):
        merkle.verify_inclusion(SOME_HASH[:31], 0, 1, [], SOME_HASH)
    with pytest.raises(ProofError, match="hash 0 is 0 bytes"):
        merkle.verify_consistency(1, 2, ROOTS[0], ROOTS[1], [b""])


# --- the store and the requests on it --------------------------------------------------------


def test_requests_beyond_the_store_are_usage_errors(
    reference_store: merkle.MemoryNodeStore,
) -> None:
    with pytest.raises(UsageError, match="no tree of size 9"):
        merkle.root(reference_store, 9)
    with pytest.raises(UsageError, match="no leaf 8"):
        merkle.inclusion_proof(reference_store, 8, 8)
    with pytest.raises(UsageError):
        merkle.consistency_proof(reference_store, 5, 4)
    with pytest.raises(UsageError, match="leaf hash 1"):
        merkle.append(merkle.MemoryNodeStore(), [SOME_HASH, b"short"])


def test_memory_store_refuses_gaps_overwrites_and_missing_nodes() -> None:
    store = merkle.MemoryNodeStore()
    with pytest.raises(StorageError, match="not in the store"):
        store.get_many([(0, 0)])
    store.put_many([(0, 0, SOME_HASH)])
    with pytest.raises(StorageError, match="appended in order"):
        store.put_many([(0, 0, SOME_HASH)])
    with pytest.raises(StorageError, match="appended in order"):
        store.put_many([(0, 2, SOME_HASH)])
    assert store.size() == 1 and store.get_many([(0, 0)]) == [SOME_HASH]


def test_append_reads_only_the_peaks_and_writes_each_node_once() -> None:
    store = store_of(LEAVES[:6])  # size 6 = 4 + 2: peaks (2, 0) and (1, 2)
    reads: list[tuple[int, int]] = []
    original = store.get_many

    def spy(keys: Sequence[tuple[int, int]]) -> list[bytes]:
        reads.extend(keys)
        return original(keys)

    store.get_many = spy  # type: ignore[method-assign]
    nodes = merkle.nodes_for_append(store, [merkle.leaf_hash(x) for x in LEAVES[6:]])
    assert reads == [(2, 0), (1, 2)]
    assert [(level, index) for level, index, _ in nodes] == [(0, 6), (0, 7), (1, 3), (2, 1), (3, 0)]
    assert nodes[-1][2] == ROOTS[7]


def test_each_proof_is_one_batched_read_of_about_log_n_nodes() -> None:
    store = store_of([i.to_bytes(4, "big") for i in range(1000)], batch=97)
    calls: list[int] = []
    original = store.get_many

    def spy(keys: Sequence[tuple[int, int]]) -> list[bytes]:
        calls.append(len(keys))
        return original(keys)

    store.get_many = spy  # type: ignore[method-assign]
    merkle.inclusion_proof(store, 637, 999)
    merkle.consistency_proof(store, 300, 999)
    merkle.root(store, 777)
    assert len(calls) == 3 and all(n <= 2 * 10 for n in calls)


# --- properties against the RFC text ----------------------------------------------------------


@st.composite
def trees(draw: st.DrawFn) -> tuple[list[bytes], int]:
    size = draw(st.integers(min_value=1, max_value=300))
    leaves = [i.to_bytes(2, "big") + b"leaf" for i in range(size)]
    batch = draw(st.integers(min_value=1, max_value=size))
    return leaves, batch


@settings(max_examples=40, deadline=None)
@given(trees())
def test_roots_and_every_proof_match_the_rfc_definitions(tree: tuple[list[bytes], int]) -> None:
    leaves, batch = tree
    store = store_of(leaves, batch)
    n = len(leaves)
    assert store.size() == n
    roots = [merkle.root(store, m) for m in range(n + 1)]
    assert roots[n] == mth(leaves)
    for m in range(n):
        got = merkle.inclusion_proof(store, m, n)
        assert list(got) == path(m, leaves)
        merkle.verify_inclusion(merkle.leaf_hash(leaves[m]), m, n, got, roots[n])
    for m in range(1, n):
        got = merkle.consistency_proof(store, m, n)
        assert list(got) == proof(m, leaves)
        merkle.verify_consistency(m, n, roots[m], roots[n], got)


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 300).flatmap(lambda n: st.tuples(st.just(n), st.integers(1, n - 1))))
def test_old_roots_stay_recomputable_and_consistent(sizes: tuple[int, int]) -> None:
    n, m = sizes
    leaves = [i.to_bytes(2, "big") for i in range(n)]
    store = store_of(leaves, batch=7)
    assert merkle.root(store, m) == mth(leaves[:m])
    p = merkle.consistency_proof(store, m, n)
    merkle.verify_consistency(m, n, merkle.root(store, m), merkle.root(store, n), p)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_mutated_inclusion_proofs_are_rejected(data: st.DataObject) -> None:
    n = data.draw(st.integers(2, 200))
    leaves = [i.to_bytes(2, "big") for i in range(n + 40)]
    store = store_of(leaves, batch=16)
    m = data.draw(st.integers(0, n - 1))
    p = list(merkle.inclusion_proof(store, m, n))
    r = merkle.root(store, n)
    leaf = merkle.leaf_hash(leaves[m])
    which = data.draw(st.sampled_from(["hash", "index", "size", "root", "leaf", "drop", "add"]))
    if which == "hash":
        i, bit = data.draw(st.integers(0, len(p) - 1)), data.draw(st.integers(0, 255))
        p[i] = p[i][: bit // 8] + bytes([p[i][bit // 8] ^ (1 << bit % 8)]) + p[i][bit // 8 + 1 :]
    elif which == "index":
        m = data.draw(st.integers(0, n - 1).filter(lambda x: x != m))
    elif which == "size":  # another real tree: its own root, this proof
        n = data.draw(st.integers(m + 1, n + 40).filter(lambda x: x != n))
        r = merkle.root(store, n)
    elif which == "root":
        r = merkle.root(store, n - 1)
    elif which == "leaf":
        leaf = merkle.leaf_hash(leaves[m] + b"x")
    elif which == "drop":
        del p[data.draw(st.integers(0, len(p) - 1))]
    else:
        p.insert(data.draw(st.integers(0, len(p))), SOME_HASH)
    with pytest.raises(ProofError):
        merkle.verify_inclusion(leaf, m, n, p, r)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_mutated_consistency_proofs_are_rejected(data: st.DataObject) -> None:
    n = data.draw(st.integers(3, 200))
    leaves = [i.to_bytes(2, "big") for i in range(n + 40)]
    store = store_of(leaves, batch=16)
    m = data.draw(st.integers(1, n - 1))
    p = list(merkle.consistency_proof(store, m, n))
    r1: bytes = merkle.root(store, m)
    r2: bytes = merkle.root(store, n)
    which = data.draw(st.sampled_from(["hash", "old", "new", "r1", "r2", "drop", "add"]))
    if which == "hash":
        i, bit = data.draw(st.integers(0, len(p) - 1)), data.draw(st.integers(0, 255))
        p[i] = p[i][: bit // 8] + bytes([p[i][bit // 8] ^ (1 << bit % 8)]) + p[i][bit // 8 + 1 :]
    elif which == "old":  # another real old tree: its own root, this proof
        m = data.draw(st.integers(1, n - 1).filter(lambda x: x != m))
        r1 = merkle.root(store, m)
    elif which == "new":
        n = data.draw(st.integers(m + 1, n + 40).filter(lambda x: x != n))
        r2 = merkle.root(store, n)
    elif which == "r1":
        r1 = merkle.root(store, m - 1) if m > 1 else SOME_HASH
    elif which == "r2":
        r2 = merkle.root(store, n - 1)
    elif which == "drop":
        del p[data.draw(st.integers(0, len(p) - 1))]
    else:
        p.insert(data.draw(st.integers(0, len(p))), SOME_HASH)
    with pytest.raises(ProofError):
        merkle.verify_consistency(m, n, r1, r2, p)
