"""Each fraud, made as a real artefact, is stopped by the mechanism meant to catch it, and by
that mechanism only (take it away and the fraud passes)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from aes_id.biometrics.desk import card_fingers, finger_record
from aes_id.border.check import PostVerification, check_bearer, decide, verify_at_post
from aes_id.border.correlate import Correlator, retro_check
from aes_id.border.fingers import default_matcher
from aes_id.border.records import AlertKind, Crossing, Decision, FaceCheck, FingerCheck
from aes_id.domain import Kid, RevocationReason, Verdict
from aes_id.formats.claims import CredentialClaims
from aes_id.formats.numbers import card_expiry, format_card_number
from aes_id.simulate.border_world import (
    Cardholder,
    DrillOperator,
    card_templates,
    fit_templates,
    live_capture,
)
from aes_id.simulate.fraud import EyeSettings, Resemblance, forge, tamper, tampered_claims
from aes_id.verify.verifier import Lists
from tests.border.world import START, current_lists

NOW = START + dt.timedelta(days=2, hours=10)
NEVER_FOOLED = EyeSettings(reject_genuine=0.0, accept_lookalike=0.0, accept_stranger=0.0)
ALWAYS_FOOLED = EyeSettings(reject_genuine=0.0, accept_lookalike=1.0, accept_stranger=1.0)


@dataclasses.dataclass(frozen=True)
class _Bearer:
    """A bearer the agent looks at with ``eye``, holding ``live`` to the reader."""

    eye: EyeSettings
    resemblance: Resemblance
    live: bytes | None

    def face_check(self, verification: PostVerification) -> FaceCheck:
        if not verification.valid:
            return FaceCheck.NOT_DONE
        seen = self.eye.sees_match(self.resemblance, random.Random(0))
        return FaceCheck.MATCH if seen else FaceCheck.MISMATCH

    def live_fingers(self, verification: PostVerification) -> bytes | None:
        return self.live


def _check(
    text: str,
    lists: Lists,
    *,
    eye: EyeSettings,
    resemblance: Resemblance,
    live: bytes | None = None,
    at: dt.datetime = NOW,
    post: str = "koloko",
) -> Crossing:
    """The post's own bearer check (the one ``aes-id border check`` and the drill run)."""
    _, crossing = check_bearer(
        text,
        lists,
        _Bearer(eye, resemblance, live),
        post=post,
        at=at,
        matcher=default_matcher() if live else None,
        ident=1,
    )
    return crossing


def test_a_genuine_card_is_admitted(
    shared_operator: DrillOperator, holders: list[Cardholder]
) -> None:
    text = shared_operator.sign(holders[0].claims)
    crossing = _check(
        text, current_lists(shared_operator), eye=NEVER_FOOLED, resemblance=Resemblance.SAME
    )
    assert (crossing.verdict, crossing.decision) == ("VALID", Decision.ADMIT)


@pytest.mark.parametrize(
    ("copy_kid", "verdict"), [(False, "UNKNOWN_SIGNER"), (True, "INVALID_SIGNATURE")]
)
def test_forged_credential_fails_the_signature_check(
    shared_operator: DrillOperator, holders: list[Cardholder], copy_kid: bool, verdict: str
) -> None:
    holder = holders[1]
    claims = dataclasses.replace(
        holder.claims, card_number=format_card_number(holder.state, 8_000_001)
    )
    key = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
    kid = shared_operator.active_signer(holder.state).kid if copy_kid else Kid(b"forger!!")
    crossing = _check(
        forge(claims, key, kid),
        current_lists(shared_operator),
        eye=ALWAYS_FOOLED,
        resemblance=Resemblance.SAME,
    )
    assert (crossing.verdict, crossing.decision) == (verdict, Decision.REFUSE)


def test_tampered_credential_fails_the_signature_check(
    shared_operator: DrillOperator, holders: list[Cardholder]
) -> None:
    holder = holders[2]
    genuine = shared_operator.sign(holder.claims)
    changed = tampered_claims(holder.claims, random.Random(1), "TRAORÉ")
    assert changed != holder.claims
    crossing = _check(
        tamper(genuine, changed),
        current_lists(shared_operator),
        eye=ALWAYS_FOOLED,
        resemblance=Resemblance.SAME,
    )
    assert (crossing.verdict, crossing.decision) == ("INVALID_SIGNATURE", Decision.REFUSE)


def test_photo_substitution_is_stopped_by_the_agent_comparing_the_qr_face(
    shared_operator: DrillOperator, holders: list[Cardholder]
) -> None:
    text = shared_operator.sign(holders[3].claims)  # genuine QR; another person's printed photo
    lists = current_lists(shared_operator)
    looked = _check(text, lists, eye=NEVER_FOOLED, resemblance=Resemblance.STRANGER)
    assert (looked.verdict, looked.face, looked.decision) == (
        "VALID",
        FaceCheck.MISMATCH,
        Decision.REFER,
    )
    fooled = _check(text, lists, eye=ALWAYS_FOOLED, resemblance=Resemblance.STRANGER)
    assert fooled.decision is Decision.ADMIT


def test_stolen_card_is_refused_once_the_post_has_the_revocation(
    operator: DrillOperator, holders: list[Cardholder]
) -> None:
    holder = holders[4]
    text = operator.sign(holder.claims)
    before = current_lists(operator)  # a post that synced before the theft was reported
    operator.revoke_card(
        holder.card_number, holder.state, RevocationReason.STOLEN, NOW - dt.timedelta(hours=3)
    )
    after = current_lists(operator)
    stale = _check(text, before, eye=ALWAYS_FOOLED, resemblance=Resemblance.LOOKALIKE)
    fresh = _check(text, after, eye=ALWAYS_FOOLED, resemblance=Resemblance.LOOKALIKE)
    assert (stale.verdict, stale.decision) == ("VALID", Decision.ADMIT)
    assert (fresh.verdict, fresh.decision) == ("REVOKED", Decision.REFUSE)
    alert = retro_check(stale, after, now=NOW + dt.timedelta(days=1))  # caught later, on sync
    assert alert is not None and alert.kind is AlertKind.REVOKED_SINCE


def test_expired_card_fails_the_validity_dates(
    shared_operator: DrillOperator, holders: list[Cardholder]
) -> None:
    holder = holders[5]
    issued = dt.datetime(2016, 2, 1, 10, tzinfo=dt.UTC)  # by the first signer generation
    old = CredentialClaims.for_card(
        identity=holder.identity,
        issuing_state=holder.state,
        card_number=format_card_number(holder.state, 9_000_001),
        issued_at=issued,
        expires_on=card_expiry(issued.date()),
        face=holder.claims.face,
    )
    crossing = _check(
        shared_operator.sign(old),
        current_lists(shared_operator),
        eye=ALWAYS_FOOLED,
        resemblance=Resemblance.SAME,
    )
    assert (crossing.verdict, crossing.decision) == ("EXPIRED", Decision.REFER)
    assert crossing.reasons == ("expired on 2026-01-31",)


def test_card_signed_with_a_compromised_signer_fails_once_the_trust_list_says_so(
    operator: DrillOperator, holders: list[Cardholder]
) -> None:
    holder = holders[6]
    stolen = operator.active_signer(holder.state)
    forged = dataclasses.replace(
        holder.claims,
        issued_at=NOW - dt.timedelta(hours=5),
        card_number=format_card_number(holder.state, 7_000_001),
    )
    text = forge(forged, stolen.private_key, stolen.kid)
    before = current_lists(operator)
    operator.compromise(
        holder.state, revoked_from=NOW - dt.timedelta(days=1), at=NOW - dt.timedelta(hours=1)
    )
    after = current_lists(operator)
    stale = _check(text, before, eye=ALWAYS_FOOLED, resemblance=Resemblance.SAME)
    fresh = _check(text, after, eye=ALWAYS_FOOLED, resemblance=Resemblance.SAME)
    assert (stale.verdict, stale.decision) == ("VALID", Decision.ADMIT)
    assert (fresh.verdict, fresh.decision) == ("UNTRUSTED_SIGNER", Decision.REFUSE)
    genuine = _check(
        operator.sign(holder.claims), after, eye=NEVER_FOOLED, resemblance=Resemblance.SAME
    )
    assert genuine.decision is Decision.ADMIT, "cards signed before the compromise stay valid"
    assert retro_check(stale, after, now=NOW) is not None


def test_impostor_is_missed_until_cards_carry_fingerprints_then_caught(
    shared_operator: DrillOperator, holders: list[Cardholder]
) -> None:
    holder, impostor = holders[8], holders[9]
    assert holder.biometric_seed is not None and impostor.biometric_seed is not None
    lists = current_lists(shared_operator)
    # Today's cards: no template, so only the agent's eye stands (and it can be fooled).
    plain = shared_operator.sign(holder.claims)
    live = live_capture(impostor.biometric_seed, (), 5)
    missed = _check(plain, lists, eye=ALWAYS_FOOLED, resemblance=Resemblance.LOOKALIKE, live=live)
    assert (missed.finger, missed.decision) == (FingerCheck.NO_TEMPLATE, Decision.ADMIT)
    # Cards with fingerprints: two compact templates in the QR, matched 1:1 offline.
    with_fingers = shared_operator.sign(
        fit_templates(holder.claims, card_templates(holder.biometric_seed))
    )
    templates = verify_at_post(with_fingers, lists, now=NOW).fingerprints
    impostor_live = live_capture(impostor.biometric_seed, templates, 5)
    caught = _check(
        with_fingers,
        lists,
        eye=ALWAYS_FOOLED,
        resemblance=Resemblance.LOOKALIKE,
        live=impostor_live,
    )
    assert (caught.verdict, caught.finger, caught.decision) == (
        "VALID",
        FingerCheck.MISMATCH,
        Decision.REFER,
    )
    holder_live = live_capture(holder.biometric_seed, templates, 6)
    own = _check(
        with_fingers, lists, eye=NEVER_FOOLED, resemblance=Resemblance.SAME, live=holder_live
    )
    assert (own.finger, own.decision) == (FingerCheck.MATCH, Decision.ADMIT)


def test_drill_cards_carry_the_templates_the_issuer_puts_on_a_card() -> None:
    for seed in (3, 1_234, 98_765):
        assert card_templates(seed) == card_fingers(finger_record(seed))
        assert [t.key for t in card_templates(seed)] == [51, 56], "the two index fingers"


def test_a_holder_s_live_capture_matches_the_card_the_registry_issued() -> None:
    """The post's capture is a later press of the same fingers the desk enrolled (the
    benchmark's genuine pairs, docs/biometrics.md): a holder matches their card, someone
    else does not."""
    matcher = default_matcher()
    seeds = range(500, 540)
    for session, seed in enumerate(seeds, start=2):
        issued = card_fingers(finger_record(seed))  # what aes_id.cards.issue puts in the QR
        assert matcher(issued, live_capture(seed, issued, session)), seed
        assert not matcher(issued, live_capture(seed + 1, issued, session)), seed
    with pytest.raises(ValueError, match="later session"):
        live_capture(500, (), 1)


def test_a_fingerprint_match_admits_the_holder_the_eye_doubted(
    shared_operator: DrillOperator, holders: list[Cardholder]
) -> None:
    holder, impostor = holders[10], holders[11]
    assert holder.biometric_seed is not None and impostor.biometric_seed is not None
    lists = current_lists(shared_operator)
    text = shared_operator.sign(fit_templates(holder.claims, card_templates(holder.biometric_seed)))
    templates = verify_at_post(text, lists, now=NOW).fingerprints
    doubting = EyeSettings(reject_genuine=1.0, accept_lookalike=0.0, accept_stranger=0.0)
    without_reader = _check(text, lists, eye=doubting, resemblance=Resemblance.SAME)
    assert (without_reader.face, without_reader.decision) == (FaceCheck.MISMATCH, Decision.REFER)
    own = live_capture(holder.biometric_seed, templates, 7)
    settled = _check(text, lists, eye=doubting, resemblance=Resemblance.SAME, live=own)
    assert (settled.face, settled.finger, settled.decision) == (
        FaceCheck.MISMATCH,
        FingerCheck.MATCH,
        Decision.ADMIT,
    )
    other = live_capture(impostor.biometric_seed, templates, 7)
    caught = _check(text, lists, eye=doubting, resemblance=Resemblance.LOOKALIKE, live=other)
    assert (caught.finger, caught.decision) == (FingerCheck.MISMATCH, Decision.REFER)


def _seen(post: str, at: dt.datetime, ident: int, card: str = "ML0000001") -> Crossing:
    return Crossing(
        at=at,
        post=post,
        verdict=Verdict.VALID.value,
        decision=decide("VALID"),
        card_number=card,
        id=ident,
    )


def test_cloned_card_is_caught_by_correlation_after_sync() -> None:
    correlator = Correlator()
    at = NOW
    assert correlator.add(_seen("heremakono", at, 1), now=at) == []
    assert correlator.add(_seen("koloko", at + dt.timedelta(minutes=25), 2), now=at) == [], (
        "the two sides of one crossing, minutes apart, are an honest traveller"
    )
    alerts = correlator.add(_seen("ayorou", at + dt.timedelta(hours=2), 3), now=at)
    assert [(a.kind, a.crossing_id, a.other_id) for a in alerts] == [
        (AlertKind.CLONE, 3, 1),
        (AlertKind.CLONE, 3, 2),
    ]
    later = Correlator()
    later.add(_seen("heremakono", at, 1), now=at)
    assert later.add(_seen("ayorou", at + dt.timedelta(days=1, hours=1), 2), now=at) == []


@pytest.mark.parametrize("seed", range(12))
def test_tampering_always_changes_a_signed_field(holders: list[Cardholder], seed: int) -> None:
    holder = holders[seed]
    changed = tampered_claims(holder.claims, random.Random(seed), "KONATÉ")
    assert changed != holder.claims
    assert changed.card_number == holder.card_number
