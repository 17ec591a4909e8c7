"""What a verifier trusts, loaded from files: root certificate, trust list, revocation lists.

A border post has these files and nothing else (never the registry). Each
file is untrusted until its signature chain checks out; a bad file is a clear
:class:`~aes_id.errors.AesIdError`, never a crash.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from cryptography import x509

from aes_id.errors import InputError, UsageError
from aes_id.pki.exports import REVOCATION_GLOB, ROOT_CERT_FILE, TRUST_LIST_FILE
from aes_id.pki.revocation import RevocationList, parse_revocation_list
from aes_id.pki.trust import parse_trust_list
from aes_id.verify.verifier import Lists

MAX_LIST_BYTES = 64 * 1024 * 1024
LISTS_HINT = (
    "point --keys at the operator's exported lists (root.crt.pem, trust-list.cose), "
    "or pass --trust-list and --root"
)
"""A verifier has no keys of its own: what to do when it finds no lists."""


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
        raise InputError(f"no trust list in {folder}", hint=LISTS_HINT)
    return load_lists(root, trust, sorted(folder.glob(REVOCATION_GLOB)))


def exported_root(
    folder: Path, hint: str = "pass the trust anchor with --root"
) -> x509.Certificate:
    """The root certificate the operator exports beside the lists (``root.crt.pem``).

    Only the public certificate is read: a verifier never opens the private key store.
    """
    path = folder / ROOT_CERT_FILE
    if not path.is_file():
        raise InputError(f"no root certificate {ROOT_CERT_FILE} in {folder}", hint=hint)
    return load_root_certificate(path)


def lists_for(
    keys: Path,
    trust_list: Path | None = None,
    revocations: Sequence[Path] = (),
    root: Path | None = None,
) -> Lists:
    """The agent's trust anchor and lists, as ``aes-id verify`` chooses them.

    - no ``trust_list``: the lists the operator exported in ``keys``, under the
      root certificate exported beside them;
    - ``trust_list`` (and ``revocations``): those files, under ``root`` if given,
      else the root exported in ``keys``.
    """
    if trust_list is None:
        if revocations or root:
            raise UsageError("--revocations and --root go with --trust-list")
        return lists_in_folder(exported_root(keys, LISTS_HINT), keys)
    anchor = load_root_certificate(root) if root is not None else exported_root(keys, LISTS_HINT)
    return load_lists(anchor, trust_list, revocations)
