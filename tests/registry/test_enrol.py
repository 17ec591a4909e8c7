"""Enrolment into the registry, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import random
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from aes_id.domain import Country, PartialDate, ResidentStatus, Sex
from aes_id.errors import InputError, NotFoundError, StorageError
from aes_id.formats.numbers import is_valid_nin
from aes_id.registry import tables
from aes_id.registry.batch import enrol_csv
from aes_id.registry.capture import synthetic_capture
from aes_id.registry.db import SCHEMA_VERSION, Registry, open_registry
from aes_id.registry.enrol import (
    EnrolmentRequest,
    demographics_from_fields,
    enrol,
    enrol_many,
    find_residents,
    get_resident,
    iter_residents,
)

NOW = dt.datetime(2026, 3, 14, 9, 30, tzinfo=dt.UTC)
FIELDS = {
    "family_name": "Keïta",
    "given_names": "Aïssata Kadidia",
    "dob": "1990-05-00",
    "sex": "F",
    "nationality": "MLI",
    "place_of_birth": "Ségou",
    "state": "MLI",
    "region": "Ségou",
}


def request(seed: int = 1, **changes: str) -> EnrolmentRequest:
    person = demographics_from_fields({**FIELDS, **changes}, today=NOW.date())
    return EnrolmentRequest(person, synthetic_capture(seed), site="Ségou-1", officer="off-7")


def count(registry: Registry, table: type) -> int:
    with registry.reader() as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


def test_enrol_one_round_trips_with_diacritics(registry: Registry) -> None:
    nin = enrol(registry, request(), now=NOW)
    assert is_valid_nin(nin)
    record = get_resident(registry, nin)
    assert record.identity.family_name == "Keïta"
    assert record.identity.given_names == "Aïssata Kadidia"
    assert record.identity.date_of_birth == PartialDate(1990, 5, 0)
    assert record.identity.sex is Sex.F
    assert record.state is Country.MLI and record.region == "Ségou"
    assert record.officer == "off-7" and record.status is ResidentStatus.ACTIVE
    with registry.reader() as session:
        bio = session.get(tables.Biometric, nin)
    assert bio is not None and bio.face_seed == 1 and len(bio.fingers) > 100


def test_nin_collision_draws_again(registry: Registry) -> None:
    first = enrol(registry, request(), now=NOW, rng=random.Random(5))
    second = enrol(registry, request(), now=NOW, rng=random.Random(5))  # same first draw
    assert first != second
    assert count(registry, tables.Resident) == 2


def test_bulk_path_inserts_everyone(registry: Registry) -> None:
    batches: list[int] = []
    nins = enrol_many(
        registry, (request(i) for i in range(25)), now=NOW, batch_size=10, on_batch=batches.append
    )
    assert len(set(nins)) == 25 and batches == [10, 10, 5]
    assert count(registry, tables.Resident) == 25 == count(registry, tables.Biometric)
    assert [r.identity.nin for r in iter_residents(registry, batch=7)] == sorted(nins)


def test_bulk_batch_with_a_collision_falls_back_row_by_row(registry: Registry) -> None:
    taken = enrol(registry, request(), now=NOW, rng=random.Random(9))
    nins = enrol_many(registry, (request(i) for i in range(5)), now=NOW, rng=random.Random(9))
    assert taken not in nins and len(set(nins)) == 5
    assert count(registry, tables.Resident) == 6


def _enrol_worker(url: str, seed: int, n: int, queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    registry = open_registry(url)
    rng = random.Random(seed)
    queue.put([enrol(registry, request(i), now=NOW, rng=rng) for i in range(n)])


def test_two_processes_never_share_a_nin(db_url: str) -> None:
    """Both processes draw the very same NIN sequence; the constraint and retry keep them apart."""
    open_registry(db_url).dispose()
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    workers = [ctx.Process(target=_enrol_worker, args=(db_url, 42, 15, queue)) for _ in range(2)]
    for worker in workers:
        worker.start()
    results = [queue.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    all_nins = results[0] + results[1]
    assert len(all_nins) == 30 and len(set(all_nins)) == 30
    assert count(open_registry(db_url), tables.Resident) == 30


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("family_name", "K3ita", "character '3'"),
        ("family_name", "", "missing family name"),
        ("given_names", "Ɗan", "cannot be written in the MRZ"),
        ("dob", "2030-01-01", "in the future"),
        ("dob", "2023-01-01", "enrolment is from age 5"),
        ("dob", "1990-02-30", "not a real date"),
        ("dob", "01/02/1990", "not YYYY-MM-DD"),
        ("sex", "Q", "not F, M or X"),
        ("nationality", "Mali", "alpha-3"),
        ("state", "GHA", "unknown state"),
        ("region", "Tahoua", "region"),
        ("family_name", "A" * 61, "at most 60"),
    ],
)
def test_validation_names_the_field(field: str, value: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        request(**{field: value})


def test_region_must_belong_to_the_state() -> None:
    ok = request(state="NER", region="Tahoua")
    assert ok.person.state is Country.NER


def test_find_residents(registry: Registry) -> None:
    enrol(registry, request(1), now=NOW)
    enrol(registry, request(2, family_name="Ouédraogo", state="BFA", region="Kadiogo"), now=NOW)
    assert [r.identity.family_name for r in find_residents(registry, name="ouédr")] == ["Ouédraogo"]
    assert len(find_residents(registry, state=Country.MLI)) == 1
    assert len(find_residents(registry, dob=PartialDate(1990, 5, 0))) == 2
    with pytest.raises(NotFoundError):
        get_resident(registry, "234567890123")


def test_csv_batch_reports_bad_rows_by_line(tmp_path: Path, sqlite_registry: Registry) -> None:
    csv_file = tmp_path / "batch.csv"
    csv_file.write_text(
        "family_name,given_names,dob,sex,nationality,place_of_birth,state,region\n"
        "Traoré,Moussa,1980-01-02,M,MLI,Kayes,MLI,Kayes\n"
        "Traoré,Moussa,2100-01-02,M,MLI,Kayes,MLI,Kayes\n"
        "Issoufou,Hadiza,1975-00-00,F,NER,Zinder,NER,Zinder\n"
        "Sawadogo,Awa,1999-03-04,F,BFA,Kaya,BFA,Kuilsé,extra\n"
        "Sawadogo,Awa,1999-03-04,F,BFA,Kaya,BFA,Atlantis\n",
        encoding="utf-8",
    )
    report = enrol_csv(
        sqlite_registry,
        csv_file,
        now=NOW,
        site="s",
        officer="o",
    )
    assert [line for line, _ in report.enrolled] == [2, 4]
    reasons = {e.line: e.reason for e in report.rejected}
    assert sorted(reasons) == [3, 5, 6]
    assert "in the future" in reasons[3]
    assert reasons[5] == "more values than columns"
    assert "Atlantis" in reasons[6]
    assert count(sqlite_registry, tables.Resident) == 2


def test_csv_that_is_not_utf8_or_lacks_columns(tmp_path: Path, sqlite_registry: Registry) -> None:
    latin = tmp_path / "latin.csv"
    latin.write_bytes("family_name\nKe\xefta\n".encode("latin-1"))
    with pytest.raises(InputError, match="not UTF-8"):
        enrol_csv(
            sqlite_registry,
            latin,
            now=NOW,
            site="s",
            officer="o",
        )
    short = tmp_path / "short.csv"
    short.write_text("family_name,given_names\nA,B\n")
    with pytest.raises(InputError, match="lacks column"):
        enrol_csv(
            sqlite_registry,
            short,
            now=NOW,
            site="s",
            officer="o",
        )


def test_schema_version_recorded_and_newer_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/r.db"
    registry = open_registry(url)
    with registry.reader() as session:
        assert session.get(tables.SchemaVersion, 1).version == SCHEMA_VERSION  # type: ignore[union-attr]
    with registry.transaction() as session:
        session.execute(text("UPDATE schema_version SET version = 99"))
    registry.dispose()
    with pytest.raises(StorageError, match="newer"):
        open_registry(url)


def test_sqlite_registry_is_in_wal_mode(sqlite_registry: Registry) -> None:
    with sqlite_registry.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
