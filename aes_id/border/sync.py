"""A post's sync: fetch the operator's exported lists, verify them, keep the newest of each.

The exports folder holds ``trust-list.cose`` and ``revocations-<STATE>.cose``
(what the operator publishes). A post trusts only its pinned root
certificate, so every file is verified before it replaces anything:

1. The trust list must verify against the pinned root (else the sync fails
   and the post keeps what it had).
2. A list older than the one the post holds (a lower sequence number) is
   refused: replaying an old list must never undo a revocation.
3. Each revocation list must verify against the chosen trust list; one that
   does not is skipped with a warning and the post keeps its previous one.

:class:`ListParser` remembers what it has verified by content hash, so that
many posts syncing the same files (a simulation) verify each file once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509

from aes_id.domain import Country
from aes_id.errors import AesIdError, InputError
from aes_id.pki.exports import TRUST_LIST_FILE, revocation_file
from aes_id.pki.revocation import RevocationList, parse_revocation_list
from aes_id.pki.trust import TrustList, parse_trust_list
from aes_id.verify.lists import read_bounded
from aes_id.verify.verifier import Lists


@dataclass(frozen=True)
class ListFiles:
    """The signed bytes of a trust list and of each state's revocation list."""

    trust_list: bytes
    revocations: tuple[tuple[Country, bytes], ...] = ()

    def revocation(self, state: Country) -> bytes | None:
        return next((data for s, data in self.revocations if s is state), None)


def read_list_files(folder: Path) -> ListFiles:
    """The lists exported in ``folder`` (the operator's exports, or a post's own copy)."""
    trust = folder / TRUST_LIST_FILE
    if not trust.is_file():
        raise InputError(
            f"no {TRUST_LIST_FILE} in {folder}",
            hint="give the operator's exports folder (the key store, by default)",
        )
    revocations = []
    for state in Country:
        path = folder / revocation_file(state)
        if path.is_file():
            revocations.append((state, read_bounded(path, "revocation list")))
    return ListFiles(read_bounded(trust, "trust list"), tuple(revocations))


@dataclass
class ListParser:
    """Verifies list files against one pinned root certificate, once per distinct content."""

    root: x509.Certificate
    _trust: dict[bytes, TrustList] = field(default_factory=dict)
    _revocations: dict[tuple[bytes, bytes], RevocationList] = field(default_factory=dict)
    _digests: dict[int, tuple[bytes, bytes]] = field(default_factory=dict)

    def _digest(self, data: bytes) -> bytes:
        """SHA-256 of ``data``, remembered for the bytes objects seen lately (kept alive here,
        so an id is never reused while remembered)."""
        known = self._digests.get(id(data))
        if known is not None and known[0] is data:
            return known[1]
        if len(self._digests) > 256:
            self._digests.clear()
        digest = hashlib.sha256(data).digest()
        self._digests[id(data)] = (data, digest)
        return digest

    def trust_list(self, data: bytes) -> TrustList:
        key = self._digest(data)
        if key not in self._trust:
            self._trust[key] = parse_trust_list(data, self.root)
        return self._trust[key]

    def revocation_list(self, data: bytes, trust_data: bytes) -> RevocationList:
        key = (self._digest(data), self._digest(trust_data))
        if key not in self._revocations:
            self._revocations[key] = parse_revocation_list(data, self.trust_list(trust_data))
        return self._revocations[key]

    def lists(self, files: ListFiles) -> Lists:
        """Verify a whole set (a post's own copy, read back from its folder)."""
        return Lists(
            self.trust_list(files.trust_list),
            tuple(self.revocation_list(data, files.trust_list) for _, data in files.revocations),
        )


@dataclass(frozen=True)
class SyncOutcome:
    """What a post holds after a sync, and what changed."""

    lists: Lists
    files: ListFiles
    changes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


class ExportsReader:
    """Reads an exports folder, again only when a file changed (like a conditional HTTP GET:
    a post that asks for what it already has gets "not modified")."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._stamp: tuple[tuple[int, int, int], ...] | None = None
        self._files: ListFiles | None = None

    def read(self) -> ListFiles:
        names = [TRUST_LIST_FILE, *(revocation_file(s) for s in Country)]
        stamp = tuple(_stamp(self.folder / name) for name in names)
        if self._files is None or stamp != self._stamp:
            self._files, self._stamp = read_list_files(self.folder), stamp
        return self._files


def _stamp(path: Path) -> tuple[int, int, int]:
    try:
        info = path.stat()
    except FileNotFoundError:
        return (0, 0, 0)
    return (info.st_mtime_ns, info.st_size, info.st_ino)


def merge_lists(parser: ListParser, current: ListFiles | None, offered: ListFiles) -> SyncOutcome:
    """Steps 1-3: the newest valid list of each kind, from what the post has and what is offered.

    Raises the verification error when the offered trust list does not verify (step 1).
    """
    if current is not None and offered == current:
        return SyncOutcome(parser.lists(current), current)
    changes: list[str] = []
    warnings: list[str] = []
    new_trust = parser.trust_list(offered.trust_list)  # step 1: raises if it does not verify
    trust_data = offered.trust_list
    if current is not None:
        held = parser.trust_list(current.trust_list)
        if new_trust.sequence < held.sequence:  # step 2
            warnings.append(
                f"offered trust list #{new_trust.sequence} is older than the post's "
                f"#{held.sequence}: kept #{held.sequence}"
            )
            trust_data, new_trust = current.trust_list, held
        elif new_trust.sequence > held.sequence:
            changes.append(f"trust list #{held.sequence} -> #{new_trust.sequence}")
        else:
            trust_data, new_trust = current.trust_list, held
    else:
        changes.append(f"trust list #{new_trust.sequence}")
    chosen: list[tuple[Country, bytes]] = []
    for state in Country:
        data = _choose_revocations(parser, state, current, offered, trust_data, changes, warnings)
        if data is not None:
            chosen.append((state, data))
    files = ListFiles(trust_data, tuple(chosen))
    return SyncOutcome(parser.lists(files), files, tuple(changes), tuple(warnings))


def _choose_revocations(
    parser: ListParser,
    state: Country,
    current: ListFiles | None,
    offered: ListFiles,
    trust_data: bytes,
    changes: list[str],
    warnings: list[str],
) -> bytes | None:
    """Step 3 for one state: the offered list if it verifies and is not older than the held one."""
    held_data = current.revocation(state) if current else None
    held = _try_parse(parser, held_data, trust_data)
    offered_data = offered.revocation(state)
    if offered_data is None:
        return held_data if held is not None else None
    try:
        new = parser.revocation_list(offered_data, trust_data)
    except AesIdError as exc:
        warnings.append(f"revocation list of {state.value} refused: {exc.message}")
        return held_data if held is not None else None
    if held is not None and new.sequence <= held.sequence:
        if new.sequence < held.sequence:
            warnings.append(
                f"offered revocation list of {state.value} #{new.sequence} is older than "
                f"#{held.sequence}: kept #{held.sequence}"
            )
        return held_data
    before = f"#{held.sequence} -> " if held is not None else ""
    changes.append(f"revocations {state.value} {before}#{new.sequence} ({len(new)} cards)")
    return offered_data


def _try_parse(parser: ListParser, data: bytes | None, trust_data: bytes) -> RevocationList | None:
    if data is None:
        return None
    try:
        return parser.revocation_list(data, trust_data)
    except AesIdError:  # no longer verifies under the new trust list: let the offered one in
        return None
