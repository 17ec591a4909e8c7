"""Traffic: daily and weekly rhythms, routes between the right posts, honest travel times."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter

from aes_id.border.correlate import Correlator
from aes_id.border.records import Crossing, Decision
from aes_id.domain import Country
from aes_id.geography import PostKind, border_post
from aes_id.simulate.traffic import (
    DAY_WEIGHTS,
    LAND_HOURS,
    Traveller,
    all_routes,
    generate_traffic,
    make_traveller,
    plan_trips,
    routes,
)

START = dt.datetime(2026, 3, 16, tzinfo=dt.UTC)
END = START + dt.timedelta(days=28)


def _travellers(count: int, seed: int = 4) -> list[Traveller]:
    return [make_traveller(i, list(Country)[i % 3], seed) for i in range(count)]


def test_routes_join_the_two_states_through_their_own_posts() -> None:
    for route in all_routes():
        assert border_post(route.exit_post).state is route.origin
        assert border_post(route.entry_post).state is route.destination
    for origin in Country:
        for destination in Country:
            if origin is not destination:
                assert abs(sum(r.weight for r in routes(origin, destination)) - 1) < 1e-9


def test_weekly_and_daily_rhythms() -> None:
    trips = generate_traffic(_travellers(1500), START, END, seed=4)
    weekdays = Counter(t.depart.weekday() for t in trips)
    assert weekdays[4] > weekdays[1] * 1.25  # Friday busier than Tuesday
    assert max(weekdays, key=lambda d: weekdays[d]) == DAY_WEIGHTS.index(max(DAY_WEIGHTS))
    land_hours = {t.depart.hour for t in trips if t.route.kind is PostKind.LAND}
    assert land_hours <= {h for h, w in enumerate(LAND_HOURS) if w}  # closed at night


def test_trips_alternate_away_and_home_and_never_overlap() -> None:
    for traveller in _travellers(200):
        trips = list(plan_trips(traveller, START, END, seed=4))
        where = traveller.home
        for before, after in itertools.pairwise(trips):
            assert after.depart - before.arrive >= dt.timedelta(days=1)
        for trip in trips:
            assert trip.route.origin is where and trip.arrive > trip.depart
            where = trip.route.destination


def test_no_honest_traveller_looks_like_a_clone() -> None:
    correlator = Correlator()
    ident = 0
    for trip in generate_traffic(_travellers(800), START, END, seed=9):
        for post, at in ((trip.route.exit_post, trip.depart), (trip.route.entry_post, trip.arrive)):
            ident += 1
            crossing = Crossing(
                at=at,
                post=post,
                verdict="VALID",
                decision=Decision.ADMIT,
                card_number=f"T{trip.traveller}",
                id=ident,
            )
            assert correlator.add(crossing, now=at) == []
    assert ident > 1000


def test_same_seed_same_traffic_and_travellers_independent() -> None:
    a = generate_traffic(_travellers(50), START, END, seed=4)
    b = generate_traffic(_travellers(50), START, END, seed=4)
    assert a == b
    alone = list(plan_trips(_travellers(50)[7], START, END, seed=4))
    assert alone == [t for t in a if t.traveller == 7]
    assert generate_traffic(_travellers(50), START, END, seed=5) != a
