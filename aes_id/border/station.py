"""A border post on disk: its pinned root, its synced lists and its journal, nothing else.

::

    <border>/posts/<code>/
        root.pem          the trust anchor, pinned at the first sync
        lists/            trust-list.cose, revocations-<STATE>.cose as last synced
        state.json        last sync, and how far the journal was uploaded
        journal.sqlite    crossings, syncs and alerts (:mod:`aes_id.border.journal`)

A post never reads the registry: :meth:`PostStation.check` uses only these
files and the clock it is given, so it works with no network at all.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from aes_id.border.check import (
    DeclaredBearer,
    FingerprintMatcher,
    PostVerification,
    check_bearer,
)
from aes_id.border.correlate import WINDOW, Correlator, retro_check
from aes_id.border.journal import Journal
from aes_id.border.records import (
    Alert,
    Crossing,
    Direction,
    FaceCheck,
    Source,
    SyncRecord,
)
from aes_id.border.sync import ListFiles, ListParser, SyncOutcome, merge_lists, read_list_files
from aes_id.errors import AesIdError, StorageError, TrustError, UsageError
from aes_id.files import write_atomic
from aes_id.geography import BorderPost, border_post
from aes_id.pki.exports import TRUST_LIST_FILE, revocation_file
from aes_id.verify.lists import load_root_certificate
from aes_id.verify.verifier import Lists

ROOT_FILE = "root.pem"
STATE_FILE = "state.json"
JOURNAL_FILE = "journal.sqlite"


@dataclass(frozen=True)
class StationSync:
    """A sync of one post: what it now holds, and the alerts the newer lists raised."""

    outcome: SyncOutcome
    alerts: tuple[Alert, ...]


class PostStation:
    """One border post's folder. Create or open it with :meth:`open`."""

    def __init__(self, folder: Path, post: BorderPost) -> None:
        self.folder = folder
        self.post = post
        self._parser: ListParser | None = None
        self._lists: Lists | None = None

    @classmethod
    def open(cls, border_dir: Path, code: str) -> PostStation:
        post = border_post(code)
        folder = border_dir / "posts" / post.code
        try:
            (folder / "lists").mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"cannot create the post folder {folder}: {exc.strerror}") from None
        return cls(folder, post)

    # --- what the post holds -----------------------------------------------------------

    def pinned_root(self) -> x509.Certificate | None:
        path = self.folder / ROOT_FILE
        return load_root_certificate(path) if path.is_file() else None

    def list_files(self) -> ListFiles | None:
        folder = self.folder / "lists"
        return read_list_files(folder) if (folder / TRUST_LIST_FILE).is_file() else None

    def lists(self) -> Lists:
        """The lists as last synced, verified against the pinned root."""
        if self._lists is None:
            files, root = self.list_files(), self.pinned_root()
            if files is None or root is None:
                raise UsageError(
                    f"post {self.post.code} has no lists yet",
                    hint=f"run `aes-id border sync --post {self.post.code}` once while online",
                )
            self._lists = self._parser_for(root).lists(files)
        return self._lists

    def state(self) -> dict[str, Any]:
        path = self.folder / STATE_FILE
        if not path.is_file():
            return {}
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise StorageError(f"{path} is damaged: {exc}") from None
        return data if isinstance(data, dict) else {}

    def _save_state(self, **changes: Any) -> None:
        state = {**self.state(), **changes}
        write_atomic(self.folder / STATE_FILE, json.dumps(state, indent=2).encode())

    def journal(self) -> Journal:
        return Journal.open(self.folder / JOURNAL_FILE)

    def _parser_for(self, root: x509.Certificate) -> ListParser:
        if self._parser is None or self._parser.root != root:
            self._parser = ListParser(root)
        return self._parser

    # --- sync and check ----------------------------------------------------------------

    def sync(
        self, exports: Path, *, now: dt.datetime, root: x509.Certificate | None = None
    ) -> StationSync:
        """Refresh the lists from ``exports``; pin ``root`` at the first sync.

        Admitted crossings since the previous sync are re-checked with the new lists.
        """
        pinned = self.pinned_root()
        if pinned is not None and root is not None and pinned != root:
            raise TrustError(
                f"post {self.post.code} is pinned to another root certificate",
                hint=f"remove {self.folder / ROOT_FILE} to re-provision the post deliberately",
            )
        anchor = pinned or root
        if anchor is None:
            raise UsageError(f"post {self.post.code} has no root certificate pinned yet: give one")
        with self.journal() as journal:
            try:
                outcome = merge_lists(
                    self._parser_for(anchor), self.list_files(), read_list_files(exports)
                )
            except AesIdError as exc:
                journal.record_syncs([SyncRecord(self.post.code, now, False, note=exc.message)])
                raise
            self._store(outcome.files, anchor if pinned is None else None)
            seqs = tuple((s.state.value, s.sequence) for s in outcome.lists.revocations)
            journal.record_syncs(
                [
                    SyncRecord(
                        self.post.code,
                        now,
                        True,
                        outcome.lists.trust_list.sequence,
                        seqs,
                        "; ".join(outcome.changes + outcome.warnings),
                    )
                ]
            )
            checked = int(self.state().get("rechecked_through", 0))
            alerts = [
                alert
                for crossing in journal.crossings(after_id=checked)
                if (alert := retro_check(crossing, outcome.lists, now=now)) is not None
            ]
            journal.record_alerts(alerts)
            self._save_state(
                last_sync=now.isoformat(), rechecked_through=journal.last_crossing_id()
            )
        return StationSync(outcome, tuple(alerts))

    def _store(self, files: ListFiles, new_root: x509.Certificate | None) -> None:
        lists = self.folder / "lists"
        write_atomic(lists / TRUST_LIST_FILE, files.trust_list)
        for state, data in files.revocations:
            write_atomic(lists / revocation_file(state), data)
        if new_root is not None:
            write_atomic(self.folder / ROOT_FILE, new_root.public_bytes(Encoding.PEM))
        self._lists = None

    def check(
        self,
        qr_text: str | None,
        *,
        now: dt.datetime,
        face: FaceCheck = FaceCheck.NOT_DONE,
        live_fingers: bytes | None = None,
        matcher: FingerprintMatcher | None = None,
        direction: Direction | None = None,
        source: Source = Source.QR_TEXT,
        scan_seconds: float = 0.0,
    ) -> tuple[PostVerification, Crossing]:
        """Verify with this post's lists, match the live fingers (if any) 1:1, decide, and
        record the crossing in the post's journal."""
        verification, crossing = check_bearer(
            qr_text,
            self.lists(),
            DeclaredBearer(face, live_fingers),
            post=self.post.code,
            at=now,
            matcher=matcher,
            direction=direction,
            source=source,
            scan_seconds=scan_seconds,
        )
        with self.journal() as journal:
            ident = journal.record(crossing)
        return verification, _with_id(crossing, ident)

    def upload(self, central: Journal, *, now: dt.datetime) -> tuple[Alert, ...]:
        """Send the crossings recorded since the last upload to the central journal and
        correlate them with every post's (clone alerts, recorded centrally)."""
        mark = int(self.state().get("uploaded_through", 0))
        with self.journal() as journal:
            new = list(journal.crossings(after_id=mark))
        if not new:
            return ()
        correlator = Correlator()
        since, until = min(c.at for c in new) - WINDOW, max(c.at for c in new) + WINDOW
        for card in sorted({c.card_number for c in new if c.card_number}):
            for earlier in central.crossings_of_card(card, since, until):
                correlator.add(earlier, now=now)
        alerts: list[Alert] = []
        for crossing in new:
            ident = central.record(replace(crossing, id=None))
            alerts.extend(correlator.add(replace(crossing, id=ident), now=now))
        central.record_alerts(alerts)
        self._save_state(uploaded_through=new[-1].id)
        return tuple(alerts)


def _with_id(crossing: Crossing, ident: int) -> Crossing:
    return replace(crossing, id=ident)
