"""De-duplication at enrolment, on SQLite and PostgreSQL: the gallery, the demographic
check beside it, cases and why, decisions, and the desk's command line.

A repeat enrolment here is what it is in the field: the same synthetic body (biometric
seed) pressed again at a later session, under another name, or the same person under a
name spelled another way.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import func, select, text

from aes_id.biometrics.desk import finger_record, finger_views
from aes_id.biometrics.gallery import POSITIONS, WIDTH, gallery_row, row_for_record, split_row
from aes_id.biometrics.index import DEDUP_THRESHOLD, pack
from aes_id.biometrics.signature import GALLERY_ABSENT, SIGNATURE_HASHES
from aes_id.domain import Nin
from aes_id.errors import DuplicateError, NotFoundError, StorageError, UsageError
from aes_id.registry import dedup, tables
from aes_id.registry.batch import enrol_csv
from aes_id.registry.capture import synthetic_capture
from aes_id.registry.db import Registry, open_registry
from aes_id.registry.dedup import (
    Gallery,
    backfill_rows,
    combine,
    decide,
    enrol_checked,
    list_cases,
    open_case,
)
from aes_id.registry.enrol import (
    Capture,
    EnrolmentRequest,
    demographics_from_fields,
    enrol,
    enrol_in,
    get_resident,
)
from tests.cli.conftest import Cli, environment

NOW = dt.datetime(2026, 3, 14, 9, 30, tzinfo=dt.UTC)
LATER = NOW + dt.timedelta(hours=3)
PERSON = {
    "family_name": "Ouédraogo",
    "given_names": "Aminata",
    "dob": "1984-07-00",
    "sex": "F",
    "nationality": "BFA",
    "place_of_birth": "Koudougou",
    "state": "BFA",
    "region": "Kadiogo",
}
ALIAS = {"family_name": "Sawadogo", "given_names": "Fatimata", "dob": "1986-02-11"}
"""The same body enrols again under these details."""


def request(
    seed: int,
    session: int = 1,
    *,
    officer: str = "off-1",
    row: bool = True,
    details: Mapping[str, str] | None = None,
) -> EnrolmentRequest:
    """Body ``seed`` captured at ``session``, with PERSON's ``details`` changed;
    ``row=False``: no gallery row given (as before de-duplication)."""
    capture = synthetic_capture(seed, session)
    if not row:
        capture = Capture(fingers=capture.fingers, face_seed=capture.face_seed)
    person = demographics_from_fields({**PERSON, **(details or {})}, today=NOW.date())
    return EnrolmentRequest(person, capture, site="Ouaga-2", officer=officer)


def count(registry: Registry, table: type) -> int:
    with registry.reader() as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


def stored_row(registry: Registry, nin: str) -> bytes | None:
    with registry.reader() as session:
        bio = session.get(tables.Biometric, nin)
    assert bio is not None
    return None if bio.dedup_row is None else bytes(bio.dedup_row)


GIVEN = ("Awa", "Salif", "Mariam", "Issa", "Rokia", "Boubacar", "Kadiatou")


def enrol_people(registry: Registry, seeds: range) -> dict[int, Nin]:
    """Distinct people (bodies ``seeds``), enrolled without a search."""
    return {
        seed: enrol(
            registry, request(seed, details={"given_names": GIVEN[seed % len(GIVEN)]}), now=NOW
        )
        for seed in seeds
    }


def stop(registry: Registry, seed: int, gallery: Gallery | None = None) -> int:
    """Enrol a repeat of ``seed``; return the case number it opened."""
    with pytest.raises(DuplicateError) as caught:
        enrol_checked(
            registry, request(seed, 2, details=ALIAS), gallery or Gallery.load(registry), now=NOW
        )
    return int(caught.value.message.split("case #")[1].split()[0])


# -- the gallery row --------------------------------------------------------------------------


def test_gallery_row_is_signatures_counts_then_packed_minutiae() -> None:
    views = finger_views(41)
    row = gallery_row(views)
    signature, counts, minutiae = split_row(row)
    assert len(signature) == WIDTH == SIGNATURE_HASHES * len(POSITIONS)
    by_position = {view.position: view for view in views}
    assert list(counts) == [len(by_position[p]) for p in POSITIONS]
    words = np.frombuffer(minutiae, "<u4")
    assert np.array_equal(words, np.concatenate([pack(by_position[p]) for p in POSITIONS]))
    assert row_for_record(finger_record(41)) == row


def test_a_missing_finger_has_no_minutiae_and_a_signature_that_never_agrees() -> None:
    views = finger_views(42)
    missing = views[3].position
    signature, counts, _ = split_row(gallery_row([v for v in views if v.position != missing]))
    slot = POSITIONS.index(missing)
    assert counts[slot] == 0 and sum(counts) == sum(len(v) for v in views) - len(views[3])
    block = signature[slot * SIGNATURE_HASHES : (slot + 1) * SIGNATURE_HASHES]
    assert set(block) == {GALLERY_ABSENT}


# -- the gallery ------------------------------------------------------------------------------


def test_an_empty_registry_gives_an_empty_gallery(registry: Registry) -> None:
    gallery = Gallery.load(registry)
    assert len(gallery) == 0 and gallery.search(finger_views(7, 2)) == []


def test_the_gallery_loads_every_stored_row_in_pages(registry: Registry) -> None:
    nins = enrol_people(registry, range(100, 105))
    gallery = Gallery.load(registry, batch=2)  # three pages, the last one short
    assert len(gallery) == 5
    for seed, nin in nins.items():
        found = gallery.search(finger_views(seed, 2))
        assert [c.person_id for c in found] == [nin]
        assert found[0].score >= DEDUP_THRESHOLD


def test_add_rename_and_resolve(registry: Registry) -> None:
    gallery = Gallery.load(registry)
    gallery.add("pending:0", finger_views(9))
    gallery.add("pending:1", finger_views(10))
    assert len(gallery) == 2
    assert [c.person_id for c in gallery.search(finger_views(9, 2))] == ["pending:0"]
    gallery.rename("pending:0", "123456789012")
    assert [c.person_id for c in gallery.search(finger_views(9, 2))] == ["123456789012"]
    assert gallery.resolve("pending:0") == "123456789012"
    assert gallery.resolve("pending:1") == "pending:1"  # not renamed: itself
    assert [c.person_id for c in gallery.search(finger_views(10, 3))] == ["pending:1"]


# -- enrol_checked ----------------------------------------------------------------------------


def test_a_new_person_is_enrolled_with_a_gallery_row_and_becomes_searchable(
    registry: Registry,
) -> None:
    gallery = Gallery.load(registry)
    nin = enrol_checked(registry, request(21, row=False), gallery, now=NOW)
    assert get_resident(registry, nin).identity.family_name == "Ouédraogo"
    assert stored_row(registry, nin) == gallery_row(finger_views(21))  # computed when missing
    assert len(gallery) == 1
    with pytest.raises(DuplicateError, match=f"suspected duplicate of {nin} "):  # same gallery
        enrol_checked(registry, request(21, 2, details=ALIAS), gallery, now=NOW)


def test_a_repeat_is_stopped_nothing_is_allocated_and_a_case_waits(registry: Registry) -> None:
    nins = enrol_people(registry, range(30, 34))
    original = nins[32]
    with pytest.raises(DuplicateError) as caught:
        enrol_checked(
            registry,
            request(32, 2, officer="off-9", details=ALIAS),
            Gallery.load(registry),
            now=LATER,
        )
    error = caught.value
    assert re.match(rf"suspected duplicate of {original} \(score [01]\.\d\d\): ", error.message)
    assert error.message.endswith("case #1 awaits adjudication") and "\n" not in error.message
    assert error.hint is not None and "aes-id adjudicate" in error.hint
    assert count(registry, tables.Resident) == 4 and count(registry, tables.Biometric) == 4
    (case,) = list_cases(registry)
    assert (case.number, case.status, case.officer, case.nin) == (1, "pending", "off-9", None)
    assert case.created_at.replace(tzinfo=dt.UTC) == LATER and case.decided_by is None
    assert case.person["family_name"] == "Sawadogo" and case.person["dob"] == "19860211"
    assert [(nin, why) for nin, _, why in case.candidates] == [(original, "biometric")]
    assert case.candidates[0][1] >= DEDUP_THRESHOLD
    assert "biometric match; case #1" in error.message
    with registry.reader() as session:
        row = session.get(tables.Adjudication, 1)
    assert row is not None and bytes(row.fingers) == synthetic_capture(32, 2).fingers
    assert row.face_seed == 32 and row.site == "Ouaga-2"


def test_distinct_people_are_not_stopped(registry: Registry) -> None:
    """Thirty bodies, thirty Ouédraogo women born in 1984: seven given names, each a day."""
    gallery = Gallery.load(registry)
    nins = [
        enrol_checked(
            registry,
            request(
                seed, details={"given_names": GIVEN[seed % 7], "dob": f"1984-07-{seed - 199:02d}"}
            ),
            gallery,
            now=NOW,
        )
        for seed in range(200, 230)
    ]
    assert len(set(nins)) == 30 and list_cases(registry, status=None) == []


def test_cases_are_numbered_and_listed_by_status(registry: Registry) -> None:
    enrol_people(registry, range(50, 53))
    first, second, third = (stop(registry, seed) for seed in range(50, 53))
    assert (first, second, third) == (1, 2, 3)
    decide(registry, second, confirm=True, officer="sup", now=LATER)
    assert [c.number for c in list_cases(registry)] == [1, 3]
    assert [c.number for c in list_cases(registry, status="confirmed")] == [2]
    assert [c.number for c in list_cases(registry, status=None)] == [1, 2, 3]


def test_open_case_keeps_the_request_as_given(registry: Registry) -> None:
    nins = enrol_people(registry, range(60, 62))
    probe = finger_views(60, 2)
    suspects = combine(Gallery.load(registry).search(probe), [])
    suspicion = open_case(registry, request(60, 2, details=ALIAS), suspects, NOW)
    assert suspicion.case == 1 and suspicion.candidates == tuple(suspects)
    assert nins[60] in suspicion.message() and "case #1" in suspicion.message()
    (case,) = list_cases(registry)
    assert case.candidates == [(s.person_id, round(s.score, 4), "biometric") for s in suspects]


# -- decisions --------------------------------------------------------------------------------


def test_confirm_refuses_the_enrolment_and_keeps_the_case(registry: Registry) -> None:
    enrol_people(registry, range(70, 72))
    number = stop(registry, 71)
    decided = decide(registry, number, confirm=True, officer="sup-3", now=LATER)
    assert (decided.status, decided.decided_by, decided.nin) == ("confirmed", "sup-3", None)
    assert count(registry, tables.Resident) == 2
    assert list_cases(registry) == []
    (kept,) = list_cases(registry, status=None)
    assert kept.status == "confirmed" and kept.person["family_name"] == "Sawadogo"
    with registry.reader() as session:
        row = session.get(tables.Adjudication, number)
    assert row is not None and row.decided_at is not None
    assert row.decided_at.replace(tzinfo=dt.UTC) == LATER


def test_clear_enrols_the_applicant_with_their_own_capture(registry: Registry) -> None:
    nins = enrol_people(registry, range(80, 82))
    number = stop(registry, 81)
    decided = decide(registry, number, confirm=False, officer="sup-3", now=LATER)
    assert decided.status == "cleared" and decided.decided_by == "sup-3"
    assert decided.nin is not None and decided.nin not in nins.values()
    record = get_resident(registry, decided.nin)
    assert (record.identity.family_name, record.identity.given_names) == ("Sawadogo", "Fatimata")
    assert str(record.identity.date_of_birth.compact()) == "19860211"
    assert record.enrolled_at.replace(tzinfo=dt.UTC) == LATER and record.site == "Ouaga-2"
    with registry.reader() as session:
        bio = session.get(tables.Biometric, decided.nin)
    assert bio is not None and bio.face_seed == 81
    assert bytes(bio.fingers) == synthetic_capture(81, 2).fingers
    assert stored_row(registry, decided.nin) == row_for_record(bio.fingers)
    found = Gallery.load(registry).search(finger_views(81, 3))
    assert {c.person_id for c in found} == {nins[81], decided.nin}  # both now searchable
    assert [c.nin for c in list_cases(registry, status="cleared")] == [decided.nin]


def test_clear_is_one_transaction_with_the_enrolment(
    registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    enrol_people(registry, range(90, 92))
    number = stop(registry, 90)

    def broken(*args: Any, **kwargs: Any) -> Nin:
        raise StorageError("disk full")

    monkeypatch.setattr(dedup, "enrol_in", broken)
    with pytest.raises(StorageError):
        decide(registry, number, confirm=False, officer="sup", now=LATER)
    (case,) = list_cases(registry)  # still pending: the decision was rolled back too
    assert case.number == number and case.decided_by is None
    assert count(registry, tables.Resident) == 2


@pytest.mark.parametrize(("first", "second"), [(True, False), (False, True), (False, False)])
def test_deciding_twice_is_refused(registry: Registry, first: bool, second: bool) -> None:
    enrol_people(registry, range(110, 112))
    number = stop(registry, 111)
    decided = decide(registry, number, confirm=first, officer="sup", now=LATER)
    residents = count(registry, tables.Resident)
    status = "confirmed" if first else "cleared"
    with pytest.raises(UsageError, match=f"case #{number} was already decided \\({status}\\)"):
        decide(registry, number, confirm=second, officer="other", now=LATER)
    assert count(registry, tables.Resident) == residents
    (again,) = list_cases(registry, status=None)
    assert (again.status, again.decided_by, again.nin) == (status, "sup", decided.nin)


def test_an_unknown_case_is_not_found(registry: Registry) -> None:
    with pytest.raises(NotFoundError, match="no adjudication case #7"):
        decide(registry, 7, confirm=True, officer="sup", now=LATER)


def test_two_officers_clearing_one_case_at_once_enrol_once(
    registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both decide the same pending case; the one who comes second must be refused.

    Each decision, once inside its transaction, waits (up to 1 s) for the other to get
    there too: with the case row locked, the second one cannot, and goes on after the
    first commits.
    """
    enrol_people(registry, range(120, 122))
    number = stop(registry, 121)
    meet = threading.Barrier(2)
    real_enrol_in: Callable[..., Nin] = enrol_in

    def slow_enrol_in(*args: Any, **kwargs: Any) -> Nin:
        with contextlib.suppress(threading.BrokenBarrierError):
            meet.wait(timeout=1)
        return real_enrol_in(*args, **kwargs)

    monkeypatch.setattr(dedup, "enrol_in", slow_enrol_in)
    outcomes: list[object] = []

    def officer(name: str) -> None:
        try:
            outcomes.append(decide(registry, number, confirm=False, officer=name, now=LATER))
        except Exception as exc:  # the outcome is what the test looks at
            outcomes.append(exc)

    threads = [threading.Thread(target=officer, args=(f"sup-{i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    refused = [o for o in outcomes if isinstance(o, UsageError)]
    assert len(outcomes) == 2 and len(refused) == 1, outcomes
    assert count(registry, tables.Resident) == 3  # two people, and the applicant once


# -- rows for residents enrolled before de-duplication ---------------------------------------


def test_backfill_computes_missing_rows_only(registry: Registry) -> None:
    legacy = enrol(registry, request(130, row=False), now=NOW)
    recent = enrol(registry, request(131), now=NOW)
    assert stored_row(registry, legacy) is None
    before = stored_row(registry, recent)
    assert backfill_rows(registry, [legacy, recent, "000000000000"]) == 1
    assert stored_row(registry, legacy) == gallery_row(finger_views(130))
    assert stored_row(registry, recent) == before
    assert backfill_rows(registry, [legacy]) == 0
    gallery = Gallery.load(registry)
    assert len(gallery) == 2
    with pytest.raises(DuplicateError, match=f"suspected duplicate of {legacy} "):
        enrol_checked(registry, request(130, 2, details=ALIAS), gallery, now=NOW)


def test_a_registry_from_before_de_duplication_is_migrated(db_url: str) -> None:
    """A registry made before ``biometric.dedup_row`` existed opens, and its people are searched.

    Its schema is today's without that column, and it records schema version 1.
    """
    old = open_registry(db_url)
    nin = enrol(old, request(140, row=False), now=NOW)
    with old.transaction() as session:
        session.execute(text("ALTER TABLE biometric DROP COLUMN dedup_row"))
        session.execute(text("UPDATE schema_version SET version = 1"))
    old.dispose()
    registry = open_registry(db_url)
    try:
        with pytest.raises(DuplicateError, match=f"suspected duplicate of {nin} "):
            enrol_checked(registry, request(140, 2, details=ALIAS), Gallery.load(registry), now=NOW)
    finally:
        registry.dispose()


# -- demographic de-duplication ----------------------------------------------------------------

TRAORE = {
    "family_name": "Traoré",
    "given_names": "Aminata Fatoumata",
    "dob": "1984-07-12",
    "sex": "F",
    "nationality": "MLI",
    "place_of_birth": "Ségou",
    "state": "MLI",
    "region": "Ségou",
}
SPELLED = {"family_name": "Traouré", "given_names": "Fatumata Aminata", "place_of_birth": "Segou"}


def applicant(seed: int | None, session: int = 1, **changes: str) -> EnrolmentRequest:
    """``TRAORE`` with ``changes``; body ``seed`` (``None``: no fingerprints captured)."""
    capture = Capture(None, face_seed=7) if seed is None else synthetic_capture(seed, session)
    person = demographics_from_fields({**TRAORE, **changes}, today=NOW.date())
    return EnrolmentRequest(person, capture, site="Ségou-1", officer="off-4")


def test_a_spelling_variant_is_stopped_demographically_before_any_nin(registry: Registry) -> None:
    """Another body (or none): only the names, birth and place say it is the same person."""
    gallery = Gallery.load(registry)
    original = enrol_checked(registry, applicant(300), gallery, now=NOW)
    for number, capture_seed in enumerate((301, None), start=1):
        with pytest.raises(DuplicateError) as caught:
            enrol_checked(registry, applicant(capture_seed, **SPELLED), gallery, now=LATER)
        message = caught.value.message
        assert message.startswith(f"suspected duplicate of {original} (score ")
        assert message.endswith(f"): demographic match; case #{number} awaits adjudication")
    assert count(registry, tables.Resident) == 1 and count(registry, tables.Biometric) == 1
    for case in list_cases(registry):
        ((nin, score, why),) = case.candidates
        assert (nin, why) == (original, "demographic") and score >= 0.95
        assert case.person["family_name"] == "Traouré"


def test_a_repeat_found_by_fingers_and_demographics_is_named_both(registry: Registry) -> None:
    original = enrol_checked(registry, applicant(310), Gallery.load(registry), now=NOW)
    with pytest.raises(DuplicateError, match="biometric and demographic match; case #1"):
        enrol_checked(
            registry,
            applicant(310, 2, dob="1984-00-00", **SPELLED),
            Gallery.load(registry),
            now=NOW,
        )
    ((nin, score, why),) = list_cases(registry)[0].candidates
    assert (nin, why) == (original, "both") and DEDUP_THRESHOLD <= score < 0.95  # the fingers'


def test_namesakes_born_the_same_year_are_both_enrolled(registry: Registry) -> None:
    """A common name and the same year of birth are not a duplicate on their own."""
    gallery = Gallery.load(registry)
    first = enrol_checked(registry, applicant(320), gallery, now=NOW)
    second = enrol_checked(
        registry,
        applicant(321, given_names="Aminata", dob="1984-03-02", place_of_birth="Kayes"),
        gallery,
        now=NOW,
    )
    third = enrol_checked(
        registry, applicant(322, dob="1984-00-00", place_of_birth="Mopti"), gallery, now=NOW
    )
    assert len({first, second, third}) == 3 and list_cases(registry, status=None) == []
    with registry.reader() as session:
        rows = [session.get(tables.Resident, nin) for nin in (first, second, third)]
    keys = {row.name_key for row in rows if row is not None}
    assert keys == {"trr"}  # each one the lookup finds, none close enough to stop


@pytest.mark.parametrize(
    ("enrolled", "applying", "stopped"),
    [
        ("1980-05-12", "1980-00-00", True),
        ("1980-00-00", "1980-05-12", True),
        ("1980-05-00", "1980-05-12", True),
        ("1980-06-00", "1980-05-12", False),
        ("1980-05-12", "1980-05-21", False),
    ],
)
def test_a_partial_date_of_birth_is_compatible_with_a_full_one(
    sqlite_registry: Registry, enrolled: str, applying: str, stopped: bool
) -> None:
    gallery = Gallery.load(sqlite_registry)
    enrol_checked(sqlite_registry, applicant(330, dob=enrolled), gallery, now=NOW)
    later = applicant(331, dob=applying, family_name="Traore")
    if stopped:
        with pytest.raises(DuplicateError, match="demographic match"):
            enrol_checked(sqlite_registry, later, gallery, now=NOW)
    else:
        enrol_checked(sqlite_registry, later, gallery, now=NOW)
    assert count(sqlite_registry, tables.Resident) == (1 if stopped else 2)


def test_cleared_the_applicant_is_enrolled_with_their_name_key(registry: Registry) -> None:
    enrol_checked(registry, applicant(340), Gallery.load(registry), now=NOW)
    with pytest.raises(DuplicateError):
        enrol_checked(registry, applicant(341, **SPELLED), Gallery.load(registry), now=NOW)
    decided = decide(registry, 1, confirm=False, officer="sup", now=LATER)
    with registry.reader() as session:
        row = session.get(tables.Resident, decided.nin)
    assert row is not None and (row.family_name, row.name_key) == ("Traouré", "trr")


def test_a_case_stored_before_the_why_reads_as_biometric(registry: Registry) -> None:
    with registry.transaction() as session:
        session.add(
            tables.Adjudication(
                created_at=NOW,
                officer="o",
                site="s",
                person='{"family_name": "Maïga"}',
                fingers=None,
                candidates='[["123456789012", 0.61]]',
            )
        )
    assert list_cases(registry)[0].candidates == [("123456789012", 0.61, "biometric")]


def test_a_csv_row_spelling_an_earlier_row_otherwise_is_rejected(
    sqlite_registry: Registry, tmp_path: Path
) -> None:
    header = ",".join(TRAORE)
    rows = [
        ",".join(TRAORE.values()),
        "Ouédraogo,Awa,1990-01-01,F,BFA,Kaya,BFA,Kadiogo",
        ",".join({**TRAORE, **SPELLED}.values()),
    ]
    path = tmp_path / "people.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    report = enrol_csv(sqlite_registry, path, now=NOW, site="Ségou-1", officer="off-4")
    assert [line for line, _ in report.enrolled] == [2, 3]
    (rejected,) = report.rejected
    assert rejected.line == 4
    assert rejected.reason.startswith(f"suspected duplicate of {report.enrolled[0][1]} (score ")
    assert "demographic match" in rejected.reason
    assert count(sqlite_registry, tables.Resident) == 2


# -- through the command line -----------------------------------------------------------------

FLAGS = [f"--{name.replace('_', '-')}" for name in TRAORE]


def flags(person: Mapping[str, str]) -> list[str]:
    return [item for name, flag in zip(TRAORE, FLAGS, strict=True) for item in (flag, person[name])]


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Cli:
    home = tmp_path / "home"
    home.mkdir()
    for name, value in environment(home).items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(home)
    return Cli(home, capsys)


def test_the_desk_stops_a_spelling_variant_with_exit_1_and_writes_nothing(cli: Cli) -> None:
    original = cli.ok("enrol", *flags(TRAORE)).out.strip()
    outcome = cli("enrol", *flags({**TRAORE, **SPELLED}))
    assert outcome.code == 1 and outcome.out == ""
    first, *rest = outcome.err.splitlines()
    assert first.startswith(f"error: suspected duplicate of {original} (score ")
    assert first.endswith("): demographic match; case #1 awaits adjudication")
    assert rest == ["hint: `aes-id adjudicate` to decide"]
    registry = open_registry(cli.home / "registry.db")
    try:
        assert count(registry, tables.Resident) == 1 and count(registry, tables.Biometric) == 1
    finally:
        registry.dispose()
    listed = cli.ok("adjudicate", "--json").json()
    assert listed[0]["candidates"][0][0] == original
    assert listed[0]["candidates"][0][2] == "demographic"
    table = cli.ok("adjudicate").out
    assert "why" in table and "demographic" in table and original in table
