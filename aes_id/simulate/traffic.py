"""Trips between the three states through the border posts, with daily and weekly rhythms.

A trip leaves through one post of its route (the *exit* check of the state left)
and arrives through the other (the *entry* check of the state reached); by air
the two checks are at the two airports. Each traveller makes round trips from
their home state, at a rate set by their profile, then stays home a while.

Every figure below is a modelling assumption (❓), not a published statistic:
there are no public counts of crossings per post for the AES corridors.

* Weekly rhythm (:data:`DAY_WEIGHTS`): more departures on Friday and Sunday
  (weekend visits, market traffic), fewer mid-week.
* Daily rhythm: land posts open 06:00-20:00 UTC with morning and
  mid-afternoon peaks (buses leave early); airports by flight banks.
* Profiles (:data:`PROFILES`): 70 % occasional travellers (0.4 round trips a
  month, staying a median 5 days), 25 % regular (2, 3 days), 5 % frequent
  (traders, drivers: 6, 1.2 days); never under a day abroad, and at least a day
  at home between round trips.
* Destinations by a rough gravity (:data:`DESTINATIONS`); 12 % of trips by air.

With these, no honest traveller ever moves faster than the clone detector's
bound (:func:`aes_id.border.correlate.min_travel_time`).

Determinism: each traveller's trips come from their own generator, seeded by
(seed, traveller index), so a traveller's trips do not depend on the others.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import accumulate

from aes_id.domain import Country
from aes_id.geography import PostKind, border_post, distance_km

DAY_WEIGHTS = (1.0, 0.85, 0.85, 0.95, 1.3, 1.1, 1.25)
"""Relative departures Monday .. Sunday (❓)."""
LAND_HOURS = (0, 0, 0, 0, 0, 0, 4, 9, 10, 8, 6, 5, 4, 4, 5, 7, 8, 6, 4, 2, 0, 0, 0, 0)
"""Relative exit checks per hour (UTC) at land posts (❓)."""
AIR_HOURS = (0, 1, 1, 0, 0, 1, 3, 6, 5, 3, 2, 2, 3, 4, 3, 2, 3, 5, 6, 4, 3, 2, 2, 1)
"""Relative exit checks per hour (UTC) at airports (❓)."""
AIR_SHARE = 0.12


@dataclass(frozen=True)
class Profile:
    """A kind of traveller: their share, how often they make a round trip, how long they stay."""

    name: str
    share: float
    round_trips_per_month: float
    stay_days: float
    """Median stay abroad (log-normal, never under a day)."""

    @property
    def home_days(self) -> float:
        """Mean time at home between round trips, so that the rate holds (at least a day)."""
        stay_mean = self.stay_days * math.exp(STAY_SIGMA**2 / 2)
        return max(1.0, 30.0 / self.round_trips_per_month - stay_mean)


STAY_SIGMA = 0.6
PROFILES = (
    Profile("occasional", 0.70, 0.4, 5.0),
    Profile("regular", 0.25, 2.0, 3.0),
    Profile("frequent", 0.05, 6.0, 1.2),
)

DESTINATIONS: Mapping[Country, Mapping[Country, float]] = {
    Country.MLI: {Country.BFA: 0.65, Country.NER: 0.35},
    Country.BFA: {Country.MLI: 0.55, Country.NER: 0.45},
    Country.NER: {Country.BFA: 0.55, Country.MLI: 0.45},
}
"""Where a resident of each state travels (❓ a rough gravity: population and distance)."""

# (exit post in the first state, entry post in the second); road splits from the main axes
_LAND = {
    (Country.MLI, Country.BFA): (("heremakono", "koloko", 0.55), ("sona", "faramana", 0.45)),
    (Country.BFA, Country.NER): (("kantchari", "makalondi", 1.0),),
    (Country.MLI, Country.NER): (("labbezanga", "ayorou", 1.0),),
}
_AIRPORT = {Country.MLI: "bko", Country.BFA: "oua", Country.NER: "nim"}


@dataclass(frozen=True)
class Route:
    """From the exit post of one state to the entry post of another."""

    exit_post: str
    entry_post: str
    origin: Country
    destination: Country
    kind: PostKind
    weight: float

    @property
    def km(self) -> float:
        return distance_km(border_post(self.exit_post), border_post(self.entry_post)) or 0.0


def routes(origin: Country, destination: Country) -> tuple[Route, ...]:
    """The routes from ``origin`` to ``destination``, weights summing to 1."""
    if origin is destination:
        raise ValueError(f"no border between {origin.value} and itself")
    if (origin, destination) in _LAND:
        land = [(a, b, w) for a, b, w in _LAND[origin, destination]]
    else:
        land = [(b, a, w) for a, b, w in _LAND[destination, origin]]
    out = [Route(a, b, origin, destination, PostKind.LAND, w * (1 - AIR_SHARE)) for a, b, w in land]
    out.append(
        Route(
            _AIRPORT[origin],
            _AIRPORT[destination],
            origin,
            destination,
            PostKind.AIRPORT,
            AIR_SHARE,
        )
    )
    return tuple(out)


def all_routes() -> tuple[Route, ...]:
    return tuple(r for a in Country for b in Country if a is not b for r in routes(a, b))


@dataclass(frozen=True)
class Trip:
    """One border crossing journey: the exit check, then the entry check."""

    traveller: int
    route: Route
    depart: dt.datetime
    arrive: dt.datetime


@dataclass(frozen=True)
class Traveller:
    index: int
    home: Country
    profile: Profile


class _Weights:
    """Draws an index with the given relative weights."""

    def __init__(self, weights: Sequence[float]) -> None:
        self.cumulative = list(accumulate(weights))

    def draw(self, rng: random.Random) -> int:
        return bisect.bisect_right(self.cumulative, rng.random() * self.cumulative[-1])


_LAND_HOURS, _AIR_HOURS = _Weights(LAND_HOURS), _Weights(AIR_HOURS)
_PROFILES = _Weights([p.share for p in PROFILES])
_DAY_ACCEPT = [w / max(DAY_WEIGHTS) for w in DAY_WEIGHTS]


def traveller_rng(seed: int, index: int, purpose: str = "trips") -> random.Random:
    return random.Random(f"aes-id/border-traffic/v1/{seed}/{purpose}/{index}")


def make_traveller(index: int, home: Country, seed: int) -> Traveller:
    rng = traveller_rng(seed, index, "profile")
    return Traveller(index, home, PROFILES[_PROFILES.draw(rng)])


def departure_after(moment: dt.datetime, kind: PostKind, rng: random.Random) -> dt.datetime:
    """The first departure at or after ``moment`` that the weekly and daily rhythms allow."""
    day = dt.datetime.combine(moment.date(), dt.time(), tzinfo=dt.UTC)
    hours = _AIR_HOURS if kind is PostKind.AIRPORT else _LAND_HOURS
    while True:
        if rng.random() < _DAY_ACCEPT[day.weekday()]:
            candidate = day + dt.timedelta(hours=hours.draw(rng), seconds=rng.randrange(3600))
            if candidate >= moment:
                return candidate
        day += dt.timedelta(days=1)


def transit(route: Route, rng: random.Random) -> dt.timedelta:
    """From the exit check to the entry check: a road leg, or check-in, flight and arrival."""
    if route.kind is PostKind.AIRPORT:
        flight = route.km / 700 + 0.5
        return dt.timedelta(hours=rng.uniform(1.0, 2.0) + flight + rng.uniform(0.3, 1.0))
    return dt.timedelta(hours=route.km / 40 + rng.uniform(0.15, 1.0))


def choose_route(origin: Country, destination: Country, rng: random.Random) -> Route:
    options = routes(origin, destination)
    return options[_Weights([r.weight for r in options]).draw(rng)]


def choose_destination(home: Country, rng: random.Random) -> Country:
    options = list(DESTINATIONS[home].items())
    return options[_Weights([w for _, w in options]).draw(rng)][0]


def plan_trip(index: int, route: Route, after: dt.datetime, rng: random.Random) -> Trip:
    """A trip on ``route`` departing at the first moment the rhythms allow after ``after``."""
    depart = departure_after(after, route.kind, rng)
    return Trip(index, route, depart, depart + transit(route, rng))


def plan_trips(
    traveller: Traveller, start: dt.datetime, end: dt.datetime, seed: int
) -> Iterator[Trip]:
    """The traveller's trips departing in [start, end): round trips from home, in order."""
    rng = traveller_rng(seed, traveller.index)
    profile = traveller.profile
    cycle = 30.0 / profile.round_trips_per_month
    moment = start + dt.timedelta(days=rng.uniform(0, cycle))  # somewhere in a cycle at the start
    home = traveller.home
    while True:
        away = choose_destination(home, rng)
        out = plan_trip(traveller.index, choose_route(home, away, rng), moment, rng)
        if out.depart >= end:
            return
        yield out
        stay = max(1.0, math.exp(rng.gauss(math.log(profile.stay_days), STAY_SIGMA)))
        back = plan_trip(
            traveller.index,
            choose_route(away, home, rng),
            out.arrive + dt.timedelta(days=stay),
            rng,
        )
        if back.depart >= end:
            return
        yield back
        moment = back.arrive + dt.timedelta(days=max(1.0, rng.expovariate(1 / profile.home_days)))


def generate_traffic(
    travellers: Sequence[Traveller], start: dt.datetime, end: dt.datetime, seed: int
) -> list[Trip]:
    """Every traveller's trips departing in [start, end), sorted by departure."""
    trips = [trip for t in travellers for trip in plan_trips(t, start, end, seed)]
    trips.sort(key=lambda trip: (trip.depart, trip.traveller))
    return trips
