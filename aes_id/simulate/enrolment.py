"""Synthetic enrolment: seeded people, captured at the desk, bulk-inserted into the registry.

Generating fingers is the costly part (numpy per finger), so with ``workers``
above one the captures are made in worker processes while the parent inserts.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from itertools import islice

from aes_id.biometrics.index import Candidate
from aes_id.biometrics.template import decode_fingers
from aes_id.domain import Country, Nin
from aes_id.errors import UsageError
from aes_id.parallel import ordered_map
from aes_id.registry.capture import desk_capture, synthetic_capture
from aes_id.registry.db import Registry
from aes_id.registry.dedup import Gallery, Suspicion, open_case
from aes_id.registry.enrol import EnrolmentRequest, demographics_from_fields, enrol_many
from aes_id.simulate.population import SyntheticPerson, generate

__all__ = ["desk_capture", "enrol_synthetic", "synthetic_requests"]

CHUNK = 500


REPEAT_SESSION = 2
"""Capture session of a repeat enrolment: the same fingers, pressed again."""
MIN_REPEAT_INDEX = 20


def _request(person: SyntheticPerson, today: dt.date, officer: str, site: str) -> EnrolmentRequest:
    session = REPEAT_SESSION if person.repeat_of is not None else 1
    return EnrolmentRequest(
        person=demographics_from_fields(person.fields(), today=today),
        capture=synthetic_capture(person.biometric_seed, session),
        site=site,
        officer=officer,
    )


def with_repeats(
    people: Iterator[SyntheticPerson], *, rate: float, seed: int
) -> Iterator[SyntheticPerson]:
    """Make a share ``rate`` of the people repeat enrolments: an earlier person's body (their
    biometric seed, captured again) under this person's name and details."""
    if not 0 <= rate < 1:
        raise UsageError(f"repeat rate {rate} is not in [0, 1)")
    draw = random.Random(seed * 7919 + 17)
    seen: list[tuple[int, int]] = []
    for person in people:
        if rate and len(seen) >= MIN_REPEAT_INDEX and draw.random() < rate:
            index, body = seen[draw.randrange(len(seen))]
            yield dataclasses.replace(person, biometric_seed=body, repeat_of=index)
            continue
        seen.append((person.index, person.biometric_seed))
        yield person


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
    repeat_rate: float = 0.0,
) -> Iterator[EnrolmentRequest]:
    """Enrolment requests for ``count`` seeded people, in order, streamed chunk by chunk."""
    people = with_repeats(
        generate(count, seed=seed, state=state, today=today), rate=repeat_rate, seed=seed
    )
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


@dataclass(frozen=True)
class PopulationResult:
    """What a checked synthetic enrolment did: who got a NIN, who was stopped as a duplicate."""

    nins: list[Nin]
    suspected: list[Suspicion]


def enrol_population(
    registry: Registry,
    count: int,
    *,
    seed: int,
    state: Country | None,
    officer: str,
    site: str,
    now: dt.datetime,
    workers: int = 1,
    repeat_rate: float = 0.0,
    on_batch: Callable[[int], None] | None = None,
) -> PopulationResult:
    """Synthetic enrolment with 1:N de-duplication: every person is searched against everyone
    enrolled (earlier runs and this one) before a NIN is allocated."""
    gallery = Gallery.load(registry)
    requests = synthetic_requests(
        count,
        seed=seed,
        state=state,
        today=now.date(),
        officer=officer,
        site=site,
        workers=workers,
        repeat_rate=repeat_rate,
    )
    result = PopulationResult([], [])
    while batch := list(islice(requests, CHUNK)):
        kept: list[EnrolmentRequest] = []
        stopped: list[tuple[EnrolmentRequest, list[str], list[float]]] = []
        for request in batch:
            if request.capture.fingers is None:
                kept.append(request)
                continue
            fingers = list(decode_fingers(request.capture.fingers))
            candidates = gallery.search(fingers)
            if candidates:
                ids = [c.person_id for c in candidates]
                stopped.append((request, ids, [c.score for c in candidates]))
                continue
            # searchable at once, so a repeat later in this batch is caught too
            gallery.add(f"pending:{len(result.nins) + len(kept)}", fingers)
            kept.append(request)
        nins = enrol_many(registry, kept, now=now, batch_size=CHUNK)
        for position, nin in enumerate(nins, start=len(result.nins)):
            gallery.rename(f"pending:{position}", nin)
        result.nins.extend(nins)
        for request, ids, scores in stopped:  # cases name NINs, known only now
            named = [
                Candidate(gallery.resolve(i), score, 0, 0)
                for i, score in zip(ids, scores, strict=True)
            ]
            result.suspected.append(open_case(registry, request, named, now))
        if on_batch:
            on_batch(len(batch))
    return result
