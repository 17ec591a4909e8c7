"""The root-signed trust list: round trip, tampering, strict structure, signer status."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cbor2
import pytest
from cryptography import x509
from hypothesis import given, settings
from hypothesis import strategies as st

from aes_id.domain import Country, Kid
from aes_id.errors import AesIdError
from aes_id.formats.cose import decode1, sign1
from aes_id.pki import certs
from aes_id.pki.certs import CertificateError, Issuer, KeyRole, KeyStatus
from aes_id.pki.keys import KeyStore, init_store
from aes_id.pki.signedlist import ListFormatError, ListSignatureError
from aes_id.pki.trust import (
    TRUST_LIST_NEXT_UPDATE,
    TrustEntry,
    TrustList,
    build_trust_list,
    encode_trust_list,
    parse_trust_list,
    sign_trust_list,
)
from tests.pki.conftest import NOW, PASSPHRASE, seeded_keys

LATER = NOW + dt.timedelta(days=100)


@pytest.fixture
def trust_list(store: KeyStore) -> TrustList:
    return store.trust_list(7, NOW)


@pytest.fixture
def signed(store: KeyStore, trust_list: TrustList) -> bytes:
    root = store.root_key(PASSPHRASE)
    return sign_trust_list(trust_list, root.private_key, root.kid)


def _resign(store: KeyStore, change: Callable[[dict[str, Any]], None], signed: bytes) -> bytes:
    """Decode the payload, let ``change`` edit it, encode it again and sign it with the root."""
    body = _thaw(cbor2.loads(decode1(signed).payload))
    change(body)
    root = store.root_key(PASSPHRASE)
    return sign1(cbor2.dumps(body, canonical=True), kid=root.kid, key=root.private_key)


def _thaw(value: Any) -> Any:
    if isinstance(value, dict) or hasattr(value, "items"):
        return {k: _thaw(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_thaw(v) for v in value]
    return value


def _resign_list(store: KeyStore, trust_list: TrustList) -> bytes:
    root = store.root_key(PASSPHRASE)
    return sign_trust_list(trust_list, root.private_key, root.kid)


def _reparse(store: KeyStore, trust_list: TrustList) -> TrustList:
    return parse_trust_list(_resign_list(store, trust_list), store.root_certificate())


def test_round_trip(store: KeyStore, trust_list: TrustList, signed: bytes) -> None:
    parsed = parse_trust_list(signed, store.root_certificate())
    assert parsed == trust_list
    assert parsed.sequence == 7
    assert parsed.next_update == NOW + TRUST_LIST_NEXT_UPDATE
    assert [(e.role, e.state) for e in parsed.entries] == [
        *((KeyRole.STATE_CA, s) for s in Country),
        *((KeyRole.DOCUMENT_SIGNER, s) for s in Country),
    ]
    kid, cert = store.active_signer(Country.BFA)
    entry = parsed.find(kid)
    assert entry is not None and entry.cert == cert and entry.status is KeyStatus.ACTIVE
    assert parsed.find(b"\x00" * 8) is None
    assert decode1(signed).kid == certs.kid_of(store.root_certificate())


def test_a_list_signed_by_another_root_is_refused(
    tmp_path: Path, store: KeyStore, trust_list: TrustList
) -> None:
    other = init_store(tmp_path / "other", PASSPHRASE, NOW, key_factory=seeded_keys("other"))
    other_root = other.root_key(PASSPHRASE)
    forged = sign_trust_list(trust_list, other_root.private_key, other_root.kid)
    with pytest.raises(ListSignatureError, match=r"signed by kid [0-9a-f]{16}, expected"):
        parse_trust_list(forged, store.root_certificate())
    our_kid = certs.kid_of(store.root_certificate())
    forged = sign_trust_list(trust_list, other_root.private_key, our_kid)
    with pytest.raises(ListSignatureError, match="does not verify"):
        parse_trust_list(forged, store.root_certificate())


def test_every_single_changed_byte_is_refused(store: KeyStore, signed: bytes) -> None:
    root = store.root_certificate()
    for index in range(len(signed)):
        tampered = bytearray(signed)
        tampered[index] ^= 0x01
        with pytest.raises(AesIdError):
            parse_trust_list(bytes(tampered), root)


def test_the_trust_anchor_must_be_a_root_ca(store: KeyStore, signed: bytes) -> None:
    _, signer = store.active_signer(Country.MLI)
    with pytest.raises(CertificateError, match="is not a CA"):
        parse_trust_list(signed, signer)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda b: b.update(extra=1), "unknown fields"),
        (lambda b: b.pop("seq"), "lacks 'seq'"),
        (lambda b: b.update(seq=-3), "expected an unsigned integer"),
        (lambda b: b.update(seq=True), "expected an unsigned integer"),
        (lambda b: b.update(type="aes-id/revocation-list"), "expected 'aes-id/trust-list'"),
        (lambda b: b.update(v=2), "version 2"),
        (lambda b: b.update(entries={}), "expected Sequence"),
        (lambda b: b.update(next_update=b["issued_at"]), "next update must come after"),
        (lambda b: b["entries"][0].update(kid=b"short"), "expected 8"),
        (lambda b: b["entries"][0].update(role="root"), "not a root key"),
        (lambda b: b["entries"][0].update(status="lost"), "'lost' is not a valid KeyStatus"),
        (lambda b: b["entries"][0].update(status="revoked"), "revoked_from is set exactly"),
        (lambda b: b["entries"][0].update(cert="text"), "'cert' is a str"),
        (lambda b: b["entries"].append(b["entries"][0]), "a kid appears twice"),
    ],
)
def test_structure_is_checked_strictly(
    store: KeyStore, signed: bytes, change: Callable[[dict[str, Any]], None], message: str
) -> None:
    tampered = _resign(store, change, signed)
    with pytest.raises(ListFormatError, match=message):
        parse_trust_list(tampered, store.root_certificate())


def test_non_deterministic_cbor_is_refused(store: KeyStore, signed: bytes) -> None:
    body = _thaw(cbor2.loads(decode1(signed).payload))
    reordered = dict(reversed(list(body.items())))
    root = store.root_key(PASSPHRASE)
    blob = sign1(cbor2.dumps(reordered), kid=root.kid, key=root.private_key)
    with pytest.raises(ListFormatError, match="deterministic CBOR"):
        parse_trust_list(blob, store.root_certificate())


def _replace_entry(trust_list: TrustList, kid: bytes, **changes: Any) -> TrustList:
    entries = tuple(
        dataclasses.replace(e, **changes) if e.kid == kid else e for e in trust_list.entries
    )
    return dataclasses.replace(trust_list, entries=entries)


def test_entries_must_match_their_certificates(store: KeyStore, trust_list: TrustList) -> None:
    root = store.root_certificate()
    mli_signer, _ = store.active_signer(Country.MLI)
    ner_signer, cert = store.active_signer(Country.NER)
    mli_ca, _ = store.state_ca(Country.MLI)
    cases = [
        (
            _replace_entry(trust_list, mli_signer, certificate=certs.der_of(cert)),
            "not the hash",
        ),
        (_replace_entry(trust_list, mli_signer, state=Country.BFA), "entry says"),
        (_replace_entry(trust_list, mli_signer, role=KeyRole.STATE_CA), "not a CA"),
        (
            dataclasses.replace(
                trust_list, entries=tuple(e for e in trust_list.entries if e.kid != mli_ca)
            ),
            "State CA of MLI that issued it is not in the list",
        ),
    ]
    for tampered, message in cases:
        with pytest.raises(CertificateError, match=message):
            parse_trust_list(_resign_list(store, tampered), root)
    assert ner_signer  # the NER signer stayed untouched in every case


def test_two_active_signers_for_one_state_are_refused(store: KeyStore) -> None:
    old, _ = store.active_signer(Country.MLI)
    store.rotate(Country.MLI, PASSPHRASE, LATER)
    both_active = _replace_entry(
        store.trust_list(8, LATER), old, status=KeyStatus.ACTIVE, retired_at=None
    )
    with pytest.raises(CertificateError, match="two active Document Signers for MLI"):
        parse_trust_list(_resign_list(store, both_active), store.root_certificate())


# --- signer status ------------------------------------------------------------------------------


def test_an_active_signer_is_trusted_inside_its_period(
    trust_list: TrustList, store: KeyStore
) -> None:
    kid, cert = store.active_signer(Country.MLI)
    status = trust_list.signer_status(kid, NOW + dt.timedelta(days=1))
    assert status.trusted and status.known and not status.revoked and status.in_period
    assert status.state is Country.MLI
    assert status.public_key == cert.public_key()
    before = trust_list.signer_status(kid, NOW - dt.timedelta(seconds=1))
    assert not before.trusted and not before.in_period
    after = trust_list.signer_status(kid, NOW.replace(year=2029) + dt.timedelta(seconds=1))
    assert not after.trusted and "outside the signer's period" in after.problems[0]


def test_an_unknown_kid_is_not_known(trust_list: TrustList) -> None:
    status = trust_list.signer_status(b"\x01" * 8, NOW)
    assert not status.known and not status.trusted and status.public_key is None
    assert status.problems == ("kid 0101010101010101 is not in the trust list #7",)


def test_a_state_ca_is_not_a_document_signer(trust_list: TrustList, store: KeyStore) -> None:
    kid, _ = store.state_ca(Country.NER)
    status = trust_list.signer_status(kid, NOW + dt.timedelta(days=1))
    assert status.known and not status.trusted
    assert "not a Document Signer" in status.problems[0]


def test_a_retired_signer_keeps_its_earlier_cards(store: KeyStore) -> None:
    old, _ = store.active_signer(Country.BFA)
    store.rotate(Country.BFA, PASSPHRASE, LATER)
    listed = parse_trust_list(
        _resign_list(store, store.trust_list(8, LATER)), store.root_certificate()
    )
    assert listed.signer_status(old, LATER - dt.timedelta(days=1)).trusted
    assert listed.signer_status(old, LATER).trusted
    late = listed.signer_status(old, LATER + dt.timedelta(seconds=1))
    assert not late.trusted and not late.revoked and not late.in_period
    new, _ = store.active_signer(Country.BFA)
    assert listed.signer_status(new, LATER + dt.timedelta(days=1)).trusted


def test_a_revoked_signer_voids_cards_from_its_date(store: KeyStore) -> None:
    kid, _ = store.active_signer(Country.NER)
    since = NOW + dt.timedelta(days=10)
    store.revoke(kid, since, "key-compromise", LATER)
    listed = parse_trust_list(
        _resign_list(store, store.trust_list(9, LATER)), store.root_certificate()
    )
    assert listed.signer_status(kid, since - dt.timedelta(seconds=1)).trusted
    status = listed.signer_status(kid, since)
    assert status.revoked and not status.trusted and status.revoked_from == since
    assert status.problems == (f"signer is revoked from {since:%Y-%m-%d %H:%M} UTC",)


def test_a_revoked_state_ca_voids_its_signers_cards(store: KeyStore) -> None:
    kid, _ = store.active_signer(Country.MLI)
    since = NOW + dt.timedelta(days=5)
    store.revoke(store.state_ca(Country.MLI)[0], since, "ca-compromise", LATER)
    listed = store.trust_list(10, LATER)
    assert listed.signer_status(kid, since - dt.timedelta(days=1)).trusted
    status = listed.signer_status(kid, since + dt.timedelta(days=1))
    assert status.revoked_from == since
    assert "its State CA is revoked" in status.problems[0]


def test_entry_values_are_checked() -> None:
    with pytest.raises(ValueError, match="not a root key"):
        TrustEntry(Kid(b"12345678"), KeyRole.ROOT, Country.MLI, b"", KeyStatus.ACTIVE)
    with pytest.raises(ValueError, match="whole seconds"):
        TrustEntry(
            Kid(b"12345678"),
            KeyRole.DOCUMENT_SIGNER,
            Country.MLI,
            b"",
            KeyStatus.REVOKED,
            revoked_from=NOW.replace(microsecond=5),
        )


def test_the_encoding_is_deterministic(store: KeyStore, trust_list: TrustList) -> None:
    again = store.trust_list(7, NOW)
    assert encode_trust_list(again) == encode_trust_list(trust_list)


@functools.cache
def _sample() -> tuple[x509.Certificate, bytes]:
    """A root, the State CA and Document Signer of Mali, and their signed trust list."""
    keys = seeded_keys("sample")
    root_key, ca_key, signer_key = keys(), keys(), keys()
    root = certs.build_root(root_key, NOW)
    ca = certs.build_state_ca(Country.MLI, ca_key, Issuer(root_key, root), NOW)
    signer = certs.build_document_signer(Country.MLI, signer_key, Issuer(ca_key, ca), NOW, 1)
    entries = [
        TrustEntry(certs.kid_of(c), role, Country.MLI, certs.der_of(c), KeyStatus.ACTIVE)
        for c, role in ((ca, KeyRole.STATE_CA), (signer, KeyRole.DOCUMENT_SIGNER))
    ]
    trust_list = build_trust_list(1, NOW, entries)
    return root, sign_trust_list(trust_list, root_key, certs.kid_of(root))


def test_the_sample_list_parses() -> None:
    root, signed = _sample()
    assert len(parse_trust_list(signed, root).entries) == 2


@settings(max_examples=120, deadline=None)
@given(data=st.binary(max_size=400))
def test_random_bytes_are_refused_cleanly(data: bytes) -> None:
    with pytest.raises(AesIdError):
        parse_trust_list(data, _sample()[0])


@settings(max_examples=150, deadline=None)
@given(edits=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), min_size=1))
def test_mutated_lists_are_refused_cleanly(edits: list[tuple[int, int]]) -> None:
    root, signed = _sample()
    mutated = bytearray(signed)
    for position, value in edits:
        mutated[position % len(mutated)] = value
    if bytes(mutated) == signed:
        return
    with pytest.raises(AesIdError):
        parse_trust_list(bytes(mutated), root)


def test_chain_error_names_the_broken_link(store: KeyStore, trust_list: TrustList) -> None:
    root = store.root_certificate()
    kid, _ = store.active_signer(Country.MLI)
    assert trust_list.chain_error(kid, root) is None
    assert (
        trust_list.chain_error(b"\x02" * 8, root) == "kid 0202020202020202 is not in the trust list"
    )
    other_root = certs.build_root(seeded_keys("elsewhere")(), NOW)
    problem = trust_list.chain_error(kid, other_root)
    assert problem is not None and "is not issued by" in problem
