"""The credential's claims: typed values <-> the CWT claims map with claim 169.

docs/credential.md, "CWT claims" and "Identity map": RFC 8392 claims 1 iss,
4 exp, 5 nbf, 6 iat, 7 cti, and claim 169 (MOSIP Claim 169 QR Code
Specification v1.2) holding the identity, the face (62) and, later, the
fingerprint references (50-59); key 75 is the AES place-of-birth extension.

:func:`decode_claims` parses at the boundary: each claim is type-checked and
a defect is reported as a :class:`MalformedCredential` naming the claim, e.g.
``claim 169 key 8 (date of birth): expected tstr YYYYMMDD, found int``.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, NoReturn

import cbor2

from aes_id.domain import CardNumber, Country, Identity, Nin, PartialDate, Sex
from aes_id.errors import InputError, UsageError
from aes_id.formats.cose import CBOR_DECODE_ERRORS
from aes_id.formats.nationality import ACCEPTED as NATIONALITIES
from aes_id.formats.nationality import nationality_problem
from aes_id.formats.numbers import CARD_SERIAL_ALPHABET, CARD_SERIAL_LENGTH

DEFAULT_ISSUER_BASE = "https://aes-id.example"
"""Base of the ``iss`` claim; ``.example`` marks simulated cards."""

LANGUAGE = "fra"
"""Claim 169 key 3: the language of the text fields."""

BIOMETRIC_IMAGE, BIOMETRIC_TEMPLATE = 0, 1  # Claim 169 biometric formats
IMAGE_WEBP = 4  # Claim 169 image sub-format
FINGER_KEYS = range(50, 60)
"""Claim 169 keys 50-59: right thumb, pointer, middle, ring, little; then the left hand."""

_CWT_NAMES = {1: "iss", 4: "exp", 5: "nbf", 6: "iat", 7: "cti", 169: "identity"}
_IDENTITY_NAMES = {
    1: "NIN",
    3: "language",
    4: "full name",
    5: "given names",
    7: "family name",
    8: "date of birth",
    9: "sex",
    13: "nationality",
    23: "issuing state",
    62: "face",
    75: "place of birth",
}
_FINGER_NAMES = [
    f"{hand} {finger}"
    for hand in ("right", "left")
    for finger in ("thumb", "pointer finger", "middle finger", "ring finger", "little finger")
]
_IDENTITY_NAMES.update(zip(FINGER_KEYS, _FINGER_NAMES, strict=True))

_END_OF_DAY = dt.time(23, 59, 59)
_LAST_SECOND = 253402300799  # 9999-12-31T23:59:59Z
_NIN_RE = re.compile(r"[0-9]{12}")
# The card number exactly as printed: a state code and a canonical base-33 serial (no O or I).
_CARD_RE = re.compile(f"[A-Z]{{2}}[{CARD_SERIAL_ALPHABET}]{{{CARD_SERIAL_LENGTH}}}")
_LANGUAGE_RE = re.compile(r"[a-z]{3}")
_DOB_RE = re.compile(r"[0-9]{8}")


class MalformedCredential(InputError):
    """A QR text or claims payload that is not an AES-ID credential."""


class FingerTemplate(NamedTuple):
    """One fingerprint reference: Claim 169 key 50-59, the template, its sub-format."""

    key: int
    template: bytes
    sub_format: int


def issuer_url(state: Country, base: str = DEFAULT_ISSUER_BASE) -> str:
    """The ``iss`` claim: ``<base>/<alpha-3 of the issuing state>``."""
    return f"{base.rstrip('/')}/{state.value}"


def end_of_day(day: dt.date) -> dt.datetime:
    """The last second of ``day`` in UTC, the form of ``exp``."""
    return dt.datetime.combine(day, _END_OF_DAY, tzinfo=dt.UTC)


@dataclass(frozen=True)
class CredentialClaims:
    """Everything a card's QR says, as typed values (CWT claims and claim 169).

    ``fingerprints`` are kept sorted by key. Construction refuses (with a
    :class:`~aes_id.errors.UsageError`) what :func:`decode_claims` would refuse.
    """

    issuer: str
    issuing_state: Country
    card_number: CardNumber
    issued_at: dt.datetime
    expires_at: dt.datetime
    identity: Identity
    face: bytes = b""
    fingerprints: tuple[FingerTemplate, ...] = ()
    language: str = LANGUAGE

    def __post_init__(self) -> None:
        object.__setattr__(self, "fingerprints", tuple(sorted(self.fingerprints)))
        problem = _claims_problem(self)
        if problem:
            raise UsageError(f"cannot build the credential: {problem}")

    @classmethod
    def for_card(
        cls,
        *,
        identity: Identity,
        issuing_state: Country,
        card_number: CardNumber,
        issued_at: dt.datetime,
        expires_on: dt.date,
        face: bytes = b"",
        fingerprints: Sequence[FingerTemplate] = (),
        issuer_base: str = DEFAULT_ISSUER_BASE,
    ) -> CredentialClaims:
        """Claims for one card; ``issued_at`` (timezone-aware) is cut to whole seconds in UTC."""
        return cls(
            issuer=issuer_url(issuing_state, issuer_base),
            issuing_state=issuing_state,
            card_number=card_number,
            issued_at=issued_at.astimezone(dt.UTC).replace(microsecond=0),
            expires_at=end_of_day(expires_on),
            identity=identity,
            face=face,
            fingerprints=tuple(fingerprints),
        )

    @property
    def expires_on(self) -> dt.date:
        """The expiry day printed on the card."""
        return self.expires_at.date()

    @classmethod
    def _checked(cls, **fields: Any) -> CredentialClaims:
        """Claims whose every rule the caller has just checked, built without checking again.

        Only :func:`decode_claims` calls it: it checks each claim as it reads it, with
        messages that name the claim, so ``__post_init__`` would repeat the same rules
        (about a fifth of the time of reading a QR). Every field must be given, with
        the fingerprints already sorted.
        """
        claims = object.__new__(cls)
        claims.__dict__.update(fields)  # a frozen dataclass without slots keeps them here
        return claims


def _claims_problem(claims: CredentialClaims) -> str | None:
    """What keeps ``claims`` from being encoded, or None."""
    person, state = claims.identity, claims.issuing_state
    keys = [finger.key for finger in claims.fingerprints]
    if not claims.issuer.endswith(f"/{state.value}"):
        return f"issuer {claims.issuer!r} does not end in /{state.value}"
    if not (_is_utc_second(claims.issued_at) and _is_utc_second(claims.expires_at)):
        return "issued_at and expires_at must be timezone-aware UTC with whole seconds"
    if claims.expires_at.time() != _END_OF_DAY or claims.expires_at <= claims.issued_at:
        return f"expires_at {claims.expires_at} is not the end of a day after issued_at"
    if not _card_number_ok(claims.card_number, state):
        return f"card number {claims.card_number!r} is not {state.alpha2} then 7 digits of base 33"
    if not _NIN_RE.fullmatch(person.nin):
        return f"NIN {person.nin!r} is not 12 digits"
    if problem := nationality_problem(person.nationality):
        return f"nationality {problem}: expected {NATIONALITIES}"
    if not _LANGUAGE_RE.fullmatch(claims.language):
        return f"language {claims.language!r} is not an ISO 639 alpha-3 code"
    if claims.face and not _is_webp(claims.face):
        return "face is not a WebP image"
    if len(set(keys)) != len(keys) or not all(key in FINGER_KEYS for key in keys):
        return f"fingerprint keys {keys} are not distinct keys 50-59"
    if not all(_finger_ok(finger) for finger in claims.fingerprints):
        return "a fingerprint needs a bytes template and a sub-format of 0 or more"
    return None


def _finger_ok(finger: FingerTemplate) -> bool:
    return (
        type(finger.template) is bytes and type(finger.sub_format) is int and finger.sub_format >= 0
    )


def _is_utc_second(moment: dt.datetime) -> bool:
    return moment.utcoffset() == dt.timedelta(0) and moment.microsecond == 0


def _card_number_ok(number: str, state: Country) -> bool:
    return bool(_CARD_RE.fullmatch(number)) and number[:2] == state.alpha2


def _is_webp(image: bytes) -> bool:
    return image[:4] == b"RIFF" and image[8:12] == b"WEBP"


# -- CWT claims <-> CBOR -------------------------------------------------------------------


def encode_claims(claims: CredentialClaims) -> bytes:
    """The CWT claims map (RFC 8392) with claim 169, as deterministic CBOR (RFC 8949 §4.2.1).

    Maps are built in ascending key order, which for these small unsigned
    keys is the bytewise order of their encodings that §4.2.1 asks for.
    """
    person = claims.identity
    identity: dict[int, Any] = {
        1: person.nin,
        3: claims.language,
        4: person.full_name,
        5: person.given_names,
        7: person.family_name,
        8: person.date_of_birth.compact(),
        9: person.sex.claim169,
        13: person.nationality,
        23: claims.issuing_state.value,
    }
    for finger in claims.fingerprints:
        identity[finger.key] = [{0: finger.template, 1: BIOMETRIC_TEMPLATE, 2: finger.sub_format}]
    if claims.face:
        identity[62] = [{0: claims.face, 1: BIOMETRIC_IMAGE, 2: IMAGE_WEBP}]
    identity[75] = person.place_of_birth
    issued = int(claims.issued_at.timestamp())
    cwt = {
        1: claims.issuer,
        4: int(claims.expires_at.timestamp()),
        5: issued,
        6: issued,
        7: claims.card_number.encode("ascii"),
        169: identity,
    }
    return bytes(cbor2.dumps(cwt))


def decode_claims(payload: bytes) -> CredentialClaims:
    """Parse a CWT claims payload; raise :class:`MalformedCredential` naming the bad claim.

    Every claim in docs/credential.md is required except the face (62) and
    the fingerprints (50-59); keys not in the spec are ignored.
    """
    cwt = _Claims(_load_map(payload), "claim", _CWT_NAMES)
    ident = _Claims(cwt.mapping(169), "claim 169 key", _IDENTITY_NAMES)
    state = _issuing_state(ident)
    issuer = cwt.text(1)
    if not issuer.endswith(f"/{state.value}"):
        cwt.fail(1, f"a URL ending in /{state.value} (claim 169 key 23)", _show(issuer))
    issued_at, expires_at = _validity(cwt)
    number = _card_number(cwt, state)
    language = ident.text(3)
    if not _LANGUAGE_RE.fullmatch(language):
        ident.fail(3, "an ISO 639 alpha-3 code such as 'fra'", _show(language))
    # Every rule of CredentialClaims is checked above or in the readers below (issuer,
    # times, card number, NIN, nationality, language, WebP face, fingerprint keys in
    # order and their types); tests/formats/test_credential.py holds the two in step.
    return CredentialClaims._checked(
        issuer=issuer,
        issuing_state=state,
        card_number=number,
        issued_at=issued_at,
        expires_at=expires_at,
        identity=_identity(ident),
        face=_face(ident),
        fingerprints=tuple(_fingerprints(ident)),
        language=language,
    )


def _load_map(payload: bytes) -> Mapping[Any, Any]:
    stream = io.BytesIO(payload)
    try:
        value: Mapping[Any, Any] = cbor2.CBORDecoder(
            stream, allow_duplicate_keys=False, max_depth=16
        ).decode()
    except CBOR_DECODE_ERRORS as exc:
        raise MalformedCredential(f"claims are not CBOR: {exc}") from None
    if stream.tell() != len(payload):
        raise MalformedCredential(
            f"claims: {trailing_bytes(len(payload) - stream.tell())} the CBOR map: expected none"
        )
    if type(value) not in _MAP:
        raise MalformedCredential(f"claims: expected a CBOR map, found {_cbor_type(value)}")
    return value


_MISSING = object()
_SEX_BY_CODE = {sex.claim169: sex for sex in Sex}
_TEXT, _INT, _BYTES = (str,), (int,), (bytes,)
_MAP = (dict, cbor2.frozendict)  # what cbor2 6 decodes a map to (frozendict inside a tag)
_ARRAY = (list, tuple)


class _Claims:
    """One CBOR map of the credential, read with errors that name the claim."""

    def __init__(self, items: Mapping[Any, Any], prefix: str, names: Mapping[int, str]) -> None:
        self.items, self.prefix, self.names = items, prefix, names

    def fail(self, key: int, expected: str, found: str) -> NoReturn:
        raise MalformedCredential(
            f"{self.prefix} {key} ({self.names[key]}): expected {expected}, found {found}"
        )

    def get(self, key: int, types: tuple[type, ...], expected: str) -> Any:
        """The value under ``key``, whose type must be exactly one of ``types``."""
        value = self.items.get(key, _MISSING)
        if type(value) in types:  # exact: cbor2 gives these types, and bool is no int
            return value
        if value is _MISSING:
            raise MalformedCredential(f"{self.prefix} {key} ({self.names[key]}) is missing")
        self.fail(key, expected, _cbor_type(value))

    def text(self, key: int, expected: str = "tstr") -> str:
        value: str = self.get(key, _TEXT, expected)  # exactly a str
        return value

    def integer(self, key: int, expected: str = "int") -> int:
        value: int = self.get(key, _INT, expected)  # exactly an int
        return value

    def mapping(self, key: int) -> Mapping[Any, Any]:
        value: Mapping[Any, Any] = self.get(key, _MAP, "map")
        return value


def trailing_bytes(count: int) -> str:
    """``"1 byte follows"`` / ``"3 bytes follow"``, for messages about trailing data."""
    return f"{count} byte follows" if count == 1 else f"{count} bytes follow"


def _cbor_type(value: object) -> str:
    kinds = [(bool, "bool"), (int, "int"), (bytes, "bstr"), (str, "tstr"), (float, "float")]
    kinds += [(Mapping, "map"), (Sequence, "array"), (cbor2.CBORTag, "tag")]
    if value is None:
        return "null"
    return next((name for kind, name in kinds if isinstance(value, kind)), type(value).__name__)


def _show(value: object) -> str:
    """``repr`` of an untrusted value, cut short so that a message stays one short line."""
    shown = repr(value)
    return shown if len(shown) <= 48 else shown[:45] + "..."


def _issuing_state(ident: _Claims) -> Country:
    code = ident.text(23)
    try:
        return Country(code)
    except ValueError:
        ident.fail(23, "MLI, BFA or NER", _show(code))


def _validity(cwt: _Claims) -> tuple[dt.datetime, dt.datetime]:
    """``iat`` (= ``nbf``) and ``exp``, in UTC."""
    moments = {}
    for key in (4, 5, 6):
        seconds = cwt.integer(key, "int (seconds since 1970)")
        if not 0 <= seconds <= _LAST_SECOND:
            cwt.fail(key, "a time from 1970 to 9999", str(seconds))
        moments[key] = dt.datetime.fromtimestamp(seconds, dt.UTC)
    if moments[5] != moments[6]:
        cwt.fail(
            5,
            f"the time of issue {moments[6]:%Y-%m-%dT%H:%M:%SZ} (claim 6)",
            f"{moments[5]:%Y-%m-%dT%H:%M:%SZ}",
        )
    if moments[4].time() != _END_OF_DAY or moments[4] <= moments[6]:
        cwt.fail(
            4,
            "the end of a day (23:59:59 UTC) after the time of issue",
            f"{moments[4]:%Y-%m-%dT%H:%M:%SZ}",
        )
    return moments[6], moments[4]


def _card_number(cwt: _Claims, state: Country) -> CardNumber:
    raw: bytes = cwt.get(7, _BYTES, "bstr (the card number in ASCII)")
    number = raw.decode("latin-1")
    if not _card_number_ok(number, state):
        cwt.fail(
            7,
            f"{state.alpha2} then 7 digits of base 33 (0-9, A-Z except I O Q) in ASCII "
            f"(e.g. {state.alpha2}0004217)",
            _show(raw),
        )
    return CardNumber(number)


def _identity(ident: _Claims) -> Identity:
    nin = ident.text(1)
    if not _NIN_RE.fullmatch(nin):
        ident.fail(1, "tstr of 12 digits", _show(nin))
    given, family = ident.text(5), ident.text(7)
    full = ident.text(4)
    if full != f"{given} {family}".strip():
        ident.fail(4, f"{f'{given} {family}'.strip()!r} (keys 5 then 7)", _show(full))
    nationality = ident.text(13)
    if nationality_problem(nationality):
        ident.fail(13, NATIONALITIES, _show(nationality))
    return Identity(
        nin=Nin(nin),
        family_name=family,
        given_names=given,
        date_of_birth=_date_of_birth(ident),
        sex=_sex(ident),
        nationality=nationality,
        place_of_birth=ident.text(75),
    )


def _date_of_birth(ident: _Claims) -> PartialDate:
    text = ident.text(8, "tstr YYYYMMDD")
    if not _DOB_RE.fullmatch(text):
        ident.fail(8, "tstr YYYYMMDD", _show(text))
    try:
        return PartialDate(int(text[:4]), int(text[4:6]), int(text[6:]))
    except InputError as exc:
        ident.fail(8, "a real date (00 for an unknown month or day)", f"{_show(text)}: {exc}")


def _sex(ident: _Claims) -> Sex:
    code = ident.integer(9, "int 1, 2 or 3")
    if code not in _SEX_BY_CODE:
        ident.fail(9, "1 (male), 2 (female) or 3 (other)", str(code))
    return _SEX_BY_CODE[code]


def _biometric(ident: _Claims, key: int, form: int) -> tuple[bytes, int]:
    """The one entry ``[{0: data, 1: format, 2: sub-format}]`` under ``key``."""
    entries = ident.get(key, _ARRAY, "array of one biometric")
    if len(entries) != 1:
        ident.fail(key, "array of one biometric", f"array of {len(entries)}")
    entry = entries[0]
    if type(entry) not in _MAP:
        ident.fail(key, "a biometric map", _cbor_type(entry))
    data, found_form, sub_format = entry.get(0), entry.get(1), entry.get(2)
    if type(data) is not bytes:
        ident.fail(key, "biometric data (key 0) as bstr", _cbor_type(data))
    if type(found_form) is not int or found_form != form:
        ident.fail(key, f"biometric format (key 1) {form}", _show(found_form))
    if type(sub_format) is not int or sub_format < 0:
        ident.fail(key, "biometric sub-format (key 2) as unsigned int", _show(sub_format))
    return data, sub_format


def _face(ident: _Claims) -> bytes:
    if 62 not in ident.items:
        return b""
    image, sub_format = _biometric(ident, 62, BIOMETRIC_IMAGE)
    if sub_format != IMAGE_WEBP or not _is_webp(image):
        ident.fail(62, "a WebP image (sub-format 4)", f"sub-format {sub_format}, {image[:12]!r}")
    return image


def _fingerprints(ident: _Claims) -> list[FingerTemplate]:
    fingers = []
    for key in FINGER_KEYS:
        if key in ident.items:
            template, sub_format = _biometric(ident, key, BIOMETRIC_TEMPLATE)
            fingers.append(FingerTemplate(key, template, sub_format))
    return fingers
