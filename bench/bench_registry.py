"""The registry's bulk insert path against raw ``sqlite3``, and the registry's size per resident.

Run: ``.venv/bin/python bench/bench_registry.py [--n 100000] [--rounds 2] [--photos 2000]``

1. Rate: :func:`aes_id.registry.enrol.enrol_many` (SQLAlchemy Core, one
   transaction per batch of 2,000) inserts ``--n`` enrolment requests into a
   fresh SQLite registry; a raw ``sqlite3`` ``executemany`` inserts the same
   rows (same schema, indexes, pragmas, batches and biometric blobs) into
   another. The two alternate for ``--rounds`` rounds; the best of each gives
   the ratio (goal: at least 0.5 of the raw rate). The requests are built
   before any timing, so only the insert path is measured: the people are all
   different, their ten-finger records come from a pool of real captures
   (``--pool``), cycled (the insert cost depends on a blob's size, not on its
   content).
2. Size: the SQLite file (after a WAL checkpoint) divided by the residents,
   extrapolated to a million; per table and index when SQLite has ``dbstat``.
   A synthetic face is stored as its seed (8 bytes; regenerated exactly on
   demand), so the biometrics row is the ten-finger template record and the
   de-duplication gallery row computed from it. An uploaded photo is stored
   as a JPEG of at most 360 x 450 at quality 80: ``--photos`` residents are
   enrolled with one (synthetic portraits, which compress better than camera
   photos) to measure that case too.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import random
import secrets
import sqlite3
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from aes_id.biometrics.desk import compact_photo
from aes_id.biometrics.faces import synthetic_face
from aes_id.formats.numbers import generate_nin
from aes_id.registry import tables
from aes_id.registry.capture import synthetic_capture
from aes_id.registry.db import open_registry
from aes_id.registry.enrol import Capture, EnrolmentRequest, demographics_from_fields, enrol_many
from aes_id.simulate.population import generate

NOW = dt.datetime(2026, 3, 14, 9, 30, tzinfo=dt.UTC)
BATCH = 2000
RESIDENT_COLUMNS = tuple(column.name for column in tables.Resident.__table__.columns)  # type: ignore[attr-defined]
BIOMETRIC_COLUMNS = tuple(column.name for column in tables.Biometric.__table__.columns)  # type: ignore[attr-defined]
PHOTO_SIZE = (360, 450)


def build_requests(n: int, pool: Sequence[Capture], seed: int = 11) -> list[EnrolmentRequest]:
    """``n`` validated requests of different people; captures cycled from ``pool``."""
    people = generate(n, seed=seed, state=None, today=NOW.date())
    return [
        EnrolmentRequest(
            person=demographics_from_fields(person.fields(), today=NOW.date()),
            capture=pool[i % len(pool)],
            site="Bamako Commune III",
            officer="bench",
        )
        for i, person in enumerate(people)
    ]


def capture_pool(size: int, workers: int = 2) -> list[Capture]:
    """Real desk captures (ten fingers each) of ``size`` synthetic people."""
    with ProcessPoolExecutor(workers) as pool:
        return list(pool.map(synthetic_capture, range(1, size + 1), chunksize=50))


def raw_rows(requests: Sequence[EnrolmentRequest]) -> tuple[list[tuple[Any, ...]], ...]:
    """The rows enrol_many writes (every column of both tables), with NINs drawn in advance."""
    rng = random.Random(5)
    nins: dict[str, None] = {}  # random order, as enrol_many draws them: no sorted appends
    while len(nins) < len(requests):
        nins[generate_nin(rng)] = None
    # SQLAlchemy's SQLite DateTime stores this text (no time zone).
    enrolled = NOW.strftime("%Y-%m-%d %H:%M:%S.%f")
    residents, biometrics = [], []
    for nin, request in zip(nins, requests, strict=True):
        person, capture = request.person, request.capture
        resident = {
            "nin": nin,
            "family_name": person.family_name,
            "given_names": person.given_names,
            "date_of_birth": person.date_of_birth.compact(),
            "sex": person.sex.value,
            "nationality": person.nationality,
            "place_of_birth": person.place_of_birth,
            "state": person.state.value,
            "region": person.region,
            "site": request.site,
            "officer": request.officer,
            "enrolled_at": enrolled,
            "status": "active",
        }
        if set(resident) != set(RESIDENT_COLUMNS):
            raise SystemExit(f"the resident table is now {RESIDENT_COLUMNS}: update this bench")
        residents.append(tuple(resident[name] for name in RESIDENT_COLUMNS))
        # Capture holds one field per biometric column (face seed or image, fingers, ...).
        biometrics.append(
            tuple(nin if name == "nin" else getattr(capture, name) for name in BIOMETRIC_COLUMNS)
        )
    return residents, biometrics


def fresh_registry(folder: Path, name: str) -> Path:
    """A new registry file with the real schema (created by open_registry)."""
    path = folder / name
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    open_registry(path).dispose()
    return path


class Clock:
    """Wall-clock and CPU seconds of a block (CPU time is steadier on a shared machine)."""

    def __enter__(self) -> Clock:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *_: object) -> None:
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu


def time_enrol_many(path: Path, requests: Sequence[EnrolmentRequest]) -> Clock:
    registry = open_registry(path)
    try:
        with Clock() as clock:
            enrol_many(registry, requests, now=NOW, batch_size=BATCH)
        return clock
    finally:
        registry.dispose()


def time_raw(path: Path, rows: tuple[list[tuple[Any, ...]], ...]) -> Clock:
    residents, biometrics = rows
    insert_resident = (
        f"INSERT INTO resident ({', '.join(RESIDENT_COLUMNS)}) "
        f"VALUES ({', '.join('?' * len(RESIDENT_COLUMNS))})"
    )
    insert_biometric = (
        f"INSERT INTO biometric ({', '.join(BIOMETRIC_COLUMNS)}) "
        f"VALUES ({', '.join('?' * len(BIOMETRIC_COLUMNS))})"
    )
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        for pragma in ("journal_mode = WAL", "synchronous = NORMAL", "foreign_keys = ON"):
            connection.execute(f"PRAGMA {pragma}")
        with Clock() as clock:
            for start in range(0, len(residents), BATCH):
                connection.execute("BEGIN IMMEDIATE")
                connection.executemany(insert_resident, residents[start : start + BATCH])
                connection.executemany(insert_biometric, biometrics[start : start + BATCH])
                connection.execute("COMMIT")
        return clock
    finally:
        connection.close()


def file_size(path: Path) -> tuple[int, dict[str, int]]:
    """Bytes of the registry after a WAL checkpoint, and per table/index when dbstat exists."""
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        try:
            parts = dict(
                connection.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name").fetchall()
            )
        except sqlite3.OperationalError:
            parts = {}
    finally:
        connection.close()
    total = sum(
        Path(f"{path}{s}").stat().st_size for s in ("", "-wal") if Path(f"{path}{s}").exists()
    )
    return total, parts


def report_size(label: str, path: Path, residents: int) -> float:
    total, parts = file_size(path)
    per = total / residents
    print(
        f"  {label:<34} {total / 2**20:8.1f} MiB for {residents:,} residents: "
        f"{per:7,.0f} B each, {per * 1e6 / 2**30:5.2f} GiB per million"
    )
    for name, size in sorted(parts.items(), key=lambda item: -item[1])[:6]:
        print(f"      {name:<30} {size / residents:7,.0f} B/resident")
    return per


def nin_draw_seconds(count: int) -> float:
    """CPU seconds per NIN drawn as enrol_many draws them (the OS's CSPRNG)."""
    generator = secrets.SystemRandom()
    started = time.process_time()
    for _ in range(count):
        generate_nin(generator)
    return (time.process_time() - started) / count


def photo_requests(count: int) -> tuple[list[EnrolmentRequest], float]:
    """Residents enrolled from an uploaded photo: the stored JPEG, and its mean size."""
    base = capture_pool(1)[0]
    requests = build_requests(count, [base], seed=12)
    out, total = [], 0
    for i, request in enumerate(requests):
        photo = compact_photo(synthetic_face(1000 + i, size=PHOTO_SIZE))
        total += len(photo)
        capture = dataclasses.replace(request.capture, face_seed=None, face_image=photo)
        out.append(EnrolmentRequest(request.person, capture, request.site, request.officer))
    return out, total / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="residents per insert run")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds per path")
    parser.add_argument("--pool", type=int, default=1000, help="distinct finger captures")
    parser.add_argument("--photos", type=int, default=2000, help="residents enrolled with a JPEG")
    args = parser.parse_args()

    started = time.perf_counter()
    pool = capture_pool(min(args.pool, args.n))
    requests = build_requests(args.n, pool)
    rows = raw_rows(requests)
    fingers = sum(len(c.fingers) for c in pool) / len(pool)
    gallery = sum(len(c.dedup_row or b"") for c in pool) / len(pool)
    print(
        f"Prepared {args.n:,} requests in {time.perf_counter() - started:.1f} s "
        f"({len(pool):,} real captures cycled: finger record {fingers:,.0f} B, "
        f"de-duplication row {gallery:,.0f} B on average)"
    )

    print(f"\nBulk insert into SQLite (WAL, synchronous=NORMAL), batches of {BATCH:,}")
    best = {(path, kind): float("inf") for path in ("core", "raw") for kind in ("wall", "cpu")}
    with tempfile.TemporaryDirectory(prefix="aes-bench-") as tmp:
        folder = Path(tmp)
        for round_ in range(1, args.rounds + 1):
            raw = time_raw(fresh_registry(folder, "raw.db"), rows)
            core = time_enrol_many(fresh_registry(folder, "core.db"), requests)
            for path, clock in (("raw", raw), ("core", core)):
                for kind in ("wall", "cpu"):
                    best[path, kind] = min(best[path, kind], getattr(clock, kind))
            print(
                f"  round {round_}: raw sqlite3 executemany {args.n / raw.wall:>9,.0f}/s "
                f"(CPU {args.n / raw.cpu:>7,.0f}/s)   enrol_many {args.n / core.wall:>9,.0f}/s "
                f"(CPU {args.n / core.cpu:>7,.0f}/s)"
            )
        for kind in ("wall", "cpu"):
            ratio = best["raw", kind] / best["core", kind]
            verdict = "meets" if ratio >= 0.5 else "misses"
            core_rate, raw_rate = args.n / best["core", kind], args.n / best["raw", kind]
            print(
                f"  best by {kind + ' time:':<10} enrol_many {core_rate:>7,.0f}/s, "
                f"raw {raw_rate:>7,.0f}/s, ratio {ratio:.2f} ({verdict} goal 0.5)"
            )
        nin_us = nin_draw_seconds(min(args.n, 20_000)) * 1e6
        print(
            f"  of enrol_many's {1e6 * best['core', 'cpu'] / args.n:.1f} us of CPU per resident, "
            f"drawing the NIN (generate_nin, CSPRNG) takes {nin_us:.1f} us; the raw path's "
            "NINs are drawn in advance"
        )

        print("\nRegistry size (file after WAL checkpoint / residents)")
        seeded = report_size("synthetic faces (seed)", folder / "core.db", args.n)
        if args.photos:
            requests_photo, jpeg = photo_requests(args.photos)
            photo_db = fresh_registry(folder, "photo.db")
            registry = open_registry(photo_db)
            enrol_many(registry, requests_photo, now=NOW, batch_size=BATCH)
            registry.dispose()
            report_size(f"uploaded photos (JPEG {jpeg / 1024:.1f} KiB)", photo_db, args.photos)
            camera = seeded + 20 * 1024
            print(
                f"  a camera photo of ~20 KiB instead: ~{camera:,.0f} B each, "
                f"{camera * 1e6 / 2**30:.1f} GiB per million"
            )


if __name__ == "__main__":
    main()
