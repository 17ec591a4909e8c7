"""Benchmark of the signature log's Merkle tree (aes_id.formats.merkle) at one million leaves.

    python bench/bench_merkle.py [--leaves 1000000] [--requests 2000]

Appends the leaves to a MemoryNodeStore in batches, then times roots, inclusion
proofs and consistency proofs (generation and RFC 9162 verification) at the
full size, and counts per request the node hashes computed and the stored
nodes read, next to log2(n). The store is wrapped to count its reads, as the
SQL store would be hit. A full rebuild of the root from the leaf hashes is
timed in the same run, for the ratio.
"""

from __future__ import annotations

import argparse
import math
import random
import time
from collections.abc import Callable, Iterable, Sequence

from aes_id.formats import merkle


class CountingStore:
    """A NodeStore over a MemoryNodeStore that counts batched reads and nodes read."""

    def __init__(self, inner: merkle.MemoryNodeStore) -> None:
        self.inner = inner
        self.calls = 0
        self.nodes = 0

    def size(self) -> int:
        return self.inner.size()

    def get_many(self, keys: Sequence[tuple[int, int]]) -> list[bytes]:
        self.calls += 1
        self.nodes += len(keys)
        return self.inner.get_many(keys)

    def put_many(self, items: Iterable[tuple[int, int, bytes]]) -> None:
        self.inner.put_many(items)


class HashCounter:
    """Counts calls of merkle.node_hash while active (patched in for counting passes only)."""

    def __init__(self) -> None:
        self.count = 0
        self._original = merkle.node_hash

    def __enter__(self) -> HashCounter:
        def counted(left: bytes, right: bytes) -> bytes:
            self.count += 1
            return self._original(left, right)

        merkle.node_hash = counted
        return self

    def __exit__(self, *exc: object) -> None:
        merkle.node_hash = self._original


def per_request(label: str, work: Callable[[int], object], count: int, n: int) -> None:
    """Time ``work(i)`` for ``count`` requests, then rerun it counting hashes."""
    start = time.perf_counter()
    for i in range(count):
        work(i)
    elapsed = time.perf_counter() - start
    with HashCounter() as hashes:
        for i in range(count):
            work(i)
    print(
        f"  {label:<34} {elapsed / count * 1e6:9.1f} µs/request   "
        f"{hashes.count / count:5.1f} node hashes/request   (log2 n = {math.log2(n):.1f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leaves", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=1_000)
    parser.add_argument("--requests", type=int, default=2_000)
    args = parser.parse_args()
    n, rng = args.leaves, random.Random(7)

    leaf_hashes = [merkle.leaf_hash(i.to_bytes(8, "big")) for i in range(n)]
    memory = merkle.MemoryNodeStore()
    store = CountingStore(memory)
    start = time.perf_counter()
    with HashCounter() as hashes:
        for at in range(0, n, args.batch):
            merkle.append(store, leaf_hashes[at : at + args.batch])
    elapsed = time.perf_counter() - start
    print(f"append {n:,} leaf hashes in batches of {args.batch:,} (memory store, counting on)")
    print(
        f"  total {elapsed:.2f} s, {elapsed / n * 1e6:.2f} µs/leaf, "
        f"{hashes.count / n:.3f} node hashes/leaf, {store.nodes / (n / args.batch):.1f} "
        "peaks read/batch"
    )
    single = merkle.MemoryNodeStore()
    start = time.perf_counter()
    for digest in leaf_hashes[:20_000]:
        merkle.append(single, [digest])
    print(f"  one leaf at a time: {(time.perf_counter() - start) / 20_000 * 1e6:.1f} µs/append")

    print(f"\nrequests at n = {n:,} ({args.requests:,} random requests each)")
    full_root = merkle.root(store, n)
    indices = [rng.randrange(n) for _ in range(args.requests)]
    old_sizes = [rng.randrange(1, n) for _ in range(args.requests)]
    old_roots = [merkle.root(store, m) for m in old_sizes]
    proofs = [merkle.inclusion_proof(store, i, n) for i in indices]
    cproofs = [merkle.consistency_proof(store, m, n) for m in old_sizes]

    store.calls = store.nodes = 0
    per_request("root(n)", lambda i: merkle.root(store, n), args.requests, n)
    per_request("root(old size)", lambda i: merkle.root(store, old_sizes[i]), args.requests, n)
    per_request(
        "inclusion_proof", lambda i: merkle.inclusion_proof(store, indices[i], n), args.requests, n
    )
    per_request(
        "verify_inclusion",
        lambda i: merkle.verify_inclusion(
            leaf_hashes[indices[i]], indices[i], n, proofs[i], full_root
        ),
        args.requests,
        n,
    )
    per_request(
        "consistency_proof",
        lambda i: merkle.consistency_proof(store, old_sizes[i], n),
        args.requests,
        n,
    )
    per_request(
        "verify_consistency",
        lambda i: merkle.verify_consistency(old_sizes[i], n, old_roots[i], full_root, cproofs[i]),
        args.requests,
        n,
    )
    store_requests = 2 * 4 * args.requests  # four store-backed kinds, each run twice
    print(
        f"  store reads: {store.calls / store_requests:.2f} get_many calls/request, "
        f"{store.nodes / store_requests:.1f} nodes/request; "
        f"proof lengths: inclusion {sum(map(len, proofs)) / len(proofs):.1f}, "
        f"consistency {sum(map(len, cproofs)) / len(cproofs):.1f} hashes"
    )

    start = time.perf_counter()
    rebuilt = rebuild_root(leaf_hashes)
    rebuild = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(1_000):
        merkle.root(memory, n)
    stored = (time.perf_counter() - start) / 1_000
    assert rebuilt == full_root, "stored-subtree root differs from a full rebuild"
    print(
        f"\nfull rebuild of root(n) from the leaf hashes: {rebuild:.2f} s; from stored subtrees: "
        f"{stored * 1e6:.1f} µs (mean of 1,000); ratio {rebuild / stored:,.0f}x (roots equal)"
    )


def rebuild_root(leaves: Sequence[bytes]) -> bytes:
    """RFC 9162 root by pairing level by level (an odd last node is carried up unchanged)."""
    level = list(leaves)
    while len(level) > 1:
        paired = [merkle.node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        level = paired + level[-1:] if len(level) % 2 else paired
    return level[0]


if __name__ == "__main__":
    main()
