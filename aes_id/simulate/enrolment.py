"""Synthetic enrolment: seeded people, captured at the desk, bulk-inserted into the registry.

Generating fingers is the costly part (numpy per finger), so with ``workers``
above one the captures are made in worker processes while the parent inserts.

:func:`enrol_population` searches everyone first, on the fingers and on the
demographics, and plants repeat enrolments on request (:func:`with_repeats`:
the same person again, the names spelled another way); run again with the same
seed, it resumes where an earlier run stopped. See docs/deduplication.md.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice

from sqlmodel import Session

from aes_id.biometrics.template import decode_fingers
from aes_id.domain import Country, Nin, PartialDate
from aes_id.errors import UsageError
from aes_id.parallel import ordered_map, worker_pool
from aes_id.registry.capture import desk_capture, synthetic_capture
from aes_id.registry.db import Registry
from aes_id.registry.dedup import (
    PENDING,
    Gallery,
    Suspect,
    Suspicion,
    capture_key,
    cases_by_capture,
    open_case,
    same_enrolment,
    suspects_for,
)
from aes_id.registry.demographic import PeopleIndex
from aes_id.registry.enrol import Capture, EnrolmentRequest, demographics_from_fields, enrol_many
from aes_id.simulate.names import spelling_variant, typo
from aes_id.simulate.population import SyntheticPerson, generate

__all__ = ["desk_capture", "enrol_synthetic", "synthetic_requests"]

CHUNK = 500


REPEAT_SESSION = 2
"""Capture session of a repeat enrolment: the same fingers, pressed again."""
MIN_REPEAT_INDEX = 20


PARTIAL_DOB_SHARE = 0.2
"""Share of repeats (born before :data:`PARTIAL_DOB_BEFORE`) that declare only a year or month."""
PARTIAL_DOB_BEFORE = 2000
GIVEN_VARIANT_SHARE = 0.5  # each given name of a repeat spelled another way
REORDER_SHARE = 0.2  # a repeat's given names in another order
PLACE_VARIANT_SHARE = 0.3
TYPO_SHARE = 0.1  # a slip of the keyboard in the family name besides
BIRTH_NAME_SHARE = 0.5
"""Share of repeats of married women (see ``birth_family_name``) made under the birth name."""


def _request(
    person: SyntheticPerson, today: dt.date, officer: str, site: str, fingerless: bool = False
) -> EnrolmentRequest:
    session = REPEAT_SESSION if person.repeat_of is not None else 1
    capture = synthetic_capture(person.biometric_seed, session)
    if fingerless and person.repeat_of is not None:
        capture = Capture(fingers=None, face_seed=capture.face_seed)
    return EnrolmentRequest(
        person=demographics_from_fields(person.fields(), today=today),
        capture=capture,
        site=site,
        officer=officer,
    )


def _declared_dob(dob: PartialDate, draw: random.Random) -> PartialDate:
    """The date of birth as a repeat declares it: the same, or only its year (or month)."""
    if not dob.is_complete or dob.year >= PARTIAL_DOB_BEFORE or draw.random() >= PARTIAL_DOB_SHARE:
        return dob
    return PartialDate(dob.year, dob.month if draw.random() < 0.4 else 0, 0)


def repeat_of(original: SyntheticPerson, index: int, draw: random.Random) -> SyntheticPerson:
    """``original`` enrolling again as person ``index``: the same body, birth and place, the
    names spelled another way (:func:`spelling_variant`), sometimes a partial date of birth;
    a married woman, half the time, under her birth family name."""
    family, birth_family = original.family_name, original.birth_family_name
    if birth_family is not None and draw.random() < BIRTH_NAME_SHARE:
        family, birth_family = birth_family, None
    family = spelling_variant(family, draw)
    if draw.random() < TYPO_SHARE:
        family = typo(family, draw)
    given = [
        spelling_variant(name, draw) if draw.random() < GIVEN_VARIANT_SHARE else name
        for name in original.given_names.split()
    ]
    if len(given) > 1 and draw.random() < REORDER_SHARE:
        given.reverse()
    place = original.place_of_birth
    if draw.random() < PLACE_VARIANT_SHARE:
        place = spelling_variant(place, draw)
    return dataclasses.replace(
        original,
        family_name=family,
        given_names=" ".join(given),
        date_of_birth=_declared_dob(original.date_of_birth, draw),
        place_of_birth=place,
        index=index,
        birth_family_name=birth_family,
        repeat_of=original.index,
    )


def with_repeats(
    people: Iterator[SyntheticPerson], *, rate: float, seed: int
) -> Iterator[SyntheticPerson]:
    """Make a share ``rate`` of the people repeat enrolments: an earlier person enrolling
    again (:func:`repeat_of`) in the place of the one generated at that index."""
    if not 0 <= rate < 1:
        raise UsageError(f"repeat rate {rate} is not in [0, 1)")
    if not rate:
        yield from people
        return
    draw = random.Random(seed * 7919 + 17)
    seen: list[SyntheticPerson] = []
    for person in people:
        if len(seen) >= MIN_REPEAT_INDEX and draw.random() < rate:
            yield repeat_of(seen[draw.randrange(len(seen))], person.index, draw)
            continue
        seen.append(person)
        yield person


def _chunk_requests(
    args: tuple[list[SyntheticPerson], dt.date, str, str, bool],
) -> list[EnrolmentRequest]:
    people, today, officer, site, fingerless = args
    return [_request(p, today, officer, site, fingerless) for p in people]


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
    fingerless_repeats: bool = False,
) -> Iterator[EnrolmentRequest]:
    """Enrolment requests for ``count`` seeded people, in order, streamed chunk by chunk.

    ``fingerless_repeats``: the repeats come without fingerprints (worn, or refused), so
    that only the demographic check can catch them (a measurement setting).
    """
    people = with_repeats(
        generate(count, seed=seed, state=state, today=today), rate=repeat_rate, seed=seed
    )
    chunks = iter(lambda: list(islice(people, CHUNK)), [])
    jobs = ((chunk, today, officer, site, fingerless_repeats) for chunk in chunks)
    if workers <= 1:
        for job in jobs:
            yield from _chunk_requests(job)
        return
    with worker_pool(workers) as pool:
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
    """What a checked synthetic enrolment did: who got a NIN, who was stopped as a duplicate,
    and what an earlier run of the same seed had done already (a resumed run skips it)."""

    nins: list[Nin]
    suspected: list[Suspicion]
    already: list[Nin] = field(default_factory=list)
    """Residents this seed's earlier run enrolled, recognised exactly and skipped."""
    already_stopped: list[int] = field(default_factory=list)
    """Cases this seed's earlier run opened for people of this run (not opened twice)."""


class _Run:
    """One checked synthetic enrolment, batch by batch: both searches over the registry and
    the people this run accepted, then one insert per batch and the cases it stopped."""

    def __init__(self, registry: Registry, now: dt.datetime) -> None:
        self.registry, self.now = registry, now
        self.gallery = Gallery.load(registry)
        self.people = PeopleIndex()
        self.earlier = cases_by_capture(registry)
        self.result = PopulationResult([], [])

    def batch(self, batch: list[EnrolmentRequest]) -> None:
        kept: list[EnrolmentRequest] = []
        stopped: list[tuple[EnrolmentRequest, list[Suspect]]] = []
        with self.registry.reader() as session:
            for request in batch:
                fingers = None
                if request.capture.fingers is not None:
                    fingers = list(decode_fingers(request.capture.fingers))
                found = suspects_for(session, request.person, fingers, self.gallery, self.people)
                if not found:
                    # searchable at once, so a repeat later in this batch is caught too
                    provisional = f"{PENDING}{len(self.result.nins) + len(kept)}"
                    if fingers is not None:
                        self.gallery.add(provisional, fingers)
                    self.people.add(provisional, request.person)
                    kept.append(request)
                elif not self._done_before(session, request, found):
                    stopped.append((request, found))
        nins = enrol_many(self.registry, kept, now=self.now, batch_size=CHUNK)
        self.people.written()
        for position, nin in enumerate(nins, start=len(self.result.nins)):
            self.gallery.rename(f"{PENDING}{position}", nin)
        self.result.nins.extend(nins)
        for request, found in stopped:  # cases name NINs, known only now
            named = [
                dataclasses.replace(s, person_id=self.gallery.resolve(s.person_id)) for s in found
            ]
            self.result.suspected.append(open_case(self.registry, request, named, self.now))

    def _done_before(
        self, session: Session, request: EnrolmentRequest, found: list[Suspect]
    ) -> bool:
        """Whether an earlier run of this seed enrolled or stopped this very request."""
        written = [s.person_id for s in found if not s.person_id.startswith(PENDING)]
        nin = same_enrolment(session, request, written)
        if nin is not None:
            self.result.already.append(nin)
            return True
        key = capture_key(request)
        if key is not None and key in self.earlier:
            self.result.already_stopped.append(self.earlier[key])
            return True
        return False


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
    fingerless_repeats: bool = False,
    on_batch: Callable[[int], None] | None = None,
) -> PopulationResult:
    """Synthetic enrolment with de-duplication: every person is searched, on the fingers and
    on the demographics, against everyone enrolled (earlier runs and this one) before a NIN
    is allocated.

    Run again with the same seed (after a crash, say), it resumes: the people an earlier run
    enrolled or stopped are recognised exactly (:func:`~aes_id.registry.dedup.capture_key`)
    and skipped, not taken for duplicates.
    """
    run = _Run(registry, now)
    requests = synthetic_requests(
        count,
        seed=seed,
        state=state,
        today=now.date(),
        officer=officer,
        site=site,
        workers=workers,
        repeat_rate=repeat_rate,
        fingerless_repeats=fingerless_repeats,
    )
    while batch := list(islice(requests, CHUNK)):
        run.batch(batch)
        if on_batch:
            on_batch(len(batch))
    return run.result
