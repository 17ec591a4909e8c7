"""The travel-time bound and the re-check with newer lists."""

from __future__ import annotations

import datetime as dt
import itertools

from aes_id.border.correlate import min_travel_time
from aes_id.geography import border_posts

HOUR = dt.timedelta(hours=1)


def test_bound_is_symmetric_zero_on_the_spot_and_short_across_a_crossing() -> None:
    codes = [p.code for p in border_posts()]
    for a, b in itertools.product(codes, codes):
        assert min_travel_time(a, b) == min_travel_time(b, a)
    assert min_travel_time("koloko", "koloko") == dt.timedelta(0)
    assert min_travel_time("koloko", "heremakono") < HOUR / 2  # two sides, a few km apart
    assert min_travel_time("kantchari", "makalondi") < HOUR


def test_far_posts_need_hours_even_by_air() -> None:
    bound = min_travel_time("heremakono", "ayorou")
    assert bound is not None and 4 * HOUR < bound < 12 * HOUR
    bko_nim = min_travel_time("bko", "nim")
    assert bko_nim is not None and HOUR < bko_nim < 3 * HOUR  # a flight plus the transfer
