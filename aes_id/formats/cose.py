"""COSE_Sign1 (RFC 9052 §4.2) with EdDSA over Ed25519, on cbor2.

About twenty lines of real work: measured here, pycose was twice as slow and
clashed with cbor2 6, so the project carries its own. Only what AES-ID issues
and accepts is supported: ``alg`` -8 (EdDSA) taken from the protected header,
``kid`` in the protected header, empty external AAD.

    >>> from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    >>> key = Ed25519PrivateKey.from_private_bytes(bytes(32))
    >>> blob = sign1(b"hello", kid=b"12345678", key=key)
    >>> verify1(decode1(blob), key.public_key())
    b'hello'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import cbor2
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from aes_id.errors import InputError, TrustError

COSE_SIGN1_TAG = 18
ALG_EDDSA = -8
HEADER_ALG = 1
HEADER_KID = 4

CBOR_DECODE_ERRORS: tuple[type[Exception], ...] = (cbor2.CBORDecodeError, UnicodeDecodeError)
"""What cbor2 raises for bytes that are not well-formed CBOR: the "bad bytes" errors.

``CBORDecodeError`` is the base of all of them (``CBORDecodeEOF`` for a truncated item,
``CBORDecodeValueError`` in cbor2 5, a bad semantic tag, invalid UTF-8, nesting past
``max_depth``); ``UnicodeDecodeError`` is listed for decoders that let it through
unwrapped. Anything else out of cbor2 is a defect, and is not caught.
"""


class CoseFormatError(InputError):
    """The bytes are not a COSE_Sign1 of the form AES-ID accepts."""


class CoseSignatureError(TrustError):
    """The COSE_Sign1 signature does not verify with the given key."""


@dataclass(frozen=True)
class CoseSign1:
    """A parsed COSE_Sign1: the raw protected header bytes are kept, as signed."""

    protected: bytes
    unprotected: Mapping[Any, Any]
    payload: bytes
    signature: bytes
    alg: int | None
    kid: bytes | None
    kid_in_unprotected: bool = False

    def to_be_signed(self) -> bytes:
        return sig_structure(self.protected, self.payload)


def sig_structure(protected: bytes, payload: bytes) -> bytes:
    """RFC 9052 §4.4: ``["Signature1", body_protected, external_aad, payload]``."""
    return cbor2.dumps(["Signature1", protected, b"", payload])


def protected_header(kid: bytes) -> bytes:
    return cbor2.dumps({HEADER_ALG: ALG_EDDSA, HEADER_KID: kid})


def sign1(payload: bytes, *, kid: bytes, key: Ed25519PrivateKey) -> bytes:
    """Sign ``payload`` and return the tagged COSE_Sign1 bytes."""
    protected = protected_header(kid)
    signature = key.sign(sig_structure(protected, payload))
    return cbor2.dumps(cbor2.CBORTag(COSE_SIGN1_TAG, [protected, {}, payload, signature]))


def assemble1(protected: bytes, payload: bytes, signature: bytes) -> bytes:
    """Build the tagged COSE_Sign1 from parts signed elsewhere (e.g. in a worker)."""
    return cbor2.dumps(cbor2.CBORTag(COSE_SIGN1_TAG, [protected, {}, payload, signature]))


def decode1(data: bytes) -> CoseSign1:
    """Parse COSE_Sign1 bytes; raise :class:`CoseFormatError` naming the first defect."""
    try:
        obj = cbor2.loads(data)
    except CBOR_DECODE_ERRORS as exc:
        raise CoseFormatError(f"not CBOR: {exc}") from None
    if isinstance(obj, cbor2.CBORTag):
        if obj.tag != COSE_SIGN1_TAG:
            raise CoseFormatError(f"CBOR tag {obj.tag} is not COSE_Sign1 (18)")
        obj = obj.value
    if not isinstance(obj, (list, tuple)) or len(obj) != 4:
        raise CoseFormatError("COSE_Sign1 must be an array of 4 items")
    protected, unprotected, payload, signature = obj
    if not isinstance(protected, bytes):
        raise CoseFormatError("protected header is not a byte string")
    if not isinstance(unprotected, Mapping):
        raise CoseFormatError("unprotected header is not a map")
    if not isinstance(payload, bytes):
        raise CoseFormatError("payload is not a byte string (detached payloads are not accepted)")
    if not isinstance(signature, bytes):
        raise CoseFormatError("signature is not a byte string")
    header: Any = {}
    if protected:
        try:
            header = cbor2.loads(protected)
        except CBOR_DECODE_ERRORS:
            raise CoseFormatError("protected header is not CBOR") from None
        if not isinstance(header, Mapping):
            raise CoseFormatError("protected header is not a map")
    alg = header.get(HEADER_ALG)
    kid = header.get(HEADER_KID)
    kid_unprotected = unprotected.get(HEADER_KID)
    if alg is not None and not isinstance(alg, int):
        raise CoseFormatError(f"alg {alg!r} is not an integer")
    if kid is not None and not isinstance(kid, bytes):
        raise CoseFormatError("kid in the protected header is not a byte string")
    return CoseSign1(
        protected=protected,
        unprotected=unprotected,
        payload=payload,
        signature=signature,
        alg=alg,
        kid=kid,
        kid_in_unprotected=kid is None and isinstance(kid_unprotected, bytes),
    )


def verify1(message: CoseSign1, key: Ed25519PublicKey) -> bytes:
    """Check the algorithm (protected header only) and the signature; return the payload."""
    if message.alg != ALG_EDDSA:
        raise CoseFormatError(
            f"algorithm {message.alg!r} in the protected header is not EdDSA (-8)"
        )
    if len(message.signature) != 64:
        raise CoseSignatureError(
            f"Ed25519 signature must be 64 bytes, found {len(message.signature)}"
        )
    try:
        key.verify(message.signature, message.to_be_signed())
    except InvalidSignature:
        raise CoseSignatureError("signature does not verify with the signer's key") from None
    return message.payload
