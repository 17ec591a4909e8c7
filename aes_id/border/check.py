"""The agent's check at a border post: verify offline, compare the bearer, decide, record.

1. **Verify** the QR text with the post's own synced lists and its clock
   (:func:`verify_at_post`, which runs the project's one verifier,
   :func:`aes_id.verify.verifier.read_and_verify`). No registry, no network.
2. **Compare the bearer**: the agent looks at the face from the QR beside the
   bearer (a human judgement, passed in as a :class:`FaceCheck`) and, where the
   post has a reader and the card carries templates, a live fingerprint is
   matched 1:1 against the QR's templates (:func:`match_fingers`, through a
   pluggable :class:`FingerprintMatcher`).
3. **Decide** admit, refer or refuse by one policy table (:data:`VERDICT_DECISIONS`,
   :func:`decide`).
4. **Record** the crossing with the age of the lists it relied on (:func:`crossing_for`).

:func:`check_bearer` runs steps 1 to 4 for one traveller: it is what ``aes-id
border check``, the border drill and the fraud tests all call, so they test
one and the same check (the post then writes the crossing to its journal).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from aes_id.border.records import (
    UNREADABLE,
    Crossing,
    Decision,
    Direction,
    FaceCheck,
    FingerCheck,
    Source,
)
from aes_id.domain import Verdict, VerificationResult
from aes_id.errors import AesIdError
from aes_id.formats.claims import FingerTemplate
from aes_id.verify.verifier import Lists, read_and_verify

VERDICT_DECISIONS: Mapping[str, Decision] = {
    Verdict.VALID.value: Decision.ADMIT,
    # Not the holder's fault, or not proof of fraud: a closer look in secondary inspection.
    Verdict.EXPIRED.value: Decision.REFER,
    Verdict.NOT_YET_VALID.value: Decision.REFER,
    Verdict.MALFORMED.value: Decision.REFER,
    UNREADABLE: Decision.REFER,
    # The credential itself is proven bad.
    Verdict.REVOKED.value: Decision.REFUSE,
    Verdict.INVALID_SIGNATURE.value: Decision.REFUSE,
    Verdict.UNKNOWN_SIGNER.value: Decision.REFUSE,
    Verdict.UNTRUSTED_SIGNER.value: Decision.REFUSE,
    Verdict.MRZ_MISMATCH.value: Decision.REFUSE,
}
"""What the agent does for each verdict of a card whose bearer raised no doubt."""


def decide(
    verdict: str, face: FaceCheck = FaceCheck.NOT_DONE, finger: FingerCheck = FingerCheck.NOT_DONE
) -> Decision:
    """The decision for a verdict and the bearer comparisons.

    A card that is not valid is decided by its verdict alone. For a valid card:

    ==================  ========  ========  ======================
    face / fingerprint  MATCH     MISMATCH  NOT_DONE, NO_TEMPLATE
    ==================  ========  ========  ======================
    MATCH, NOT_DONE     admit     refer     admit
    MISMATCH            admit     refer     refer
    ==================  ========  ========  ======================

    A fingerprint mismatch is referred, not refused: it may be a poor capture.
    A fingerprint match settles what the agent's eye doubts, as at a post with
    readers: the eye rejects about 6 % of genuine bearers (White et al., PLOS
    ONE 2014), the two-finger match lets no impostor of the benchmark through
    at its threshold (docs/biometrics.md). Without a reader, the eye's doubt
    is referred.

    >>> decide("VALID"), decide("VALID", FaceCheck.MISMATCH), decide("REVOKED")
    (<Decision.ADMIT: 'admit'>, <Decision.REFER: 'refer'>, <Decision.REFUSE: 'refuse'>)
    >>> decide("VALID", FaceCheck.MISMATCH, FingerCheck.MATCH)
    <Decision.ADMIT: 'admit'>
    """
    try:
        decision = VERDICT_DECISIONS[verdict]
    except KeyError:
        raise ValueError(f"unknown verdict {verdict!r}") from None
    if decision is not Decision.ADMIT:
        return decision
    if finger is FingerCheck.MISMATCH:
        return Decision.REFER
    if face is FaceCheck.MISMATCH and finger is not FingerCheck.MATCH:
        return Decision.REFER
    return Decision.ADMIT


@dataclass(frozen=True)
class PostVerification:
    """The verifier's answer at a post, the fingerprint templates the QR carries, and the time
    the verification took."""

    result: VerificationResult | None
    fingerprints: tuple[FingerTemplate, ...] = ()
    seconds: float = 0.0

    @property
    def verdict(self) -> str:
        return self.result.verdict.value if self.result else UNREADABLE

    @property
    def valid(self) -> bool:
        return self.result is not None and self.result.ok


def verify_at_post(qr_text: str | None, lists: Lists, *, now: dt.datetime) -> PostVerification:
    """Verify a QR text (``None``: nothing could be read) with the post's lists at ``now``.

    Never raises for a bad credential: the verifier turns it into a verdict.
    """
    if qr_text is None:
        return PostVerification(None)
    start = time.perf_counter()
    result, parsed = read_and_verify(qr_text, lists, now=now)
    fingerprints = parsed.claims.fingerprints if parsed is not None else ()
    return PostVerification(result, fingerprints, time.perf_counter() - start)


class FingerprintMatcher(Protocol):
    """A 1:1 fingerprint comparison: do the live captures match the card's templates?

    ``live`` is a ten-finger template record (:func:`aes_id.biometrics.template.
    encode_fingers` form) of the fingers captured at the post. Raises
    :class:`~aes_id.errors.InputError` for a template it cannot read.
    """

    def __call__(self, templates: Sequence[FingerTemplate], live: bytes) -> bool: ...


def match_fingers(
    templates: Sequence[FingerTemplate], live: bytes | None, matcher: FingerprintMatcher | None
) -> FingerCheck:
    """Step 2's fingerprint half: NOT_DONE without a reader or a capture, NO_TEMPLATE when the
    card carries none (or none the matcher can read)."""
    if matcher is None or live is None:
        return FingerCheck.NOT_DONE
    if not templates:
        return FingerCheck.NO_TEMPLATE
    try:
        same = matcher(templates, live)
    except AesIdError:
        return FingerCheck.NO_TEMPLATE
    return FingerCheck.MATCH if same else FingerCheck.MISMATCH


class Bearer(Protocol):
    """The person holding the card, as the post compares them with what the QR says."""

    def face_check(self, verification: PostVerification) -> FaceCheck:
        """The agent's comparison of the QR's face with the bearer's."""
        ...

    def live_fingers(self, verification: PostVerification) -> bytes | None:
        """The fingers captured at the post's reader (a template record), if any."""
        ...


@dataclass(frozen=True)
class DeclaredBearer:
    """A bearer as the agent reports them: the face judgement typed in, a capture file read."""

    face: FaceCheck = FaceCheck.NOT_DONE
    fingers: bytes | None = None

    def face_check(self, verification: PostVerification) -> FaceCheck:
        return self.face

    def live_fingers(self, verification: PostVerification) -> bytes | None:
        return self.fingers


def check_bearer(
    qr_text: str | None,
    lists: Lists,
    bearer: Bearer,
    *,
    post: str,
    at: dt.datetime,
    matcher: FingerprintMatcher | None = None,
    direction: Direction | None = None,
    source: Source = Source.QR_TEXT,
    scan_seconds: float = 0.0,
    ident: int | None = None,
) -> tuple[PostVerification, Crossing]:
    """Verify the card, compare the bearer, decide: the crossing to record (steps 1 to 4).

    The fingerprint is matched only for a valid card (an invalid one is decided
    by its verdict alone).
    """
    verification = verify_at_post(qr_text, lists, now=at)
    face = bearer.face_check(verification)
    finger = FingerCheck.NOT_DONE
    if verification.valid:
        finger = match_fingers(
            verification.fingerprints, bearer.live_fingers(verification), matcher
        )
    crossing = crossing_for(
        verification,
        lists,
        post=post,
        at=at,
        face=face,
        finger=finger,
        direction=direction,
        source=source,
        scan_seconds=scan_seconds,
        ident=ident,
    )
    return verification, crossing


def crossing_for(
    verification: PostVerification,
    lists: Lists,
    *,
    post: str,
    at: dt.datetime,
    face: FaceCheck = FaceCheck.NOT_DONE,
    finger: FingerCheck = FingerCheck.NOT_DONE,
    direction: Direction | None = None,
    source: Source = Source.QR_TEXT,
    scan_seconds: float = 0.0,
    ident: int | None = None,
) -> Crossing:
    """Steps 3 and 4: the decision, and the crossing record with the lists' ages."""
    result = verification.result
    trust = lists.trust_list
    state = result.issuing_state if result else None
    revocations = lists.revocations_of(state) if state else None
    return Crossing(
        at=at,
        post=post,
        verdict=verification.verdict,
        decision=decide(verification.verdict, face, finger),
        direction=direction,
        card_number=result.card_number if result else None,
        issuing_state=state.value if state else None,
        kid=result.kid.hex() if result and result.kid else None,
        issued_at=result.issued_at if result else None,
        expires_at=result.expires_at if result else None,
        face=face,
        finger=finger,
        trust_seq=trust.sequence,
        trust_age=at - trust.issued_at,
        revocation_seq=revocations.sequence if revocations is not None else None,
        revocation_age=at - revocations.issued_at if revocations is not None else None,
        stale=at > trust.next_update or (revocations is not None and at > revocations.next_update),
        reasons=result.reasons if result else ("no QR code could be read from the card",),
        source=source,
        verify_ms=round(verification.seconds * 1000, 4),
        scan_ms=round(scan_seconds * 1000, 4),
        id=ident,
    )
