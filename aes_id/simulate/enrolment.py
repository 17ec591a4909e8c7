"""Synthetic enrolment: seeded people, captured at the desk, bulk-inserted into the registry.

Generating fingers is the costly part (numpy per finger), so with ``workers``
above one the captures are made in worker processes while the parent inserts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from itertools import islice

from aes_id.biometrics.desk import desk_capture, synthetic_capture
from aes_id.domain import Country, Nin
from aes_id.parallel import ordered_map
from aes_id.registry.db import Registry
from aes_id.registry.enrol import EnrolmentRequest, demographics_from_fields, enrol_many
from aes_id.simulate.population import SyntheticPerson, generate

__all__ = ["desk_capture", "enrol_synthetic", "synthetic_requests"]

CHUNK = 500


def _request(person: SyntheticPerson, today: dt.date, officer: str, site: str) -> EnrolmentRequest:
    return EnrolmentRequest(
        person=demographics_from_fields(person.fields(), today=today),
        capture=synthetic_capture(person.biometric_seed),
        site=site,
        officer=officer,
    )


def _chunk_requests(
    args: tuple[list[SyntheticPerson], dt.date, str, str],
) -> list[EnrolmentRequest]:
    people, today, officer, site = args
    return [_request(p, today, officer, site) for p in people]


def synthetic_requests(
    count: int,
    *,
    seed: int,
    state: Country | None,
    today: dt.date,
    officer: str,
    site: str,
    workers: int = 1,
) -> Iterator[EnrolmentRequest]:
    """Enrolment requests for ``count`` seeded people, in order, streamed chunk by chunk."""
    people = generate(count, seed=seed, state=state, today=today)
    chunks = iter(lambda: list(islice(people, CHUNK)), [])
    jobs = ((chunk, today, officer, site) for chunk in chunks)
    if workers <= 1:
        for job in jobs:
            yield from _chunk_requests(job)
        return
    with ProcessPoolExecutor(workers) as pool:
        for requests in ordered_map(pool, _chunk_requests, jobs, ahead=2 * workers):
            yield from requests


def enrol_synthetic(
    registry: Registry,
    count: int,
    *,
    seed: int,
    state: Country | None,
    officer: str,
    site: str,
    now: dt.datetime,
    workers: int = 1,
    on_batch: Callable[[int], None] | None = None,
) -> list[Nin]:
    """Enrol ``count`` synthetic residents; the same seed gives the same people.

    Their NINs still come from the secure generator: a number is the registry's, not the
    person's, and must reveal nothing.
    """
    requests = synthetic_requests(
        count, seed=seed, state=state, today=now.date(), officer=officer, site=site, workers=workers
    )
    return enrol_many(registry, requests, now=now, batch_size=CHUNK, on_batch=on_batch)
