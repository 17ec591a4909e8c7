"""``aes-id residents find --name``: the accent-insensitive search against a plain ``ILIKE``.

Run: ``.venv/bin/python bench/bench_find.py [--n 200000] [--db URL] [--rounds 3] [--limit 50]``

A registry of ``--n`` synthetic residents (names and places from
:mod:`aes_id.simulate.population`, no biometrics) is built in a temporary
SQLite file, or in the empty database ``--db`` names (PostgreSQL). Each query
then runs through :func:`aes_id.registry.enrol.find_residents` (a ``GLOB`` on
SQLite, a regular expression on PostgreSQL, with a class of letters per query
letter) and, for reference, as the ``ILIKE '%query%'`` it replaced, which is
neither accent-insensitive nor, on SQLite, case-insensitive beyond ASCII.
Both scan the table: a leading wildcard can use no index. The figures are the
best of ``--rounds`` runs, in milliseconds, with the number of residents
returned (at most ``--limit``, 50 as in ``residents find``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import or_, select
from sqlmodel import col

from aes_id.registry import tables
from aes_id.registry.db import Registry, open_registry
from aes_id.registry.enrol import (
    Capture,
    EnrolmentRequest,
    demographics_from_fields,
    enrol_many,
    find_residents,
    record_from_row,
)
from aes_id.simulate.population import generate

NOW = dt.datetime(2026, 3, 14, 9, 30, tzinfo=dt.UTC)
QUERIES = ("keita", "ouedraogo", "aissata", "ag ghaly", "aminata keita", "zzzz")


def build(registry: Registry, n: int) -> None:
    people = generate(n, seed=5, state=None, today=NOW.date())
    requests = (
        EnrolmentRequest(
            demographics_from_fields(person.fields(), today=NOW.date()),
            Capture(fingers=None, face_seed=index),
            site="bench",
            officer="bench",
        )
        for index, person in enumerate(people)
    )
    enrol_many(registry, requests, now=NOW)


def ilike_find(registry: Registry, query: str, limit: int) -> int:
    """The search as it was: ``ILIKE '%query%'`` on either name, same order and limit."""
    pattern = f"%{query}%"
    family, given = col(tables.Resident.family_name), col(tables.Resident.given_names)
    statement = (
        select(tables.Resident)
        .where(or_(family.ilike(pattern), given.ilike(pattern)))
        .order_by(family, given)
        .limit(limit)
    )
    with registry.reader() as session:
        return len([record_from_row(row) for row in session.scalars(statement)])


def best(rounds: int, run: Callable[[], int]) -> tuple[float, int]:
    times, found = [], 0
    for _ in range(rounds):
        start = time.perf_counter()
        found = run()
        times.append(time.perf_counter() - start)
    return min(times) * 1000, found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--n", type=int, default=200_000)
    parser.add_argument("--db", help="an empty database URL (default: a temporary SQLite file)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--limit", type=int, default=50, help="as `residents find --limit`")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        registry = open_registry(args.db or f"sqlite:///{Path(folder) / 'bench.db'}")
        start = time.perf_counter()
        build(registry, args.n)
        print(
            f"{args.n:,} residents on {registry.engine.dialect.name}, built in "
            f"{time.perf_counter() - start:.0f} s"
        )
        print(f"limit {args.limit}: milliseconds, best of {args.rounds}, and the residents found")
        print(f"{'query':<16}{'find':>8}{'found':>8}{'ILIKE':>8}{'found':>8}")
        for query in QUERIES:
            ms, found = best(
                args.rounds,
                lambda q=query: len(find_residents(registry, name=q, limit=args.limit)),
            )
            like_ms, like_found = best(
                args.rounds, lambda q=query: ilike_find(registry, q, args.limit)
            )
            print(f"{query:<16}{ms:>8.0f}{found:>8,}{like_ms:>8.0f}{like_found:>8,}")
        registry.dispose()


if __name__ == "__main__":
    main()
