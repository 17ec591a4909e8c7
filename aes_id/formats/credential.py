"""The card credential: a Claim 169 identity in a CWT, signed, deflated, Base45.

docs/credential.md::

    QR text = Base45( zlib( COSE_Sign1( CWT claims ) ) )

The QR text carries no prefix: MOSIP's Claim 169 QR specification has none,
and the ``claim169`` decoder refuses a text that starts with ``AES1:`` or
``HC1:``, so an AES card reads in any Claim 169 verifier as is. No prefix is
accepted on input either (one credential, one form); a text that fails and
looks prefixed gets a hint saying so.

Issuing is :func:`sign_credential` (or :func:`prepare` then :func:`finish`
when the signature is made elsewhere, e.g. in a worker process). Reading is
:func:`parse_qr_text`, which refuses anything malformed but does not check the
signature: the verifier does that with the trust list
(:func:`aes_id.formats.cose.verify1`).

    >>> import datetime as dt
    >>> from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    >>> from aes_id.domain import CardNumber, Country, Identity, Kid, Nin, PartialDate, Sex
    >>> person = Identity(Nin("274913058627"), "Keïta", "Aïssata", PartialDate(1990, 5),
    ...                   Sex.F, "MLI", "Ségou")
    >>> claims = CredentialClaims.for_card(
    ...     identity=person, issuing_state=Country.MLI, card_number=CardNumber("ML0004217"),
    ...     issued_at=dt.datetime(2026, 3, 14, 9, 30, tzinfo=dt.UTC),
    ...     expires_on=dt.date(2036, 3, 13))
    >>> key = Ed25519PrivateKey.from_private_bytes(bytes(32))
    >>> text = build_qr_text(claims, kid=Kid(b"12345678"), key=key)
    >>> parse_qr_text(text).claims == claims
    True
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import io
import math
import re
import zlib
from dataclasses import dataclass

import cbor2
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from aes_id.domain import Kid
from aes_id.errors import UsageError
from aes_id.formats import base45
from aes_id.formats.claims import (
    DEFAULT_ISSUER_BASE,
    CredentialClaims,
    FingerTemplate,
    MalformedCredential,
    decode_claims,
    encode_claims,
    end_of_day,
    issuer_url,
    trailing_bytes,
)
from aes_id.formats.cose import (
    CBOR_DECODE_ERRORS,
    CoseFormatError,
    CoseSign1,
    assemble1,
    decode1,
    protected_header,
    sig_structure,
)
from aes_id.formats.qr import MAX_QR_CHARS

__all__ = [
    "DEFAULT_ISSUER_BASE",
    "MAX_INFLATED_BYTES",
    "MAX_QR_BYTES",
    "MAX_QR_TEXT_CHARS",
    "CredentialClaims",
    "CredentialTooLarge",
    "FingerTemplate",
    "MalformedCredential",
    "ParsedCredential",
    "PreparedCredential",
    "SignedCredential",
    "build_qr_text",
    "decode_claims",
    "encode_claims",
    "end_of_day",
    "face_budget",
    "finish",
    "issuer_url",
    "parse_qr_text",
    "prepare",
    "sign_credential",
]

MAX_QR_TEXT_CHARS = 4096
"""Longest QR text :func:`parse_qr_text` reads (a version-40 QR holds 4296)."""

MAX_INFLATED_BYTES = 64 * 1024
"""Most bytes a QR text may inflate to (docs/credential.md: no decompression bomb)."""

ZLIB_LEVEL = 9
"""Deflate level of the QR text: the smallest stream, so the most bytes left for the face."""

MAX_QR_BYTES = MAX_QR_CHARS // 3 * 2 + (1 if MAX_QR_CHARS % 3 == 2 else 0)
"""Most deflated bytes whose Base45 text fits in :data:`MAX_QR_CHARS` (646)."""

_STAND_IN = hashlib.shake_256(b"aes-id face budget").digest(72 + MAX_QR_BYTES)
_FACE_MARGIN = 4
_PREFIX_RE = re.compile(r"[A-Z][A-Z0-9]{1,5}:")
_CONTROL_CHARS = "\r\n\t"  # never Base45: a scanner or a paste may add them around the text


_protected_header = functools.lru_cache(maxsize=64)(protected_header)
"""The protected header per kid: a signer signs thousands of cards under the same one."""


class CredentialTooLarge(UsageError):
    """The signed credential would not fit a version-20, level-M QR."""


# -- signing: claims -> COSE_Sign1 -> zlib -> Base45 ---------------------------------------


@dataclass(frozen=True)
class PreparedCredential:
    """A credential ready to be signed: the protected header and the claims payload."""

    protected: bytes
    payload: bytes

    def to_be_signed(self) -> bytes:
        """The ``Sig_structure`` (RFC 9052 §4.4) the Document Signer signs with Ed25519."""
        return sig_structure(self.protected, self.payload)


@dataclass(frozen=True)
class SignedCredential:
    """A signed credential: the QR text and the exact COSE_Sign1 bytes inside it."""

    qr_text: str
    cose: bytes

    @property
    def cose_sha256(self) -> bytes:
        """SHA-256 of the COSE_Sign1 bytes, the value the signature log records."""
        return hashlib.sha256(self.cose).digest()


def prepare(claims: CredentialClaims, *, kid: Kid) -> PreparedCredential:
    """Encode ``claims`` under the protected header ``{1: -8, 4: kid}``."""
    if len(kid) != 8:
        raise UsageError(
            f"kid must be 8 bytes (SHA-256 prefix of the certificate), found {len(kid)}"
        )
    return PreparedCredential(_protected_header(kid), encode_claims(claims))


def finish(prepared: PreparedCredential, signature: bytes) -> SignedCredential:
    """Assemble the COSE_Sign1 and its QR text; refuse a text past version 20-M.

    The signature is not checked here: the process that made it answers for it.
    """
    if len(signature) != 64:
        raise UsageError(f"an Ed25519 signature is 64 bytes, found {len(signature)}")
    cose = assemble1(prepared.protected, prepared.payload, signature)
    text = encode_qr_text(cose)
    if len(text) > MAX_QR_CHARS:
        raise CredentialTooLarge(
            f"credential is {len(text)} Base45 characters: a version-20, level-M QR holds "
            f"{MAX_QR_CHARS}",
            hint="give the face thumbnail fewer bytes (see face_budget)",
        )
    return SignedCredential(text, cose)


def encode_qr_text(cose: bytes) -> str:
    """The QR text of COSE_Sign1 bytes: Base45 (RFC 9285) of their zlib stream (RFC 1950).

    The inverse of the first two steps of :func:`parse_qr_text`. Deflate runs
    at level :data:`ZLIB_LEVEL`; any level reads back the same.
    """
    return base45.encode(zlib.compress(cose, ZLIB_LEVEL))


def sign_credential(
    claims: CredentialClaims, *, kid: Kid, key: Ed25519PrivateKey
) -> SignedCredential:
    """Sign ``claims`` with the Document Signer's key: QR text and COSE bytes."""
    prepared = prepare(claims, kid=kid)
    return finish(prepared, key.sign(prepared.to_be_signed()))


def build_qr_text(claims: CredentialClaims, *, kid: Kid, key: Ed25519PrivateKey) -> str:
    """The QR text of ``claims`` signed with ``key`` (see :func:`sign_credential`)."""
    return sign_credential(claims, kid=kid, key=key).qr_text


def face_budget(claims: CredentialClaims) -> int:
    """Most bytes a WebP face may take so that ``claims`` with it fit version 20-M.

    A face is already compressed, so deflate cannot shrink it: each byte of
    face costs about one deflated byte. With pseudo-random stand-ins for the
    face, the kid and the signature, the search (1) measures the credential
    with the smallest face, (2) moves by the secant of the deflated sizes
    measured until a size fits, then (3) steps to the largest size whose next
    does not fit; less a small margin for how deflate's Huffman tables vary
    with the content. A handful of deflates, where a bisection takes eleven.
    """
    measured: dict[int, int] = {}

    def deflated(size: int) -> int:
        if size not in measured:
            measured[size] = _deflated_with_stand_in(claims, size)
        return measured[size]

    low = 12  # the smallest RIFF/WEBP header
    if deflated(low) > MAX_QR_BYTES:
        return 0
    size, slope = low + MAX_QR_BYTES - deflated(low), 1.0  # 1. one deflated byte per byte
    while deflated(size) > MAX_QR_BYTES:  # 2. secant steps down, each at least one byte
        excess = deflated(size) - MAX_QR_BYTES
        size, slope = _secant_step(size, excess, low, deflated(low), slope, deflated(size))
    while size < MAX_QR_BYTES and deflated(size + 1) <= MAX_QR_BYTES:  # 3. up to the edge
        size += 1
    return max(0, size - _FACE_MARGIN)


def _secant_step(
    size: int, excess: int, low: int, low_bytes: int, slope: float, size_bytes: int
) -> tuple[int, float]:
    """The next, smaller size to try, and the deflated bytes per face byte it assumed."""
    if size > low:
        slope = max(slope, (size_bytes - low_bytes) / (size - low))
    return max(low, size - max(1, math.ceil(excess / slope))), slope


def _deflated_with_stand_in(claims: CredentialClaims, size: int) -> int:
    """Deflated bytes of ``claims`` signed, with a pseudo-random face of ``size`` bytes."""
    kid, signature = _STAND_IN[:8], _STAND_IN[8:72]
    riff_size = (size - 8).to_bytes(4, "little")
    face = b"RIFF" + riff_size + b"WEBP" + _STAND_IN[72 : 72 + size - 12]
    payload = encode_claims(dataclasses.replace(claims, face=face))
    cose = assemble1(protected_header(kid), payload, signature)
    return len(zlib.compress(cose, ZLIB_LEVEL))


# -- reading: QR text -> claims, without the signature check ------------------------------


@dataclass(frozen=True)
class ParsedCredential:
    """A QR text read into its COSE_Sign1 and claims; the signature is NOT checked yet."""

    cose: CoseSign1
    cose_bytes: bytes
    claims: CredentialClaims

    @property
    def kid(self) -> Kid | None:
        """The key id to look the signer up by: protected header, else the unprotected one."""
        if self.cose.kid is not None:
            return Kid(self.cose.kid)
        if self.cose.kid_in_unprotected:
            return Kid(bytes(self.cose.unprotected[4]))
        return None

    @property
    def kid_in_unprotected(self) -> bool:
        """True when the kid was only in the unprotected header (a hint, not signed)."""
        return self.cose.kid_in_unprotected

    @property
    def alg(self) -> int | None:
        """The algorithm from the protected header (-8 for EdDSA), the only one trusted."""
        return self.cose.alg


def parse_qr_text(text: str) -> ParsedCredential:
    """Read a QR text; raise :class:`MalformedCredential` naming the first defect.

    Surrounding CR, LF and tab are dropped (they are never Base45); anything
    else that is not the spec's form is refused.

    Parsing at the boundary: every way untrusted text can fail to be a credential
    ends here as a :class:`MalformedCredential`, and only as one. The expected
    failures of each layer are converted where they occur and nowhere else:
    :class:`~aes_id.formats.base45.Base45Error`, :class:`zlib.error`,
    :data:`~aes_id.formats.cose.CBOR_DECODE_ERRORS`,
    :class:`~aes_id.formats.cose.CoseFormatError` and the claim readers' own
    errors. Any other exception out of this function is a defect of the parser,
    not of the input, and callers must not treat it as a verdict.
    """
    # 1. Bound the input before any work (a version-40 QR holds 4296 characters).
    if not isinstance(text, str):
        raise MalformedCredential(f"QR text must be a string, found {type(text).__name__}")
    text = text.strip(_CONTROL_CHARS)
    if not text:
        raise MalformedCredential("QR text is empty")
    if len(text) > MAX_QR_TEXT_CHARS:
        raise MalformedCredential(
            f"QR text is {len(text)} characters: expected at most {MAX_QR_TEXT_CHARS}"
        )
    # 2. Base45 (RFC 9285), then 3. zlib (RFC 1950) inflated to at most 64 KiB.
    try:
        cose_bytes = _inflate(base45.decode(text))
    except base45.Base45Error as exc:
        raise MalformedCredential(f"not Base45: {exc}", hint=_prefix_hint(text)) from None
    except MalformedCredential as exc:
        raise MalformedCredential(exc.message, hint=_prefix_hint(text)) from None
    # 4. COSE_Sign1 (RFC 9052 §4.2): one CBOR item, nothing after it.
    try:
        message = decode1(cose_bytes)
    except CoseFormatError as exc:
        raise MalformedCredential(f"not a COSE_Sign1: {exc}") from None
    _check_single_item(cose_bytes)
    # 5. CWT claims (RFC 8392) with claim 169.
    return ParsedCredential(message, cose_bytes, decode_claims(message.payload))


def _prefix_hint(text: str) -> str | None:
    """A hint for texts like ``AES1:...`` or ``HC1:...``: Claim 169 has no prefix."""
    prefix = _PREFIX_RE.match(text)
    if prefix is None:
        return None
    return f"Claim 169 QR texts have no prefix: try the text without {prefix.group()!r}"


def _inflate(deflated: bytes) -> bytes:
    inflater = zlib.decompressobj()
    try:
        inflated = inflater.decompress(deflated, MAX_INFLATED_BYTES)
    except zlib.error as exc:
        raise MalformedCredential(f"not a zlib stream (RFC 1950): {exc}") from None
    if not inflater.eof and (inflater.unconsumed_tail or len(inflated) == MAX_INFLATED_BYTES):
        raise MalformedCredential(
            f"inflates to more than {MAX_INFLATED_BYTES} bytes: refused (decompression bomb)"
        )
    if not inflater.eof:
        raise MalformedCredential("zlib stream is truncated")
    if inflater.unused_data:
        raise MalformedCredential(
            f"{trailing_bytes(len(inflater.unused_data))} the zlib stream: expected none"
        )
    return inflated


def _check_single_item(cose_bytes: bytes) -> None:
    stream = io.BytesIO(cose_bytes)
    try:
        cbor2.CBORDecoder(stream).decode()  # decode1 has already read it without error
    except CBOR_DECODE_ERRORS as exc:
        raise MalformedCredential(f"not a COSE_Sign1: not CBOR: {exc}") from None
    if stream.tell() != len(cose_bytes):
        raise MalformedCredential(
            f"{trailing_bytes(len(cose_bytes) - stream.tell())} the COSE_Sign1: expected none"
        )
