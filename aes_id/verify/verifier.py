"""The border verifier's trust core: QR text + trust list + revocation lists + clock -> verdict.

Pure: no I/O, no registry, the clock is an argument. A border post has the
card, the lists it last synced and its own clock, nothing else.

Untrusted input never crashes a verifier, and a defect never passes for a
verdict. Input that is not a credential is what
:func:`~aes_id.formats.credential.parse_qr_text` raises
:class:`~aes_id.formats.credential.MalformedCredential` for (it converts every
expected decode failure at the boundary), and that alone becomes MALFORMED with
its reason. Any other exception is a defect of this code: with ``strict`` (the
test suite's setting, see :data:`STRICT`) it propagates; without (a border post
in service) it is logged with its traceback and reported as MALFORMED, reason
``internal error: <type>``, so that the station keeps working and the card goes
to a closer look.

Every check runs and leaves its reason; the verdict is the most serious
finding, in this order: MALFORMED, UNKNOWN_SIGNER, INVALID_SIGNATURE,
UNTRUSTED_SIGNER, MRZ_MISMATCH, REVOKED, EXPIRED, NOT_YET_VALID. A card whose
signature fails is never reported as merely expired.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from aes_id.domain import Country, Verdict, VerificationResult
from aes_id.errors import AesIdError
from aes_id.formats import mrz
from aes_id.formats.cose import ALG_EDDSA, verify1
from aes_id.formats.credential import (
    CredentialClaims,
    MalformedCredential,
    ParsedCredential,
    parse_qr_text,
)
from aes_id.pki.revocation import RevocationList
from aes_id.pki.trust import TrustList, freshness_warnings

STRICT = False
"""Default of ``strict`` in :func:`verify_qr_text`: whether a defect raises.

Off in service: a defect is logged and reported as MALFORMED (``internal error:
<type>``). The test suite turns it on for every test (``tests/conftest.py``), so
that a property test that says "never raises" fails on a parser defect instead
of counting it as a MALFORMED verdict.
"""

_log = logging.getLogger(__name__)

SEVERITY = (
    Verdict.MALFORMED,
    Verdict.UNKNOWN_SIGNER,
    Verdict.INVALID_SIGNATURE,
    Verdict.UNTRUSTED_SIGNER,
    Verdict.MRZ_MISMATCH,
    Verdict.REVOKED,
    Verdict.EXPIRED,
    Verdict.NOT_YET_VALID,
)


@dataclass
class _Findings:
    """Reasons gathered by the checks, by the verdict each one calls for."""

    by_verdict: dict[Verdict, list[str]] = field(default_factory=dict)

    def add(self, verdict: Verdict, reason: str) -> None:
        self.by_verdict.setdefault(verdict, []).append(reason)

    def verdict(self) -> Verdict:
        return next((v for v in SEVERITY if v in self.by_verdict), Verdict.VALID)

    def reasons(self) -> tuple[str, ...]:
        return tuple(r for v in SEVERITY for r in self.by_verdict.get(v, ()))


@dataclass(frozen=True)
class Lists:
    """What a verifier trusts: one trust list and the revocation lists it has synced."""

    trust_list: TrustList
    revocations: tuple[RevocationList, ...] = ()

    def revocations_of(self, state: Country) -> RevocationList | None:
        """The newest revocation list of ``state`` (highest sequence number), or ``None``.

        A border post may hold an older copy beside a newer one (two syncs, or
        ``--revocations`` given twice): the newer one must win, whatever the order.
        """
        return max(
            (r for r in self.revocations if r.state is state),
            key=lambda r: r.sequence,
            default=None,
        )


def verify_qr_text(
    qr_text: str,
    lists: Lists,
    *,
    now: dt.datetime,
    mrz_lines: Sequence[str] | None = None,
    strict: bool | None = None,
) -> VerificationResult:
    """Verify a card's QR text at time ``now``; never raises for bad input.

    ``mrz_lines``, when the agent also read the MRZ, are cross-checked against
    the signed data. A ``now`` without a time zone is a caller mistake
    (:class:`ValueError`): a border post's clock is compared with UTC times.
    ``strict`` (default :data:`STRICT`) makes a defect raise instead of being
    logged and reported as ``internal error: <type>`` (see the module docstring).
    """
    return read_and_verify(qr_text, lists, now=now, mrz_lines=mrz_lines, strict=strict)[0]


def read_and_verify(
    qr_text: str,
    lists: Lists,
    *,
    now: dt.datetime,
    mrz_lines: Sequence[str] | None = None,
    strict: bool | None = None,
) -> tuple[VerificationResult, ParsedCredential | None]:
    """:func:`verify_qr_text`, and the credential it read.

    The credential is ``None`` when the text is malformed or a defect was
    caught; otherwise it is returned whatever the verdict (a border post reads
    the fingerprint templates from it), parsed once.
    """
    _require_aware(now)
    try:
        parsed = parse_qr_text(qr_text)
    except MalformedCredential as exc:
        return _malformed(exc.message, lists, now), None
    except Exception as exc:  # a defect of the reader, not a fault of the card
        if _strict(strict):
            raise
        return _defect(exc, "reading", lists, now), None
    try:
        return verify_parsed(parsed, lists, now=now, mrz_lines=mrz_lines), parsed
    except Exception as exc:  # a defect of the checks
        if _strict(strict):
            raise
        return _defect(exc, "checking", lists, now), None


def _strict(strict: bool | None) -> bool:
    return STRICT if strict is None else strict


def verify_parsed(
    parsed: ParsedCredential,
    lists: Lists,
    *,
    now: dt.datetime,
    mrz_lines: Sequence[str] | None = None,
) -> VerificationResult:
    """The checks after parsing: header, signer, signature, chain, revocation, dates, MRZ."""
    _require_aware(now)
    findings = _Findings()
    claims = parsed.claims
    _check_signature(parsed, lists.trust_list, findings)
    revocations = lists.revocations_of(claims.issuing_state)
    # ``is not None``: an empty revocation list is falsy (it has a length) but must be checked.
    present = [revocations] if revocations is not None else []
    warnings = list(freshness_warnings(now, lists.trust_list, present))
    if revocations is None:
        warnings.append(
            f"no revocation list for {claims.issuing_state.value}: revocation unchecked"
        )
    else:
        revoked = revocations.is_revoked(claims.card_number)
        if revoked is not None and revoked.revoked_at > now:
            # "Was it valid then?": a revocation recorded after the time asked about.
            warnings.append(
                f"card {claims.card_number} was revoked later, on "
                f"{revoked.revoked_at:%Y-%m-%d} ({revoked.reason.value})"
            )
        elif revoked is not None:
            findings.add(
                Verdict.REVOKED,
                f"card {claims.card_number} revoked on {revoked.revoked_at:%Y-%m-%d} "
                f"({revoked.reason.value})",
            )
    _check_dates(claims, now, findings)
    if mrz_lines is not None:
        _check_mrz(claims, mrz_lines, now, findings)
    return VerificationResult(
        verdict=findings.verdict(),
        reasons=findings.reasons(),
        warnings=tuple(warnings),
        identity=claims.identity,
        card_number=claims.card_number,
        issuing_state=claims.issuing_state,
        issued_at=claims.issued_at,
        expires_at=claims.expires_at,
        kid=parsed.kid if parsed.cose.kid is not None else None,
        face=claims.face or None,
    )


def _require_aware(now: dt.datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"the clock must carry a timezone (UTC), found a naive {now.isoformat()}")


def _check_signature(parsed: ParsedCredential, trust: TrustList, findings: _Findings) -> None:
    cose, claims = parsed.cose, parsed.claims
    if cose.alg != ALG_EDDSA:
        findings.add(
            Verdict.MALFORMED, f"algorithm {cose.alg!r} in the protected header is not EdDSA (-8)"
        )
        return
    if cose.kid is None:
        where = "only in the unprotected header" if cose.kid_in_unprotected else "missing"
        findings.add(Verdict.MALFORMED, f"kid is {where}; it must be in the protected header")
        return
    entry = trust.find(cose.kid)
    if entry is None:
        findings.add(
            Verdict.UNKNOWN_SIGNER, f"kid {cose.kid.hex()} is not in trust list #{trust.sequence}"
        )
        return
    try:
        verify1(cose, entry.public_key)
    except AesIdError as exc:
        findings.add(Verdict.INVALID_SIGNATURE, exc.message)
        return
    status = trust.signer_status(cose.kid, claims.issued_at)
    for problem in status.problems:
        findings.add(Verdict.UNTRUSTED_SIGNER, problem)
    if entry.state is not claims.issuing_state:
        findings.add(
            Verdict.UNTRUSTED_SIGNER,
            f"card claims issuer {claims.issuing_state.value} but its signer "
            f"{cose.kid.hex()} belongs to {entry.state.value}",
        )


def _check_dates(claims: CredentialClaims, now: dt.datetime, findings: _Findings) -> None:
    if now < claims.issued_at:
        findings.add(
            Verdict.NOT_YET_VALID,
            f"issued {claims.issued_at:%Y-%m-%d %H:%M} UTC, after the time of check "
            f"{now:%Y-%m-%d %H:%M} UTC",
        )
    if now > claims.expires_at:
        findings.add(Verdict.EXPIRED, f"expired on {claims.expires_at:%Y-%m-%d}")


def _check_mrz(
    claims: CredentialClaims, lines: Sequence[str], now: dt.datetime, findings: _Findings
) -> None:
    try:
        parsed = mrz.parse_td1(list(lines), today=now.date())
    except AesIdError as exc:
        findings.add(Verdict.MRZ_MISMATCH, f"MRZ unreadable: {exc.message}")
        return
    try:
        differences = mrz.mrz_matches(parsed, mrz_data_for(claims))
    except AesIdError as exc:  # the signed data cannot be written as an MRZ at all
        differences = [f"the credential has no MRZ form ({exc.message})"]
    for difference in differences:
        findings.add(Verdict.MRZ_MISMATCH, f"MRZ differs from QR: {difference}")


def mrz_data_for(claims: CredentialClaims) -> mrz.MrzData:
    """The MRZ fields a card with these claims must carry."""
    return mrz.MrzData.for_identity(
        claims.identity,
        issuing_state=claims.issuing_state,
        card_number=claims.card_number,
        expiry=claims.expires_on,
    )


def _defect(exc: Exception, stage: str, lists: Lists, now: dt.datetime) -> VerificationResult:
    """A defect caught in service: logged with its traceback, and said so as MALFORMED."""
    # The QR text is personal data: the log gets the traceback, not the text.
    _log.error("defect while %s a credential, reported as MALFORMED", stage, exc_info=exc)
    return _malformed(f"internal error: {type(exc).__name__}", lists, now)


def _malformed(reason: str, lists: Lists, now: dt.datetime) -> VerificationResult:
    return VerificationResult(
        verdict=Verdict.MALFORMED,
        reasons=(reason,),
        warnings=freshness_warnings(now, lists.trust_list, lists.revocations),
    )


def summarise(results: Iterable[VerificationResult]) -> dict[str, int]:
    """Counts by verdict, for reports."""
    counts: dict[str, int] = {}
    for result in results:
        counts[result.verdict.value] = counts.get(result.verdict.value, 0) + 1
    return counts
