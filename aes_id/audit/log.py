"""The signature log in the registry database: leaves, the Merkle tree's stored nodes, checkpoints.

Appends happen inside the caller's transaction (the one that stores the
signed object), so a leaf exists exactly when its object does. The hashes of
every completed perfect subtree are stored (``merkle_node``), so a root or a
proof at any size costs about log2(n) reads and hashes, never a rebuild.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import and_, or_, select
from sqlmodel import Session, col

from aes_id.audit.leaf import LeafKind, LogEntry, signed_hash
from aes_id.domain import Kid
from aes_id.errors import StorageError, UsageError
from aes_id.formats import merkle
from aes_id.registry import tables
from aes_id.registry.db import Registry


@dataclass(frozen=True)
class LeafDraft:
    """A leaf before it has its sequence number: what was signed, by which key, for whom."""

    t: int
    kind: LeafKind
    kid: Kid
    signed: bytes
    ref: str
    by: str


class SqlNodeStore:
    """:class:`aes_id.formats.merkle.NodeStore` over the ``merkle_node`` table of one session."""

    def __init__(self, session: Session, size: int) -> None:
        self.session = session
        self._size = size
        self._cache: dict[tuple[int, int], bytes] = {}

    def size(self) -> int:
        return self._size

    def get_many(self, keys: Sequence[tuple[int, int]]) -> list[bytes]:
        missing = [k for k in keys if k not in self._cache]
        if missing:
            level, idx = col(tables.MerkleNode.level), col(tables.MerkleNode.idx)
            digest = col(tables.MerkleNode.hash)
            for start in range(0, len(missing), 200):
                chunk = missing[start : start + 200]
                # OR of primary-key equalities: SQLite scans the table for a row-value IN.
                wanted = or_(*(and_(level == lv, idx == ix) for lv, ix in chunk))
                query = select(level, idx, digest).where(wanted)
                for row in self.session.execute(query):
                    self._cache[(int(row[0]), int(row[1]))] = bytes(row[2])
        try:
            return [self._cache[k] for k in keys]
        except KeyError as exc:
            raise StorageError(f"Merkle node {exc.args[0]} is missing from the log") from None

    def get(self, level: int, index: int) -> bytes:
        return self.get_many([(level, index)])[0]

    def put_many(self, items: Iterable[tuple[int, int, bytes]]) -> None:
        nodes = list(items)
        for level, idx, digest in nodes:
            self._cache[(level, idx)] = digest
        rows = [{"level": level, "idx": idx, "hash": digest} for level, idx, digest in nodes]
        if rows:
            self.session.execute(tables.MerkleNode.__table__.insert(), rows)  # type: ignore[attr-defined]


def _lock_head(session: Session) -> tables.LogHead:
    head = session.scalars(
        select(tables.LogHead).where(col(tables.LogHead.id) == 1).with_for_update()
    ).first()
    if head is None:
        head = tables.LogHead(id=1, size=0)
        session.add(head)
        session.flush()
    return head


def append_leaves(session: Session, drafts: Sequence[LeafDraft]) -> list[LogEntry]:
    """Append leaves for ``drafts`` in the caller's transaction; return them numbered."""
    if not drafts:
        return []
    head = _lock_head(session)
    store = SqlNodeStore(session, head.size)
    entries = [
        LogEntry(
            seq=head.size + i,
            t=d.t,
            kind=d.kind,
            kid=d.kid,
            h=signed_hash(d.signed),
            ref=d.ref,
            by=d.by,
        )
        for i, d in enumerate(drafts)
    ]
    encoded = [e.encode() for e in entries]
    session.execute(
        tables.LogLeaf.__table__.insert(),  # type: ignore[attr-defined]
        [
            {"seq": e.seq, "data": data, "kind": e.kind.value, "ref": e.ref, "by": e.by, "t": e.t}
            for e, data in zip(entries, encoded, strict=True)
        ],
    )
    store.put_many(merkle.nodes_for_append(store, [merkle.leaf_hash(d) for d in encoded]))
    head.size += len(entries)
    session.add(head)
    return entries


def log_size(session: Session) -> int:
    head = session.get(tables.LogHead, 1)
    return head.size if head else 0


def read_store(session: Session) -> SqlNodeStore:
    return SqlNodeStore(session, log_size(session))


def iter_leaves(
    registry: Registry,
    *,
    start: int = 0,
    kind: str | None = None,
    by: str | None = None,
    batch: int = 5000,
) -> Iterator[tuple[int, bytes]]:
    """``(seq, leaf bytes)`` in order, streamed."""
    seq = start
    while True:
        query = select(col(tables.LogLeaf.seq), col(tables.LogLeaf.data)).where(
            col(tables.LogLeaf.seq) >= seq
        )
        if kind:
            query = query.where(col(tables.LogLeaf.kind) == kind)
        if by:
            query = query.where(col(tables.LogLeaf.by) == by)
        with registry.reader() as session:
            rows = list(session.execute(query.order_by(col(tables.LogLeaf.seq)).limit(batch)))
        if not rows:
            return
        yield from ((s, d) for s, d in rows)
        seq = rows[-1][0] + 1


def root_at(session: Session, size: int) -> bytes:
    store = read_store(session)
    if size > store.size():
        raise UsageError(f"the log has {store.size()} leaves; no tree of size {size}")
    return merkle.root(store, size)


def latest_checkpoint(session: Session) -> tables.CheckpointRow | None:
    return session.scalars(
        select(tables.CheckpointRow).order_by(col(tables.CheckpointRow.size).desc())  # type: ignore[attr-defined]
    ).first()


def store_checkpoint(session: Session, size: int, root: bytes, note: str, now: dt.datetime) -> None:
    """Keep a signed checkpoint; refuse a second, different root for the same size."""
    existing = session.get(tables.CheckpointRow, size)
    if existing is not None:
        if existing.root != root:
            raise StorageError(
                f"a checkpoint of size {size} with another root exists: refusing to sign a fork"
            )
        return
    session.add(tables.CheckpointRow(size=size, root=root, note=note, created_at=now))
