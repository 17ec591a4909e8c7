"""The agent's check: the decision policy, verification at a post, the crossing record."""

from __future__ import annotations

import datetime as dt

import pytest

from aes_id.border.check import (
    VERDICT_DECISIONS,
    PostVerification,
    crossing_for,
    decide,
    match_fingers,
    verify_at_post,
)
from aes_id.border.records import UNREADABLE, Decision, FaceCheck, FingerCheck, Source
from aes_id.domain import Verdict
from aes_id.errors import InputError
from aes_id.formats.claims import FingerTemplate
from aes_id.simulate.border_world import Cardholder, DrillOperator
from tests.border.world import START, current_lists

NOW = START + dt.timedelta(hours=30)


def test_every_verdict_has_exactly_one_decision() -> None:
    assert set(VERDICT_DECISIONS) == {v.value for v in Verdict} | {UNREADABLE}
    refused = {v for v, d in VERDICT_DECISIONS.items() if d is Decision.REFUSE}
    assert refused == {
        "REVOKED",
        "INVALID_SIGNATURE",
        "UNKNOWN_SIGNER",
        "UNTRUSTED_SIGNER",
        "MRZ_MISMATCH",
    }
    assert VERDICT_DECISIONS["VALID"] is Decision.ADMIT


@pytest.mark.parametrize(
    ("verdict", "face", "finger", "decision"),
    [
        ("VALID", FaceCheck.MATCH, FingerCheck.MATCH, Decision.ADMIT),
        ("VALID", FaceCheck.NOT_DONE, FingerCheck.NO_TEMPLATE, Decision.ADMIT),
        # a fingerprint match settles what the agent's eye doubts
        ("VALID", FaceCheck.MISMATCH, FingerCheck.MATCH, Decision.ADMIT),
        ("VALID", FaceCheck.MATCH, FingerCheck.MISMATCH, Decision.REFER),
        ("VALID", FaceCheck.MISMATCH, FingerCheck.MISMATCH, Decision.REFER),
        # without a reader (or templates), the eye's doubt is referred, as before
        ("VALID", FaceCheck.MISMATCH, FingerCheck.NOT_DONE, Decision.REFER),
        ("VALID", FaceCheck.MISMATCH, FingerCheck.NO_TEMPLATE, Decision.REFER),
        ("VALID", FaceCheck.NOT_DONE, FingerCheck.MISMATCH, Decision.REFER),
        ("REVOKED", FaceCheck.MISMATCH, FingerCheck.MATCH, Decision.REFUSE),
        ("EXPIRED", FaceCheck.MATCH, FingerCheck.MATCH, Decision.REFER),
        ("REVOKED", FaceCheck.MATCH, FingerCheck.MATCH, Decision.REFUSE),
        ("EXPIRED", FaceCheck.NOT_DONE, FingerCheck.NOT_DONE, Decision.REFER),
        (UNREADABLE, FaceCheck.NOT_DONE, FingerCheck.NOT_DONE, Decision.REFER),
    ],
)
def test_decide(verdict: str, face: FaceCheck, finger: FingerCheck, decision: Decision) -> None:
    assert decide(verdict, face, finger) is decision


def test_decide_refuses_to_guess_an_unknown_verdict() -> None:
    with pytest.raises(ValueError, match="unknown verdict 'MAYBE'"):
        decide("MAYBE")


def test_nothing_read_is_unreadable_and_referred(shared_operator: DrillOperator) -> None:
    lists = current_lists(shared_operator)
    verification = verify_at_post(None, lists, now=NOW)
    assert verification.verdict == UNREADABLE and not verification.valid
    crossing = crossing_for(verification, lists, post="nim", at=NOW, source=Source.IMAGE)
    assert (crossing.decision, crossing.card_number, crossing.revocation_age) == (
        Decision.REFER,
        None,
        None,
    )
    assert crossing.reasons == ("no QR code could be read from the card",)


def test_garbage_is_malformed_not_an_exception(shared_operator: DrillOperator) -> None:
    lists = current_lists(shared_operator)
    verification = verify_at_post("NOT A CREDENTIAL", lists, now=NOW)
    assert verification.verdict == "MALFORMED"
    assert decide(verification.verdict) is Decision.REFER


def test_crossing_records_what_the_lists_were(
    shared_operator: DrillOperator, holders: list[Cardholder]
) -> None:
    lists = current_lists(shared_operator)
    holder = holders[0]
    verification = verify_at_post(shared_operator.sign(holder.claims), lists, now=NOW)
    crossing = crossing_for(
        verification, lists, post="koloko", at=NOW, face=FaceCheck.MATCH, ident=7
    )
    issued = START - dt.timedelta(hours=1)  # world.operator publishes then
    assert crossing.id == 7 and crossing.admitted
    assert (crossing.card_number, crossing.issuing_state) == (
        holder.card_number,
        holder.state.value,
    )
    assert crossing.trust_age == NOW - issued and crossing.revocation_age == NOW - issued
    assert crossing.stale, "the revocation list (next update after one day) is past due"
    assert (
        crossing.kid == shared_operator.signer_for(holder.state, holder.claims.issued_at).kid.hex()
    )
    assert crossing.verify_ms > 0


class _Raising:
    def __call__(self, templates: object, live: bytes) -> bool:
        raise InputError("unreadable template")


def test_match_fingers_cases() -> None:
    template = (FingerTemplate(50, b"\x10\x00\x00", 100),)
    assert match_fingers(template, None, _Raising()) is FingerCheck.NOT_DONE
    assert match_fingers(template, b"live", None) is FingerCheck.NOT_DONE
    assert match_fingers((), b"live", _Raising()) is FingerCheck.NO_TEMPLATE
    assert match_fingers(template, b"live", _Raising()) is FingerCheck.NO_TEMPLATE
    assert match_fingers(template, b"live", lambda t, live: True) is FingerCheck.MATCH
    assert match_fingers(template, b"live", lambda t, live: False) is FingerCheck.MISMATCH


def test_post_verification_defaults() -> None:
    assert PostVerification(None).verdict == UNREADABLE
