"""The auditor: the five checks of docs/audit-log.md over the registry, the log and the keys.

1. Every checkpoint's signature, with the log's published verifier key.
2. The tree rebuilt from the leaves (every leaf rehashed) has the latest
   checkpoint's root, each earlier checkpoint is consistent with it, and the
   stored Merkle nodes are the rebuilt ones.
3. Leaves numbered without gaps, in deterministic CBOR, times never going
   backwards, every kid in the trust list (the log key for its own events).
4. Reconciliation: every card, list and key event has exactly one leaf whose
   ``h`` matches its signed bytes, and every card's signature verifies with its
   Document Signer; every leaf has its signed object; no resident holds two
   valid cards.
5. A checkpoint the auditor saved earlier is consistent with today's log, so a
   history rewritten from scratch (tables, nodes and checkpoints re-made to
   match) is caught.

    report = run_audit(registry, store, saved_checkpoint=Path("saved.checkpoint").read_text())
    report.ok, [str(f) for f in report.findings]

Check 6, the incremental audit from a checkpoint verified before, is
:func:`aes_id.audit.incremental.run_incremental`.

The audit reads one consistent snapshot of the registry. Card signatures, the
bulk of the work, are verified by worker processes while the parent rehashes
the leaves.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

from cryptography import x509
from sqlalchemy import func, select
from sqlmodel import Session, col

from aes_id.audit.cardcheck import CardChecker, SignerKeys
from aes_id.audit.checkpoint import (
    StoredCheckpoint,
    list_checkpoints,
    log_verifier,
    parse_verifier,
    read_checkpoint,
)
from aes_id.audit.leaf import LeafKind
from aes_id.audit.leafscan import LeafScan, scan_leaves
from aes_id.audit.log import clock_tolerance as tolerance_of
from aes_id.audit.log import read_store
from aes_id.audit.reconcile import (
    reconcile_cards,
    reconcile_holders,
    reconcile_keys,
    reconcile_lists,
)
from aes_id.audit.report import AuditCounts, AuditReport, Check, Findings
from aes_id.errors import AesIdError
from aes_id.formats import merkle
from aes_id.formats.note import Checkpoint, NoteVerifier
from aes_id.parallel import default_workers
from aes_id.pki.certs import KeyRole, kid_of, public_key_of
from aes_id.pki.keys import KeyStore, log_kid
from aes_id.pki.trust import TrustList, parse_trust_list
from aes_id.registry import tables
from aes_id.registry.db import Registry

PARALLEL_FROM = 2000
"""Registries with fewer cards are checked in one process (a pool costs more than it saves)."""


@dataclass(frozen=True)
class TrustContext:
    """Which kids may appear in the log, and the keys to check signatures with."""

    roles: dict[bytes, str]
    """Every trusted kid and its role: the root, the log key, the trust list's entries."""
    signers: SignerKeys
    root_certificate: x509.Certificate
    trust_list: TrustList | None


def run_audit(
    registry: Registry,
    store: KeyStore,
    *,
    saved_checkpoint: str | None = None,
    verifier_key: str | None = None,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
    clock_tolerance: int | None = None,
) -> AuditReport:
    """Audit the log against the registry and the key store; see the module docstring.

    ``saved_checkpoint`` is the text of a checkpoint file kept by the auditor
    (check 5); ``verifier_key`` the log's verifier key string the auditor trusts
    (default: the key store's); ``workers`` the processes verifying card
    signatures (default: every core for large registries); ``progress`` is
    called with the number of cards of each page checked; ``clock_tolerance``
    the seconds a leaf's ``t`` may follow its object's signing time (default:
    the desks' setting, :func:`~aes_id.audit.log.clock_tolerance`).
    """
    verifier = parse_verifier(verifier_key) if verifier_key else log_verifier(store)
    skew = tolerance_of(clock_tolerance)
    findings = Findings()
    tally = AuditCounts()
    with registry.reader() as session:
        snapshot(session)
        trust = load_trust(session, store, findings)
        checker = CardChecker(
            session, trust.signers, card_workers(session, workers), progress=progress
        )
        try:
            checker.tick()
            scan = scan_leaves(session, trust.roles, findings, tick=checker.tick)
            cards = checker.finish()
        finally:
            checker.close()
        kept = list_checkpoints(session)
        valid = check_checkpoints(kept, verifier, scan, findings)
        reconcile_cards(cards, scan.card_leaves, trust.signers, findings, tally, tolerance=skew)
        reconcile_holders(session, findings)
        reconcile_lists(
            session, scan.other_leaves, trust.root_certificate, trust.trust_list, findings, tally
        )
        reconcile_keys(store.events(), scan.other_leaves, findings, tally, tolerance=skew)
        saved = None
        if saved_checkpoint is not None:
            saved = check_saved(session, saved_checkpoint, verifier, scan, valid, findings)
    return _report(findings, tally, scan, kept, valid, saved)


def snapshot(session: Session) -> None:
    """Read everything in one snapshot (SQLite's transactions already are; PostgreSQL's are not)."""
    if session.get_bind().dialect.name != "sqlite":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def card_workers(session: Session, workers: int | None) -> int:
    """The processes to verify card signatures with: ``workers``, else by registry size."""
    if workers is not None:
        return max(1, workers)
    cards = session.scalar(select(func.count()).select_from(tables.CardRow)) or 0
    return default_workers() if cards >= PARALLEL_FROM else 1


def load_trust(session: Session, store: KeyStore, findings: Findings) -> TrustContext:
    """The trusted kids: the root, the log key, and the entries of the latest signed trust list.

    The latest trust list kept in the registry is verified against the key
    store's root certificate; if it is missing or does not verify (a finding),
    the key store's own entries stand in so the rest of the audit can go on.
    """
    root = store.root_certificate()
    roles = {bytes(kid_of(root)): KeyRole.ROOT.value, bytes(log_kid(store.log_public_key())): "log"}
    trust_list = _latest_trust_list(session, root, findings)
    entries = trust_list.entries if trust_list else store.trust_entries()
    signers: dict[bytes, tuple[bytes, str]] = {}
    for entry in entries:
        roles[bytes(entry.kid)] = entry.role.value
        if entry.role is KeyRole.DOCUMENT_SIGNER:
            raw = public_key_of(entry.cert).public_bytes_raw()
            signers[bytes(entry.kid)] = (raw, entry.state.value)
    return TrustContext(roles, signers, root, trust_list)


def _latest_trust_list(
    session: Session, root: x509.Certificate, findings: Findings
) -> TrustList | None:
    row = session.scalars(
        select(tables.ListRow)
        .where(col(tables.ListRow.kind) == LeafKind.TRUST_LIST.value)
        .order_by(col(tables.ListRow.sequence).desc())
    ).first()
    if row is None:
        findings.add(Check.LEAVES, "trust list", "the registry holds no signed trust list")
        return None
    try:
        return parse_trust_list(bytes(row.data), root)
    except AesIdError as exc:
        findings.add(
            Check.LEAVES,
            f"trust-list {row.scope}#{row.sequence}",
            f"does not verify: {exc.message}",
        )
        return None


def check_checkpoints(
    kept: list[StoredCheckpoint], verifier: NoteVerifier, scan: LeafScan, findings: Findings
) -> list[Checkpoint]:
    """Checks 1 and 2 for the kept checkpoints; return those whose signature verifies.

    A log with no checkpoint yet is no finding: the report says how many leaves
    no checkpoint covers (:attr:`AuditReport.uncovered`) and what to do.
    """
    valid: list[Checkpoint] = []
    for row in kept:
        subject = f"checkpoint {row.size}"
        try:
            checkpoint = read_checkpoint(row.note, verifier)
        except AesIdError as exc:
            findings.add(Check.CHECKPOINTS, subject, f"signature: {exc.message}")
            continue
        if (checkpoint.size, checkpoint.root_hash) != (row.size, row.root):
            findings.add(
                Check.CHECKPOINTS,
                subject,
                f"kept as size {row.size} root {row.root.hex()}, the signed note says size "
                f"{checkpoint.size} root {checkpoint.root_hash.hex()}",
            )
        valid.append(checkpoint)
    valid.sort(key=lambda c: c.size)
    matching = [c for c in valid if _matches_tree(c, scan, findings)]
    if valid and matching and matching[-1] is valid[-1]:
        latest = valid[-1]
        for checkpoint in matching[:-1]:
            _consistent(checkpoint, latest, scan.tree, findings)
    return valid


def _matches_tree(checkpoint: Checkpoint, scan: LeafScan, findings: Findings) -> bool:
    subject = f"checkpoint {checkpoint.size}"
    if checkpoint.size > scan.size:
        findings.add(
            Check.TREE, subject, f"signs {checkpoint.size} leaves, the log holds {scan.size}"
        )
        return False
    rebuilt = merkle.root(scan.tree, checkpoint.size)
    if rebuilt != checkpoint.root_hash:
        findings.add(
            Check.TREE,
            subject,
            f"signs root {checkpoint.root_hash.hex()}, the tree rebuilt from leaves "
            f"0..{checkpoint.size - 1} has root {rebuilt.hex()}",
        )
        return False
    return True


def _consistent(
    old: Checkpoint, new: Checkpoint, tree: merkle.NodeStore, findings: Findings
) -> None:
    proof = merkle.consistency_proof(tree, old.size, new.size)
    try:
        merkle.verify_consistency(old.size, new.size, old.root_hash, new.root_hash, proof)
    except merkle.ProofError as exc:
        findings.add(
            Check.TREE,
            f"checkpoint {old.size}",
            f"not consistent with checkpoint {new.size}: {exc}",
        )


def check_saved(
    session: Session,
    note: str,
    verifier: NoteVerifier,
    scan: LeafScan,
    valid: list[Checkpoint],
    findings: Findings,
) -> int | None:
    """Check 5: the saved checkpoint against today's leaves and the log's own proof."""
    try:
        saved = read_checkpoint(note, verifier)
    except AesIdError as exc:
        findings.add(Check.SAVED, "saved checkpoint", f"signature: {exc.message}")
        return None
    subject = f"saved checkpoint {saved.size}"
    if saved.size > scan.size:
        findings.add(
            Check.SAVED, subject, f"signs {saved.size} leaves, today's log holds only {scan.size}"
        )
    elif merkle.root(scan.tree, saved.size) != saved.root_hash:
        findings.add(
            Check.SAVED,
            subject,
            f"signs root {saved.root_hash.hex()}, today's leaves 0..{saved.size - 1} hash to "
            f"{merkle.root(scan.tree, saved.size).hex()}: the history was rewritten",
        )
    for kept in valid:
        if kept.size == saved.size and kept.root_hash != saved.root_hash:
            findings.add(
                Check.SAVED,
                subject,
                f"the log signed two roots for size {saved.size}: {saved.root_hash.hex()} "
                f"(saved) and {kept.root_hash.hex()} (kept)",
            )
    _log_proof(session, saved, valid[-1] if valid else None, subject, findings)
    return saved.size


def _log_proof(
    session: Session, saved: Checkpoint, latest: Checkpoint | None, subject: str, findings: Findings
) -> None:
    """The log's own consistency proof (from its stored nodes) up to its latest checkpoint."""
    if latest is None or latest.size < saved.size:
        size = latest.size if latest else 0
        findings.add(
            Check.SAVED,
            subject,
            f"the log's latest valid checkpoint has {size} leaves, fewer than the saved "
            f"{saved.size}: the log cannot prove it extends the saved one",
        )
        return
    try:
        proof = merkle.consistency_proof(read_store(session), saved.size, latest.size)
        merkle.verify_consistency(saved.size, latest.size, saved.root_hash, latest.root_hash, proof)
    except AesIdError as exc:
        findings.add(
            Check.SAVED,
            subject,
            f"the log's consistency proof to its checkpoint {latest.size} fails: {exc.message}",
        )


def _report(
    findings: Findings,
    tally: AuditCounts,
    scan: LeafScan,
    kept: list[StoredCheckpoint],
    valid: list[Checkpoint],
    saved: int | None,
) -> AuditReport:
    counts = dataclasses.replace(
        tally, leaves=scan.size, merkle_nodes=scan.nodes_compared, checkpoints=len(kept)
    )
    order = sorted(findings.kept, key=lambda f: f.check)
    return AuditReport(
        findings=tuple(order),
        counts=counts,
        tree_size=scan.size,
        root=merkle.root(scan.tree, scan.size),
        latest_checkpoint=valid[-1].size if valid else None,
        saved_checkpoint=saved,
        totals=tuple(sorted(findings.total.items())),
    )
