"""Planning a drill's frauds: which card, which bearer, when, where, and the artefact itself.

Each fraud becomes one journey (an exit check, then an entry check) carrying a
real credential (:mod:`aes_id.simulate.fraud`), plus whatever the operator does
about it (a stolen card reported and revoked; a signer found compromised).
Genuine journeys that the fraud makes impossible are dropped: a holder does
not travel with a card they have lent (two days either side) or that was
stolen from them (from the theft on).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import random
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from aes_id.border.correlate import min_travel_time
from aes_id.border.records import InjectedFraud
from aes_id.domain import CardNumber, Country, Kid
from aes_id.formats.claims import CredentialClaims
from aes_id.formats.numbers import card_expiry, format_card_number, generate_nin
from aes_id.geography import BorderPost
from aes_id.pki.keys import SigningKey
from aes_id.simulate.border_world import Cardholder, DrillOperator
from aes_id.simulate.fraud import (
    FraudKind,
    FraudMix,
    forge,
    invented_identity,
    tamper,
    tampered_claims,
)
from aes_id.simulate.traffic import (
    Trip,
    all_routes,
    choose_destination,
    choose_route,
    plan_trip,
    transit,
)

LEND_WINDOW = dt.timedelta(days=2)
_FAKE_SERIALS = {"forged": 8_000_000, "expired": 9_000_000, "compromised-signer": 7_000_000}


@dataclass(frozen=True)
class Incident:
    """A stolen Document Signer key: stolen, then found and revoked (from before the theft)."""

    state: Country
    stolen_at: dt.datetime
    discovered_at: dt.datetime
    revoked_from: dt.datetime
    key: SigningKey

    def describe(self) -> dict[str, str]:
        return {
            "state": self.state.value,
            "stolen_at": self.stolen_at.isoformat(),
            "discovered_at": self.discovered_at.isoformat(),
            "revoked_from": self.revoked_from.isoformat(),
            "kid": self.key.kid.hex(),
        }


@dataclass(frozen=True)
class FraudPlan:
    """One fraud: its journey, the card's holder (a victim) if any, who carries it, the QR."""

    id: int
    kind: FraudKind
    trip: Trip
    bearer: int
    holder: int | None
    qr_text: str
    card_number: CardNumber
    printed: int
    """Whose photo is printed on the card (the bearer's, for a photo substitution)."""
    revoke_at: dt.datetime | None = None
    detail: str = ""


class Planner:
    """Draws frauds over a traffic plan, signing genuine cards with the drill's operator and
    taking holder ``i``'s drill card from ``card_text(i)``."""

    def __init__(
        self,
        holders: Sequence[Cardholder],
        trips: Sequence[Trip],
        operator: DrillOperator,
        card_text: Callable[[int], str],
        *,
        seed: int,
        start: dt.datetime,
        end: dt.datetime,
    ) -> None:
        self.holders, self.trips, self.operator = holders, trips, operator
        self.start, self.end = start, end
        self.rng = random.Random(f"aes-id/border-frauds/v1/{seed}")
        self.sign_holder = card_text
        self.dropped: set[int] = set()
        self.incident: Incident | None = None
        self._names = sorted({h.identity.family_name for h in holders})
        self._by_traveller: dict[int, list[int]] = defaultdict(list)
        for index, trip in enumerate(trips):
            self._by_traveller[trip.traveller].append(index)
        self._buckets: dict[tuple[str, int], list[int]] = defaultdict(list)
        for h in holders:
            self._buckets[h.sex.value, h.birth_year // 5].append(h.index)

    # --- people ------------------------------------------------------------------------

    def lookalike(self, of: int) -> int:
        """Another holder of the same sex and about the same age (within five years)."""
        h = self.holders[of]
        pool = [i for d in (0, -1, 1) for i in self._buckets[h.sex.value, h.birth_year // 5 + d]]
        pool = [i for i in pool if i != of] or [i for i in range(len(self.holders)) if i != of]
        return self.rng.choice(pool)

    def stranger(self, of: int) -> int:
        """Another holder who plainly differs: the other sex, or ten years apart or more."""
        h = self.holders[of]
        for _ in range(200):
            other = self.holders[self.rng.randrange(len(self.holders))]
            if other.index != of and (
                other.sex is not h.sex or abs(other.birth_year - h.birth_year) >= 10
            ):
                return other.index
        return (of + 1) % len(self.holders)

    def _drop(self, traveller: int, since: dt.datetime, until: dt.datetime) -> None:
        for index in self._by_traveller.get(traveller, ()):
            if since <= self.trips[index].depart <= until:
                self.dropped.add(index)

    # --- journeys ----------------------------------------------------------------------

    def _genuine_trip(self) -> Trip:
        while True:
            index = self.rng.randrange(len(self.trips))
            if index not in self.dropped:
                return self.trips[index]

    def _journey(self, bearer: int, earliest: dt.datetime | None = None) -> Trip:
        """A one-way journey of ``bearer`` from home, departing before the end."""
        home = self.holders[bearer].state
        first = earliest or self.start
        span = max(1.0, (self.end - first).total_seconds())
        while True:
            after = first + dt.timedelta(seconds=self.rng.uniform(0, span))
            route = choose_route(home, choose_destination(home, self.rng), self.rng)
            trip = plan_trip(bearer, route, after, self.rng)
            if trip.depart < self.end:
                return trip

    def plan(self, count: int, mix: FraudMix) -> list[FraudPlan]:
        """``count`` frauds drawn from ``mix``, numbered from 1."""
        kinds = [mix.draw(self.rng) for _ in range(count)]
        if FraudKind.COMPROMISED_SIGNER in kinds:
            self.incident = self._incident()
        return [
            getattr(self, "_" + kind.name.lower())(ident)
            for ident, kind in enumerate(kinds, start=1)
        ]

    def _incident(self) -> Incident:
        """A signer key stolen a fifth into the drill, found halfway; revoked from half a day
        before the theft, but never from before a genuine card it signed."""
        state = self.rng.choice(list(Country))
        span = self.end - self.start
        stolen = (self.start + span / 5).replace(microsecond=0)
        discovered = (self.start + span / 2).replace(microsecond=0)
        genuine = [h.claims.issued_at for h in self.holders if h.state is state]
        floor = max(genuine, default=self.start) + dt.timedelta(seconds=1)
        revoked_from = max(stolen - dt.timedelta(hours=12), floor)
        return Incident(state, stolen, discovered, revoked_from, self.operator.active_signer(state))

    # --- one method per kind -------------------------------------------------------------

    def _invented(
        self, bearer: int, state: Country, serial: int, issued: dt.datetime
    ) -> CredentialClaims:
        base = self.holders[bearer].claims
        identity = invented_identity(base.identity, generate_nin(self.rng), self.rng, self._names)
        return CredentialClaims.for_card(
            identity=identity,
            issuing_state=state,
            card_number=format_card_number(state, serial),
            issued_at=issued,
            expires_on=card_expiry(issued.date()),
            face=base.face,
            fingerprints=base.fingerprints,
        )

    def _forged(self, ident: int) -> FraudPlan:
        bearer = self.rng.randrange(len(self.holders))
        trip = self._journey(bearer)
        state = self.holders[bearer].state
        issued = trip.depart - dt.timedelta(days=self.rng.uniform(30, 900))
        claims = self._invented(bearer, state, _FAKE_SERIALS["forged"] + ident, issued)
        key = Ed25519PrivateKey.from_private_bytes(self.rng.randbytes(32))
        copied = self.rng.random() < 0.5
        own = hashlib.sha256(key.public_key().public_bytes_raw()).digest()[:8]
        kid = self.operator.active_signer(state).kid if copied else own
        detail = "kid copied from the genuine signer" if copied else "forger's own kid"
        return FraudPlan(
            ident,
            FraudKind.FORGED,
            trip,
            bearer,
            None,
            forge(claims, key, Kid(kid)),
            claims.card_number,
            bearer,
            detail=detail,
        )

    def _tampered(self, ident: int) -> FraudPlan:
        holder = self.rng.randrange(len(self.holders))
        genuine = self.sign_holder(holder)
        changed = tampered_claims(
            self.holders[holder].claims, self.rng, self.rng.choice(self._names)
        )
        trip = self._journey(holder)
        return FraudPlan(
            ident,
            FraudKind.TAMPERED,
            trip,
            holder,
            holder,
            tamper(genuine, changed),
            changed.card_number,
            holder,
            detail=_difference(self.holders[holder].claims, changed),
        )

    def _lent(self, ident: int, kind: FraudKind, bearer_of: Callable[[int], int]) -> FraudPlan:
        holder = self.rng.randrange(len(self.holders))
        bearer = bearer_of(holder)
        trip = dataclasses.replace(self._journey(bearer), traveller=bearer)
        self._drop(holder, trip.depart - LEND_WINDOW, trip.arrive + LEND_WINDOW)
        printed = bearer if kind is FraudKind.PHOTO_SUBSTITUTION else holder
        return FraudPlan(
            ident,
            kind,
            trip,
            bearer,
            holder,
            self.sign_holder(holder),
            self.holders[holder].card_number,
            printed,
        )

    def _photo_substitution(self, ident: int) -> FraudPlan:
        return self._lent(ident, FraudKind.PHOTO_SUBSTITUTION, self.stranger)

    def _impostor(self, ident: int) -> FraudPlan:
        return self._lent(ident, FraudKind.IMPOSTOR, self.lookalike)

    def _stolen(self, ident: int) -> FraudPlan:
        plan = self._lent(ident, FraudKind.STOLEN, self.lookalike)
        theft = plan.trip.depart - dt.timedelta(days=self.rng.uniform(0.25, 7))
        report = theft + dt.timedelta(hours=max(1.0, self.rng.expovariate(1 / 18)))
        assert plan.holder is not None
        self._drop(plan.holder, theft, self.end)
        return dataclasses.replace(
            plan,
            revoke_at=report.replace(microsecond=0),
            detail=f"stolen {theft:%Y-%m-%d %H:%M}, reported {report:%Y-%m-%d %H:%M}",
        )

    def _expired(self, ident: int) -> FraudPlan:
        holder = self.rng.randrange(len(self.holders))
        trip = self._journey(holder)
        expiry = trip.depart.date() - dt.timedelta(days=self.rng.randint(1, 365))
        issued = dt.datetime.combine(expiry + dt.timedelta(days=1), dt.time(10), tzinfo=dt.UTC)
        issued = issued.replace(year=issued.year - 10)
        base = self.holders[holder].claims
        state = base.issuing_state
        old = CredentialClaims.for_card(
            identity=base.identity,
            issuing_state=state,
            card_number=format_card_number(state, _FAKE_SERIALS["expired"] + ident),
            issued_at=issued,
            expires_on=card_expiry(issued.date()),
            face=base.face,
        )
        return FraudPlan(
            ident,
            FraudKind.EXPIRED,
            trip,
            holder,
            holder,
            self.operator.sign(old),
            old.card_number,
            holder,
            detail=f"expired {old.expires_on}",
        )

    def _compromised_signer(self, ident: int) -> FraudPlan:
        assert self.incident is not None, "plan the incident first (set_incident)"
        incident = self.incident
        bearer = self.rng.randrange(len(self.holders))
        trip = self._journey(bearer, incident.stolen_at)
        issued = max(incident.stolen_at, trip.depart - dt.timedelta(days=self.rng.uniform(0.1, 3)))
        claims = self._invented(
            bearer, incident.state, _FAKE_SERIALS["compromised-signer"] + ident, issued
        )
        text = forge(claims, incident.key.private_key, incident.key.kid)
        return FraudPlan(
            ident,
            FraudKind.COMPROMISED_SIGNER,
            trip,
            bearer,
            None,
            text,
            claims.card_number,
            bearer,
            revoke_at=incident.discovered_at,
            detail=f"signed with the stolen {incident.state.value} key",
        )

    def _cloned(self, ident: int) -> FraudPlan:
        """A copy of a card used at one of the posts farthest from a genuine crossing of the
        card, within less than half the least travel time between them."""
        genuine = self._genuine_trip()
        holder = genuine.traveller
        apart = {
            route: min_travel_time(genuine.route.exit_post, route.exit_post) or dt.timedelta(0)
            for route in all_routes()
        }
        longest = max(apart.values())
        route = self.rng.choice([r for r, t in apart.items() if t >= longest * 0.6])
        depart = genuine.depart + apart[route] * self.rng.uniform(-0.5, 0.5)
        bearer = self.lookalike(holder)
        trip = Trip(
            bearer,
            route,
            max(depart, self.start),
            max(depart, self.start) + transit(route, self.rng),
        )
        return FraudPlan(
            ident,
            FraudKind.CLONED,
            trip,
            bearer,
            holder,
            self.sign_holder(holder),
            self.holders[holder].card_number,
            holder,
            detail=f"copy of a card crossing at {genuine.route.exit_post} "
            f"{genuine.depart:%Y-%m-%d %H:%M}",
        )


def injected(plans: Sequence[FraudPlan]) -> list[InjectedFraud]:
    """What the journal keeps of each planned fraud."""
    return [
        InjectedFraud(p.id, p.kind.value, p.card_number, p.trip.depart, p.revoke_at, p.detail)
        for p in plans
    ]


def offline_spells(
    post: BorderPost, seed: int, since: dt.datetime, until: dt.datetime
) -> list[tuple[dt.datetime, dt.datetime]]:
    """When the post's link is down: each day it drops with its ``offline_chance``, at a
    random hour, for ``offline_days``."""
    rng = random.Random(f"aes-id/border-drill/offline/{seed}/{post.code}")
    spells = []
    day = since
    while day < until:
        if post.offline_chance and rng.random() < post.offline_chance:
            start = day + dt.timedelta(seconds=rng.randrange(86_400))
            spells.append((start, start + dt.timedelta(days=post.offline_days)))
        day += dt.timedelta(days=1)
    return spells


def _difference(before: CredentialClaims, after: CredentialClaims) -> str:
    if before.identity.family_name != after.identity.family_name:
        return f"family name changed to {after.identity.family_name}"
    if before.identity.date_of_birth != after.identity.date_of_birth:
        return f"date of birth changed to {after.identity.date_of_birth.iso()}"
    return f"expiry changed to {after.expires_on}"
