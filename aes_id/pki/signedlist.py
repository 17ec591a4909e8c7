"""What the trust list and the revocation lists share: the signed envelope, the strict
field readers, times on the wire, and the freshness warnings a verifier prints.

A list is deterministic CBOR (RFC 8949 §4.2.1) inside a COSE_Sign1 (RFC 9052
§4.2); times are integer seconds since the epoch, UTC. Pure: no I/O, the clock
is a parameter.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

import cbor2
from cryptography import x509

from aes_id.errors import InputError, TrustError
from aes_id.formats.cose import CoseSignatureError, decode1, verify1
from aes_id.pki.certs import public_key_of

FORMAT_VERSION = 1


class ListFormatError(InputError):
    """A trust or revocation list whose bytes do not have the expected structure."""


class ListSignatureError(TrustError):
    """A trust or revocation list not signed by the key that must sign it."""


class SignedList(Protocol):
    """A list with an issue time and a next-update time (trust list, revocation list)."""

    @property
    def label(self) -> str: ...

    @property
    def issued_at(self) -> dt.datetime: ...

    @property
    def next_update(self) -> dt.datetime: ...


def staleness_warning(
    label: str, issued_at: dt.datetime, next_update: dt.datetime, now: dt.datetime
) -> str | None:
    """``"trust list is 9 days old, next update was due 2026-11-20"`` once past due."""
    if now <= next_update:
        return None
    return f"{label} is {_age(now - issued_at)} old, next update was due {next_update:%Y-%m-%d}"


def clock_warning(label: str, issued_at: dt.datetime, now: dt.datetime) -> str | None:
    """A warning when the clock reads earlier than a list's issue time (a clock set back)."""
    if now >= issued_at:
        return None
    return (
        f"the clock reads {now:%Y-%m-%d %H:%M} UTC, before the {label} was issued "
        f"({issued_at:%Y-%m-%d %H:%M} UTC): check the device clock"
    )


def freshness_warnings(
    now: dt.datetime,
    trust_list: SignedList | None = None,
    revocation_lists: Iterable[SignedList | None] = (),
) -> tuple[str, ...]:
    """Every warning about the lists a verifier used: each one past due, and a clock
    earlier than the newest issue time."""
    present = [item for item in (trust_list, *revocation_lists) if item is not None]
    warnings = [staleness_warning(i.label, i.issued_at, i.next_update, now) for i in present]
    if present:
        newest = max(present, key=lambda item: item.issued_at)
        warnings.append(clock_warning(newest.label, newest.issued_at, now))
    return tuple(warning for warning in warnings if warning)


def verified_payload(
    data: bytes, what: str, expected_kid: bytes, certificate: x509.Certificate
) -> bytes:
    """The payload of a COSE_Sign1 whose protected kid is ``expected_kid`` and whose
    signature verifies with ``certificate``'s key (alg EdDSA from the protected header)."""
    message = decode1(data)
    if message.kid != expected_kid:
        found = message.kid.hex() if message.kid else "none"
        raise ListSignatureError(f"{what} is signed by kid {found}, expected {expected_kid.hex()}")
    try:
        return verify1(message, public_key_of(certificate))
    except CoseSignatureError:
        raise ListSignatureError(
            f"{what} signature does not verify with the key of kid {expected_kid.hex()}"
        ) from None


def body_of(
    payload: bytes,
    kind: str,
    what: str,
    *,
    versions: Sequence[int] = (FORMAT_VERSION,),
    older: str = "",
) -> Mapping[Any, Any]:
    """The payload's top-level map, checked for its ``type`` and a version ``v`` in ``versions``.

    ``versions`` lists the current version first, then older ones still read;
    ``older`` says, in an error, what the older versions are.
    """
    try:
        body = cbor2.loads(payload)
    except Exception as exc:  # cbor2 raises several types on garbage
        raise ListFormatError(f"{what} payload is not CBOR: {exc}") from None
    if not isinstance(body, Mapping):
        raise ListFormatError(f"{what} payload is a {type(body).__name__}, expected a map")
    if body.get("type") != kind:
        raise ListFormatError(f"{what} payload has type {body.get('type')!r}, expected {kind!r}")
    version = body.get("v")
    if type(version) is not int or version not in versions:
        expected = str(versions[0])
        if len(versions) > 1:
            expected += f" (or {', '.join(map(str, versions[1:]))}, {older})"
        raise ListFormatError(f"{what} version {version!r}, expected {expected}")
    return body


def typed_field(body: Mapping[Any, Any], key: str, kind: Any, what: str) -> Any:
    """``body[key]``, which must be an instance of ``kind`` (``Sequence`` excludes strings)."""
    if key not in body:
        raise ListFormatError(f"{what} lacks {key!r}")
    value = body[key]
    if not isinstance(value, kind) or (kind is Sequence and isinstance(value, (str, bytes))):
        name = getattr(kind, "__name__", str(kind))
        raise ListFormatError(f"{what}: {key!r} is a {type(value).__name__}, expected {name}")
    return value


def uint_field(body: Mapping[Any, Any], key: str, what: str) -> int:
    value = typed_field(body, key, int, what)
    if isinstance(value, bool) or value < 0:
        raise ListFormatError(f"{what}: {key!r} is {value!r}, expected an unsigned integer")
    return int(value)


def time_field(body: Mapping[Any, Any], key: str, what: str) -> dt.datetime:
    return from_seconds(uint_field(body, key, what))


def require_deterministic(payload: bytes, canonical: bytes, what: str) -> None:
    """Refuse a payload that is not exactly the deterministic encoding of what it says."""
    if payload != canonical:
        raise ListFormatError(
            f"{what} payload is not in deterministic CBOR or carries unknown fields"
        )


def encode(body: Mapping[str, Any]) -> bytes:
    """Deterministic CBOR; with text keys under 24 bytes, cbor2's canonical order is
    RFC 8949 §4.2.1's bytewise order."""
    return cbor2.dumps(body, canonical=True)


def check_header(sequence: int, issued_at: dt.datetime, next_update: dt.datetime) -> None:
    if sequence < 0:
        raise ValueError(f"sequence {sequence} is negative")
    check_time(issued_at)
    check_time(next_update)
    if next_update <= issued_at:
        raise ValueError("next update must come after the issue time")


def check_time(moment: dt.datetime) -> None:
    if moment.tzinfo is None or moment.microsecond:
        raise ValueError(f"time {moment.isoformat()} must be timezone-aware, in whole seconds")


def whole_second(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        raise ValueError("time must be timezone-aware (UTC)")
    return moment.astimezone(dt.UTC).replace(microsecond=0)


def seconds(moment: dt.datetime) -> int:
    return int(moment.timestamp())


def from_seconds(value: int) -> dt.datetime:
    try:
        return dt.datetime.fromtimestamp(value, dt.UTC)
    except (OverflowError, OSError, ValueError):
        raise ListFormatError(f"time {value} is out of range") from None


def _age(age: dt.timedelta) -> str:
    if age >= dt.timedelta(days=1):
        return f"{age.days} day{'s' if age.days != 1 else ''}"
    hours = int(age.total_seconds() // 3600)
    return f"{hours} hour{'s' if hours != 1 else ''}"
