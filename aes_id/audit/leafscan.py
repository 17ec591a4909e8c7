"""One pass over the log's leaves: check each, rehash them into a tree, compare the stored nodes.

For each leaf row, in ``seq`` order (docs/audit-log.md, checks 2 and 3):

1. the rows are numbered 0, 1, 2, … without gaps, and each leaf's own ``seq`` is its row's;
2. the bytes are a log entry in deterministic CBOR (RFC 8949 §4.2.1) and the
   query columns (kind, ref, by, t) say what the bytes say;
3. times never go backwards (the log's clock, ``log_head.last_t``, is the newest
   leaf's ``t``), and the ``kid`` is one the trust list allows for that kind;
4. the bytes are rehashed (RFC 9162 §2.1.1) into a tree held in memory, and every
   ``merkle_node`` the log stored is compared with the rebuilt one.

What reconciliation needs later (the card leaves by card number, the list and key
leaves) is collected on the way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import groupby
from operator import itemgetter
from typing import Any, NamedTuple

import cbor2
from sqlalchemy import func, select
from sqlmodel import Session

from aes_id.audit.leaf import LeafFormatError, LeafKind, LogEntry
from aes_id.audit.rawsql import untyped, untyped_select
from aes_id.audit.report import Check, Findings
from aes_id.formats import merkle
from aes_id.registry import tables

BATCH = 4096
KEY_ORDER = ("h", "t", "by", "kid", "ref", "seq", "kind")
"""The leaf's keys in RFC 8949 §4.2.1 order (bytewise order of their encodings: shorter first)."""
_KINDS = frozenset(kind.value for kind in LeafKind)
_CARD = LeafKind.CARD.value
_COLUMNS = ("kind", "ref", "by", "t")
ALLOWED_ROLES: Mapping[str, frozenset[str]] = {
    LeafKind.CARD.value: frozenset({"document-signer"}),
    LeafKind.TRUST_LIST.value: frozenset({"root"}),
    LeafKind.REVOCATION_LIST.value: frozenset({"state-ca"}),
    LeafKind.KEY.value: frozenset({"root", "state-ca", "document-signer", "log"}),
}
"""Which signing roles may stand behind each kind of leaf."""


class LeafRecord(NamedTuple):
    """A decoded leaf, as plain values (the fields of :class:`~aes_id.audit.leaf.LogEntry`)."""

    seq: int
    t: int
    kind: str
    kid: bytes
    h: bytes
    ref: str
    by: str


def decode_leaf(data: bytes) -> LeafRecord:
    """Decode leaf bytes exactly as :meth:`LogEntry.decode` does, in a fraction of its time.

    The fast path re-encodes the map with its keys inserted in deterministic
    order (cbor2 always writes the shortest heads), so the bytes must come back
    identical; anything else goes to ``LogEntry.decode``, which raises
    :class:`~aes_id.audit.leaf.LeafFormatError` naming the defect.
    """
    try:
        body = cbor2.loads(data)
    except Exception:
        body = None
    if type(body) is dict and len(body) == len(KEY_ORDER):
        record = _fast(body, data)
        if record is not None:
            return record
    entry = LogEntry.decode(data)
    return LeafRecord(entry.seq, entry.t, entry.kind.value, entry.kid, entry.h, entry.ref, entry.by)


_FIELDS_IN_ORDER = itemgetter(*KEY_ORDER)


def _fast(body: dict[Any, Any], data: bytes) -> LeafRecord | None:
    try:
        h, t, by, kid, ref, seq, kind = _FIELDS_IN_ORDER(body)
    except KeyError:
        return None
    typed = (
        type(h) is bytes
        and type(t) is int
        and type(by) is str
        and type(kid) is bytes
        and type(ref) is str
        and type(seq) is int
        and type(kind) is str
        and kind in _KINDS
    )
    ordered = {"h": h, "t": t, "by": by, "kid": kid, "ref": ref, "seq": seq, "kind": kind}
    if not typed or cbor2.dumps(ordered) != data:
        return None
    return LeafRecord(seq, t, kind, kid, h, ref, by)


CardLeaf = tuple[int, bytes, bytes, int]
"""What reconciliation needs of a card leaf: ``(seq, h, kid, t)``."""


@dataclass
class LeafScan:
    """What one pass over the leaves learnt."""

    tree: merkle.NodeStore = field(default_factory=merkle.MemoryNodeStore)
    """The rebuilt tree (for an incremental scan, seeded with the stored nodes of the old part)."""
    start: int = 0
    """The first leaf read: 0, or the size of the checkpoint an incremental audit starts from."""
    card_leaves: dict[str, list[CardLeaf]] = field(default_factory=dict)
    other_leaves: list[LeafRecord] = field(default_factory=list)
    nodes_compared: int = 0
    newest_t: int = 0
    """The latest leaf time read: what the log's clock should say."""

    @property
    def size(self) -> int:
        return self.tree.size()

    @property
    def read(self) -> int:
        """How many leaves this scan read and checked."""
        return self.size - self.start


class _Scanner:
    """The state of the pass: where it is, the last time seen, nodes found to differ."""

    def __init__(
        self,
        session: Session,
        roles: Mapping[bytes, str],
        findings: Findings,
        scan: LeafScan,
        last_t: int | None,
    ) -> None:
        self.session = session
        self.roles = roles
        self.findings = findings
        self.scan = scan
        self.last_t = last_t
        self.bad_nodes: set[tuple[int, int]] = set()
        self.gap_at: int | None = None
        """The first position where a leaf is missing: every stored node past it differs."""

    def page(self, rows: Sequence[Sequence[Any]], position: int) -> int:
        """Check a page of leaf rows and add them to the tree; return the next position."""
        hashes = []
        for seq, data, kind, ref, by, t in rows:
            if seq != position:
                self._gap(position, seq)
            position = seq + 1
            hashes.append(merkle.leaf_hash(data))
            try:
                record = decode_leaf(data)
            except LeafFormatError as exc:
                self.findings.add(Check.LEAVES, f"leaf {seq}", f"not a log entry: {exc.message}")
                continue
            columns = (kind, ref, by, t)
            if record.seq != seq or (record.kind, record.ref, record.by, record.t) != columns:
                self._mismatch(seq, record, dict(zip(_COLUMNS, columns, strict=True)))
            self._check(record)
            if record.kind == _CARD:
                entry = (record.seq, record.h, record.kid, record.t)
                known = self.scan.card_leaves.get(record.ref)
                if known is None:
                    self.scan.card_leaves[record.ref] = [entry]
                else:
                    known.append(entry)
            else:
                self.scan.other_leaves.append(record)
        self._append(hashes)
        return position

    def _gap(self, position: int, seq: int) -> None:
        where = f"the row after leaf {position - 1}" if position else "the first row"
        missing = f"leaves {position}..{seq - 1} are" if seq > position + 1 else "is"
        self.findings.add(
            Check.LEAVES, f"leaf {position}", f"{missing} missing: {where} is leaf {seq}"
        )
        if self.gap_at is None:
            self.gap_at = position

    def _mismatch(self, seq: int, record: LeafRecord, columns: dict[str, Any]) -> None:
        subject = f"leaf {seq}"
        if record.seq != seq:
            self.findings.add(
                Check.LEAVES, subject, f"the leaf bytes say seq {record.seq}, stored as row {seq}"
            )
        for name, value in columns.items():
            if getattr(record, name) != value:
                self.findings.add(
                    Check.LEAVES,
                    subject,
                    f"column {name} is {value!r}, the leaf bytes say {getattr(record, name)!r}",
                )

    def _check(self, record: LeafRecord) -> None:
        """Times never go backwards; h is a SHA-256; the kid may sign this kind of leaf."""
        if self.last_t is not None and record.t < self.last_t:
            self.findings.add(
                Check.LEAVES,
                f"leaf {record.seq}",
                f"time {record.t} is before the previous leaf's {self.last_t}",
            )
        self.last_t = record.t
        self.scan.newest_t = max(self.scan.newest_t, record.t)
        if len(record.h) != merkle.HASH_SIZE:
            self.findings.add(
                Check.LEAVES, f"leaf {record.seq}", f"h is {len(record.h)} bytes, expected 32"
            )
        role = self.roles.get(record.kid)
        if role is None or role not in ALLOWED_ROLES[record.kind]:
            self._kid_finding(record, role)

    def _kid_finding(self, record: LeafRecord, role: str | None) -> None:
        subject = f"leaf {record.seq}"
        if role is None:
            self.findings.add(
                Check.LEAVES, subject, f"kid {record.kid.hex()} is not in the trust list"
            )
            return
        allowed = " or ".join(sorted(ALLOWED_ROLES[record.kind]))
        self.findings.add(
            Check.LEAVES,
            subject,
            f"a {record.kind} leaf signed by kid {record.kid.hex()}, a {role} key; "
            f"expected a {allowed} key",
        )

    def _append(self, leaf_hashes: Sequence[bytes]) -> None:
        """Add leaves to the rebuilt tree and compare every node they complete with the stored one.

        The nodes come level by level, each level a run of consecutive indices, so
        each level is one range query and, when all is well, one list comparison.
        """
        nodes = merkle.nodes_for_append(self.scan.tree, leaf_hashes)
        self.scan.tree.put_many(nodes)
        self.scan.nodes_compared += len(nodes)
        for level, run in groupby(nodes, key=itemgetter(0)):
            group = list(run)
            stored = self._stored(level, group[0][1], group[-1][1])
            if len(stored) == len(group) and stored == [digest for _, _, digest in group]:
                continue
            self._compare(level, group)

    def _stored(self, level: int, low: int, high: int) -> list[bytes]:
        index = untyped("idx")
        query = (
            untyped_select(tables.MerkleNode, "hash")
            .where(untyped("level") == level, index >= low, index <= high)
            .order_by(index)
        )
        return [bytes(row[0]) for row in self.session.execute(query).all()]

    def _compare(self, level: int, group: list[tuple[int, int, bytes]]) -> None:
        """Node by node, reporting only the lowest nodes that differ."""
        idx = untyped("idx")
        query = untyped_select(tables.MerkleNode, "idx", "hash").where(
            untyped("level") == level, idx >= group[0][1], idx <= group[-1][1]
        )
        stored = {idx: bytes(digest) for idx, digest in self.session.execute(query).all()}
        for _, index, digest in group:
            found = stored.get(index)
            if found == digest:
                continue
            below = {(level - 1, 2 * index), (level - 1, 2 * index + 1)} if level else set()
            self.bad_nodes.add((level, index))
            if below & self.bad_nodes or self._past_gap(level, index):
                continue  # follows from a node below, or a missing leaf, already reported
            self._node_finding(level, index, digest, found)

    def _past_gap(self, level: int, index: int) -> bool:
        return self.gap_at is not None and (index + 1) << level > self.gap_at

    def _node_finding(self, level: int, index: int, rebuilt: bytes, found: bytes | None) -> None:
        first, last = index << level, ((index + 1) << level) - 1
        subject = f"leaf {first}" if level == 0 else f"merkle node ({level}, {index})"
        what = (
            "the stored leaf hash" if level == 0 else f"the stored hash over leaves {first}..{last}"
        )
        if found is None:
            self.findings.add(Check.TREE, subject, f"{what} is missing")
        else:
            self.findings.add(
                Check.TREE,
                subject,
                f"{what} is {found.hex()}, rehashing the leaves gives {rebuilt.hex()}",
            )


def _rows(session: Session, batch: int, start: int) -> Iterator[Sequence[Any]]:
    """Leaf rows in ``seq`` order, a page at a time (keyset pagination).

    Untyped columns: the values come as the driver gives them, without the
    ORM's per-value conversions.
    """
    seq = untyped("seq")
    columns = untyped_select(tables.LogLeaf, "seq", "data", "kind", "ref", "by", "t")
    while True:
        query = columns.where(seq >= start).order_by(seq).limit(batch)
        rows = session.execute(query).all()
        if not rows:
            return
        yield rows
        start = rows[-1][0] + 1


def scan_leaves(
    session: Session,
    roles: Mapping[bytes, str],
    findings: Findings,
    *,
    tick: Callable[[], None] | None = None,
    batch: int = BATCH,
    start: int = 0,
    tree: merkle.NodeStore | None = None,
    last_t: int | None = None,
) -> LeafScan:
    """Read every leaf once; ``roles`` maps each trusted kid to its role ("root", "log", …).

    ``tick`` is called between pages, so work running elsewhere (card
    signatures in worker processes) can be kept fed. An incremental scan reads
    only the leaves from ``start`` on, into ``tree`` (holding the ``start``
    leaves before them); ``last_t`` is then leaf ``start - 1``'s time, which
    the first new leaf may not precede.
    """
    scan = LeafScan(tree=tree or merkle.MemoryNodeStore(), start=start)
    if scan.size != start:
        raise ValueError(f"the tree holds {scan.size} leaves, the scan starts at {start}")
    scan.newest_t = last_t or 0
    scanner = _Scanner(session, roles, findings, scan, last_t)
    position = start
    for rows in _rows(session, batch, start):
        position = scanner.page(rows, position)
        if tick is not None:
            tick()
    _check_counts(session, scanner.scan, findings)
    return scanner.scan


def _check_counts(session: Session, scan: LeafScan, findings: Findings) -> None:
    """The log head's size and clock, and the number of stored nodes, match the leaves read."""
    head = session.get(tables.LogHead, 1)
    head_size, head_t = (head.size, head.last_t) if head else (0, 0)
    if head_size != scan.size:
        findings.add(
            Check.TREE, "log head", f"says the log has {head_size} leaves; {scan.size} were read"
        )
    if head_t != scan.newest_t:
        findings.add(
            Check.LEAVES,
            "log head",
            f"says the log's clock is at {head_t}; the newest leaf time is {scan.newest_t}",
        )
    stored = session.scalar(select(func.count()).select_from(tables.MerkleNode)) or 0
    complete = 2 * scan.size - scan.size.bit_count()  # floor(size / 2^k) nodes at each level k
    if stored > complete:
        findings.add(
            Check.TREE,
            "merkle nodes",
            f"{stored} stored, but the {scan.size} leaves complete only {complete}",
        )
