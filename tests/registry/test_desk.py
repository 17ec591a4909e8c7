"""The enrolment desk: fields checked one by one, the scanner's record read, no invented fingers,
portraits refused for their real reason, a resident's fingers exported."""

from __future__ import annotations

import datetime as dt
import io
import warnings
from pathlib import Path

import pytest
from PIL import Image
from sqlmodel import select

from aes_id.biometrics.iso19794 import read_fingers, write_fingers
from aes_id.biometrics.minutiae import FingerPosition
from aes_id.biometrics.template import decode_fingers, encode_fingers
from aes_id.errors import DuplicateError, InputError, NotFoundError
from aes_id.registry import tables
from aes_id.registry.capture import desk_capture, synthetic_capture
from aes_id.registry.db import Registry
from aes_id.registry.desk import (
    MAX_FINGERS_BYTES,
    check_field,
    enrol_at_desk,
    export_fingers,
    read_fingers_file,
    read_photo,
    resident_fingers,
)
from aes_id.registry.enrol import demographics_from_fields
from aes_id.registry.validate import check_photo

NOW = dt.datetime(2026, 3, 14, 9, 30, tzinfo=dt.UTC)
FORM = {
    "family_name": "Keïta",
    "given_names": "Aïssata",
    "dob": "1987-11-00",
    "sex": "F",
    "nationality": "MLI",
    "place_of_birth": "Ségou",
    "state": "MLI",
    "region": "Bamako",
}
OTHER = {**FORM, "family_name": "Diallo", "given_names": "Kadiatou", "dob": "1992-02-03"}


def scan(folder: Path, seed: int, session: int = 1, name: str | None = None) -> Path:
    """The record a scanner would give for synthetic body ``seed`` pressed at ``session``."""
    record = synthetic_capture(seed, session).fingers
    assert record is not None
    path = folder / (name or f"{seed}-{session}.fmr")
    path.write_bytes(write_fingers(decode_fingers(record)))
    return path


def biometric(registry: Registry, nin: str) -> tables.Biometric:
    with registry.reader() as session:
        row = session.get(tables.Biometric, nin)
        assert row is not None
        return row


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("1", (width, height)).save(out, "PNG")  # one bit a pixel: huge images stay small
    return out.getvalue()


# -- fields, one at a time ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("family_name", "K3ïta"),
        ("given_names", "Aïssata--Kadidia"),
        ("dob", "1987-13-01"),
        ("dob", "2024-01-01"),
        ("sex", "Q"),
        ("place_of_birth", "Ségou#2"),
        ("state", "FRA"),
        ("region", "Atlantis"),
    ],
)
def test_a_field_is_checked_as_the_whole_form_would_check_it(name: str, value: str) -> None:
    with pytest.raises(InputError) as whole:
        demographics_from_fields({**FORM, name: value}, today=NOW.date())
    with pytest.raises(InputError) as one:
        check_field(name, value, FORM, today=NOW.date())
    assert one.value.message == whole.value.message


def test_good_fields_pass_and_the_region_is_checked_against_the_typed_state() -> None:
    for name, value in FORM.items():
        check_field(name, value, FORM, today=NOW.date())
    with pytest.raises(InputError, match="not in Burkina Faso"):
        check_field("region", "Bamako", {**FORM, "state": "BFA"}, today=NOW.date())
    with pytest.raises(InputError, match=r"^dob is empty$"):
        check_field("dob", "  ", FORM, today=NOW.date())


# -- no invented fingers ------------------------------------------------------------------------


def test_without_a_record_no_fingerprints_are_captured() -> None:
    capture = desk_capture()
    assert capture.fingers is None and capture.dedup_row is None
    assert capture.face_seed is not None and capture.face_image is None


def test_enrolled_without_fingers_the_biometric_row_has_none(sqlite_registry: Registry) -> None:
    nin = enrol_at_desk(sqlite_registry, FORM, site="s", officer="o", now=NOW)
    row = biometric(sqlite_registry, nin)
    assert row.fingers is None and row.dedup_row is None
    assert resident_fingers(sqlite_registry, nin) is None


def test_the_scanners_record_is_stored_and_a_second_press_is_stopped(
    sqlite_registry: Registry, tmp_path: Path
) -> None:
    first = scan(tmp_path, 900)
    nin = enrol_at_desk(sqlite_registry, FORM, fingers=first, site="s", officer="o", now=NOW)
    row = biometric(sqlite_registry, nin)
    assert row.fingers == encode_fingers(read_fingers(first.read_bytes()))
    assert row.dedup_row is not None
    with pytest.raises(DuplicateError, match=f"^suspected duplicate of {nin} "):
        enrol_at_desk(
            sqlite_registry, OTHER, fingers=scan(tmp_path, 900, 2), site="s", officer="o", now=NOW
        )
    with sqlite_registry.reader() as session:
        assert len(session.exec(select(tables.Resident)).all()) == 1
        (case,) = session.exec(select(tables.Adjudication)).all()
    assert case.fingers == encode_fingers(read_fingers(scan(tmp_path, 900, 2).read_bytes()))
    someone_else = scan(tmp_path, 901)
    enrol_at_desk(sqlite_registry, OTHER, fingers=someone_else, site="s", officer="o", now=NOW)


@pytest.mark.parametrize(
    ("mangle", "message"),
    [
        (lambda data: data[:100], r"truncated at byte 100: the record length says \d+$"),
        (lambda data: b"FMR\x00 30\x00" + data[8:], "unsupported version"),
        (lambda data: data[:24] + b"\x00" + data[25:], "finger view 1 is of an unknown finger"),
        (lambda data: write_fingers([]), "holds no finger view$"),
    ],
)
def test_a_bad_record_is_one_line_naming_the_file(
    tmp_path: Path, mangle: object, message: str
) -> None:
    data = scan(tmp_path, 5).read_bytes()
    bad = tmp_path / "bad.fmr"
    bad.write_bytes(mangle(data))  # type: ignore[operator]
    with pytest.raises(InputError, match=f"^fingers {bad}: .*{message}") as caught:
        read_fingers_file(bad)
    assert "\n" not in caught.value.message


def test_two_views_of_one_finger_are_refused(tmp_path: Path) -> None:
    views = decode_fingers(synthetic_capture(6).fingers or b"")
    path = tmp_path / "twice.fmr"
    path.write_bytes(write_fingers([views[1], views[1]]))
    with pytest.raises(InputError, match=r"finger view 2 repeats position 2 \(right index\)"):
        read_fingers_file(path)


def test_a_huge_or_missing_fingers_file_is_refused(tmp_path: Path) -> None:
    huge = tmp_path / "huge.fmr"
    with huge.open("wb") as handle:
        handle.truncate(MAX_FINGERS_BYTES + 1)  # sparse: refused from its size, unread
    with pytest.raises(InputError, match="fingers file is 1,048,577 bytes, at most 1,048,576"):
        read_fingers_file(huge)
    with pytest.raises(InputError, match=r"cannot read fingers .*: No such file or directory"):
        read_fingers_file(tmp_path / "absent.fmr")


# -- a resident's fingers exported ------------------------------------------------------------


def test_export_writes_the_residents_fingers_as_an_iso_record(
    sqlite_registry: Registry, tmp_path: Path
) -> None:
    nin = enrol_at_desk(
        sqlite_registry, FORM, fingers=scan(tmp_path, 77), site="s", officer="o", now=NOW
    )
    out = tmp_path / "out" / "fingers.fmr"
    views = export_fingers(sqlite_registry, nin, out)
    assert read_fingers(out.read_bytes()) == views == resident_fingers(sqlite_registry, nin)
    assert [v.position for v in views] == list(FingerPosition)[1:]


def test_export_without_fingers_writes_nothing(sqlite_registry: Registry, tmp_path: Path) -> None:
    nin = enrol_at_desk(sqlite_registry, FORM, site="s", officer="o", now=NOW)
    out = tmp_path / "none.fmr"
    with pytest.raises(NotFoundError, match=f"resident {nin} has no fingerprints captured"):
        export_fingers(sqlite_registry, nin, out)
    assert not out.exists()
    with pytest.raises(NotFoundError, match="no resident with NIN 234567890123"):
        export_fingers(sqlite_registry, "234567890123", out)


# -- portraits refused for their real reason --------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (png(12000, 9000), "^photo is 12000×9000 px, at most 8000 px a side$"),
        (png(20000, 20000), "^photo is 400 megapixels, at most 8000 px a side$"),
        (png(9000, 200), "^photo is 9000×200 px, at most 8000 px a side$"),
        (png(100, 150), "^photo is 100×150 px, at least 120 px a side$"),
        (bytes(30 * 2**20), r"^photo is a 30\.0 MiB file, at most 10 MiB$"),
        (b"GIF89a not really", r"^photo is not a readable image \(UnidentifiedImageError\)$"),
    ],
)
def test_an_unusable_photo_gets_its_real_reason(data: bytes, message: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no DecompressionBombWarning leaks out either
        with pytest.raises(InputError, match=message):
            check_photo(data)


def test_a_photo_file_too_large_is_refused_from_its_size(tmp_path: Path) -> None:
    big = tmp_path / "big.jpg"
    with big.open("wb") as handle:
        handle.truncate(30 * 2**20)
    with pytest.raises(InputError, match=r"^photo .*big\.jpg is a 30\.0 MiB file, at most 10 MiB"):
        read_photo(big)
    good = tmp_path / "good.png"
    good.write_bytes(png(300, 400))
    assert read_photo(good) == good.read_bytes()
