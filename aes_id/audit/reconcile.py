"""Reconciliation of the log with the registry and the key store (docs/audit-log.md, check 4).

Nothing signed off the books, nothing dropped: every card, trust list,
revocation list and key event has exactly one leaf whose ``h`` is the SHA-256
of what was signed, and every leaf has its signed object. No resident holds
more than one valid card.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence

from cryptography import x509
from sqlalchemy import func, select
from sqlmodel import Session, col

from aes_id.audit.cardcheck import CardResult, SignerKeys
from aes_id.audit.leaf import LeafKind, signed_hash, time_skew
from aes_id.audit.leafscan import CardLeaf, LeafRecord
from aes_id.audit.log import DEFAULT_CLOCK_TOLERANCE
from aes_id.audit.report import AuditCounts, Check, Findings
from aes_id.domain import CardStatus
from aes_id.errors import AesIdError
from aes_id.formats.cose import decode1
from aes_id.pki.keys import KeyEvent
from aes_id.pki.revocation import parse_revocation_list
from aes_id.pki.trust import TrustList, parse_trust_list
from aes_id.registry import tables

_LIST_KINDS = (LeafKind.TRUST_LIST.value, LeafKind.REVOCATION_LIST.value)


def reconcile_cards(
    results: Iterable[CardResult],
    card_leaves: dict[str, list[CardLeaf]],
    signers: SignerKeys,
    findings: Findings,
    tally: AuditCounts,
    *,
    tolerance: int = DEFAULT_CLOCK_TOLERANCE,
) -> None:
    """Each card against its one leaf; then the leaves whose card is not in the registry.

    A leaf's ``t`` may follow the card's issue time by up to ``tolerance`` seconds
    (:func:`~aes_id.audit.leaf.time_skew`).
    """
    tally.card_leaves = sum(len(leaves) for leaves in card_leaves.values())
    for card in results:
        tally.cards += 1
        subject = f"card {card.card_number}"
        for problem in card.problems:
            findings.add(Check.REGISTRY, subject, problem)
        _signer_state(card, signers, subject, findings)
        leaves = card_leaves.pop(card.card_number, None)
        if not leaves:
            findings.add(
                Check.REGISTRY, subject, "has no card leaf in the log: signed off the books"
            )
            continue
        if len(leaves) > 1:
            seqs = ", ".join(str(leaf[0]) for leaf in leaves)
            findings.add(
                Check.REGISTRY,
                subject,
                f"has {len(leaves)} card leaves (leaves {seqs}), expected one",
            )
        for leaf in leaves:
            _card_leaf(card, leaf, subject, findings, tolerance)
    for number, leaves in sorted(card_leaves.items(), key=lambda item: item[1][0][0]):
        for seq, *_ in leaves:
            findings.add(
                Check.REGISTRY,
                f"leaf {seq}",
                f"records card {number}, which is not in the registry",
            )


def reconcile_holders(session: Session, findings: Findings) -> None:
    """Each resident holding more than one valid card, with the cards (the registry allows one)."""
    valid = col(tables.CardRow.status) == CardStatus.VALID.value
    twice = (
        select(col(tables.CardRow.nin))
        .where(valid)
        .group_by(col(tables.CardRow.nin))
        .having(func.count() > 1)
    )
    rows = session.execute(
        select(col(tables.CardRow.nin), col(tables.CardRow.card_number))
        .where(valid, col(tables.CardRow.nin).in_(twice))
        .order_by(col(tables.CardRow.nin), col(tables.CardRow.card_number))
    )
    cards: dict[str, list[str]] = defaultdict(list)
    for nin, number in rows:
        cards[nin].append(number)
    for nin, numbers in cards.items():
        findings.add(
            Check.REGISTRY,
            f"resident {nin}",
            f"holds {len(numbers)} valid cards ({', '.join(numbers)}), a resident may hold one",
        )


def _card_leaf(
    card: CardResult, leaf: CardLeaf, subject: str, findings: Findings, tolerance: int
) -> None:
    seq, h, kid, t = leaf
    if h != card.h:
        findings.add(
            Check.REGISTRY,
            subject,
            f"leaf {seq} records h {h.hex()}, its stored COSE_Sign1 hashes to {card.h.hex()}",
        )
    if kid.hex() != card.kid:
        findings.add(
            Check.REGISTRY, subject, f"leaf {seq} records kid {kid.hex()}, the row says {card.kid}"
        )
    skew = time_skew(t, card.issued_at, tolerance)
    if skew is not None:
        findings.add(
            Check.REGISTRY,
            subject,
            f"leaf {seq} records time {t}, the row says issued at {card.issued_at}: {skew}",
        )


def _signer_state(card: CardResult, signers: SignerKeys, subject: str, findings: Findings) -> None:
    try:
        signer = signers.get(bytes.fromhex(card.kid))
    except ValueError:
        findings.add(Check.REGISTRY, subject, f"the row's kid {card.kid!r} is not hexadecimal")
        return
    if signer is not None and signer[1] != card.state:
        findings.add(
            Check.REGISTRY,
            subject,
            f"a card of {card.state} signed by the Document Signer of {signer[1]}",
        )


def reconcile_lists(
    session: Session,
    leaves: Sequence[LeafRecord],
    root_certificate: x509.Certificate,
    trust_list: TrustList | None,
    findings: Findings,
    tally: AuditCounts,
    *,
    selected: Callable[[str, str], bool] | None = None,
) -> None:
    """Every signed trust list and revocation list against its one leaf, and its signature.

    A revocation list is checked against the trust list in force when it was
    signed (the newest one stored before it), not today's: a State CA revoked
    later, from a date in the past, did sign its earlier lists legitimately.
    With ``selected`` (kind, ref), only those lists are checked (an incremental
    audit); the trust lists before them are still read, to know which was in force.
    """
    by_ref: dict[tuple[str, str], list[LeafRecord]] = defaultdict(list)
    for leaf in leaves:
        if leaf.kind in _LIST_KINDS:
            by_ref[(leaf.kind, leaf.ref)].append(leaf)
            tally.list_leaves += 1
    rows = session.scalars(select(tables.ListRow).order_by(col(tables.ListRow.id)))
    in_force: TrustList | None = None
    for row in rows:
        ref = f"{row.scope}#{row.sequence}"
        subject = f"{row.kind} {ref}"
        data = bytes(row.data)
        if selected is not None and not selected(row.kind, ref):
            if row.kind == LeafKind.TRUST_LIST.value:
                in_force = _list_signature(row.kind, data, root_certificate, None)[1] or in_force
            continue
        tally.lists += 1
        problem, parsed = _list_signature(row.kind, data, root_certificate, in_force or trust_list)
        if problem:
            findings.add(Check.REGISTRY, subject, problem)
        elif parsed is not None:
            in_force = parsed
        matched = by_ref.pop((row.kind, ref), [])
        if len(matched) != 1:
            seqs = ", ".join(str(leaf.seq) for leaf in matched) or "none"
            findings.add(
                Check.REGISTRY, subject, f"has {len(matched)} leaves ({seqs}), expected one"
            )
        for leaf in matched:
            _signed_leaf(leaf, data, subject, findings)
    for (kind, ref), extra in by_ref.items():
        for leaf in extra:
            findings.add(
                Check.REGISTRY,
                f"leaf {leaf.seq}",
                f"records {kind} {ref}, which is not in the registry",
            )


def _signed_leaf(leaf: LeafRecord, data: bytes, subject: str, findings: Findings) -> None:
    if leaf.h != signed_hash(data):
        findings.add(
            Check.REGISTRY,
            subject,
            f"leaf {leaf.seq} records h {leaf.h.hex()}, the signed bytes hash to "
            f"{signed_hash(data).hex()}",
        )
    try:
        kid = decode1(data).kid or b""
    except AesIdError:
        return  # reported with the signature
    if kid != leaf.kid:
        findings.add(
            Check.REGISTRY,
            subject,
            f"leaf {leaf.seq} records kid {leaf.kid.hex()}, the list is signed by {kid.hex()}",
        )


def _list_signature(
    kind: str, data: bytes, root: x509.Certificate, trust_list: TrustList | None
) -> tuple[str | None, TrustList | None]:
    """What is wrong with a stored list (or ``None``), and the trust list it is, if one."""
    try:
        if kind == LeafKind.TRUST_LIST.value:
            return None, parse_trust_list(data, root)
        if kind == LeafKind.REVOCATION_LIST.value:
            if trust_list is None:
                return "cannot be checked: no verified trust list", None
            parse_revocation_list(data, trust_list)
            return None, None
        return f"is of unknown kind {kind!r}", None
    except AesIdError as exc:
        return f"does not verify: {exc.message}", None


def key_leaf_hashes(event: KeyEvent) -> set[bytes]:
    """The ``h`` a key event's leaf may carry.

    For a signing (a certificate), SHA-256 of the certificate DER. For an event
    without a signature (a revocation, the log key), docs/audit-log.md asks for the
    hash of the event's record; the operator hands :meth:`KeyEvent.log_hash` to
    the log as the "signed bytes", which the log hashes once more, so both forms
    are accepted.
    """
    if event.signed is not None:
        return {signed_hash(event.signed)}
    record_hash = event.log_hash()
    return {record_hash, hashlib.sha256(record_hash).digest()}


def reconcile_keys(
    events: Sequence[KeyEvent],
    leaves: Sequence[LeafRecord],
    findings: Findings,
    tally: AuditCounts,
    *,
    tolerance: int = DEFAULT_CLOCK_TOLERANCE,
) -> None:
    """Every key event of the key store against one ``key`` leaf, and the other way round.

    A leaf's ``t`` may follow the event's time by up to ``tolerance`` seconds.
    """
    pending: dict[str, list[LeafRecord]] = defaultdict(list)
    for leaf in leaves:
        if leaf.kind == LeafKind.KEY.value:
            pending[leaf.ref].append(leaf)
            tally.key_leaves += 1
    for event in events:
        tally.key_events += 1
        ref, wanted = event.kid.hex(), key_leaf_hashes(event)
        signer = (event.signed_by or event.kid).hex()
        t = int(event.at.timestamp())
        match = next(
            (
                leaf
                for leaf in pending[ref]
                if leaf.h in wanted
                and leaf.kid.hex() == signer
                and time_skew(leaf.t, t, tolerance) is None
            ),
            None,
        )
        if match is None:
            findings.add(
                Check.REGISTRY,
                f"key {ref}",
                f"its {event.kind.value} event of {event.at:%Y-%m-%d %H:%M:%S} has no leaf",
            )
        else:
            pending[ref].remove(match)
    for ref, extra in pending.items():
        for leaf in extra:
            findings.add(
                Check.REGISTRY,
                f"leaf {leaf.seq}",
                f"records a key event of {ref} that the key store's history does not have",
            )
