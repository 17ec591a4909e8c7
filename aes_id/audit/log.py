"""The signature log in the registry database: leaves, the Merkle tree's stored nodes, checkpoints.

Appends happen inside the caller's transaction (the one that stores the
signed object), so a leaf exists exactly when its object does. The hashes of
every completed perfect subtree are stored (``merkle_node``), so a root or a
proof at any size costs about log2(n) reads and hashes, never a rebuild.

The log keeps its own clock (``log_head.last_t``, the newest leaf's ``t``): a
leaf's ``t`` is the desk's time or, if the log's clock is already later, the
log's, so leaf times never go backwards whatever the desks' clocks say. A desk
whose clock is too far off is refused before anything is written
(docs/audit-log.md, "Time").
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select
from sqlmodel import Session, col

from aes_id.audit.leaf import LeafKind, LogEntry, signed_hash
from aes_id.domain import Kid
from aes_id.errors import ClockError, StorageError, UsageError
from aes_id.formats import merkle
from aes_id.registry import tables
from aes_id.registry.db import Registry

ENV_CLOCK_TOLERANCE = "AES_ID_CLOCK_TOLERANCE"
DEFAULT_CLOCK_TOLERANCE = 300
"""How far (seconds) a desk's clock may be from the log's or the server's: 5 minutes."""
_CLOCK_HINT = (
    f"set this computer's clock (or AES_ID_NOW) right; {ENV_CLOCK_TOLERANCE} is the "
    "number of seconds a clock may be off"
)


@dataclass(frozen=True)
class LeafDraft:
    """A leaf before it has its sequence number: what was signed, by which key, for whom.

    ``t`` is the desk's time of signing (the signed object's own time); the log
    may give the leaf a later ``t`` (:func:`append_leaves`).
    """

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


def clock_tolerance(seconds: int | None = None) -> int:
    """Seconds a desk's clock may be off: ``seconds``, else ``AES_ID_CLOCK_TOLERANCE``, else 300."""
    raw = str(seconds) if seconds is not None else os.environ.get(ENV_CLOCK_TOLERANCE, "").strip()
    if not raw:
        return DEFAULT_CLOCK_TOLERANCE
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if value < 0:
        raise UsageError(
            f"clock tolerance {raw!r} is not a number of seconds, 0 or more",
            hint=f"set {ENV_CLOCK_TOLERANCE} to whole seconds, e.g. 300",
        )
    return value


def server_clock(session: Session) -> float | None:
    """The database server's clock in seconds since the epoch, where the server has one.

    PostgreSQL's ``clock_timestamp()`` (the time now, not the transaction's start);
    ``None`` on SQLite, which runs in the desk's own process and has no clock of its own.
    """
    if session.get_bind().dialect.name != "postgresql":
        return None
    moment = session.scalar(select(func.clock_timestamp()))
    return moment.timestamp() if isinstance(moment, dt.datetime) else None


def _when(seconds: float) -> str:
    return dt.datetime.fromtimestamp(int(seconds), dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def check_desk_clock(session: Session, desk_times: Sequence[int], log_t: int, limit: int) -> None:
    """Refuse a desk whose clock is off by more than ``limit`` seconds (:class:`ClockError`).

    On every database the desk may not be more than ``limit`` behind the log's
    clock ``log_t``; where the server has a clock (PostgreSQL) the desk may not
    be more than ``limit`` ahead of it or behind it either. SQLite has no clock
    but the desk's: a desk ahead goes unnoticed there (docs/audit-log.md, "Time").
    """
    earliest, latest = min(desk_times), max(desk_times)
    if log_t - earliest > limit:
        raise ClockError(
            f"this desk's clock says {_when(earliest)}, {log_t - earliest} s behind the log's "
            f"newest entry ({_when(log_t)}); at most {limit} s is allowed: nothing was written",
            hint=_CLOCK_HINT,
        )
    server = server_clock(session)
    if server is None:
        return
    for desk in (earliest, latest):
        off = desk - server
        if abs(off) > limit:
            side = "ahead of" if off > 0 else "behind"
            raise ClockError(
                f"this desk's clock says {_when(desk)}, {abs(off):.0f} s {side} the database "
                f"server's clock ({_when(server)}); at most {limit} s either way is allowed: "
                "nothing was written",
                hint=_CLOCK_HINT,
            )


def _log_times(last_t: int, drafts: Sequence[LeafDraft]) -> list[int]:
    """Each leaf's ``t``: its desk's time, or the log's clock when that is later."""
    times = []
    for draft in drafts:
        last_t = max(last_t, draft.t)
        times.append(last_t)
    return times


def append_leaves(
    session: Session, drafts: Sequence[LeafDraft], *, tolerance: int | None = None
) -> list[LogEntry]:
    """Append leaves for ``drafts`` in the caller's transaction; return them numbered.

    The desks' times are checked first (:func:`check_desk_clock`, ``tolerance``
    seconds, default :func:`clock_tolerance`): a refusal raises
    :class:`~aes_id.errors.ClockError` before anything is written. Each leaf's
    ``t`` is then ``max(its desk's time, the log's clock)``, and the log's
    clock moves to the newest ``t``.
    """
    if not drafts:
        return []
    limit = clock_tolerance(tolerance)
    head = _lock_head(session)
    check_desk_clock(session, [d.t for d in drafts], head.last_t, limit)
    times = _log_times(head.last_t, drafts)
    store = SqlNodeStore(session, head.size)
    entries = [
        LogEntry(
            seq=head.size + i,
            t=t,
            kind=d.kind,
            kid=d.kid,
            h=signed_hash(d.signed),
            ref=d.ref,
            by=d.by,
        )
        for i, (d, t) in enumerate(zip(drafts, times, strict=True))
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
    head.last_t = times[-1]
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
