"""The border journal: a post's own SQLite file of crossings, syncs and alerts.

A border post has no registry: what it does is written here and nowhere
else, and travels to the central border service when the post syncs. A
simulated run uses the same journal for all its posts, plus two tables only a
simulation fills (``truth`` and ``fraud``: who really presented each card).

Times are stored as integer seconds since the epoch (UTC), durations in seconds.

    >>> journal = Journal.open(":memory:")
    >>> journal.crossing_count()
    0
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from aes_id.border.records import (
    Alert,
    AlertKind,
    Crossing,
    Decision,
    Direction,
    FaceCheck,
    FingerCheck,
    InjectedFraud,
    Source,
    SyncRecord,
    Truth,
)
from aes_id.errors import StorageError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS crossing (
    id INTEGER PRIMARY KEY, at INTEGER NOT NULL, post TEXT NOT NULL, direction TEXT,
    verdict TEXT NOT NULL, decision TEXT NOT NULL, card_number TEXT, issuing_state TEXT,
    kid TEXT, issued_at INTEGER, expires_at INTEGER, face TEXT NOT NULL, finger TEXT NOT NULL,
    trust_seq INTEGER, trust_age INTEGER, revocation_seq INTEGER, revocation_age INTEGER,
    stale INTEGER NOT NULL, reasons TEXT NOT NULL, source TEXT NOT NULL,
    verify_ms REAL NOT NULL, scan_ms REAL NOT NULL);
CREATE INDEX IF NOT EXISTS crossing_card ON crossing (card_number, at);
CREATE TABLE IF NOT EXISTS sync (
    id INTEGER PRIMARY KEY, post TEXT NOT NULL, at INTEGER NOT NULL, ok INTEGER NOT NULL,
    trust_seq INTEGER, revocation_seqs TEXT NOT NULL, note TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS alert (
    id INTEGER PRIMARY KEY, raised_at INTEGER NOT NULL, kind TEXT NOT NULL,
    crossing_id INTEGER NOT NULL, other_id INTEGER, detail TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS truth (
    crossing_id INTEGER PRIMARY KEY, traveller INTEGER NOT NULL, kind TEXT NOT NULL,
    fraud_id INTEGER);
CREATE TABLE IF NOT EXISTS fraud (
    id INTEGER PRIMARY KEY, kind TEXT NOT NULL, card_number TEXT NOT NULL, at INTEGER NOT NULL,
    revoked_at INTEGER, detail TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

_CROSSING_COLUMNS = (
    "id, at, post, direction, verdict, decision, card_number, issuing_state, kid, issued_at, "
    "expires_at, face, finger, trust_seq, trust_age, revocation_seq, revocation_age, stale, "
    "reasons, source, verify_ms, scan_ms"
)
_REASON_SEPARATOR = "\n"


def _seconds(moment: dt.datetime | None) -> int | None:
    return None if moment is None else int(moment.timestamp())


def _moment(value: int | None) -> dt.datetime | None:
    return None if value is None else dt.datetime.fromtimestamp(value, dt.UTC)


def _duration(value: int | None) -> dt.timedelta | None:
    return None if value is None else dt.timedelta(seconds=value)


def _span(value: dt.timedelta | None) -> int | None:
    return None if value is None else int(value.total_seconds())


def crossing_row(crossing: Crossing) -> tuple[Any, ...]:
    """The journal row of a crossing (its ``id`` may be None: SQLite then assigns one)."""
    return (
        crossing.id,
        _seconds(crossing.at),
        crossing.post,
        crossing.direction.value if crossing.direction else None,
        crossing.verdict,
        crossing.decision.value,
        crossing.card_number,
        crossing.issuing_state,
        crossing.kid,
        _seconds(crossing.issued_at),
        _seconds(crossing.expires_at),
        crossing.face.value,
        crossing.finger.value,
        crossing.trust_seq,
        _span(crossing.trust_age),
        crossing.revocation_seq,
        _span(crossing.revocation_age),
        int(crossing.stale),
        _REASON_SEPARATOR.join(crossing.reasons),
        crossing.source.value,
        crossing.verify_ms,
        crossing.scan_ms,
    )


def _crossing(row: Sequence[Any]) -> Crossing:
    (
        ident,
        at,
        post,
        direction,
        verdict,
        decision,
        card,
        state,
        kid,
        issued,
        expires,
        face,
        finger,
        trust_seq,
        trust_age,
        rev_seq,
        rev_age,
        stale,
        reasons,
        source,
        verify_ms,
        scan_ms,
    ) = row
    return Crossing(
        id=ident,
        at=dt.datetime.fromtimestamp(at, dt.UTC),
        post=post,
        direction=Direction(direction) if direction else None,
        verdict=verdict,
        decision=Decision(decision),
        card_number=card,
        issuing_state=state,
        kid=kid,
        issued_at=_moment(issued),
        expires_at=_moment(expires),
        face=FaceCheck(face),
        finger=FingerCheck(finger),
        trust_seq=trust_seq,
        trust_age=_duration(trust_age),
        revocation_seq=rev_seq,
        revocation_age=_duration(rev_age),
        stale=bool(stale),
        reasons=tuple(reasons.split(_REASON_SEPARATOR)) if reasons else (),
        source=Source(source),
        verify_ms=verify_ms,
        scan_ms=scan_ms,
    )


class Journal:
    """One journal file: :meth:`open` it (created on first use)."""

    def __init__(self, connection: sqlite3.Connection, path: str) -> None:
        self._db = connection
        self.path = path

    @classmethod
    def open(cls, path: Path | str) -> Journal:
        """Open or create the journal at ``path`` (``":memory:"`` for a throwaway one)."""
        name = str(path)
        try:
            connection = sqlite3.connect(name, isolation_level=None)
            if name != ":memory:":
                connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA synchronous = NORMAL")
            connection.executescript(_SCHEMA)
        except sqlite3.Error as exc:
            raise StorageError(f"cannot open the border journal {name}: {exc}") from None
        return cls(connection, name)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _write(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        try:
            with self._db:
                self._db.execute("BEGIN")
                self._db.executemany(sql, rows)
        except sqlite3.Error as exc:
            raise StorageError(f"cannot write the border journal {self.path}: {exc}") from None

    # --- crossings ---------------------------------------------------------------------

    def record(self, crossing: Crossing) -> int:
        """Append one crossing; return its id."""
        try:
            with self._db:
                self._db.execute("BEGIN")
                cursor = self._db.execute(
                    f"INSERT INTO crossing ({_CROSSING_COLUMNS}) VALUES ({_marks(22)})",
                    crossing_row(crossing),
                )
        except sqlite3.Error as exc:
            raise StorageError(f"cannot write the border journal {self.path}: {exc}") from None
        return int(cursor.lastrowid or 0)

    def record_many(self, crossings: Iterable[Crossing]) -> None:
        """Append crossings in one transaction (their ids, if set, are kept)."""
        self._write(
            f"INSERT INTO crossing ({_CROSSING_COLUMNS}) VALUES ({_marks(22)})",
            (crossing_row(c) for c in crossings),
        )

    def crossings(self, *, post: str | None = None, after_id: int = 0) -> Iterator[Crossing]:
        """Crossings in id order (of one post, and after an id, when asked)."""
        sql = f"SELECT {_CROSSING_COLUMNS} FROM crossing WHERE id > ?"
        args: list[Any] = [after_id]
        if post is not None:
            sql += " AND post = ?"
            args.append(post)
        for row in self._db.execute(sql + " ORDER BY id", args):
            yield _crossing(row)

    def crossings_of_card(
        self, card_number: str, since: dt.datetime, until: dt.datetime
    ) -> list[Crossing]:
        rows = self._db.execute(
            f"SELECT {_CROSSING_COLUMNS} FROM crossing WHERE card_number = ? AND at BETWEEN ? AND ?"
            " ORDER BY at, id",
            (card_number, _seconds(since), _seconds(until)),
        )
        return [_crossing(row) for row in rows]

    def crossing_count(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM crossing").fetchone()[0])

    def last_crossing_id(self) -> int:
        return int(self._db.execute("SELECT coalesce(max(id), 0) FROM crossing").fetchone()[0])

    # --- syncs, alerts -----------------------------------------------------------------

    def record_syncs(self, syncs: Iterable[SyncRecord]) -> None:
        self._write(
            "INSERT INTO sync (post, at, ok, trust_seq, revocation_seqs, note) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (
                (
                    s.post,
                    _seconds(s.at),
                    int(s.ok),
                    s.trust_seq,
                    json.dumps(dict(s.revocation_seqs), sort_keys=True),
                    s.note,
                )
                for s in syncs
            ),
        )

    def syncs(self, post: str | None = None) -> list[SyncRecord]:
        sql = "SELECT post, at, ok, trust_seq, revocation_seqs, note FROM sync"
        rows = self._db.execute(
            sql + (" WHERE post = ?" if post else "") + " ORDER BY id", (post,) if post else ()
        )
        return [
            SyncRecord(
                p,
                dt.datetime.fromtimestamp(at, dt.UTC),
                bool(ok),
                seq,
                tuple(sorted(json.loads(seqs).items())),
                note,
            )
            for p, at, ok, seq, seqs, note in rows
        ]

    def record_alerts(self, alerts: Iterable[Alert]) -> None:
        self._write(
            "INSERT INTO alert (raised_at, kind, crossing_id, other_id, detail) VALUES (?,?,?,?,?)",
            (
                (_seconds(a.raised_at), a.kind.value, a.crossing_id, a.other_id, a.detail)
                for a in alerts
            ),
        )

    def alerts(self) -> list[Alert]:
        rows = self._db.execute(
            "SELECT raised_at, kind, crossing_id, other_id, detail FROM alert ORDER BY id"
        )
        return [
            Alert(dt.datetime.fromtimestamp(at, dt.UTC), AlertKind(kind), cid, other, detail)
            for at, kind, cid, other, detail in rows
        ]

    # --- simulation only: ground truth and run settings --------------------------------

    def record_truths(self, truths: Iterable[Truth]) -> None:
        self._write(
            "INSERT INTO truth (crossing_id, traveller, kind, fraud_id) VALUES (?, ?, ?, ?)",
            ((t.crossing_id, t.traveller, t.kind, t.fraud_id) for t in truths),
        )

    def truths(self) -> dict[int, Truth]:
        rows = self._db.execute("SELECT crossing_id, traveller, kind, fraud_id FROM truth")
        return {row[0]: Truth(*row) for row in rows}

    def record_frauds(self, frauds: Iterable[InjectedFraud]) -> None:
        self._write(
            "INSERT INTO fraud (id, kind, card_number, at, revoked_at, detail) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (
                (f.id, f.kind, f.card_number, _seconds(f.at), _seconds(f.revoked_at), f.detail)
                for f in frauds
            ),
        )

    def frauds(self) -> list[InjectedFraud]:
        rows = self._db.execute(
            "SELECT id, kind, card_number, at, revoked_at, detail FROM fraud ORDER BY id"
        )
        return [
            InjectedFraud(
                ident, kind, card, dt.datetime.fromtimestamp(at, dt.UTC), _moment(revoked), detail
            )
            for ident, kind, card, at, revoked, detail in rows
        ]

    def set_meta(self, values: dict[str, Any]) -> None:
        """Store settings (JSON values) under their keys, replacing earlier ones."""
        self._write(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
            (
                (key, json.dumps(value, sort_keys=True, default=_json_value))
                for key, value in values.items()
            ),
        )

    def meta(self) -> dict[str, Any]:
        return {k: json.loads(v) for k, v in self._db.execute("SELECT key, value FROM meta")}


def _json_value(value: object) -> str:
    """Times as ISO 8601; anything else JSON cannot hold, as its text."""
    return value.isoformat() if isinstance(value, dt.datetime | dt.date) else str(value)


def _marks(count: int) -> str:
    return ", ".join("?" * count)
