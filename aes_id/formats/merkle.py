"""The Merkle tree of the signature log: RFC 9162 §2.1 (the RFC 6962 tree), over stored subtrees.

Hashes are SHA-256 with the RFC's domain separation: a leaf is
``SHA-256(0x00 || data)``, an interior node ``SHA-256(0x01 || left || right)``,
and a tree of ``n`` leaves splits at the largest power of two smaller than
``n`` (§2.1.1).

A :class:`NodeStore` keeps the hash of every *perfect* subtree the log has
completed, addressed by ``(level, index)``: level 0 holds the leaf hashes, and
node ``(k, i)`` is the hash of leaves ``[i * 2**k, (i + 1) * 2**k)``. Every node
of the RFC tree of any size ``m <= n`` is either such a perfect subtree or the
right-to-left fold of a few of them (one per set bit of its width). So a root
at any past size, an inclusion proof or a consistency proof costs one batched
read of about log2(n) stored hashes and fewer than log2(n) hash operations,
never a rebuild. Appending is amortised one hash per leaf.

    >>> store = MemoryNodeStore()
    >>> append(store, [leaf_hash(bytes([i])) for i in range(5)])
    5
    >>> proof = inclusion_proof(store, 3, 5)
    >>> verify_inclusion(leaf_hash(b"\\x03"), 3, 5, proof, root(store, 5))
    >>> verify_consistency(2, 5, root(store, 2), root(store, 5), consistency_proof(store, 2, 5))

Verification follows RFC 9162 §2.1.3.2 and §2.1.4.2 step by step and raises
:class:`ProofError` naming what differed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import NewType, Protocol

from aes_id.errors import AesIdError, StorageError, TrustError, UsageError

LeafHash = NewType("LeafHash", bytes)
"""``SHA-256(0x00 || leaf bytes)``: a leaf as the tree sees it."""

RootHash = NewType("RootHash", bytes)
"""The Merkle Tree Hash of a whole tree of a given size."""

HASH_SIZE = 32
EMPTY_ROOT = RootHash(hashlib.sha256(b"").digest())
"""MTH({}) = HASH(), the root of the empty tree (RFC 9162 §2.1.1)."""

Node = tuple[int, int]
"""A stored perfect subtree: ``(level, index)``."""


class ProofError(TrustError):
    """An inclusion or consistency proof that does not verify (RFC 9162 §2.1.3.2, §2.1.4.2)."""


class NodeStore(Protocol):
    """Where the hashes of completed perfect subtrees live (memory, or an SQL table).

    A store holds, for its ``size()`` leaves, every node ``(k, i)`` with
    ``(i + 1) * 2**k <= size()``. Nodes are written once and never change.
    """

    def size(self) -> int:
        """The number of leaves whose nodes are all stored."""
        ...

    def get_many(self, keys: Sequence[tuple[int, int]]) -> Sequence[bytes]:
        """The hashes at ``(level, index)`` for each key, in order; raise StorageError if absent."""
        ...

    def put_many(self, items: Iterable[tuple[int, int, bytes]]) -> None:
        """Store new ``(level, index, hash)`` nodes (as :func:`nodes_for_append` returns them)."""
        ...


class MemoryNodeStore:
    """A :class:`NodeStore` in memory: one contiguous ``bytearray`` of 32-byte hashes per level."""

    def __init__(self) -> None:
        self._levels: list[bytearray] = []

    def size(self) -> int:
        return len(self._levels[0]) // HASH_SIZE if self._levels else 0

    def get_many(self, keys: Sequence[tuple[int, int]]) -> list[bytes]:
        out = []
        for level, index in keys:
            row = self._levels[level] if 0 <= level < len(self._levels) else b""
            if not 0 <= index < len(row) // HASH_SIZE:
                raise StorageError(f"Merkle node ({level}, {index}) is not in the store")
            out.append(bytes(row[index * HASH_SIZE : (index + 1) * HASH_SIZE]))
        return out

    def put_many(self, items: Iterable[tuple[int, int, bytes]]) -> None:
        for level, index, digest in items:
            while len(self._levels) <= level:
                self._levels.append(bytearray())
            row = self._levels[level]
            if index != len(row) // HASH_SIZE or len(digest) != HASH_SIZE:
                raise StorageError(
                    f"Merkle node ({level}, {index}) cannot be stored: level {level} holds "
                    f"{len(row) // HASH_SIZE} nodes and nodes are appended in order, 32 bytes each"
                )
            row += digest


def leaf_hash(data: bytes) -> LeafHash:
    """RFC 9162 §2.1.1: the hash of a leaf, ``SHA-256(0x00 || data)``."""
    return LeafHash(hashlib.sha256(b"\x00" + data).digest())


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 9162 §2.1.1: the hash of an interior node, ``SHA-256(0x01 || left || right)``."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def nodes_for_append(
    store: NodeStore, leaf_hashes: Iterable[bytes]
) -> list[tuple[int, int, bytes]]:
    """The nodes that appending ``leaf_hashes`` completes, ready for ``store.put_many``.

    Reads only the current peaks (one stored node per set bit of the size);
    returns the new leaves and every perfect subtree they complete, level by level.
    """
    size = store.size()
    row = list(leaf_hashes)
    for position, digest in enumerate(row):
        _check_hash(digest, f"leaf hash {position} of the batch")
    peaks_keys = _perfect_nodes(0, size)
    peaks = dict(zip(peaks_keys, store.get_many(peaks_keys), strict=True))
    out = [(0, size + i, digest) for i, digest in enumerate(row)]
    first, level = size, 0
    while row:
        if first % 2:  # the left sibling was completed before: it is a peak of the old tree
            row.insert(0, peaks[(level, first - 1)])
            first -= 1
        row = [node_hash(row[i], row[i + 1]) for i in range(0, len(row) - 1, 2)]
        first, level = first // 2, level + 1
        out.extend((level, first + i, digest) for i, digest in enumerate(row))
    return out


def append(store: NodeStore, leaf_hashes: Iterable[bytes]) -> int:
    """Append leaves to ``store`` and return the new tree size."""
    leaves = list(leaf_hashes)
    size = store.size()
    store.put_many(nodes_for_append(store, leaves))
    return size + len(leaves)


def root(store: NodeStore, size: int) -> RootHash:
    """MTH(D[0:size]) (RFC 9162 §2.1.1) for any ``size`` up to the store's."""
    _check_size(store, size)
    if size == 0:
        return EMPTY_ROOT
    return RootHash(_fold(store.get_many(_perfect_nodes(0, size))))


def inclusion_proof(store: NodeStore, index: int, size: int) -> tuple[bytes, ...]:
    """PATH(index, D[0:size]) (RFC 9162 §2.1.3.1): the leaf's sibling first, then up to the root."""
    _check_size(store, size)
    if not 0 <= index < size:
        raise UsageError(f"no leaf {index} in a tree of size {size}: expected 0 <= index < size")
    ranges: list[tuple[int, int]] = []
    start, end = 0, size
    while end - start > 1:  # walk down; the sibling of each step is the other half
        split = start + _largest_power_below(end - start)
        if index < split:
            ranges.append((split, end))
            end = split
        else:
            ranges.append((start, split))
            start = split
    ranges.reverse()
    return _range_hashes(store, ranges)


def consistency_proof(store: NodeStore, old_size: int, new_size: int) -> tuple[bytes, ...]:
    """PROOF(old_size, D[0:new_size]) (RFC 9162 §2.1.4.1); empty when ``old_size`` is 0 or equal."""
    _check_size(store, new_size)
    if not 0 <= old_size <= new_size:
        raise UsageError(f"no consistency proof from size {old_size} to the smaller {new_size}")
    if old_size in (0, new_size):
        return ()
    ranges: list[tuple[int, int]] = []
    start, end, m, complete = 0, new_size, old_size, True  # SUBPROOF(m, D[start:end], complete)
    while m != end - start:
        split = _largest_power_below(end - start)
        if m <= split:
            ranges.append((start + split, end))
            end = start + split
        else:
            ranges.append((start, start + split))
            start, m, complete = start + split, m - split, False
    if not complete:
        ranges.append((start, end))
    ranges.reverse()
    return _range_hashes(store, ranges)


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], expected_root: bytes
) -> None:
    """Check that ``leaf`` is leaf ``index`` of the tree of ``size`` with ``expected_root``.

    RFC 9162 §2.1.3.2; raise :class:`ProofError` saying what differed.
    """
    _check_hashes(proof, "inclusion proof")
    _check_hash(leaf, "leaf hash", ProofError)
    _check_hash(expected_root, "root hash", ProofError)
    # 1. leaf_index must be below tree_size.
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is not in a tree of size {size}")
    # 2. Set fn to leaf_index and sn to tree_size - 1.
    fn, sn = index, size - 1
    # 3. Set r to hash.
    r = leaf
    # 4. For each value p in the inclusion_path array:
    for p in proof:
        # 4a. If sn is 0, stop and fail.
        if sn == 0:
            raise ProofError(_too_long("inclusion", len(proof), f"leaf {index} of {size}"))
        # 4b. If LSB(fn) is set, or fn equals sn: r = HASH(0x01 || p || r), and if LSB(fn)
        #     is not set, right-shift fn and sn equally until LSB(fn) is set or fn is 0.
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        # 4b, otherwise: r = HASH(0x01 || r || p).
        else:
            r = node_hash(r, p)
        # 4c. Right-shift both fn and sn one time.
        fn, sn = fn >> 1, sn >> 1
    # 5. sn must be 0 and r must equal the root.
    if sn != 0:
        raise ProofError(_too_short("inclusion", len(proof), f"leaf {index} of {size}"))
    if r != expected_root:
        raise ProofError(
            f"inclusion proof of leaf {index} in a tree of size {size} leads to root "
            f"{r.hex()}, expected {expected_root.hex()}"
        )


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """Check that the tree of ``new_size`` with ``new_root`` extends that of ``old_size``.

    RFC 9162 §2.1.4.2 for ``0 < old_size < new_size``. Outside that range: a
    tree is consistent with itself (equal roots, empty proof) and every tree
    extends the empty one (whose root must be :data:`EMPTY_ROOT`, empty proof).
    """
    _check_hashes(proof, "consistency proof")
    _check_hash(old_root, "old root hash", ProofError)
    _check_hash(new_root, "new root hash", ProofError)
    if not 0 <= old_size <= new_size:
        raise ProofError(f"tree size went from {old_size} down to {new_size}")
    if old_size in (0, new_size):
        _verify_trivial_consistency(old_size, new_size, old_root, new_root, proof)
        return
    what = f"sizes {old_size} and {new_size}"
    # 1. An empty consistency_path fails.
    if not proof:
        raise ProofError(f"consistency proof between {what} is empty")
    # 2. If first is an exact power of 2, prepend first_hash to the consistency_path.
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    # 3. Set fn to first - 1 and sn to second - 1.
    fn, sn = old_size - 1, new_size - 1
    # 4. If LSB(fn) is set, right-shift fn and sn equally until LSB(fn) is not set.
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    # 5. Set both fr and sr to the first value in the consistency_path.
    fr = sr = path[0]
    # 6. For each subsequent value c in the consistency_path:
    for c in path[1:]:
        # 6a. If sn is 0, stop and fail.
        if sn == 0:
            raise ProofError(_too_long("consistency", len(proof), what))
        # 6b. If LSB(fn) is set or fn equals sn: fr = HASH(0x01 || c || fr),
        #     sr = HASH(0x01 || c || sr), and if LSB(fn) is not set, right-shift fn
        #     and sn equally until LSB(fn) is set or fn is 0.
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        # 6b, otherwise: sr = HASH(0x01 || sr || c).
        else:
            sr = node_hash(sr, c)
        # 6c. Right-shift both fn and sn one time.
        fn, sn = fn >> 1, sn >> 1
    # 7. fr must equal first_hash, sr must equal second_hash, and sn must be 0.
    if sn != 0:
        raise ProofError(_too_short("consistency", len(proof), what))
    if fr != old_root:
        raise ProofError(
            f"consistency proof between {what} leads to old root {fr.hex()}, "
            f"expected {old_root.hex()}"
        )
    if sr != new_root:
        raise ProofError(
            f"consistency proof between {what} leads to new root {sr.hex()}, "
            f"expected {new_root.hex()}"
        )


def _verify_trivial_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    if proof:
        raise ProofError(
            f"consistency proof between sizes {old_size} and {new_size} has {len(proof)} "
            "hashes, expected none"
        )
    if old_size == 0 and old_root != EMPTY_ROOT:
        raise ProofError(f"the empty tree has root {EMPTY_ROOT.hex()}, not {old_root.hex()}")
    if old_size == new_size and old_root != new_root:
        raise ProofError(
            f"two different roots for the tree of size {new_size}: "
            f"{old_root.hex()} and {new_root.hex()}"
        )


def _too_long(kind: str, count: int, what: str) -> str:
    return f"{kind} proof for {what} has {count} hashes, more than the tree's height allows"


def _too_short(kind: str, count: int, what: str) -> str:
    return f"{kind} proof for {what} has {count} hashes, fewer than the tree's height needs"


def _largest_power_below(n: int) -> int:
    """The largest power of two smaller than ``n`` (``n >= 2``): where RFC 9162 splits a tree."""
    return 1 << ((n - 1).bit_length() - 1)


def _perfect_nodes(start: int, end: int) -> list[Node]:
    """The stored perfect subtrees, left to right, whose right fold is MTH(D[start:end]).

    The RFC tree puts a power of two on the left of every split, so MTH of a
    range is its perfect subtrees for the set bits of its width, largest first.
    Every range the RFC recursion visits starts on a multiple of that width's
    next power of two, so each piece is aligned.
    """
    nodes = []
    position, width = start, end - start
    while width:
        level = width.bit_length() - 1
        nodes.append((level, position >> level))
        position += 1 << level
        width -= 1 << level
    return nodes


def _fold(hashes: Sequence[bytes]) -> bytes:
    """Hash perfect subtrees, left to right, into the RFC tree over them: fold from the right."""
    acc = hashes[-1]
    for digest in reversed(hashes[:-1]):
        acc = node_hash(digest, acc)
    return acc


def _range_hashes(store: NodeStore, ranges: Sequence[tuple[int, int]]) -> tuple[bytes, ...]:
    """MTH of each range, reading every stored node they need in one ``get_many``."""
    pieces = [_perfect_nodes(start, end) for start, end in ranges]
    stored = list(store.get_many([node for piece in pieces for node in piece]))
    out = []
    for piece in pieces:
        out.append(_fold(stored[: len(piece)]))
        del stored[: len(piece)]
    return tuple(out)


def _check_size(store: NodeStore, size: int) -> None:
    if not 0 <= size <= store.size():
        raise UsageError(f"no tree of size {size}: the log has {store.size()} leaves")


def _check_hash(digest: bytes, what: str, error: type[AesIdError] = UsageError) -> None:
    if len(digest) != HASH_SIZE:
        raise error(f"{what} is {len(digest)} bytes, expected {HASH_SIZE}")


def _check_hashes(proof: Sequence[bytes], what: str) -> None:
    for position, digest in enumerate(proof):
        _check_hash(digest, f"{what} hash {position}", ProofError)
