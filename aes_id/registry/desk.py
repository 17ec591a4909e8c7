"""The enrolment desk: one person typed in by an officer, enrolled after the 1:N search.

``aes-id enrol`` with flags, its prompts and every CSV row come through
:func:`enrol_at_desk`: the fields are validated, the photo and the scanner's
fingers record read and checked, the capture made
(:func:`aes_id.registry.capture.desk_capture`) and the request enrolled by
:func:`aes_id.registry.dedup.enrol_checked`, which stops a suspected repeat
enrolment before a NIN is allocated. The prompts check each field as it is
typed with :func:`check_field`, the same validators
:func:`aes_id.registry.enrol.demographics_from_fields` applies.

A resident's fingers are read back (:func:`resident_fingers`) and exported as
an ISO/IEC 19794-2:2005 record (:func:`export_fingers`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from pathlib import Path, PurePosixPath, PureWindowsPath

from aes_id.biometrics.iso19794 import write_fingers
from aes_id.biometrics.minutiae import MinutiaeSet
from aes_id.biometrics.template import decode_fingers
from aes_id.domain import Country, Nin, PartialDate, Sex
from aes_id.errors import InputError, NotFoundError
from aes_id.files import write_atomic
from aes_id.formats.nationality import check_nationality
from aes_id.geography import check_region
from aes_id.registry import tables
from aes_id.registry.capture import desk_capture, desk_fingers
from aes_id.registry.db import Registry
from aes_id.registry.dedup import Gallery, enrol_checked
from aes_id.registry.enrol import (
    EnrolmentRequest,
    ResidentRecord,
    demographics_from_fields,
    get_resident,
)
from aes_id.registry.validate import (
    MAX_FAMILY_NAME,
    MAX_GIVEN_NAMES,
    check_date_of_birth,
    check_photo,
    check_photo_size,
    clean_name,
    clean_place,
)

MAX_FINGERS_BYTES = 1024 * 1024
"""A fingers record larger than this is refused unread (ten views of 255 minutiae are 15 KB)."""

Form = Mapping[str, str | None]
_CHECKS: dict[str, Callable[[str, Form, dt.date], object]] = {
    "family_name": lambda v, f, t: clean_name(v, "family name", max_length=MAX_FAMILY_NAME),
    "given_names": lambda v, f, t: clean_name(v, "given names", max_length=MAX_GIVEN_NAMES),
    "dob": lambda v, f, t: check_date_of_birth(PartialDate.parse(v), today=t),
    "sex": lambda v, f, t: Sex.parse(v),
    "nationality": lambda v, f, t: check_nationality(v),
    "place_of_birth": lambda v, f, t: clean_place(v),
    "state": lambda v, f, t: Country.parse(v),
    "region": lambda v, f, t: check_region(Country.parse(str(f.get("state") or "")), v),
}


def check_field(name: str, value: str, form: Form, *, today: dt.date) -> None:
    """Check one field of the form as it is typed; ``region`` is checked against ``form``'s state.

    Raises :class:`InputError` with the message :func:`demographics_from_fields` would give.
    """
    if not value.strip():
        raise InputError(f"{name.replace('_', ' ')} is empty")
    _CHECKS[name](value, form, today)


def read_photo(path: Path) -> bytes:
    """The bytes of a portrait file, checked (size, format, dimensions) before enrolment."""
    name = f"photo {path}"
    data = _read(path, name, lambda size: check_photo_size(size, name=name))
    check_photo(data, name=name)
    return data


def read_fingers_file(path: Path) -> bytes:
    """The bytes of a scanner's ISO/IEC 19794-2:2005 record, checked before enrolment."""
    name = f"fingers {path}"
    data = _read(path, name, _fingers_size)
    desk_fingers(data, name=name)
    return data


def _fingers_size(size: int) -> None:
    if size > MAX_FINGERS_BYTES:
        raise InputError(
            f"fingers file is {size:,} bytes, at most {MAX_FINGERS_BYTES:,}",
            hint="give the scanner's ISO/IEC 19794-2:2005 finger minutiae record",
        )


def _read(path: Path, name: str, check_size: Callable[[int], None]) -> bytes:
    """Read a file whose size is checked first: a huge file is refused unread."""
    try:
        check_size(path.stat().st_size)
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {name}: {exc.strerror}") from None


def inside(folder: Path, name: str, what: str) -> Path:
    """``name`` as a path inside ``folder``: absolute paths and ``..`` escapes are refused.

    A CSV's photo and fingers paths are relative to the CSV's folder and stay in it.
    """
    if PurePosixPath(name).is_absolute() or PureWindowsPath(name).anchor:
        raise InputError(
            f"{what} {name!r} is an absolute path; give it relative to the CSV's folder"
        )
    root = folder.resolve()
    target = (root / name).resolve()
    if not target.is_relative_to(root):
        raise InputError(f"{what} {name!r} leaves the CSV's folder")
    return folder / name


def enrol_at_desk(
    registry: Registry,
    fields: Form,
    *,
    photo: Path | None = None,
    fingers: Path | None = None,
    site: str,
    officer: str,
    now: dt.datetime,
    gallery: Gallery | None = None,
) -> Nin:
    """Enrol one person from the desk's form, photo file and fingers record; return the NIN.

    Without ``fingers`` the person is enrolled with no fingerprints captured.
    ``gallery`` is the 1:N gallery to search (loaded from the registry if not
    given; a batch passes one for all its rows). A suspected duplicate raises
    :class:`~aes_id.errors.DuplicateError` and opens an adjudication case.
    """
    person = demographics_from_fields(fields, today=now.date())
    capture = desk_capture(
        read_photo(photo) if photo is not None else None,
        read_fingers_file(fingers) if fingers is not None else None,
    )
    request = EnrolmentRequest(person, capture, site=site, officer=officer)
    searched = gallery if gallery is not None else Gallery.load(registry)
    return enrol_checked(registry, request, searched, now=now)


def resident_fingers(registry: Registry, nin: str) -> tuple[MinutiaeSet, ...] | None:
    """A resident's fingers as enrolled, or ``None`` when no fingerprints were captured."""
    with registry.reader() as session:
        bio = session.get(tables.Biometric, nin.strip())
        record = None if bio is None or bio.fingers is None else bytes(bio.fingers)
    if bio is None:
        raise NotFoundError(f"no resident with NIN {nin}")
    return decode_fingers(record) if record is not None else None


def resident_with_fingers(
    registry: Registry, nin: str
) -> tuple[ResidentRecord, tuple[MinutiaeSet, ...] | None]:
    """A resident and their fingers (``None``: no fingerprints captured)."""
    return get_resident(registry, nin), resident_fingers(registry, nin)


def export_fingers(registry: Registry, nin: str, out: Path) -> tuple[MinutiaeSet, ...]:
    """Write a resident's fingers to ``out`` as one ISO/IEC 19794-2:2005 record; return them."""
    views = resident_fingers(registry, nin)
    if views is None:
        raise NotFoundError(
            f"resident {nin} has no fingerprints captured", hint="nothing was written"
        )
    write_atomic(out, write_fingers(views))
    return views
