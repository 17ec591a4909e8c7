"""The world of a border drill: the cardholders who travel, and the drill's own operator.

A drill must revoke cards (stolen), revoke a Document Signer (compromised) and
show cards signed ten years ago (expired), without touching the real key
store, registry or signature log. So it runs its own PKI, made with the real
key-store code (:func:`aes_id.pki.keys.init_store`, :meth:`KeyStore.rotate`,
:meth:`KeyStore.revoke`) and seeded for determinism: a root made twelve years
before the drill starts, a Document Signer per state rotated at 9, 6, 3 and 1
year before, and the lists signed with the real list code and written as files
into an exports folder, where the drill's posts sync them.

Each cardholder's card is re-signed under this PKI exactly as issued (same
identity, face, card number and dates, by the signer generation whose period
covers its issue time). The drill's keys are throwaway: their passphrase is a
constant, and they live in the run's folder only.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import io
import itertools
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from PIL import Image
from sqlalchemy import select
from sqlmodel import col

from aes_id.biometrics.desk import CARD_FINGERS, ENROLMENT_CAPTURE, card_fingers
from aes_id.biometrics.fingers import capture, master_fingers
from aes_id.biometrics.minutiae import FingerPosition, MinutiaeSet
from aes_id.biometrics.template import encode_fingers
from aes_id.domain import CardNumber, Country, Identity, Kid, RevocationReason, Sex
from aes_id.errors import UsageError
from aes_id.files import write_atomic
from aes_id.formats.claims import FINGER_KEYS, CredentialClaims, FingerTemplate
from aes_id.formats.credential import face_budget, sign_credential
from aes_id.formats.face import face_thumbnail
from aes_id.pki.certs import KeyRole, add_years
from aes_id.pki.exports import TRUST_LIST_FILE, revocation_file
from aes_id.pki.keys import KeyRevocationReason, SigningKey, init_store
from aes_id.pki.revocation import RevokedCard, build_revocation_list, sign_revocation_list
from aes_id.pki.trust import sign_trust_list
from aes_id.registry import tables
from aes_id.registry.db import Registry
from aes_id.simulate.fraud import claims_of

DRILL_PASSPHRASE = "aes-id border drill (throwaway keys)"
HISTORY_YEARS = 12
ROTATIONS_YEARS_BEFORE = (9, 6, 3, 1)
FETCH_BATCH = 500


@dataclass(frozen=True)
class Cardholder:
    """A card as issued, and what the simulation knows of its holder."""

    index: int
    claims: CredentialClaims
    biometric_seed: int | None = None
    """The synthetic person's seed (face and fingers), when the holder was enrolled from one."""

    @property
    def state(self) -> Country:
        return self.claims.issuing_state

    @property
    def card_number(self) -> CardNumber:
        return self.claims.card_number

    @property
    def identity(self) -> Identity:
        return self.claims.identity

    @property
    def sex(self) -> Sex:
        return self.identity.sex

    @property
    def birth_year(self) -> int:
        return self.identity.date_of_birth.year


def cardholders_from_registry(registry: Registry, count: int, *, seed: int) -> list[Cardholder]:
    """``count`` holders of valid cards, drawn at random (by ``seed``) from the registry."""
    with registry.reader() as session:
        numbers = list(
            session.scalars(
                select(col(tables.CardRow.card_number))
                .where(col(tables.CardRow.status) == "valid")
                .order_by(col(tables.CardRow.card_number))
            )
        )
        if len(numbers) < count:
            raise UsageError(
                f"the registry has {len(numbers)} valid cards, fewer than {count} travellers",
                hint="issue more cards (aes-id enrol --synthetic N; aes-id issue --pending) "
                "or ask for fewer --travellers",
            )
        chosen = sorted(random.Random(f"aes-id/border-holders/{seed}").sample(numbers, count))
        holders: list[Cardholder] = []
        for start in range(0, len(chosen), FETCH_BATCH):
            batch = chosen[start : start + FETCH_BATCH]
            rows = session.execute(
                select(
                    col(tables.CardRow.card_number),
                    col(tables.CardRow.qr_text),
                    col(tables.Biometric.face_seed),
                )
                .join(tables.Biometric, col(tables.Biometric.nin) == col(tables.CardRow.nin))
                .where(col(tables.CardRow.card_number).in_(batch))
                .order_by(col(tables.CardRow.card_number))
            )
            for _, qr_text, face_seed in rows:
                holders.append(Cardholder(len(holders), claims_of(qr_text), face_seed))
    return holders


def _key_factory(seed: int) -> Callable[[], Ed25519PrivateKey]:
    """Keys from a seed, in order: the drill's PKI is the same for the same seed."""
    counter = itertools.count()

    def make() -> Ed25519PrivateKey:
        material = hashlib.sha256(f"aes-id/border-drill/{seed}/{next(counter)}".encode()).digest()
        return Ed25519PrivateKey.from_private_bytes(material)

    return make


class DrillOperator:
    """The drill's key store, the cards it re-signs and the lists it exports."""

    def __init__(self, folder: Path, *, start: dt.datetime, seed: int) -> None:
        self.folder = folder
        self.exports = folder / "exports"
        self.exports.mkdir(parents=True, exist_ok=True)
        self._factory = _key_factory(seed)
        self.store = init_store(
            folder / "keys",
            DRILL_PASSPHRASE,
            add_years(start, -HISTORY_YEARS),
            key_factory=self._factory,
        )
        for years in ROTATIONS_YEARS_BEFORE:
            for state in Country:
                self.store.rotate(state, DRILL_PASSPHRASE, add_years(start, -years), self._factory)
        self._root = self.store.root_key(DRILL_PASSPHRASE)
        self._cas = {s: self.store.state_ca_key(s, DRILL_PASSPHRASE) for s in Country}
        self._signers: dict[Country, list[tuple[dt.datetime, dt.datetime, SigningKey]]] = {}
        self._load_signers()
        self._revoked: dict[Country, dict[str, RevokedCard]] = {s: {} for s in Country}
        self._trust_seq = 0
        self._revocation_seq = dict.fromkeys(Country, 0)

    def _load_signers(self) -> None:
        self._signers = {s: [] for s in Country}
        for entry in self.store.trust_entries():
            if entry.role is KeyRole.DOCUMENT_SIGNER:
                start, end = entry.signing_period
                if entry.revoked_from is not None:
                    end = min(end, entry.revoked_from)
                key = SigningKey(
                    entry.kid, self.store.load_private(entry.kid, DRILL_PASSPHRASE), entry.cert
                )
                self._signers[entry.state].append((start, end, key))

    def root_certificate(self) -> x509.Certificate:
        return self.store.root_certificate()

    def signer_for(self, state: Country, at: dt.datetime) -> SigningKey:
        """The signer generation of ``state`` whose signing period covers ``at``."""
        for start, end, key in reversed(self._signers[state]):
            if start <= at < end:
                return key
        raise ValueError(f"no {state.value} signer of the drill covers {at:%Y-%m-%d}")

    def sign(self, claims: CredentialClaims) -> str:
        """The credential signed as its issuing state would have at its issue time."""
        key = self.signer_for(claims.issuing_state, claims.issued_at)
        return sign_credential(claims, kid=key.kid, key=key.private_key).qr_text

    def active_signer(self, state: Country) -> SigningKey:
        """The key the state signs with now (what a thief of the signer gets)."""
        kid, certificate = self.store.active_signer(state)
        return SigningKey(kid, self.store.load_private(kid, DRILL_PASSPHRASE), certificate)

    # --- lists ---------------------------------------------------------------------------

    def publish(
        self, now: dt.datetime, *, trust: bool = True, states: Iterable[Country] = Country
    ) -> None:
        """Sign and export fresh lists, as the operator does on schedule and on every change."""
        if trust:
            self._trust_seq += 1
            trust_list = self.store.trust_list(self._trust_seq, now)
            data = sign_trust_list(trust_list, self._root.private_key, self._root.kid)
            write_atomic(self.exports / TRUST_LIST_FILE, data)
        for state in states:
            self._revocation_seq[state] += 1
            revocations = build_revocation_list(
                state, self._revocation_seq[state], now, self._revoked[state].values()
            )
            ca = self._cas[state]
            data = sign_revocation_list(revocations, ca.private_key, ca.kid)
            write_atomic(self.exports / revocation_file(state), data)

    def revoke_card(
        self, card_number: str, state: Country, reason: RevocationReason, at: dt.datetime
    ) -> None:
        """Record a card's revocation and publish its state's list at once."""
        moment = at.replace(microsecond=0)
        self._revoked[state][card_number] = RevokedCard(CardNumber(card_number), reason, moment)
        self.publish(moment, trust=False, states=[state])

    def compromise(self, state: Country, *, revoked_from: dt.datetime, at: dt.datetime) -> Kid:
        """The state's active signer was stolen: revoke it from ``revoked_from``, rotate to a new
        one, and publish the trust list, all at ``at``. Returns the revoked kid."""
        kid = self.active_signer(state).kid
        self.store.revoke(kid, revoked_from, KeyRevocationReason.KEY_COMPROMISE, at)
        self.store.rotate(state, DRILL_PASSPHRASE, at, self._factory)
        self._load_signers()
        self.publish(at, trust=True, states=())
        return kid


# --- fingerprints (the 1:1 check at the border) ---------------------------------------------
#
# The same model as the enrolment desk and the biometrics benchmark (docs/biometrics.md,
# "Size against 1:1 accuracy"): the person's ten master fingers (master_fingers, with the
# whorl tendency their fingers share), the card's compact templates of the two index fingers
# from the enrolment capture (session 1), and at the post a later press of the same fingers.


@functools.lru_cache(maxsize=4096)
def _masters(seed: int) -> tuple[MinutiaeSet, ...]:
    return master_fingers(seed)


def _record(seed: int, positions: Sequence[FingerPosition], session: int) -> bytes:
    """:func:`aes_id.biometrics.desk.finger_record` for ``positions`` only (each finger's
    capture is drawn from its own seed, so it is the same finger as in the ten-finger record)."""
    masters = _masters(seed)
    return encode_fingers([capture(masters[p - 1], seed * 1009 + session) for p in positions])


def card_templates(seed: int) -> tuple[FingerTemplate, ...]:
    """The compact templates a card issued to person ``seed`` carries: the desk's enrolment
    capture through the issuer's own selection (:func:`aes_id.biometrics.desk.card_fingers`)."""
    return card_fingers(_record(seed, CARD_FINGERS, ENROLMENT_CAPTURE))


def live_capture(seed: int, templates: Sequence[FingerTemplate], session: int) -> bytes:
    """The bearer's fingers, pressed on the post's reader at capture session ``session`` (2 or
    more: 1 is the enrolment), for the positions the card holds (the index fingers if none)."""
    if session <= ENROLMENT_CAPTURE:
        raise ValueError(f"a live capture is a later session than the enrolment, got {session}")
    positions = [FingerPosition(t.key - FINGER_KEYS[0] + 1) for t in templates]
    return _record(seed, positions or CARD_FINGERS, session)


def fit_templates(
    claims: CredentialClaims, templates: tuple[FingerTemplate, ...]
) -> CredentialClaims:
    """``claims`` with ``templates`` added, the face thumbnail re-encoded smaller if the QR
    would overflow version 20-M."""
    wanted = dataclasses.replace(claims, fingerprints=templates, face=b"")
    budget = face_budget(wanted)
    if len(claims.face) <= budget:
        return dataclasses.replace(wanted, face=claims.face)
    with Image.open(io.BytesIO(claims.face)) as face:
        smaller = face_thumbnail(face.convert("RGB"), max_bytes=budget)
    return dataclasses.replace(wanted, face=smaller)
