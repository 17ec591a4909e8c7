"""A synthetic population of AES residents: seeded, streamed, and shaped by published figures.

What shapes it (see ``docs/synthetic-population.md`` §3, §4 and :mod:`aes_id.geography`):

* states in proportion to their populations, regions by census counts;
* ethnic groups by the published national shares, placed in regions by
  iterative proportional fitting (Deming & Stephan 1940) of rough homeland
  affinities to both margins, so that Kidal is mostly Tuareg and Diffa
  Kanuri while the national shares stay as published;
* ages from a stable-population model, c(a) ∝ exp(-r·a)·l(a) (Lotka), with a
  Gompertz survival l(a) (γ = 0.09, 72 % of five-year-olds reaching 65) and r
  fitted so that the whole population's median age is the published one
  (Mali 16.3, Burkina Faso 18.5, Niger 15.1); enrolment starts at 5, so the
  enrolled ages are that distribution truncated at 5, capped at 100. The fit
  gives Mali 47.1 % under 15 (census: 47.2 %) and Burkina Faso 3.4 % aged 65+
  (census: 3.4 %);
* sex ratio from the censuses; a few percent of residents born before 1980
  with an unknown day or month of birth; about 1 % nationals of another AES
  state; in Burkina Faso some married women carrying their husband's name.

Determinism: people come in fixed blocks of :data:`BLOCK`, each drawn from its
own ``random.Random`` seeded by (seed, state, block number), so person *i* is
the same whatever the caller's batch size, ``n`` or ``start``. Only
``random()`` and ``getrandbits()`` are used, which are stable across Python
versions. Memory stays flat: people are yielded one by one.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import Generic, TypeVar

from aes_id.domain import Country, PartialDate, Sex
from aes_id.formats.numbers import MIN_ENROLMENT_AGE
from aes_id.geography import STATE_POPULATION, Region, regions
from aes_id.simulate.names import (
    ETHNIC_SHARES,
    GROUPS,
    HOMELANDS,
    HUBS,
    EthnicGroup,
    draw_name,
    husband_family_name,
)

MIN_AGE = MIN_ENROLMENT_AGE
MAX_AGE = 100
MEDIAN_AGE = {Country.MLI: 16.3, Country.BFA: 18.5, Country.NER: 15.1}
FEMALE_SHARE = {Country.MLI: 0.497, Country.BFA: 0.517, Country.NER: 0.503}  # censuses
GOMPERTZ_GAMMA = 0.09
SURVIVAL_5_TO_65 = 0.72
FOREIGN_AES_SHARE = 0.01  # nationals of another AES state ❓
BORN_IN_REGION_SHARE = 0.85  # born in the region they live in ❓
MARRIED_NAME_SHARE = 0.30  # Burkinabè women aged 20+ carrying their husband's name ❓
SAME_GROUP_MARRIAGE = 0.85  # ❓
# Born before 1980: chance that the day (and, for 40 % of those, the month too) is unknown.
UNKNOWN_DOB_SHARE = ((1960, 0.12), (1980, 0.06))
UNKNOWN_MONTH_SHARE = 0.40
AFFINITY_FLOOR = 0.01  # a group's affinity for a region outside its homelands
HUB_FLOOR = 0.15  # ... and for a hub (capital, market town)
BLOCK = 1024

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class SyntheticPerson:
    """One generated resident. ``index`` is the position in the seed's stream."""

    family_name: str
    given_names: str
    date_of_birth: PartialDate
    sex: Sex
    nationality: str
    place_of_birth: str
    state: Country
    region: str
    ethnic_group: str
    biometric_seed: int
    index: int
    birth_family_name: str | None = None
    """The family name at birth, when the person now carries a husband's name."""
    repeat_of: int | None = None
    """For an injected repeat enrolment: the index of the person enrolled first."""

    def fields(self) -> dict[str, str]:
        """The text fields an enrolment form takes (the registry's ``FIELDS``)."""
        return {
            "family_name": self.family_name,
            "given_names": self.given_names,
            "dob": self.date_of_birth.iso(),
            "sex": self.sex.value,
            "nationality": self.nationality,
            "place_of_birth": self.place_of_birth,
            "state": self.state.value,
            "region": self.region,
        }


def _gompertz_weights(growth: float) -> list[float]:
    scale = math.log(1 / SURVIVAL_5_TO_65) / (
        math.exp(GOMPERTZ_GAMMA * 65) - math.exp(GOMPERTZ_GAMMA * MIN_AGE)
    )
    return [
        math.exp(-growth * (a + 0.5) - scale * (math.exp(GOMPERTZ_GAMMA * (a + 0.5)) - 1))
        for a in range(MAX_AGE + 1)
    ]


def _median(weights: Sequence[float], start: int = 0) -> float:
    """Median age of single-year weights (ages start, start+1, ...), uniform within a year."""
    half, running = sum(weights[start:]) / 2, 0.0
    for age in range(start, len(weights)):
        if running + weights[age] >= half:
            return age + (half - running) / weights[age]
        running += weights[age]
    return float(len(weights))


@functools.cache
def age_pyramid(state: Country) -> tuple[float, ...]:
    """Shares of the whole population by single year of age 0..MAX_AGE (they sum to 1)."""
    low, high = -0.1, 0.3  # the growth rate r, bisected until the median matches
    for _ in range(60):
        mid = (low + high) / 2
        if _median(_gompertz_weights(mid)) > MEDIAN_AGE[state]:
            low = mid
        else:
            high = mid
    weights = _gompertz_weights((low + high) / 2)
    total = sum(weights)
    return tuple(w / total for w in weights)


def enrolled_median_age(state: Country) -> float:
    """The model's median age of the population aged MIN_AGE and over (those who enrol)."""
    return _median(age_pyramid(state), MIN_AGE)


def _affinity(state: Country, region: str, group: str) -> float:
    affinity = HOMELANDS[state].get(group, {}).get(region, AFFINITY_FLOOR)
    floor = HUB_FLOOR if region in HUBS[state] else AFFINITY_FLOOR
    return max(affinity, floor)


def _rake(
    rows: Sequence[float], cols: Sequence[float], seed: list[list[float]]
) -> list[list[float]]:
    """Iterative proportional fitting of ``seed`` to row and column totals (each summing to 1)."""
    table = [row[:] for row in seed]
    for _ in range(500):
        for i, target in enumerate(rows):
            factor = target / sum(table[i])
            table[i] = [x * factor for x in table[i]]
        for j, target in enumerate(cols):
            factor = target / sum(row[j] for row in table)
            for row in table:
                row[j] *= factor
        if max(abs(sum(row) - target) for row, target in zip(table, rows, strict=True)) < 1e-12:
            break
    return table


@functools.cache
def ethnic_mix(state: Country) -> dict[str, dict[str, float]]:
    """Region -> ethnic group -> share of the region's people (raked to the national shares)."""
    members = regions(state)
    keys = [key for key, _ in ETHNIC_SHARES[state]]
    total = sum(share for _, share in ETHNIC_SHARES[state])
    cols = [share / total for _, share in ETHNIC_SHARES[state]]
    seed = [[_affinity(state, r.name, key) for key in keys] for r in members]
    table = _rake([r.share for r in members], cols, seed)
    return {
        r.name: {key: cell / r.share for key, cell in zip(keys, row, strict=True)}
        for r, row in zip(members, table, strict=True)
    }


@dataclass(frozen=True)
class _Table(Generic[T]):
    """Items with cumulative weights, for one ``bisect`` per draw."""

    items: tuple[T, ...]
    cumulative: tuple[float, ...]

    @classmethod
    def of(cls, pairs: Sequence[tuple[T, float]]) -> _Table[T]:
        return cls(tuple(i for i, _ in pairs), tuple(accumulate(w for _, w in pairs)))

    def draw(self, rng: random.Random) -> T:
        return self.items[bisect.bisect(self.cumulative, rng.random() * self.cumulative[-1])]


@dataclass(frozen=True)
class _StateModel:
    state: Country
    regions: _Table[Region]
    groups_by_region: dict[str, _Table[EthnicGroup]]
    groups: _Table[EthnicGroup]  # national mix, for nationals living in another state
    ages: _Table[int]  # MIN_AGE..MAX_AGE


@functools.cache
def _model(state: Country) -> _StateModel:
    members = regions(state)
    mix = ethnic_mix(state)
    pyramid = age_pyramid(state)
    return _StateModel(
        state=state,
        regions=_Table.of([(r, r.share) for r in members]),
        groups_by_region={
            name: _Table.of([(GROUPS[k], w) for k, w in shares.items()])
            for name, shares in mix.items()
        },
        groups=_Table.of([(GROUPS[k], w) for k, w in ETHNIC_SHARES[state]]),
        ages=_Table.of([(a, pyramid[a]) for a in range(MIN_AGE, MAX_AGE + 1)]),
    )


_STATES = _Table.of([(s, float(p)) for s, p in STATE_POPULATION.items()])


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a common year
        return day.replace(year=day.year - years, day=28)


def _birth_date(age: int, today: dt.date, rng: random.Random) -> PartialDate:
    """A birth date giving exactly ``age`` on ``today``; older people may lack a day or month."""
    latest = _years_before(today, age)
    earliest = _years_before(today, age + 1) + dt.timedelta(days=1)
    born = latest - dt.timedelta(days=int(rng.random() * ((latest - earliest).days + 1)))
    for before, share in UNKNOWN_DOB_SHARE:
        if born.year < before:
            if rng.random() < share:
                month = 0 if rng.random() < UNKNOWN_MONTH_SHARE else born.month
                return PartialDate(born.year, month, 0)
            break
    return PartialDate(born.year, born.month, born.day)


def _other_state(state: Country, rng: random.Random) -> Country:
    others = [s for s in Country if s is not state]
    weights = [STATE_POPULATION[s] for s in others]
    return others[0] if rng.random() * sum(weights) < weights[0] else others[1]


def _whereabouts(
    state: Country | None, rng: random.Random
) -> tuple[Country, Region, Country, EthnicGroup]:
    """State and region of residence, state of nationality, ethnic group."""
    home = state or _STATES.draw(rng)
    model = _model(home)
    region = model.regions.draw(rng)
    if rng.random() >= FOREIGN_AES_SHARE:
        group = model.groups_by_region[region.name].draw(rng)
        origin = home
    else:
        origin = _other_state(home, rng)
        group = _model(origin).groups.draw(rng)
    return home, region, origin, group


def _husband_name(group: EthnicGroup, local: _Table[EthnicGroup], rng: random.Random) -> str | None:
    """A husband's family name: mostly from the wife's own group, else from her region's mix."""
    if rng.random() >= SAME_GROUP_MARRIAGE:
        group = local.draw(rng)
    return husband_family_name(group, rng)


def _person(
    index: int, state: Country | None, today: dt.date, rng: random.Random
) -> SyntheticPerson:
    home, region, origin, group = _whereabouts(state, rng)
    model = _model(home)
    female = rng.random() < FEMALE_SHARE[home]
    age = model.ages.draw(rng)
    dob = _birth_date(age, today, rng)
    family, given = draw_name(group, female=female, rng=rng)
    birth_family = None
    if origin is Country.BFA and female and age >= 20 and rng.random() < MARRIED_NAME_SHARE:
        husband = _husband_name(group, model.groups_by_region[region.name], rng)
        if husband is not None and husband != family:
            birth_family, family = family, husband
    birthplace = region
    if origin is not home or rng.random() >= BORN_IN_REGION_SHARE:
        birthplace = _model(origin).regions.draw(rng)
    return SyntheticPerson(
        family_name=family,
        given_names=given,
        date_of_birth=dob,
        sex=Sex.F if female else Sex.M,
        nationality=origin.value,
        place_of_birth=birthplace.chef_lieu,
        state=home,
        region=region.name,
        ethnic_group=group.label,
        biometric_seed=rng.getrandbits(63),
        index=index,
        birth_family_name=birth_family,
    )


def generate(
    n: int,
    *,
    seed: int,
    state: Country | None = None,
    today: dt.date,
    start: int = 0,
) -> Iterator[SyntheticPerson]:
    """Yield ``n`` synthetic residents (indices ``start`` .. ``start + n - 1``) for ``seed``.

    Without ``state``, residents are spread over the three states in
    proportion to their populations. Ages are counted on ``today``.

    >>> people = list(generate(3, seed=7, today=dt.date(2026, 1, 1)))
    >>> people == list(generate(3, seed=7, today=dt.date(2026, 1, 1)))
    True
    """
    if n < 0 or start < 0:
        raise ValueError(f"n and start must be >= 0, got n={n}, start={start}")
    scope = state.value if state else "AES"
    end = start + n
    for block in range(start // BLOCK, (end + BLOCK - 1) // BLOCK):
        rng = random.Random(f"aes-id/population/v1/{seed}/{scope}/{block}")
        first = block * BLOCK
        for index in range(first, min(first + BLOCK, end)):
            person = _person(index, state, today, rng)
            if index >= start:
                yield person
