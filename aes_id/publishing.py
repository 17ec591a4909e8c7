"""Publishing keys and signed lists: the operator's service.

Every signature made here (a certificate at key generation or rotation, a
trust list, a revocation list) is appended to the signature log in the same
database transaction that records it; key-store files are staged first and
made visible only once that transaction has committed, so a failure leaves
the registry, the log and the key store as they were.

The current lists are also written beside the keys (``trust-list.cose``,
``revocations-MLI.cose``, ...): the "operator's exports" that border posts sync
and that ``aes-id verify`` uses by default.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from sqlalchemy import func, select
from sqlmodel import Session, col

from aes_id.audit.leaf import LeafKind
from aes_id.audit.log import LeafDraft, append_leaves
from aes_id.domain import CardNumber, CardStatus, Country, Kid, RevocationReason
from aes_id.errors import AesIdError, KeyStoreError
from aes_id.files import sync_directory, write_atomic
from aes_id.pki.exports import ROOT_CERT_FILE, TRUST_LIST_FILE, revocation_file
from aes_id.pki.keys import KeyEvent, KeyRevocationReason, KeyStore, StagedChange, stage_init
from aes_id.pki.revocation import (
    RevocationList,
    RevokedCard,
    build_revocation_list,
    parse_revocation_list,
    sign_revocation_list,
)
from aes_id.pki.trust import parse_trust_list, sign_trust_list
from aes_id.registry import tables
from aes_id.registry.db import Registry


@dataclass(frozen=True)
class Published:
    """A list just signed: what it is, its sequence number, where its file is."""

    kind: LeafKind
    scope: str
    sequence: int
    path: Path
    data: bytes

    def export(self) -> None:
        """Write the list where border posts and ``aes-id verify`` look for it."""
        write_atomic(self.path, self.data)


def _key_leaves(events: Iterable[KeyEvent], by: str) -> list[LeafDraft]:
    drafts = []
    for event in events:
        drafts.append(
            LeafDraft(
                t=int(event.at.timestamp()),
                kind=LeafKind.KEY,
                kid=event.signed_by or event.kid,
                signed=event.logged_bytes(),
                ref=event.kid.hex(),
                by=by,
            )
        )
    return drafts


def init_keys(
    registry: Registry,
    path: Path,
    passphrase: str,
    *,
    now: dt.datetime,
    by: str,
    force: bool = False,
) -> KeyStore:
    """Create the key hierarchy, log its key events, publish the first lists.

    The new store is staged, the log written, then the store committed inside
    the transaction: a failure anywhere leaves the old store (or none) in place.
    """
    with (
        stage_init(path, passphrase, now, force=force) as staged,
        registry.transaction() as session,
    ):
        append_leaves(session, _key_leaves(staged.events, by))
        staged.commit()
        published = _publish_all(session, staged.store, passphrase, now=now, by=by)
    _export(published)
    export_root_certificate(staged.store)
    return staged.store


def rotate_signer(
    registry: Registry,
    store: KeyStore,
    passphrase: str,
    state: Country,
    *,
    now: dt.datetime,
    by: str,
) -> KeyEvent:
    """A new active Document Signer for ``state``; the old one retires, its cards stay valid."""
    staged = store.stage_rotate(state, passphrase, now)
    return _commit_key_change(registry, store, passphrase, staged, now=now, by=by)


@dataclass(frozen=True)
class KeyChange:
    """A key change committed: its events, and the lists signed with it (exported)."""

    events: tuple[KeyEvent, ...]
    published: tuple[Published, ...]


MarkAffected = Callable[[Session], Iterable[Country]]
"""Marks what a key revocation affects, in its transaction; returns the states to re-list."""


def revoke_key(
    registry: Registry,
    store: KeyStore,
    passphrase: str,
    kid: Kid,
    *,
    from_: dt.datetime,
    reason: KeyRevocationReason | str,
    now: dt.datetime,
    by: str,
    mark_affected: MarkAffected | None = None,
) -> KeyChange:
    """Revoke a key from a date; the next trust list carries it to every border post.

    The state's active Document Signer, revoked, is replaced by a new one in the
    same change. ``mark_affected`` (see :mod:`aes_id.cards.compromise`) marks the
    cards the key signed from that date on, in the same transaction; the
    revocation lists of the states it names are re-signed there too, unless
    their State CA is revoked: a revoked CA signs nothing, and its exported
    list, if it no longer verifies, is withdrawn until ``replace_state_ca``.
    """
    staged = store.stage_revoke(kid, from_, reason, now, passphrase=passphrase)
    with staged, registry.transaction() as session:
        append_leaves(session, _key_leaves(staged.events, by))
        staged.commit()
        published = [_publish_trust_list(session, store, passphrase, now=now, by=by)]
        states = set(mark_affected(session)) if mark_affected else set()
        for state in sorted(states, key=lambda c: c.value):
            if store.state_ca_revoked(state) is None:
                published.append(
                    publish_revocations_in(session, store, passphrase, state, now=now, by=by)
                )
    _export(published)
    _withdraw_dead_lists(store, published[0])
    return KeyChange(staged.events, tuple(published))


def replace_state_ca(
    registry: Registry,
    store: KeyStore,
    passphrase: str,
    state: Country,
    *,
    now: dt.datetime,
    by: str,
) -> KeyChange:
    """A new State CA for ``state`` (its CA is revoked) and a first Document Signer under it.

    Logged, committed and published in one transaction: the trust list, and the
    state's revocation list signed by the new CA (with every card the registry
    holds revoked, those of the old CA's compromise included).
    """
    staged = store.stage_replace_ca(state, passphrase, now)
    with staged, registry.transaction() as session:
        append_leaves(session, _key_leaves(staged.events, by))
        staged.commit()
        published = [
            _publish_trust_list(session, store, passphrase, now=now, by=by),
            publish_revocations_in(session, store, passphrase, state, now=now, by=by),
        ]
    _export(published)
    return KeyChange(staged.events, tuple(published))


def _commit_key_change(
    registry: Registry,
    store: KeyStore,
    passphrase: str,
    staged: StagedChange[KeyStore],
    *,
    now: dt.datetime,
    by: str,
) -> KeyEvent:
    """Log a staged key change, commit it and publish the trust list, in one transaction."""
    with staged, registry.transaction() as session:
        append_leaves(session, _key_leaves(staged.events, by))
        staged.commit()
        published = _publish_trust_list(session, store, passphrase, now=now, by=by)
    published.export()
    return staged.events[0]


def _withdraw_dead_lists(store: KeyStore, trust_list: Published) -> None:
    """After a State CA's revocation: remove an exported revocation list it signed that the
    new trust list voids (issued on or after the revocation date), so that verifiers and posts
    reading the exports get no list of that state rather than a list they must refuse."""
    trust = parse_trust_list(trust_list.data, store.root_certificate())
    for state in Country:
        path = store.path / revocation_file(state)
        if store.state_ca_revoked(state) is None or not path.is_file():
            continue
        try:
            parse_revocation_list(path.read_bytes(), trust)
        except AesIdError:
            path.unlink()
            sync_directory(path.parent)


def publish_lists(
    registry: Registry,
    store: KeyStore,
    passphrase: str,
    *,
    now: dt.datetime,
    by: str,
    states: Sequence[Country] | None = None,
    trust_list: bool = True,
) -> list[Published]:
    """Sign and export fresh lists (the trust list, and the revocation lists of ``states``).

    ``states`` ``None`` means every state whose State CA is not revoked (a revoked
    CA signs nothing until ``aes-id keys replace-ca``); a state named in
    ``states`` whose CA is revoked is refused.
    """
    if states is None:
        states = [state for state in Country if store.state_ca_revoked(state) is None]
    with registry.transaction() as session:
        published = []
        if trust_list:
            published.append(_publish_trust_list(session, store, passphrase, now=now, by=by))
        for state in states:
            published.append(
                publish_revocations_in(session, store, passphrase, state, now=now, by=by)
            )
    _export(published)
    return published


def _publish_all(
    session: Session, store: KeyStore, passphrase: str, *, now: dt.datetime, by: str
) -> list[Published]:
    published = [_publish_trust_list(session, store, passphrase, now=now, by=by)]
    for state in Country:
        published.append(publish_revocations_in(session, store, passphrase, state, now=now, by=by))
    return published


def _export(published: Iterable[Published]) -> None:
    """After the commit: make the new lists visible to verifiers."""
    for item in published:
        item.export()


def export_root_certificate(store: KeyStore) -> Path:
    """``root.crt.pem``: the trust anchor a border post installs beside its synced lists."""
    target = store.path / ROOT_CERT_FILE
    write_atomic(target, store.root_certificate().public_bytes(serialization.Encoding.PEM))
    return target


def _next_sequence(session: Session, kind: LeafKind, scope: str) -> int:
    last = session.scalar(
        select(func.max(col(tables.ListRow.sequence))).where(
            col(tables.ListRow.kind) == kind.value, col(tables.ListRow.scope) == scope
        )
    )
    return int(last or 0) + 1


def _publish_trust_list(
    session: Session, store: KeyStore, passphrase: str, *, now: dt.datetime, by: str
) -> Published:
    sequence = _next_sequence(session, LeafKind.TRUST_LIST, "AES")
    trust = store.trust_list(sequence, now)
    root = store.root_key(passphrase)
    data = sign_trust_list(trust, root.private_key, root.kid)
    return _record(
        session,
        store,
        LeafKind.TRUST_LIST,
        "AES",
        trust.issued_at,
        sequence,
        data,
        root.kid,
        TRUST_LIST_FILE,
        by,
    )


def revoked_cards(session: Session, state: Country) -> list[RevokedCard]:
    rows = session.execute(
        select(
            col(tables.CardRow.card_number),
            col(tables.CardRow.revocation_reason),
            col(tables.CardRow.revoked_at),
        )
        .where(
            col(tables.CardRow.state) == state.value,
            col(tables.CardRow.status) == CardStatus.REVOKED.value,
        )
        .order_by(col(tables.CardRow.card_number))
    )
    return [
        RevokedCard(CardNumber(number), RevocationReason(reason), _utc(at))
        for number, reason, at in rows
    ]


def publish_revocations_in(
    session: Session, store: KeyStore, passphrase: str, state: Country, *, now: dt.datetime, by: str
) -> Published:
    sequence = _next_sequence(session, LeafKind.REVOCATION_LIST, state.value)
    revocations: RevocationList = build_revocation_list(
        state, sequence, now, revoked_cards(session, state)
    )
    ca = store.state_ca_key(state, passphrase)
    data = sign_revocation_list(revocations, ca.private_key, ca.kid)
    return _record(
        session,
        store,
        LeafKind.REVOCATION_LIST,
        state.value,
        revocations.issued_at,
        sequence,
        data,
        ca.kid,
        revocation_file(state),
        by,
    )


def _record(
    session: Session,
    store: KeyStore,
    kind: LeafKind,
    scope: str,
    issued_at: dt.datetime,
    sequence: int,
    data: bytes,
    kid: Kid,
    file_name: str,
    by: str,
) -> Published:
    session.add(
        tables.ListRow(
            kind=kind.value, scope=scope, sequence=sequence, issued_at=issued_at, data=data
        )
    )
    append_leaves(
        session,
        [LeafDraft(int(issued_at.timestamp()), kind, kid, data, f"{scope}#{sequence}", by)],
    )
    session.flush()
    return Published(kind, scope, sequence, store.path / file_name, data)


def _utc(moment: dt.datetime | None) -> dt.datetime:
    if moment is None:
        raise KeyStoreError("a revoked card has no revocation time")
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
