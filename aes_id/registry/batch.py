"""CSV batch enrolment: every good row is enrolled, every bad row reported with its line.

The file is untrusted input: an encoding error, a missing column, a ragged row
or an unreadable photo is a reported line, never a crash, and a row is enrolled
whole (its own transaction) or not at all.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from aes_id.domain import Nin
from aes_id.errors import AesIdError, InputError
from aes_id.registry.db import Registry
from aes_id.registry.enrol import (
    FIELDS,
    Capture,
    Demographics,
    EnrolmentRequest,
    demographics_from_fields,
    enrol,
)

MAX_CSV_BYTES = 200 * 1024 * 1024
OPTIONAL = ("photo",)


@dataclass(frozen=True)
class RowError:
    line: int
    reason: str


@dataclass
class BatchReport:
    enrolled: list[tuple[int, Nin]] = field(default_factory=list)
    rejected: list[RowError] = field(default_factory=list)


def read_csv(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield ``(line number, row)`` for each data row; raise InputError if the file is unusable."""
    try:
        if path.stat().st_size > MAX_CSV_BYTES:
            raise InputError(f"{path} is larger than {MAX_CSV_BYTES // 2**20} MiB")
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path} is not UTF-8 (byte {exc.start}): save it as UTF-8 CSV") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [name for name in FIELDS if name not in header]
    if missing:
        raise InputError(f"{path}: header lacks column(s) {', '.join(missing)}")
    reader.fieldnames = header
    for row in reader:
        if None in row:
            yield reader.line_num, {"__error__": "more values than columns"}
            continue
        yield reader.line_num, {k: (v or "").strip() for k, v in row.items()}


def enrol_csv(
    registry: Registry,
    path: Path,
    *,
    now: dt.datetime,
    site: str,
    officer: str,
    capture: Callable[[Demographics, bytes | None], Capture],
    on_row: Callable[[], None] | None = None,
    enrol_one: Callable[[EnrolmentRequest], Nin] | None = None,
) -> BatchReport:
    """Enrol each row of ``path``; ``capture`` makes a row's biometrics (from its photo, if any).

    ``enrol_one`` enrols a validated row (default: :func:`enrol`; the CLI passes the
    de-duplicating one).
    """
    report = BatchReport()
    for line, row in read_csv(path):
        try:
            if "__error__" in row:
                raise InputError(row["__error__"])
            person = demographics_from_fields(row, today=now.date())
            photo = _read_photo(path.parent, row.get("photo", ""))
            request = EnrolmentRequest(
                person=person, capture=capture(person, photo), site=site, officer=officer
            )
            nin = enrol_one(request) if enrol_one else enrol(registry, request, now=now)
            report.enrolled.append((line, nin))
        except AesIdError as exc:
            report.rejected.append(RowError(line, exc.message))
        if on_row:
            on_row()
    return report


def _read_photo(base: Path, name: str) -> bytes | None:
    if not name:
        return None
    target = base / name
    try:
        return target.read_bytes()
    except OSError as exc:
        raise InputError(f"photo {name}: {exc.strerror}") from None
