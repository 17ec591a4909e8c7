"""The fraud mix, the agent's fallible eye, and the fraudulent credentials themselves.

Each fraud is a real artefact, never a flag: a credential signed by a key the
trust list does not hold; a genuine credential with a field changed after
signing; a genuine card carrying another person's printed photo; a card the
operator has revoked as stolen; a card past its expiry; a card signed with a
Document Signer key stolen before its revocation; a genuine card carried by a
look-alike; a genuine card copied and used at two posts at once. The verifier
and the agent then meet them as a real post would.

The mix (:data:`DEFAULT_MIX`) is an assumption (❓): no agency publishes its
border fraud mix. The eye's error rates are from White, Kemp, Jenkins, Matheson
and Burton, "Passport Officers' Errors in Face Matching", PLOS ONE 9(8):
e103510, 2014: officers comparing live card bearers with photos accepted 14 %
of fraudulent (look-alike) photos and rejected 6 % of genuine ones. Where the
post has fingerprint readers, a fingerprint match settles the eye's doubt
(:func:`aes_id.border.check.decide`), so the 6 % no longer stop genuine bearers.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import enum
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import accumulate

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from aes_id.domain import Identity, Kid, Nin, PartialDate
from aes_id.formats.claims import CredentialClaims, decode_claims, encode_claims
from aes_id.formats.cose import assemble1, decode1
from aes_id.formats.credential import encode_qr_text, parse_qr_text, sign_credential


class FraudKind(enum.Enum):
    FORGED = "forged"
    TAMPERED = "tampered"
    PHOTO_SUBSTITUTION = "photo-substitution"
    STOLEN = "stolen"
    EXPIRED = "expired"
    COMPROMISED_SIGNER = "compromised-signer"
    IMPOSTOR = "impostor"
    CLONED = "cloned"


GENUINE = "genuine"

MECHANISM: Mapping[FraudKind, str] = {
    FraudKind.FORGED: "signature check (signer not in the trust list)",
    FraudKind.TAMPERED: "signature check (signed bytes changed)",
    FraudKind.PHOTO_SUBSTITUTION: "agent compares the face from the QR with the bearer",
    FraudKind.STOLEN: "revocation list, if the post synced after the theft was reported",
    FraudKind.EXPIRED: "validity dates",
    FraudKind.COMPROMISED_SIGNER: "trust list marks the signer revoked, once the post syncs",
    FraudKind.IMPOSTOR: "1:1 fingerprint check where posts have readers, else the agent's eye",
    FraudKind.CLONED: "correlation of crossings after the posts sync",
}
"""The mechanism meant to catch each fraud (what the tests prove)."""

DEFAULT_MIX: Mapping[FraudKind, float] = {
    FraudKind.FORGED: 0.14,
    FraudKind.TAMPERED: 0.08,
    FraudKind.PHOTO_SUBSTITUTION: 0.12,
    FraudKind.STOLEN: 0.16,
    FraudKind.EXPIRED: 0.18,
    FraudKind.COMPROMISED_SIGNER: 0.08,
    FraudKind.IMPOSTOR: 0.16,
    FraudKind.CLONED: 0.08,
}


@dataclass(frozen=True)
class FraudMix:
    """Relative weights of the fraud kinds (normalised when drawing)."""

    weights: Mapping[FraudKind, float] = field(default_factory=lambda: dict(DEFAULT_MIX))

    def __post_init__(self) -> None:
        if any(w < 0 for w in self.weights.values()) or sum(self.weights.values()) <= 0:
            raise ValueError("fraud mix weights must be >= 0 with a positive sum")

    def draw(self, rng: random.Random) -> FraudKind:
        kinds = [k for k in FraudKind if self.weights.get(k, 0) > 0]
        cumulative = list(accumulate(self.weights[k] for k in kinds))
        return kinds[bisect.bisect_right(cumulative, rng.random() * cumulative[-1])]

    def shares(self) -> dict[str, float]:
        total = sum(self.weights.values())
        return {k.value: self.weights.get(k, 0) / total for k in FraudKind}


class Resemblance(enum.Enum):
    """How the bearer compares with the face in the QR."""

    SAME = "same person"
    LOOKALIKE = "look-alike"
    STRANGER = "another person"


@dataclass(frozen=True)
class EyeSettings:
    """The agent's face comparison as error rates (see the module docstring for the source)."""

    reject_genuine: float = 0.06
    """White et al. 2014: genuine bearers wrongly rejected."""
    accept_lookalike: float = 0.14
    """White et al. 2014: look-alike fraudulent photos accepted."""
    accept_stranger: float = 0.01
    """❓ Assumption: a face plainly of another person (photo substitution) accepted."""

    def sees_match(self, resemblance: Resemblance, rng: random.Random) -> bool:
        """Whether the agent judges the bearer to be the person in the QR's face."""
        draw = rng.random()
        if resemblance is Resemblance.SAME:
            return draw >= self.reject_genuine
        if resemblance is Resemblance.LOOKALIKE:
            return draw < self.accept_lookalike
        return draw < self.accept_stranger

    def describe(self) -> dict[str, float]:
        return dataclasses.asdict(self)


RESEMBLANCE: Mapping[FraudKind, Resemblance] = {
    FraudKind.FORGED: Resemblance.SAME,  # the forger's own face in a credential of their making
    FraudKind.TAMPERED: Resemblance.SAME,
    FraudKind.PHOTO_SUBSTITUTION: Resemblance.STRANGER,  # printed photo is the bearer's, QR is not
    FraudKind.STOLEN: Resemblance.LOOKALIKE,
    FraudKind.EXPIRED: Resemblance.SAME,
    FraudKind.COMPROMISED_SIGNER: Resemblance.SAME,
    FraudKind.IMPOSTOR: Resemblance.LOOKALIKE,
    FraudKind.CLONED: Resemblance.LOOKALIKE,
}


# --- the artefacts -----------------------------------------------------------------------


def forge(claims: CredentialClaims, key: Ed25519PrivateKey, kid: Kid) -> str:
    """A credential signed by ``key`` under ``kid``: a key of the forger's, never in the trust
    list (the kid may be a genuine signer's, copied to look right)."""
    return sign_credential(claims, kid=kid, key=key).qr_text


def tamper(qr_text: str, changed: CredentialClaims) -> str:
    """The credential with its claims replaced by ``changed`` after signing: the protected
    header and the signature are the original ones."""
    cose = parse_qr_text(qr_text).cose_bytes
    message = decode1(cose)
    altered = assemble1(message.protected, encode_claims(changed), message.signature)
    return encode_qr_text(altered)


def claims_of(qr_text: str) -> CredentialClaims:
    """The claims a QR text carries (signature not checked)."""
    return decode_claims(decode1(parse_qr_text(qr_text).cose_bytes).payload)


def tampered_claims(
    claims: CredentialClaims, rng: random.Random, other_name: str
) -> CredentialClaims:
    """A plausible change: another family name, an older date of birth, or a later expiry."""
    person = claims.identity
    choice = rng.randrange(3)
    if choice == 0 and other_name != person.family_name:
        identity = dataclasses.replace(person, family_name=other_name)
        return dataclasses.replace(claims, identity=identity)
    if choice <= 1:
        born = person.date_of_birth
        day = min(born.day, 28)  # 29 February may not exist in the year written instead
        older = PartialDate(born.year - rng.randint(3, 8), born.month, day)
        return dataclasses.replace(
            claims, identity=dataclasses.replace(person, date_of_birth=older)
        )
    later = claims.expires_at + dt.timedelta(days=5 * 365)
    return dataclasses.replace(claims, expires_at=later)


def invented_identity(
    template: Identity, nin: Nin, rng: random.Random, names: list[str]
) -> Identity:
    """A made-up identity for a forged card: another name and NIN, the bearer's sex and age."""
    return dataclasses.replace(
        template,
        nin=nin,
        family_name=rng.choice(names) if names else template.family_name,
    )
