"""CSV batch enrolment: every good row is enrolled, every bad row reported with its line.

The file is untrusted input: an encoding error, a missing column, a ragged row,
an unreadable photo or fingers record is a reported line, never a crash, and a
row is enrolled whole (its own transaction) or not at all. Each row goes
through the desk (:func:`aes_id.registry.desk.enrol_at_desk`), 1:N search
included, against one gallery that grows with the batch: a row repeating an
earlier one is stopped too.

Spreadsheets write CSV their locale's way: the delimiter (comma, semicolon as
French spreadsheets write it, or tab) is read from the header line, and a UTF-8
byte-order mark is skipped. The optional ``photo`` and ``fingers`` columns hold
paths relative to the CSV's folder (a portrait; an ISO/IEC 19794-2:2005 finger
minutiae record), which may not leave it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from aes_id.domain import Nin
from aes_id.errors import AesIdError, InputError
from aes_id.registry.cardfit import mrz_name_warning
from aes_id.registry.db import Registry
from aes_id.registry.dedup import Gallery
from aes_id.registry.desk import enrol_at_desk, inside
from aes_id.registry.enrol import FIELDS

MAX_CSV_BYTES = 200 * 1024 * 1024
OPTIONAL = ("photo", "fingers")
DELIMITERS = (",", ";", "\t")

Row = dict[str, str]


@dataclass(frozen=True)
class RowError:
    line: int
    reason: str


@dataclass
class BatchReport:
    enrolled: list[tuple[int, Nin]] = field(default_factory=list)
    rejected: list[RowError] = field(default_factory=list)
    warned: list[RowError] = field(default_factory=list)
    """Enrolled rows to tell the officer about (a name the MRZ shortens)."""


def read_csv(path: Path) -> Iterator[tuple[int, Row]]:
    """``(line number, row)`` for each data row; InputError now if the file is unusable.

    The header is checked, and the first row looked for, before this returns.
    """
    text = _read_text(path)
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    if not header:
        raise InputError(
            f"{path} is empty", hint=f"its first line is the header: {','.join(FIELDS)}"
        )
    missing = [name for name in FIELDS if name not in header]
    if missing:
        raise InputError(f"{path}: header lacks column(s) {', '.join(missing)}")
    reader.fieldnames = header
    rows = _rows(reader)
    first = next(rows, None)
    if first is None:
        raise InputError(f"{path} has a header but no rows")
    return itertools.chain([first], rows)


def sniff_delimiter(text: str) -> str:
    """The delimiter that makes the most enrolment columns of the header line (comma on a tie)."""
    line = text.split("\n", 1)[0]

    def known(delimiter: str) -> int:
        names = next(csv.reader([line], delimiter=delimiter), [])
        return len({name.strip().lower() for name in names} & {*FIELDS, *OPTIONAL})

    return max(DELIMITERS, key=known)


def _read_text(path: Path) -> str:
    try:
        if path.stat().st_size > MAX_CSV_BYTES:
            raise InputError(f"{path} is larger than {MAX_CSV_BYTES // 2**20} MiB")
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path} is not UTF-8 (byte {exc.start}): save it as UTF-8 CSV") from None


def _rows(reader: csv.DictReader[str]) -> Iterator[tuple[int, Row]]:
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
    gallery: Gallery | None = None,
    on_row: Callable[[], None] | None = None,
) -> BatchReport:
    """Enrol each row of ``path`` at the desk, searching each one 1:N before its NIN.

    ``gallery`` is searched and grows with the batch (loaded from the registry
    if not given, after the file's header has been checked).
    """
    rows = read_csv(path)
    searched = gallery if gallery is not None else Gallery.load(registry)
    report = BatchReport()
    for line, row in rows:
        try:
            if "__error__" in row:
                raise InputError(row["__error__"])
            nin = enrol_at_desk(
                registry,
                row,
                photo=_file(path.parent, row, "photo"),
                fingers=_file(path.parent, row, "fingers"),
                site=site,
                officer=officer,
                now=now,
                gallery=searched,
            )
            report.enrolled.append((line, nin))
            warning = mrz_name_warning(row.get("family_name", ""), row.get("given_names", ""))
            if warning:
                report.warned.append(RowError(line, warning))
        except AesIdError as exc:
            report.rejected.append(RowError(line, exc.message))
        if on_row:
            on_row()
    return report


def _file(folder: Path, row: Row, column: str) -> Path | None:
    name = row.get(column, "")
    return inside(folder, name, column) if name else None
