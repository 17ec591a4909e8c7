"""C2SP signed notes (signed-note v1.0.0), log checkpoints (tlog-checkpoint v1.0.0), tlog proofs.

A signed note is a UTF-8 text ending in a newline, a blank line, then one line
per signature: ``— <key name> <base64(4-byte key id || signature)>``. The key
id of an Ed25519 key is ``SHA-256(name || 0x0A || 0x01 || public key)[:4]`` and
its verifier key is published as ``name+hex(key id)+base64(0x01 || public key)``,
the form of Go's ``golang.org/x/mod/sumdb/note``, whose examples pass here.

A checkpoint is the note text ``origin``, ``tree size``, ``base64 root hash``
(then optional extension lines); a ``c2sp.org/tlog-proof@v1`` proof carries a
leaf index, its inclusion proof and a signed checkpoint, offline-verifiable.

    >>> signer = NoteSigner.from_seed("example.org/log", bytes(32))
    >>> cp = Checkpoint("example.org/log", 0, merkle.EMPTY_ROOT)
    >>> note = sign_note(cp.to_text(), signer)
    >>> open_checkpoint(note, [signer.verifier], origin="example.org/log") == cp
    True

Parsing is strict: base64 must be canonical, numbers carry no leading zeros,
and every malformed input raises :class:`NoteFormatError` naming the defect.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from aes_id.errors import InputError, TrustError, UsageError
from aes_id.formats import merkle

EM_DASH = "\u2014"
ALG_ED25519 = 0x01
MAX_SIGNATURES = 100
"""Signature lines accepted in one note (signed-note asks for at least 16; Go allows 100)."""
TLOG_PROOF_HEADER = "c2sp.org/tlog-proof@v1"
_PRIVATE_PREFIX = "PRIVATE+KEY+"
_DECIMAL = re.compile(r"0|[1-9][0-9]*")
_HEX_ID = re.compile(r"[0-9a-f]{8}")
_MAX_UINT64 = 2**64 - 1


class NoteFormatError(InputError):
    """A note, key string, checkpoint or tlog proof that does not follow its C2SP format."""


class NoteVerificationError(TrustError):
    """A note without a valid signature from a trusted key, or a checkpoint of another log."""


@dataclass(frozen=True)
class NoteVerifier:
    """An Ed25519 note verifier key: a key name and a 32-byte public key."""

    name: str
    public_key: bytes

    def __post_init__(self) -> None:
        _check_name(self.name)
        if len(self.public_key) != 32:
            raise NoteFormatError(
                f"Ed25519 public key is {len(self.public_key)} bytes, expected 32"
            )

    @property
    def key_id(self) -> bytes:
        """``SHA-256(name || 0x0A || 0x01 || public key)[:4]`` (signed-note, Ed25519 signatures)."""
        return _key_id(self.name, self.public_key)

    def to_text(self) -> str:
        """The verifier key string ``name+hex(key id)+base64(0x01 || public key)``."""
        encoded = base64.b64encode(bytes([ALG_ED25519]) + self.public_key).decode()
        return f"{self.name}+{self.key_id.hex()}+{encoded}"

    @classmethod
    def parse(cls, text: str) -> NoteVerifier:
        """Read a verifier key string, checking its name, algorithm byte, length and key id."""
        name, key_id, key = _split_key(text, "verifier key")
        verifier = cls(name, _ed25519_key(key, "verifier key"))
        _check_key_id(verifier.key_id, key_id, text)
        return verifier

    def verify(self, message: bytes, signature: bytes) -> bool:
        """Whether ``signature`` is this key's Ed25519 signature of ``message``."""
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except (InvalidSignature, ValueError):
            return False
        return True


class NoteSigner:
    """An Ed25519 note signing key under a key name: the private half of a :class:`NoteVerifier`."""

    __slots__ = ("_key", "name", "verifier")

    def __init__(self, name: str, private_key: Ed25519PrivateKey) -> None:
        self.name = name
        self._key = private_key
        self.verifier = NoteVerifier(name, private_key.public_key().public_bytes_raw())

    def __repr__(self) -> str:
        return f"NoteSigner({self.verifier.to_text()!r})"

    @classmethod
    def generate(cls, name: str) -> NoteSigner:
        return cls(name, Ed25519PrivateKey.generate())

    @classmethod
    def from_seed(cls, name: str, seed: bytes) -> NoteSigner:
        """The signer of the 32-byte RFC 8032 private key ``seed``."""
        if len(seed) != 32:
            raise NoteFormatError(f"Ed25519 seed is {len(seed)} bytes, expected 32")
        return cls(name, Ed25519PrivateKey.from_private_bytes(seed))

    @property
    def key_id(self) -> bytes:
        return self.verifier.key_id

    def to_text(self) -> str:
        """Go's signer key string: ``PRIVATE+KEY+name+hex(key id)+base64(0x01 || seed)``."""
        encoded = base64.b64encode(bytes([ALG_ED25519]) + self._key.private_bytes_raw()).decode()
        return f"{_PRIVATE_PREFIX}{self.name}+{self.key_id.hex()}+{encoded}"

    @classmethod
    def parse(cls, text: str) -> NoteSigner:
        """Read a signer key string; its key id must match the key it holds."""
        if not text.startswith(_PRIVATE_PREFIX):
            raise NoteFormatError(f"signer key does not start with {_PRIVATE_PREFIX!r}")
        name, key_id, key = _split_key(text.removeprefix(_PRIVATE_PREFIX), "signer key")
        signer = cls.from_seed(name, _ed25519_key(key, "signer key"))
        _check_key_id(signer.key_id, key_id, f"{_PRIVATE_PREFIX}{name}+{key_id}+…")
        return signer

    def sign(self, message: bytes) -> bytes:
        return self._key.sign(message)


@dataclass(frozen=True)
class NoteSignature:
    """One signature line of a note: the key's name and id, and the algorithm's signature."""

    name: str
    key_id: bytes
    signature: bytes

    def to_line(self) -> str:
        blob = base64.b64encode(self.key_id + self.signature).decode()
        return f"{EM_DASH} {self.name} {blob}\n"


@dataclass(frozen=True)
class Note:
    """A note as written, signatures not yet checked: use :func:`open_note` to trust its text."""

    text: str
    signatures: tuple[NoteSignature, ...]

    def to_text(self) -> str:
        return self.text + "\n" + "".join(s.to_line() for s in self.signatures)

    @classmethod
    def parse(cls, note: str | bytes) -> Note:
        """Split a note at its last blank line, read its signature lines (signed-note, Format)."""
        note = _utf8(note, "note")
        split = note.rfind("\n\n")
        if split < 0:
            raise NoteFormatError("note has no blank line before its signatures")
        text, block = note[: split + 1], note[split + 2 :]
        if not block.endswith("\n"):
            raise NoteFormatError("note does not end with a signature line and a newline")
        lines = block[:-1].split("\n")
        if len(lines) > MAX_SIGNATURES:
            raise NoteFormatError(f"note has {len(lines)} signatures, at most {MAX_SIGNATURES}")
        return cls(text, tuple(_signature_line(line) for line in lines))


def sign_note(text: str, *signers: NoteSigner) -> str:
    """The signed note of ``text`` (which must end in a newline), one line per signer."""
    if not signers:
        raise UsageError("sign_note needs at least one signer")
    text = _utf8(text, "note text")
    if not text.endswith("\n"):
        raise NoteFormatError("note text must end with a newline")
    message = text.encode()
    return Note(
        text, tuple(NoteSignature(s.name, s.key_id, s.sign(message)) for s in signers)
    ).to_text()


def open_note(note: str | bytes, verifiers: Iterable[NoteVerifier]) -> str:
    """The text of ``note`` once a trusted key's signature on it verifies (signed-note, Signatures).

    Signatures from keys not in ``verifiers`` (by name and key id) are ignored;
    a known key whose signature fails rejects the whole note; at least one
    known key must have signed.
    """
    parsed = Note.parse(note)
    known = _index(verifiers)
    message = parsed.text.encode()
    verified = 0
    for sig in parsed.signatures:
        verifier = known.get((sig.name, sig.key_id))
        if verifier is None:
            continue
        if not verifier.verify(message, sig.signature):
            raise NoteVerificationError(
                f"signature of {sig.name}+{sig.key_id.hex()} does not verify over the note text"
            )
        verified += 1
    if not verified:
        found = ", ".join(f"{s.name}+{s.key_id.hex()}" for s in parsed.signatures)
        wanted = ", ".join(f"{name}+{key_id.hex()}" for name, key_id in known) or "none"
        raise NoteVerificationError(
            f"note has no signature by a trusted key: signed by {found}; trusted: {wanted}"
        )
    return parsed.text


@dataclass(frozen=True)
class Checkpoint:
    """A log's tree head as C2SP tlog-checkpoint note text: origin, size, root, extensions."""

    origin: str
    size: int
    root_hash: merkle.RootHash
    extensions: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        _check_line(self.origin, "checkpoint origin")
        if not 0 <= self.size <= _MAX_UINT64:
            raise NoteFormatError(f"checkpoint size {self.size} is not a 64-bit unsigned integer")
        if len(self.root_hash) != merkle.HASH_SIZE:
            raise NoteFormatError(
                f"checkpoint root hash is {len(self.root_hash)} bytes, expected 32"
            )
        for extension in self.extensions:
            _check_line(extension, "checkpoint extension line")

    def to_text(self) -> str:
        root = base64.b64encode(self.root_hash).decode()
        return "".join(f"{line}\n" for line in (self.origin, self.size, root, *self.extensions))

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        """Read checkpoint note text (tlog-checkpoint, "Note text")."""
        if not text.endswith("\n"):
            raise NoteFormatError("checkpoint text must end with a newline")
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise NoteFormatError(f"checkpoint has {len(lines)} lines, expected at least 3")
        origin, size, root, *extensions = lines
        return cls(
            origin,
            _decimal(size, "checkpoint size"),
            merkle.RootHash(_b64(root, "checkpoint root hash", merkle.HASH_SIZE)),
            tuple(extensions),
        )


def sign_checkpoint(checkpoint: Checkpoint, signer: NoteSigner) -> str:
    """The checkpoint as a signed note."""
    return sign_note(checkpoint.to_text(), signer)


def open_checkpoint(
    note: str | bytes, verifiers: Iterable[NoteVerifier], *, origin: str
) -> Checkpoint:
    """A checkpoint of the log ``origin`` from a note signed by one of ``verifiers``."""
    checkpoint = Checkpoint.parse(open_note(note, verifiers))
    if checkpoint.origin != origin:
        raise NoteVerificationError(
            f"checkpoint is for log {checkpoint.origin!r}, expected {origin!r}"
        )
    return checkpoint


@dataclass(frozen=True)
class TlogProof:
    """A C2SP tlog-proof: a leaf index, its inclusion proof, the signed checkpoint it leads to."""

    index: int
    hashes: tuple[bytes, ...]
    checkpoint: str
    """The signed checkpoint note, verbatim."""
    extra: bytes | None = None
    """Opaque, unauthenticated application data (the optional ``extra`` line)."""

    def to_text(self) -> str:
        extra = "" if self.extra is None else f"extra {base64.b64encode(self.extra).decode()}\n"
        hashes = "".join(base64.b64encode(h).decode() + "\n" for h in self.hashes)
        return f"{TLOG_PROOF_HEADER}\n{extra}index {self.index}\n{hashes}\n{self.checkpoint}"

    @classmethod
    def parse(cls, text: str | bytes) -> TlogProof:
        """Read a proof (tlog-proof, "Format"); the checkpoint's signatures are not checked here."""
        text = _utf8(text, "tlog proof")
        head, blank, checkpoint = text.partition("\n\n")
        lines = head.split("\n")
        if not blank or lines[0] != TLOG_PROOF_HEADER:
            raise NoteFormatError(
                f"tlog proof must start with {TLOG_PROOF_HEADER!r} and hold a blank line "
                "before its checkpoint"
            )
        extra = None
        if len(lines) > 1 and lines[1].startswith("extra "):
            extra = _b64(lines.pop(1).removeprefix("extra "), "tlog proof extra data")
        if len(lines) < 2 or not lines[1].startswith("index "):
            raise NoteFormatError("tlog proof has no 'index N' line after its header")
        index = _decimal(lines[1].removeprefix("index "), "tlog proof index")
        hashes = tuple(_b64(line, "tlog proof hash", merkle.HASH_SIZE) for line in lines[2:])
        if len(hashes) > 64:
            raise NoteFormatError(f"tlog proof has {len(hashes)} hashes, at most 64")
        Checkpoint.parse(Note.parse(checkpoint).text)
        return cls(index, hashes, checkpoint, extra)

    def verify(
        self, leaf_hash: bytes, verifiers: Iterable[NoteVerifier], *, origin: str
    ) -> Checkpoint:
        """Check the checkpoint's signature, then the leaf's inclusion; return the checkpoint."""
        checkpoint = open_checkpoint(self.checkpoint, verifiers, origin=origin)
        merkle.verify_inclusion(
            leaf_hash, self.index, checkpoint.size, self.hashes, checkpoint.root_hash
        )
        return checkpoint


def _key_id(name: str, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([ALG_ED25519]) + public_key).digest()[:4]


def _check_name(name: str) -> None:
    """Key names are non-empty, without Unicode spaces, '+' or control characters."""
    if not name or any(c.isspace() or c == "+" or ord(c) < 0x20 for c in name):
        raise NoteFormatError(f"key name {name!r} must be non-empty, without spaces or '+'")


def _split_key(text: str, what: str) -> tuple[str, str, str]:
    parts = text.split("+", 2)  # the base64 key may itself contain '+'
    if len(parts) != 3:
        raise NoteFormatError(f"{what} {text!r} is not of the form name+keyid+base64key")
    name, key_id, key = parts
    _check_name(name)
    if not _HEX_ID.fullmatch(key_id):
        raise NoteFormatError(f"{what} id {key_id!r} is not 8 lowercase hex digits")
    return name, key_id, key


def _ed25519_key(encoded: str, what: str) -> bytes:
    raw = _b64(encoded, what, 33)
    if raw[0] != ALG_ED25519:
        raise NoteFormatError(f"{what} algorithm byte is 0x{raw[0]:02x}, expected 0x01 (Ed25519)")
    return raw[1:]


def _check_key_id(actual: bytes, written: str, text: str) -> None:
    if actual.hex() != written:
        raise NoteFormatError(f"key {text!r} names id {written}, but its key has id {actual.hex()}")


def _signature_line(line: str) -> NoteSignature:
    if not line.startswith(EM_DASH + " "):
        raise NoteFormatError(f"signature line {line[:40]!r} does not start with '— '")
    name, _, blob = line[2:].partition(" ")
    _check_name(name)
    raw = _b64(blob, f"signature of {name}")
    if len(raw) < 5:
        raise NoteFormatError(
            f"signature of {name} is {len(raw)} bytes, expected a key id and more"
        )
    return NoteSignature(name, raw[:4], raw[4:])


def _index(verifiers: Iterable[NoteVerifier]) -> dict[tuple[str, bytes], NoteVerifier]:
    known: dict[tuple[str, bytes], NoteVerifier] = {}
    for verifier in verifiers:
        key = (verifier.name, verifier.key_id)
        if known.setdefault(key, verifier) != verifier:
            raise UsageError(f"two trusted keys share name and id {verifier.name}+{key[1].hex()}")
    return known


def _utf8(text: str | bytes, what: str) -> str:
    """Valid UTF-8 without control characters other than newline (signed-note, Format)."""
    try:
        decoded = text.decode() if isinstance(text, bytes) else text
        decoded.encode()
    except UnicodeError:
        raise NoteFormatError(f"{what} is not valid UTF-8") from None
    bad = next((c for c in decoded if ord(c) < 0x20 and c != "\n"), None)
    if bad is not None:
        raise NoteFormatError(f"{what} holds control character U+{ord(bad):04X}")
    return decoded


def _check_line(line: str, what: str) -> None:
    if not line or "\n" in line or any(ord(c) < 0x20 for c in line):
        raise NoteFormatError(f"{what} {line!r} must be a non-empty line of text")


def _decimal(text: str, what: str) -> int:
    if not _DECIMAL.fullmatch(text) or int(text) > _MAX_UINT64:
        raise NoteFormatError(f"{what} {text!r} is not a decimal without leading zeros")
    return int(text)


def _b64(text: str, what: str, size: int | None = None) -> bytes:
    """Standard base64 (RFC 4648 §4), canonical only: re-encoding gives back the same text."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise NoteFormatError(f"{what} is not base64: {text[:48]!r}") from None
    if base64.b64encode(raw).decode() != text:
        raise NoteFormatError(f"{what} is not canonical base64: {text[:48]!r}")
    if size is not None and len(raw) != size:
        raise NoteFormatError(f"{what} is {len(raw)} bytes, expected {size}")
    return raw
