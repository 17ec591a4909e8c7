"""After the fact: what the posts' records show once they sync.

A post offline sees one card at a time. Once posts sync, the central border
service sees them all and can flag:

* **Clones** (:class:`Correlator`): the same card presented at two posts
  closer in time than anyone could travel between them. The bound is
  deliberately generous to honest travellers: straight-line distances, roads
  at :data:`ROAD_SPEED_KMH` and flights between the three airports at
  :data:`FLIGHT_SPEED_KMH` plus :data:`AIRPORT_TRANSFER`; a flagged pair is
  physically impossible, not merely unusual.
* **Revoked since** (:func:`retro_check`): a crossing admitted with lists that
  did not yet carry the card's revocation (or its signer's), re-checked with
  the newer lists.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field

from aes_id.border.records import Alert, AlertKind, Crossing
from aes_id.domain import Country
from aes_id.geography import BorderPost, PostKind, border_post, border_posts, distance_km
from aes_id.verify.verifier import Lists

ROAD_SPEED_KMH = 100.0
"""Faster than any bus or car keeps up on these roads, as the crow flies: a lower bound."""
FLIGHT_SPEED_KMH = 800.0
AIRPORT_TRANSFER = dt.timedelta(hours=1)
"""At least this between one airport's exit check and the other's entry check, besides flying."""
WINDOW = dt.timedelta(hours=24)
"""Pairs further apart in time than this are never flagged (any two posts are < 16 h apart)."""


def _road(a: BorderPost, b: BorderPost) -> dt.timedelta | None:
    if a.code == b.code:
        return dt.timedelta(0)
    km = distance_km(a, b)
    return None if km is None else dt.timedelta(hours=km / ROAD_SPEED_KMH)


@functools.cache
def min_travel_time(a_code: str, b_code: str) -> dt.timedelta | None:
    """The least time anyone needs from post ``a`` to post ``b`` (None if a position is unknown).

    >>> min_travel_time("koloko", "heremakono") < dt.timedelta(minutes=30)
    True
    >>> min_travel_time("koloko", "ayorou") > dt.timedelta(hours=3)
    True
    """
    a, b = border_post(a_code), border_post(b_code)
    options = [_road(a, b)]
    airports = [p for p in border_posts() if p.kind is PostKind.AIRPORT]
    for x in airports:
        for y in airports:
            if x.code == y.code:
                continue
            legs = (_road(a, x), _road(y, b), _road(x, y))
            if any(leg is None for leg in legs):
                continue
            to_x, from_y, hop = legs
            assert to_x is not None and from_y is not None and hop is not None
            flight = hop * (ROAD_SPEED_KMH / FLIGHT_SPEED_KMH) + AIRPORT_TRANSFER
            options.append(to_x + flight + from_y)
    known = [option for option in options if option is not None]
    return min(known) if known else None


@dataclass(frozen=True)
class _Sighting:
    crossing_id: int
    post: str
    at: dt.datetime


@dataclass
class Correlator:
    """Flags a card seen at two posts too close in time; feed it crossings as they arrive,
    in any order."""

    window: dt.timedelta = WINDOW
    _seen: dict[str, list[_Sighting]] = field(default_factory=dict)

    def add(self, crossing: Crossing, *, now: dt.datetime) -> list[Alert]:
        """Remember ``crossing`` and return an alert for each earlier-known sighting it conflicts
        with (``now`` is when the record arrived: the alert's time)."""
        if crossing.card_number is None or crossing.id is None:
            return []
        sightings = self._seen.setdefault(crossing.card_number, [])
        alerts = []
        for other in sightings:
            gap = abs(crossing.at - other.at)
            if gap > self.window or other.post == crossing.post:
                continue
            need = min_travel_time(other.post, crossing.post)
            if need is not None and gap < need:
                first, second = sorted(((other.at, other.post), (crossing.at, crossing.post)))
                alerts.append(
                    Alert(
                        now,
                        AlertKind.CLONE,
                        crossing.id,
                        other.crossing_id,
                        f"card {crossing.card_number} at {first[1]} {first[0]:%Y-%m-%d %H:%M} "
                        f"and at {second[1]} {second[0]:%H:%M}: {_hours(gap)} apart, "
                        f"at least {_hours(need)} needed",
                    )
                )
        sightings.append(_Sighting(crossing.id, crossing.post, crossing.at))
        return alerts


def _hours(span: dt.timedelta) -> str:
    return f"{span.total_seconds() / 3600:.1f} h"


def retro_check(crossing: Crossing, lists: Lists, *, now: dt.datetime) -> Alert | None:
    """Re-check an admitted crossing with newer lists: an alert if the card was revoked at or
    before the crossing (the post's list was behind), or its signer was revoked as of the
    card's issue time. A card revoked only later (say, reported stolen after the thief
    crossed) is not flagged: the list tells when the theft was reported, not when it
    happened, and the holder's own earlier crossings must not raise alarms."""
    if not crossing.admitted or crossing.card_number is None or crossing.issuing_state is None:
        return None
    problems = []
    revocations = lists.revocations_of(Country(crossing.issuing_state))
    revoked = revocations.is_revoked(crossing.card_number) if revocations is not None else None
    if revoked is not None and revoked.revoked_at <= crossing.at:
        problems.append(
            f"card {crossing.card_number} revoked {revoked.revoked_at:%Y-%m-%d %H:%M} "
            f"({revoked.reason.value}), before the crossing"
        )
    if crossing.kid and crossing.issued_at:
        status = lists.trust_list.signer_status(bytes.fromhex(crossing.kid), crossing.issued_at)
        if status.revoked:
            problems.append(f"signer {crossing.kid} revoked from {status.revoked_from:%Y-%m-%d}")
    if not problems or crossing.id is None:
        return None
    return Alert(now, AlertKind.REVOKED_SINCE, crossing.id, None, "; ".join(problems))
