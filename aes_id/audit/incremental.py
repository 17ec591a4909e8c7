"""The incremental audit: only what the log added after a checkpoint verified before.

docs/audit-log.md, check 6. The auditor brings a checkpoint it saved on an
earlier audit (a C2SP signed note, as ``aes-id audit checkpoint --out`` writes):

1. its signature verifies with the log's verifier key, and so does the log's
   latest kept checkpoint (the log kept no other root for the saved size);
2. the stored perfect subtrees covering leaves ``[0, old size)`` fold into the
   saved root (RFC 9162 §2.1.1): the old part of the tree is the one verified before;
3. only the new leaves ``[old size, new size)`` are read, checked (numbering,
   encoding, times not before the last old leaf's, kids) and rehashed on top of
   those subtrees; the result must be the latest checkpoint's root, the stored
   nodes they complete must be the rebuilt ones, and the log's consistency proof
   (§2.1.4.1, from its stored nodes) must verify against both signed roots (§2.1.4.2);
4. only the objects of the new leaves are reconciled: the cards they name, plus
   every card with no leaf at all (signed off the books; one anti-join over the
   card table, no signature verified for the others), and the lists and key
   events whose refs have a new leaf or no leaf.

    report = run_incremental(registry, store, Path("day-41.checkpoint").read_text())
    report.counts.leaves, report.counts.cards   # what the day added
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, exists, func, select
from sqlmodel import Session, col

from aes_id.audit.auditor import PARALLEL_FROM, TrustContext, load_trust, snapshot
from aes_id.audit.cardcheck import PAGE, CardChecker, CardRowData, card_pages, select_cards
from aes_id.audit.checkpoint import log_verifier, parse_verifier, read_checkpoint
from aes_id.audit.leaf import LeafKind
from aes_id.audit.leafscan import CardLeaf, LeafRecord, LeafScan, decode_leaf, scan_leaves
from aes_id.audit.log import clock_tolerance as tolerance_of
from aes_id.audit.log import latest_checkpoint, log_size, read_store
from aes_id.audit.reconcile import reconcile_cards, reconcile_keys, reconcile_lists
from aes_id.audit.report import AuditCounts, AuditReport, Check, Findings
from aes_id.errors import AesIdError, TrustError
from aes_id.formats import merkle
from aes_id.formats.note import Checkpoint, NoteVerifier
from aes_id.parallel import default_workers
from aes_id.pki.keys import KeyStore
from aes_id.registry import tables
from aes_id.registry.db import Registry

_CARD = LeafKind.CARD.value
_OTHER_KINDS = tuple(kind.value for kind in LeafKind if kind is not LeafKind.CARD)


def _is_card_leaf() -> ColumnElement[bool]:
    """``kind = 'card'``, written so the database looks leaves up by ``ref`` (its index).

    Nearly every leaf is a card's: searched by ``kind``, SQLite would read them all.
    """
    return func.coalesce(col(tables.LogLeaf.kind), "") == _CARD


class SeededStore:
    """A Merkle node store: the stored nodes for the old part, the new ones in memory.

    Nodes appended (the new leaves and the subtrees they complete) are kept
    here; every other node is read from ``base`` (the log's ``merkle_node``).
    """

    def __init__(self, base: merkle.NodeStore, size: int) -> None:
        self._base = base
        self._size = size
        self._new: dict[tuple[int, int], bytes] = {}

    def size(self) -> int:
        return self._size

    def get_many(self, keys: Sequence[tuple[int, int]]) -> list[bytes]:
        stored = [k for k in keys if k not in self._new]
        found = dict(zip(stored, self._base.get_many(stored), strict=True)) if stored else {}
        return [self._new[k] if k in self._new else found[k] for k in keys]

    def put_many(self, items: Iterable[tuple[int, int, bytes]]) -> None:
        for level, index, digest in items:
            self._new[(level, index)] = digest
            if level == 0:
                self._size = max(self._size, index + 1)


@dataclass
class _Run:
    """One incremental audit's state."""

    session: Session
    old: Checkpoint
    verifier: NoteVerifier
    trust: TrustContext
    skew: int
    findings: Findings = field(default_factory=Findings)
    tally: AuditCounts = field(default_factory=AuditCounts)
    latest: Checkpoint | None = None


def run_incremental(
    registry: Registry,
    store: KeyStore,
    since: str,
    *,
    verifier_key: str | None = None,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
    clock_tolerance: int | None = None,
) -> AuditReport:
    """Audit only what came after the checkpoint ``since`` (its note text); see the module doc.

    Raises :class:`~aes_id.errors.TrustError` when ``since`` does not verify with
    the log's key: the auditor has nothing it verified before to start from.
    """
    verifier = parse_verifier(verifier_key) if verifier_key else log_verifier(store)
    try:
        old = read_checkpoint(since, verifier)
    except AesIdError as exc:
        raise TrustError(
            f"the checkpoint to audit from does not verify: {exc.message}",
            hint="give a checkpoint file saved by `aes-id audit checkpoint --out FILE`",
        ) from None
    with registry.reader() as session:
        snapshot(session)
        findings = Findings()
        trust = load_trust(session, store, findings)
        run = _Run(session, old, verifier, trust, tolerance_of(clock_tolerance), findings)
        run.latest = _latest(run)
        scan = _scan(run)
        if scan is None:  # no part of the tree verified before to build on
            if run.latest is not None and run.latest.size >= old.size:
                _consistency(run, run.latest)
            return _report(run, LeafScan(), log_size(session))
        _check_tree(run, scan)
        _reconcile_cards(run, scan, workers, progress)
        _reconcile_others(run, scan, store)
    return _report(run, scan, scan.size)


def _latest(run: _Run) -> Checkpoint | None:
    """Check 1 for the log's latest checkpoint, and the saved size's kept root."""
    kept = run.session.get(tables.CheckpointRow, run.old.size)
    if kept is not None and bytes(kept.root) != run.old.root_hash:
        run.findings.add(
            Check.SAVED,
            f"saved checkpoint {run.old.size}",
            f"the log signed two roots for size {run.old.size}: {run.old.root_hash.hex()} "
            f"(saved) and {bytes(kept.root).hex()} (kept)",
        )
    row = latest_checkpoint(run.session)
    if row is None:
        return None
    try:
        latest = read_checkpoint(row.note, run.verifier)
    except AesIdError as exc:
        run.findings.add(Check.CHECKPOINTS, f"checkpoint {row.size}", f"signature: {exc.message}")
        return None
    if (latest.size, latest.root_hash) != (row.size, bytes(row.root)):
        run.findings.add(
            Check.CHECKPOINTS,
            f"checkpoint {row.size}",
            f"kept as size {row.size} root {bytes(row.root).hex()}, the signed note says size "
            f"{latest.size} root {latest.root_hash.hex()}",
        )
    return latest


def _scan(run: _Run) -> LeafScan | None:
    """The old part's stored subtrees against the saved root, then the new leaves on top of them."""
    old, subject = run.old, f"saved checkpoint {run.old.size}"
    size = log_size(run.session)
    if old.size > size:
        run.findings.add(
            Check.SAVED, subject, f"signs {old.size} leaves, today's log holds only {size}"
        )
        return None
    tree = SeededStore(read_store(run.session), old.size)
    try:
        stored = merkle.root(tree, old.size)
    except AesIdError as exc:
        stored = None
        run.findings.add(Check.SAVED, subject, f"the stored subtrees are damaged: {exc.message}")
    if stored is not None and stored != old.root_hash:
        run.findings.add(
            Check.SAVED,
            subject,
            f"signs root {old.root_hash.hex()}, the log's stored subtrees over leaves "
            f"0..{old.size - 1} hash to {stored.hex()}: the history was rewritten",
        )
    if stored != old.root_hash:
        return None
    return scan_leaves(
        run.session,
        run.trust.roles,
        run.findings,
        start=old.size,
        tree=tree,
        last_t=_leaf_time(run.session, old.size - 1),
    )


def _leaf_time(session: Session, seq: int) -> int | None:
    """The ``t`` that leaf ``seq``'s bytes record (``None`` before the first leaf)."""
    if seq < 0:
        return None
    row = session.get(tables.LogLeaf, seq)
    return decode_leaf(bytes(row.data)).t if row is not None else None


def _check_tree(run: _Run, scan: LeafScan) -> None:
    """The rebuilt tree has the latest checkpoint's root; the log's proof verifies (§2.1.4.2)."""
    latest, old = run.latest, run.old
    if latest is None or latest.size < old.size:
        size = latest.size if latest else 0
        run.findings.add(
            Check.SAVED,
            f"saved checkpoint {old.size}",
            f"the log's latest valid checkpoint has {size} leaves, fewer than the saved "
            f"{old.size}: the log cannot prove it extends the saved one",
        )
        return
    if latest.size > scan.size:
        run.findings.add(
            Check.TREE,
            f"checkpoint {latest.size}",
            f"signs {latest.size} leaves, the log holds {scan.size}",
        )
        return
    rebuilt = merkle.root(scan.tree, latest.size)
    if rebuilt != latest.root_hash:
        run.findings.add(
            Check.TREE,
            f"checkpoint {latest.size}",
            f"signs root {latest.root_hash.hex()}, the saved checkpoint's subtrees and leaves "
            f"{old.size}..{latest.size - 1} rehashed give {rebuilt.hex()}",
        )
    _consistency(run, latest)


def _consistency(run: _Run, latest: Checkpoint) -> None:
    """The log's proof (from its stored nodes) between the saved and the latest signed roots."""
    old = run.old
    try:
        proof = merkle.consistency_proof(read_store(run.session), old.size, latest.size)
        merkle.verify_consistency(old.size, latest.size, old.root_hash, latest.root_hash, proof)
    except AesIdError as exc:
        run.findings.add(
            Check.SAVED,
            f"saved checkpoint {old.size}",
            f"the log's consistency proof to its checkpoint {latest.size} fails: {exc.message}",
        )


def _reconcile_cards(
    run: _Run, scan: LeafScan, workers: int | None, progress: Callable[[int], None] | None
) -> None:
    """The cards of the new leaves (with any older leaf they have) and the cards with no leaf."""
    numbers = sorted(scan.card_leaves)
    leaves = dict(scan.card_leaves)
    for start in range(0, len(numbers), PAGE):
        for number, leaf in _old_card_leaves(run.session, numbers[start : start + PAGE], run.old):
            leaves[number] = [leaf, *leaves[number]]
    rows = _new_card_pages(run.session, numbers)
    checker = CardChecker(
        run.session,
        run.trust.signers,
        workers or (default_workers() if len(numbers) >= PARALLEL_FROM else 1),
        progress=progress,
        rows=rows,
    )
    cards = checker.finish()
    reconcile_cards(cards, leaves, run.trust.signers, run.findings, run.tally, tolerance=run.skew)


def _old_card_leaves(
    session: Session, numbers: Sequence[str], old: Checkpoint
) -> Iterator[tuple[str, CardLeaf]]:
    """Leaves before the saved checkpoint of cards that also have a new one (a second leaf)."""
    leaf = tables.LogLeaf
    query = select(col(leaf.data)).where(
        _is_card_leaf(), col(leaf.ref).in_(numbers), col(leaf.seq) < old.size
    )
    for (data,) in session.execute(query.order_by(col(leaf.seq))):
        record = decode_leaf(bytes(data))
        yield record.ref, (record.seq, record.h, record.kid, record.t)


def _new_card_pages(session: Session, numbers: Sequence[str]) -> Iterator[list[CardRowData]]:
    """The rows of the cards with a new leaf, then those of the cards with no leaf at all."""
    for start in range(0, len(numbers), PAGE):
        rows = select_cards(session, numbers[start : start + PAGE])
        if rows:
            yield sorted(rows)
    leaf = tables.LogLeaf
    has_leaf = exists().where(col(leaf.ref) == col(tables.CardRow.card_number), _is_card_leaf())
    yield from card_pages(session, PAGE, ~has_leaf)


def _reconcile_others(run: _Run, scan: LeafScan, store: KeyStore) -> None:
    """Lists and key events whose ref has a new leaf, or no leaf at all."""
    old = _old_other_leaves(run.session, run.old.size)
    new_refs = {(leaf.kind, leaf.ref) for leaf in scan.other_leaves}
    old_refs = {(leaf.kind, leaf.ref) for leaf in old}

    def selected(kind: str, ref: str) -> bool:
        return (kind, ref) in new_refs or (kind, ref) not in old_refs

    leaves = [leaf for leaf in old if (leaf.kind, leaf.ref) in new_refs] + scan.other_leaves
    reconcile_lists(
        run.session,
        leaves,
        run.trust.root_certificate,
        run.trust.trust_list,
        run.findings,
        run.tally,
        selected=selected,
    )
    key = LeafKind.KEY.value
    events = [e for e in store.events() if selected(key, e.kid.hex())]
    reconcile_keys(events, leaves, run.findings, run.tally, tolerance=run.skew)


def _old_other_leaves(session: Session, size: int) -> list[LeafRecord]:
    """The list and key leaves before the saved checkpoint (a few per day, not per card)."""
    leaf = tables.LogLeaf
    query = select(col(leaf.data)).where(col(leaf.kind).in_(_OTHER_KINDS), col(leaf.seq) < size)
    return [decode_leaf(bytes(data)) for (data,) in session.execute(query.order_by(col(leaf.seq)))]


def _report(run: _Run, scan: LeafScan, size: int) -> AuditReport:
    run.tally.leaves = scan.read
    run.tally.merkle_nodes = scan.nodes_compared
    run.tally.checkpoints = 1 if run.latest else 0
    return AuditReport(
        findings=tuple(sorted(run.findings.kept, key=lambda f: f.check)),
        counts=run.tally,
        tree_size=size,
        root=merkle.root(scan.tree, scan.size),
        latest_checkpoint=run.latest.size if run.latest else None,
        saved_checkpoint=run.old.size,
        totals=tuple(sorted(run.findings.total.items())),
        since=run.old.size,
    )
