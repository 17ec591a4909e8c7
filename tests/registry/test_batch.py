"""CSV batches as spreadsheets write them: delimiters, byte-order marks, photo and fingers
columns confined to the CSV's folder, a header with no rows, repeats stopped by line."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from PIL import Image

from aes_id.biometrics.iso19794 import read_fingers
from aes_id.biometrics.template import encode_fingers
from aes_id.errors import InputError
from aes_id.registry import tables
from aes_id.registry.batch import BatchReport, enrol_csv, read_csv, sniff_delimiter
from aes_id.registry.db import Registry
from tests.registry.test_desk import scan

NOW = dt.datetime(2026, 3, 14, 9, 30, tzinfo=dt.UTC)
HEADER = ["family_name", "given_names", "dob", "sex", "nationality", "place_of_birth", "state"]
HEADER += ["region"]
PEOPLE = [
    ["Traoré", "Moussa", "1980-01-02", "M", "MLI", "Kayes", "MLI", "Kayes"],
    ["Issoufou", "Hadiza", "1975-00-00", "F", "NER", "Zinder", "NER", "Zinder"],
    ["Sawadogo", "Awa", "1999-03-04", "F", "BFA", "Kaya", "BFA", "Kadiogo"],
    ["Keïta", "Aïssata", "1987-11-00", "F", "MLI", "Ségou", "MLI", "Bamako"],
]


def write_csv(
    path: Path,
    rows: list[list[str]],
    *,
    header: list[str] = HEADER,
    sep: str = ",",
    bom: bool = False,
    newline: str = "\n",
) -> Path:
    lines = [sep.join(header), *(sep.join(row) for row in rows)]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\ufeff" if bom else "").encode() + newline.join(lines).encode() + b"\n")
    return path


def run(registry: Registry, path: Path) -> BatchReport:
    return enrol_csv(registry, path, now=NOW, site="Bamako-3", officer="off-2")


def fingers_of(registry: Registry, nin: str) -> tables.Biometric:
    with registry.reader() as session:
        row = session.get(tables.Biometric, nin)
        assert row is not None
        return row


# -- as spreadsheets write them ---------------------------------------------------------------


def test_a_french_spreadsheets_csv_is_read(tmp_path: Path, sqlite_registry: Registry) -> None:
    """Semicolons, a UTF-8 byte-order mark and CRLF line ends: 'CSV UTF-8' from a French Excel."""
    path = write_csv(tmp_path / "fr.csv", PEOPLE, sep=";", bom=True, newline="\r\n")
    report = run(sqlite_registry, path)
    assert report.rejected == [] and [line for line, _ in report.enrolled] == [2, 3, 4, 5]
    with sqlite_registry.reader() as session:
        first = session.get(tables.Resident, report.enrolled[0][1])
    assert first is not None and first.family_name == "Traoré"


@pytest.mark.parametrize("sep", [",", ";", "\t"])
def test_the_delimiter_is_read_from_the_header(tmp_path: Path, sep: str) -> None:
    path = write_csv(tmp_path / "x.csv", PEOPLE[:1], header=[*HEADER, "photo"], sep=sep)
    assert sniff_delimiter(path.read_text()) == sep
    ((line, row),) = list(read_csv(path))
    assert line == 2 and row["family_name"] == "Traoré" and row["photo"] == ""


def test_a_header_without_rows_is_an_error(tmp_path: Path, sqlite_registry: Registry) -> None:
    header = ",".join(HEADER)
    for name, text in [("only.csv", header + "\n"), ("blank.csv", header + "\r\n\r\n\n")]:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        with pytest.raises(InputError, match=f"^{path} has a header but no rows$"):
            run(sqlite_registry, path)
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"\xef\xbb\xbf")
    with pytest.raises(InputError, match=f"^{empty} is empty$"):
        run(sqlite_registry, empty)


# -- fingers and photos, relative to the CSV's folder -----------------------------------------


def test_the_fingers_column_enrols_the_scanners_records_and_stops_a_repeat(
    tmp_path: Path, sqlite_registry: Registry
) -> None:
    folder = tmp_path / "batch"
    (folder / "scans").mkdir(parents=True)
    a, b, c = (
        scan(folder / "scans", 900),
        scan(folder / "scans", 901),
        scan(folder / "scans", 900, 2),
    )
    rows = [
        [*PEOPLE[0], "scans/900-1.fmr"],
        [*PEOPLE[1], "scans/901-1.fmr"],
        [*PEOPLE[2], "scans/900-2.fmr"],  # Traoré's fingers pressed again, under another name
        [*PEOPLE[3], ""],
    ]
    report = run(sqlite_registry, write_csv(folder / "b.csv", rows, header=[*HEADER, "fingers"]))
    assert [line for line, _ in report.enrolled] == [2, 3, 5]
    traore, keita = report.enrolled[0][1], report.enrolled[2][1]
    (rejected,) = report.rejected
    assert rejected.line == 4 and rejected.reason.startswith(f"suspected duplicate of {traore} ")
    assert fingers_of(sqlite_registry, traore).fingers == encode_fingers(
        read_fingers(a.read_bytes())
    )
    assert fingers_of(sqlite_registry, report.enrolled[1][1]).fingers == encode_fingers(
        read_fingers(b.read_bytes())
    )
    assert fingers_of(sqlite_registry, keita).fingers is None
    assert fingers_of(sqlite_registry, keita).dedup_row is None
    assert c.exists()


def test_paths_may_not_leave_the_csvs_folder(tmp_path: Path, sqlite_registry: Registry) -> None:
    folder = tmp_path / "batch"
    (folder / "sub").mkdir(parents=True)
    outside = scan(tmp_path, 902, name="outside.fmr")
    (folder / "link.fmr").symlink_to(outside)
    scan(folder, 903, name="inside.fmr")
    windows = "C:\\scans\\a.fmr"
    names = [
        "../outside.fmr",
        str(outside),
        "sub/../../outside.fmr",
        "link.fmr",
        windows,
        "sub/../inside.fmr",
    ]
    people = [[*PEOPLE[i % 4][:1], f"Given{'abcdef'[i]}", *PEOPLE[i % 4][2:]] for i in range(6)]
    rows = [[*person, name] for person, name in zip(people, names, strict=True)]
    report = run(sqlite_registry, write_csv(folder / "b.csv", rows, header=[*HEADER, "fingers"]))
    assert [line for line, _ in report.enrolled] == [7]
    reasons = {e.line: e.reason for e in report.rejected}
    relative = "give it relative to the CSV's folder"
    assert reasons == {
        2: "fingers '../outside.fmr' leaves the CSV's folder",
        3: f"fingers '{outside}' is an absolute path; {relative}",
        4: "fingers 'sub/../../outside.fmr' leaves the CSV's folder",
        5: "fingers 'link.fmr' leaves the CSV's folder",
        6: f"fingers {windows!r} is an absolute path; {relative}",
    }


def test_a_photo_row_is_refused_for_its_real_reason(
    tmp_path: Path, sqlite_registry: Registry
) -> None:
    folder = tmp_path / "batch"
    folder.mkdir()
    out = io.BytesIO()
    Image.new("1", (12000, 9000)).save(out, "PNG")
    (folder / "huge.png").write_bytes(out.getvalue())
    with (folder / "heavy.jpg").open("wb") as handle:
        handle.truncate(12 * 2**20)
    rows = [[*PEOPLE[0], "huge.png"], [*PEOPLE[1], "heavy.jpg"], [*PEOPLE[2], "/etc/hostname"]]
    report = run(sqlite_registry, write_csv(folder / "b.csv", rows, header=[*HEADER, "photo"]))
    reasons = {e.line: e.reason for e in report.rejected}
    assert reasons[2].endswith("huge.png is 12000×9000 px, at most 8000 px a side")
    assert reasons[3].endswith("heavy.jpg is a 12.0 MiB file, at most 10 MiB")
    assert (
        reasons[4]
        == "photo '/etc/hostname' is an absolute path; give it relative to the CSV's folder"
    )
    assert report.enrolled == []
