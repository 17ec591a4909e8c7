"""What a verifier trusts, loaded from files: root certificate, trust list, revocation lists.

A border post has these files and nothing else (never the registry). Each
file is untrusted until its signature chain checks out; a bad file is a clear
:class:`~aes_id.errors.AesIdError`, never a crash.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from cryptography import x509

from aes_id.errors import InputError
from aes_id.pki.keys import KeyStore
from aes_id.pki.trust import RevocationList, parse_revocation_list, parse_trust_list
from aes_id.verify.verifier import Lists

TRUST_LIST_FILE = "trust-list.cose"
MAX_LIST_BYTES = 64 * 1024 * 1024


def revocation_file_name(state_code: str) -> str:
    return f"revocations-{state_code}.cose"


def read_bounded(path: Path, what: str) -> bytes:
    try:
        if path.stat().st_size > MAX_LIST_BYTES:
            raise InputError(f"{what} {path} is larger than {MAX_LIST_BYTES // 2**20} MiB")
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {what} {path}: {exc.strerror}") from None


def load_root_certificate(path: Path) -> x509.Certificate:
    data = read_bounded(path, "root certificate")
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificate(data)
        return x509.load_der_x509_certificate(data)
    except ValueError as exc:
        raise InputError(f"{path} is not an X.509 certificate: {exc}") from None


def load_lists(root: x509.Certificate, trust_list: Path, revocations: Sequence[Path] = ()) -> Lists:
    """Verify and load a trust list and revocation lists against the root certificate."""
    trust = parse_trust_list(read_bounded(trust_list, "trust list"), root)
    revocation_lists: list[RevocationList] = []
    for path in revocations:
        revocation_lists.append(parse_revocation_list(read_bounded(path, "revocation list"), trust))
    return Lists(trust, tuple(revocation_lists))


def lists_in_folder(root: x509.Certificate, folder: Path) -> Lists:
    """The lists exported in ``folder`` (a key store, or a border post's synced copy)."""
    trust = folder / TRUST_LIST_FILE
    if not trust.exists():
        raise InputError(
            f"no trust list in {folder}", hint="run `aes-id keys init`, or pass --trust-list"
        )
    return load_lists(root, trust, sorted(folder.glob("revocations-*.cose")))


def local_lists(keys: Path) -> Lists:
    """The current lists of the local key store, for ``aes-id verify`` out of the box."""
    store = KeyStore.open(keys)
    return lists_in_folder(store.root_certificate(), keys)
