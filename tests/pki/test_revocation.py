"""Revocation lists: round trip, lookups, compactness, who may sign them, tampering."""

from __future__ import annotations

import datetime as dt
import functools
import random

import cbor2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aes_id.domain import CardNumber, Country, RevocationReason
from aes_id.errors import AesIdError
from aes_id.formats.cose import decode1, sign1
from aes_id.formats.numbers import CARD_SERIAL_MAX, format_card_serial
from aes_id.pki import certs
from aes_id.pki.certs import Issuer, KeyRole, KeyStatus
from aes_id.pki.keys import KeyStore
from aes_id.pki.revocation import (
    REASON_CODES,
    REVOCATION_LIST_NEXT_UPDATE,
    REVOCATION_LIST_VERSION,
    RevocationList,
    RevokedCard,
    build_revocation_list,
    encode_revocation_list,
    parse_revocation_list,
    sign_revocation_list,
)
from aes_id.pki.signedlist import ListFormatError, ListSignatureError
from aes_id.pki.trust import TrustEntry, TrustList, build_trust_list
from tests.pki.conftest import NOW, PASSPHRASE, seeded_keys

LATER = NOW + dt.timedelta(days=40)
_LAST_SECOND = int(dt.datetime(9999, 12, 31, 23, 59, 59, tzinfo=dt.UTC).timestamp())


def _cards(count: int, seed: int = 1, prefix: str = "ML") -> list[RevokedCard]:
    rng = random.Random(seed)
    numbers = rng.sample(range(1, 40_000_000), count)  # past the old decimal limit
    reasons = list(RevocationReason)
    return [
        RevokedCard(
            CardNumber(f"{prefix}{format_card_serial(n)}"),
            rng.choice(reasons),
            NOW - dt.timedelta(seconds=rng.randrange(10**8)),
        )
        for n in numbers
    ]


def _sign(store: KeyStore, revocations: RevocationList, state: Country | None = None) -> bytes:
    """Signed by the state's State CA, even a revoked one (the store would refuse it)."""
    kid, _ = store.state_ca(state or revocations.state)
    return sign_revocation_list(revocations, store.load_private(kid, PASSPHRASE), kid)


def test_round_trip_and_lookup(store: KeyStore) -> None:
    cards = _cards(1000)
    revocations = build_revocation_list(Country.MLI, 3, NOW, reversed(cards))
    assert revocations.next_update == NOW + REVOCATION_LIST_NEXT_UPDATE
    parsed = parse_revocation_list(_sign(store, revocations), store.trust_list(1, NOW))
    assert parsed == revocations
    assert len(parsed) == 1000
    for card in cards[:50]:
        assert parsed.is_revoked(card.card_number) == card
    revoked = {card.card_number for card in cards}
    absent = [f"ML{n:07d}" for n in range(0, 10_000_000, 99_991) if f"ML{n:07d}" not in revoked]
    assert all(parsed.is_revoked(number) is None for number in absent)
    assert parsed.is_revoked("ML") is None and parsed.is_revoked("ZZ9999999") is None


def test_an_empty_list_revokes_nothing(store: KeyStore) -> None:
    empty = build_revocation_list(Country.NER, 0, NOW, [])
    parsed = parse_revocation_list(_sign(store, empty), store.trust_list(1, NOW))
    assert parsed.is_revoked("NE0000001") is None and len(parsed) == 0


def test_revoked_cards_stay_compact() -> None:
    revocations = build_revocation_list(Country.MLI, 1, NOW, _cards(20_000, seed=2))
    payload = encode_revocation_list(revocations)
    assert len(payload) / 20_000 < 13  # bytes per revoked card: 100k cards, about 1.2 MB


def test_only_the_state_ca_of_that_state_may_sign(store: KeyStore) -> None:
    trust_list = store.trust_list(1, NOW)
    revocations = build_revocation_list(Country.MLI, 1, NOW, _cards(3))
    with pytest.raises(ListSignatureError, match="signed by the State CA of BFA"):
        parse_revocation_list(_sign(store, revocations, Country.BFA), trust_list)
    signer = store.signer_key(Country.MLI, PASSPHRASE)
    by_signer = sign_revocation_list(revocations, signer.private_key, signer.kid)
    with pytest.raises(ListSignatureError, match="no State CA in the trust list"):
        parse_revocation_list(by_signer, trust_list)
    ca_kid = store.state_ca(Country.MLI)[0]
    forged = sign_revocation_list(revocations, signer.private_key, ca_kid)
    with pytest.raises(ListSignatureError, match="does not verify"):
        parse_revocation_list(forged, trust_list)


def test_a_list_issued_after_its_ca_was_revoked_is_refused(store: KeyStore) -> None:
    since = NOW + dt.timedelta(days=10)
    store.revoke(store.state_ca(Country.MLI)[0], since, "ca-compromise", LATER)
    trust_list = store.trust_list(2, LATER)
    before = build_revocation_list(Country.MLI, 1, since - dt.timedelta(days=1), _cards(2))
    assert parse_revocation_list(_sign(store, before), trust_list) == before
    after = build_revocation_list(Country.MLI, 2, since, _cards(2))
    with pytest.raises(ListSignatureError, match="after its revocation"):
        parse_revocation_list(_sign(store, after), trust_list)


def test_every_single_changed_byte_is_refused(store: KeyStore) -> None:
    trust_list = store.trust_list(1, NOW)
    signed = _sign(store, build_revocation_list(Country.BFA, 5, NOW, _cards(4, prefix="BF")))
    assert decode1(signed).kid == store.state_ca(Country.BFA)[0]
    for index in range(len(signed)):
        tampered = bytearray(signed)
        tampered[index] ^= 0x01
        with pytest.raises(AesIdError):
            parse_revocation_list(bytes(tampered), trust_list)


def test_values_are_checked() -> None:
    card = RevokedCard(CardNumber("ML0000001"), RevocationReason.LOST, NOW)
    with pytest.raises(ValueError, match="not a NER card number"):
        RevocationList(Country.NER, 1, NOW, LATER, (card,))
    with pytest.raises(ValueError, match="without repeats"):
        RevocationList(Country.MLI, 1, NOW, LATER, (card, card))
    with pytest.raises(ValueError, match="negative"):
        RevocationList(Country.MLI, -1, NOW, LATER, ())
    with pytest.raises(ValueError, match="next update must come after"):
        RevocationList(Country.MLI, 1, NOW, NOW, ())
    with pytest.raises(ValueError, match="timezone-aware"):
        build_revocation_list(Country.MLI, 1, NOW.replace(tzinfo=None), [])


def test_reason_codes_cover_every_reason_once() -> None:
    assert set(REASON_CODES) == set(RevocationReason)
    assert len(set(REASON_CODES.values())) == len(REASON_CODES)


# --- property tests, on a trust list built without a store (hypothesis reuses it) ---------------


@functools.cache
def _sample() -> tuple[TrustList, Issuer, bytes]:
    keys = seeded_keys("revocation-sample")
    root_key, ca_key = keys(), keys()
    root = certs.build_root(root_key, NOW)
    ca = certs.build_state_ca(Country.NER, ca_key, Issuer(root_key, root), NOW)
    entry = TrustEntry(
        certs.kid_of(ca), KeyRole.STATE_CA, Country.NER, certs.der_of(ca), KeyStatus.ACTIVE
    )
    return build_trust_list(1, NOW, [entry]), Issuer(ca_key, ca), certs.kid_of(ca)


_card = st.builds(
    lambda n, reason, t: RevokedCard(
        CardNumber(f"NE{format_card_serial(n)}"), reason, dt.datetime.fromtimestamp(t, dt.UTC)
    ),
    st.integers(1, CARD_SERIAL_MAX),
    st.sampled_from(list(RevocationReason)),
    st.integers(0, 2**33),
)


@settings(max_examples=100, deadline=None)
@given(cards=st.lists(_card, max_size=30, unique_by=lambda c: c.card_number), seq=st.integers(0))
def test_parse_of_sign_is_identity(cards: list[RevokedCard], seq: int) -> None:
    trust_list, ca, kid = _sample()
    revocations = build_revocation_list(Country.NER, seq, NOW, cards)
    signed = sign_revocation_list(revocations, ca.key, kid)
    parsed = parse_revocation_list(signed, trust_list)
    assert parsed == revocations
    assert all(parsed.is_revoked(card.card_number) == card for card in cards)


@settings(max_examples=120, deadline=None)
@given(edits=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), min_size=1))
def test_mutated_lists_are_refused_cleanly(edits: list[tuple[int, int]]) -> None:
    trust_list, ca, kid = _sample()
    cards = [RevokedCard(CardNumber("NE0000042"), RevocationReason.STOLEN, NOW)]
    signed = sign_revocation_list(build_revocation_list(Country.NER, 1, NOW, cards), ca.key, kid)
    mutated = bytearray(signed)
    for position, value in edits:
        mutated[position % len(mutated)] = value
    if bytes(mutated) == signed:
        return
    with pytest.raises(AesIdError):
        parse_revocation_list(bytes(mutated), trust_list)


@settings(max_examples=100, deadline=None)
@given(
    row=st.lists(st.one_of(st.integers(-5, 2**40), st.text(max_size=3)), max_size=4),
    version=st.sampled_from([1, 2]),
)
def test_malformed_card_rows_are_format_errors(row: list[object], version: int) -> None:
    trust_list, ca, kid = _sample()
    body = {
        "type": "aes-id/revocation-list",
        "v": version,
        "state": "NER",
        "seq": 1,
        "issued_at": int(NOW.timestamp()),
        "next_update": int(LATER.timestamp()),
        "cards": [row],
    }
    signed = sign1(cbor2.dumps(body, canonical=True), kid=kid, key=ca.key)
    valid = (
        len(row) == 3
        and all(type(v) is int and v >= 0 for v in row)
        and row[0] <= (9_999_999 if version == 1 else CARD_SERIAL_MAX)  # type: ignore[operator]
        and row[1] in REASON_CODES.values()
        and row[2] <= _LAST_SECOND  # type: ignore[operator]
    )
    if valid:
        assert len(parse_revocation_list(signed, trust_list)) == 1
    else:
        with pytest.raises(ListFormatError):
            parse_revocation_list(signed, trust_list)


def _signed_body(body: dict[str, object]) -> bytes:
    _, ca, kid = _sample()
    return sign1(cbor2.dumps(body, canonical=True), kid=kid, key=ca.key)


def _body(**changes: object) -> dict[str, object]:
    body: dict[str, object] = {
        "type": "aes-id/revocation-list",
        "v": 2,
        "state": "NER",
        "seq": 1,
        "issued_at": int(NOW.timestamp()),
        "next_update": int(LATER.timestamp()),
        "cards": [[42, 2, int(NOW.timestamp())]],
    }
    body.update(changes)
    return body


def test_the_structure_is_checked_strictly() -> None:
    trust_list, ca, kid = _sample()
    assert len(parse_revocation_list(_signed_body(_body()), trust_list)) == 1
    cases = [
        (_body(extra=1), "has the fields"),
        (_body(state="XYZ"), "unknown state 'XYZ'"),
        (_body(cards=[[2, 1, 0], [1, 1, 0]]), "sorted by card number"),
        (_body(cards=[[1, 1, 0], [1, 2, 0]]), "without repeats"),
        (_body(cards=[[1, 99, 0]]), "card 0 is not"),
        (_body(seq="1"), "'seq' is a str"),
        (_body(type="aes-id/trust-list"), "expected 'aes-id/revocation-list'"),
        (_body(v=3), "version 3, expected 2 .or 1, written before base-33"),
        (_body(v=True), "version True"),
        (_body(v=1, cards=[[10_000_000, 1, 0]]), "card 0 is not"),
        (_body(cards=[[CARD_SERIAL_MAX + 1, 1, 0]]), "card 0 is not"),
    ]
    for body, message in cases:
        with pytest.raises(ListFormatError, match=message):
            parse_revocation_list(_signed_body(body), trust_list)
    reordered = dict(reversed(list(_body().items())))
    loose = sign1(cbor2.dumps(reordered), kid=kid, key=ca.key)
    with pytest.raises(ListFormatError, match="deterministic CBOR"):
        parse_revocation_list(loose, trust_list)


def test_serials_are_base_33_values_and_lists_say_so() -> None:
    card = RevokedCard(CardNumber("NE008E8RB"), RevocationReason.STOLEN, NOW)
    revocations = build_revocation_list(Country.NER, 1, NOW, [card])
    body = cbor2.loads(encode_revocation_list(revocations))
    assert body["v"] == REVOCATION_LIST_VERSION == 2
    assert body["cards"] == [[10_000_001, 2, int(NOW.timestamp())]]
    trust_list, ca, kid = _sample()
    parsed = parse_revocation_list(sign_revocation_list(revocations, ca.key, kid), trust_list)
    assert parsed.is_revoked("NE008E8RB") == card


def test_version_1_lists_keep_their_decimal_meaning() -> None:
    """A list signed before base-33 serials (already in the log) still verifies, and its
    serial 10 is still card NE0000010, not NE000000A."""
    trust_list, _, _ = _sample()
    cards = [[10, 1, 0], [4217, 2, 0], [9_999_999, 3, 0]]
    old = parse_revocation_list(_signed_body(_body(v=1, cards=cards)), trust_list)
    assert [c.card_number for c in old.entries] == ["NE0000010", "NE0004217", "NE9999999"]
    assert old.is_revoked("NE000000A") is None
    new = parse_revocation_list(_signed_body(_body(v=2, cards=cards)), trust_list)
    assert [c.card_number for c in new.entries] == ["NE000000A", "NE00003VT", "NE008E8R9"]
    # an old decimal-era number survives re-publication in version 2 unchanged
    again = build_revocation_list(Country.NER, 2, NOW, old.entries)
    assert cbor2.loads(encode_revocation_list(again))["cards"][0][0] == 33
