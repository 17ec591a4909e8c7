"""The border drill: posts sync on their schedules while travellers cross with genuine cards
and with every kind of fraud, and each check runs the real verifier.

One event loop in simulated time (ties: the operator acts, then posts sync, then
travellers cross):

* the drill's operator (:class:`~aes_id.simulate.border_world.DrillOperator`)
  re-signs every revocation list daily at 02:00 UTC and the trust list weekly,
  and at once when a stolen card is reported or a signer is found compromised;
* each post syncs every ``sync_interval`` (its phase drawn from the seed) unless
  its link is down: each day it drops with the post's ``offline_chance`` for
  ``offline_days``, and the post syncs as soon as it is back. A sync fetches the
  exported files, verifies them (:func:`aes_id.border.sync.merge_lists`) and
  uploads the post's crossings to the central service, which correlates them
  (clones) and re-checks admitted ones with the new lists;
* a check: the card is read (its QR text, or for a sample the whole image path,
  :mod:`aes_id.simulate.border_camera`), verified with the post's own lists at
  that moment (:func:`aes_id.border.check.verify_at_post`), the face compared by
  the agent's fallible eye, the fingers matched when readers are on (a later press
  of the fingers the card's templates were made from, as in the biometrics
  benchmark: :func:`~aes_id.simulate.border_world.live_capture`), decided (a
  fingerprint match settles what the eye doubts) and recorded. A traveller not
  admitted at the exit does not reach the entry.

The drill begins :data:`WARM_UP` before the first traveller (so that every post
has synced on its own rhythm) and goes on :data:`SETTLE` after the last one
(so that every post has uploaded). Same holders, settings and seed: same
crossings, decisions and alerts (timings aside).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import heapq
import random
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aes_id.border.central import CentralService
from aes_id.border.check import PostVerification, check_bearer
from aes_id.border.fingers import default_matcher
from aes_id.border.folders import RUN_FILE
from aes_id.border.journal import Journal
from aes_id.border.records import (
    Alert,
    Crossing,
    Direction,
    FaceCheck,
    Source,
    SyncRecord,
    Truth,
)
from aes_id.border.sync import ExportsReader, ListFiles, ListParser, merge_lists
from aes_id.domain import RevocationReason
from aes_id.errors import AesIdError, UsageError
from aes_id.formats.claims import FingerTemplate
from aes_id.geography import BorderPost, border_posts
from aes_id.simulate.border_camera import Camera, CameraSettings, printed_photo
from aes_id.simulate.border_plan import FraudPlan, Planner, injected, offline_spells
from aes_id.simulate.border_world import (
    Cardholder,
    DrillOperator,
    card_templates,
    fit_templates,
    live_capture,
)
from aes_id.simulate.fraud import (
    GENUINE,
    RESEMBLANCE,
    EyeSettings,
    FraudKind,
    FraudMix,
    Resemblance,
)
from aes_id.simulate.traffic import Trip, generate_traffic, make_traveller
from aes_id.verify.verifier import Lists

WARM_UP = dt.timedelta(days=8)
SETTLE = dt.timedelta(days=8)
PUBLISH_AT = dt.time(2)
TRUST_LIST_WEEKDAY = 0  # Monday
FLUSH_EVERY = 20_000
_OPERATOR, _SYNC, _TRAVEL = 0, 1, 2


@dataclass(frozen=True)
class DrillSettings:
    """What a drill is asked to do (``start``: midnight after the newest card, by default)."""

    days: int = 7
    travellers: int = 1000
    fraud_rate: float = 0.02
    seed: int = 1
    image_sample: float = 0.0
    fingerprints: bool = False
    eye: EyeSettings = field(default_factory=EyeSettings)
    mix: FraudMix = field(default_factory=FraudMix)
    camera: CameraSettings = field(default_factory=CameraSettings)
    start: dt.datetime | None = None

    def __post_init__(self) -> None:
        if self.days < 1 or self.travellers < 2:
            raise UsageError("a drill needs at least 1 day and 2 travellers")
        for name in ("fraud_rate", "image_sample"):
            if not 0 <= getattr(self, name) <= 1:
                raise UsageError(f"{name.replace('_', '-')} must be between 0 and 1")

    def describe(self) -> dict[str, Any]:
        return {
            "days": self.days,
            "travellers": self.travellers,
            "fraud_rate": self.fraud_rate,
            "seed": self.seed,
            "image_sample": self.image_sample,
            "fingerprints": self.fingerprints,
            "eye": self.eye.describe(),
            "mix": self.mix.shares(),
            "camera": self.camera.describe(),
        }


@dataclass(frozen=True)
class DrillSummary:
    folder: Path
    start: dt.datetime
    end: dt.datetime
    crossings: int
    frauds: int
    alerts: int
    image_crossings: int
    seconds: float


@dataclass(slots=True)
class _Journey:
    trip: Trip
    holder: int
    bearer: int
    printed: int
    kind: str = GENUINE
    resemblance: Resemblance = Resemblance.SAME
    fraud: FraudPlan | None = None


@dataclass
class _Post:
    post: BorderPost
    offline: list[tuple[dt.datetime, dt.datetime]]
    files: ListFiles | None = None
    lists: Lists | None = None
    pending: list[Crossing] = field(default_factory=list)

    def online(self, at: dt.datetime) -> bool:
        return not any(since <= at < until for since, until in self.offline)


def _midnight_after(moment: dt.datetime) -> dt.datetime:
    return dt.datetime.combine(moment.date() + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)


class Drill:
    """One run, written to ``journal``; the drill's PKI and exports go under ``folder``."""

    def __init__(
        self, holders: Sequence[Cardholder], settings: DrillSettings, folder: Path, journal: Journal
    ) -> None:
        self.holders, self.settings, self.folder, self.journal = holders, settings, folder, journal
        newest = max(h.claims.issued_at for h in holders)
        self.start = settings.start or _midnight_after(newest)
        if self.start <= newest:
            raise UsageError(
                f"the drill must start after the newest card ({newest:%Y-%m-%d %H:%M})"
            )
        self.end = self.start + dt.timedelta(days=settings.days)
        self.operator = DrillOperator(folder / "operator", start=self.start, seed=settings.seed)
        self.parser = ListParser(self.operator.root_certificate())
        self.exports = ExportsReader(self.operator.exports)
        self.camera = Camera(settings.camera)
        self.matcher = default_matcher() if settings.fingerprints else None
        self._rng = {
            name: random.Random(f"aes-id/border-drill/{name}/{settings.seed}")
            for name in ("eye", "image", "camera")
        }
        self._texts: dict[int, str] = {}
        self._events: list[tuple[dt.datetime, int, int, str, Any]] = []
        self._seq = 0
        self._crossings: list[Crossing] = []
        self._truths: list[Truth] = []
        self._syncs: list[SyncRecord] = []
        self._next_id = journal.last_crossing_id() + 1
        self.central = CentralService()
        self.alerts = 0
        self.image_crossings = 0
        first, last = self.start - WARM_UP, self.end + SETTLE
        self.posts = {
            p.code: _Post(p, offline_spells(p, settings.seed, first, last)) for p in border_posts()
        }
        self._planned: tuple[list[_Journey], list[FraudPlan], Planner] | None = None
        self._seconds = 0.0

    @property
    def eye_rng(self) -> random.Random:
        """The draws of the agents' eyes (one stream, so a seed gives the same drill)."""
        return self._rng["eye"]

    # --- cards ---------------------------------------------------------------------------

    def card_text(self, index: int) -> str:
        """Holder ``index``'s card, re-signed by the drill (with templates when fingers are on)."""
        if index not in self._texts:
            holder = self.holders[index]
            claims = holder.claims
            if (
                self.settings.fingerprints
                and holder.biometric_seed is not None
                and not claims.fingerprints
            ):
                claims = fit_templates(claims, card_templates(holder.biometric_seed))
            self._texts[index] = self.operator.sign(claims)
        return self._texts[index]

    # --- the event queue -----------------------------------------------------------------

    def _push(self, at: dt.datetime, priority: int, kind: str, payload: Any = None) -> None:
        self._seq += 1
        heapq.heappush(self._events, (at, priority, self._seq, kind, payload))

    def _schedule(
        self, journeys: Sequence[_Journey], plans: Sequence[FraudPlan], planner: Planner
    ) -> None:
        first, last = self.start - WARM_UP, self.end + SETTLE
        day = first
        while day < last:
            at = dt.datetime.combine(day.date(), PUBLISH_AT, tzinfo=dt.UTC)
            self._push(at, _OPERATOR, "publish", at.weekday() == TRUST_LIST_WEEKDAY or day == first)
            day += dt.timedelta(days=1)
        for plan in plans:
            if plan.kind is FraudKind.STOLEN and plan.revoke_at is not None:
                self._push(plan.revoke_at, _OPERATOR, "revoke", plan)
        if planner.incident is not None:
            self._push(planner.incident.discovered_at, _OPERATOR, "compromise", planner.incident)
        rng = random.Random(f"aes-id/border-drill/sync-phase/{self.settings.seed}")
        for code, post in self.posts.items():
            self._push(
                dt.datetime.combine(first.date(), PUBLISH_AT, tzinfo=dt.UTC),
                _SYNC,
                "provision",
                code,
            )
            at = first + post.post.sync_interval * rng.random()
            while at < last:
                self._push(at, _SYNC, "sync", code)
                at += post.post.sync_interval
            for _, back in post.offline:
                self._push(back, _SYNC, "sync", code)
        for index, journey in enumerate(journeys):
            self._push(journey.trip.depart, _TRAVEL, "exit", index)

    # --- the run -------------------------------------------------------------------------

    def prepare(self) -> int:
        """Plan the traffic and the frauds; return how many checks are planned (at most)."""
        if self._planned is None:
            began = time.perf_counter()
            journeys, plans, planner = self._plan()
            self._schedule(journeys, plans, planner)
            self._planned = (journeys, plans, planner)
            self._seconds += time.perf_counter() - began
        return 2 * len(self._planned[0])

    def run(self, on_progress: Callable[[int], None] | None = None) -> DrillSummary:
        """Prepare (if not yet) and run the drill to the end; write everything to the journal."""
        self.prepare()
        assert self._planned is not None
        journeys, plans, planner = self._planned
        began = time.perf_counter()
        advance = on_progress or (lambda n: None)
        while self._events:
            at, _, _, kind, payload = heapq.heappop(self._events)
            if kind in ("exit", "entry"):
                advance(self._check(at, journeys[payload], payload, kind))
            elif kind in ("sync", "provision"):
                self._sync(at, self.posts[payload], force=kind == "provision")
            else:
                self._operate(at, kind, payload)
        self._flush()
        self.journal.record_frauds(injected(plans))
        self.journal.set_meta(
            {
                **self.settings.describe(),
                "start": self.start,
                "end": self.end,
                "warm_up_days": WARM_UP.days,
                "settle_days": SETTLE.days,
                "incident": planner.incident.describe() if planner.incident else None,
                "posts": _posts_meta(),
            }
        )
        seconds = self._seconds + time.perf_counter() - began
        return DrillSummary(
            self.folder,
            self.start,
            self.end,
            self._next_id - 1,
            len(plans),
            self.alerts,
            self.image_crossings,
            seconds,
        )

    def _plan(self) -> tuple[list[_Journey], list[FraudPlan], Planner]:
        seed = self.settings.seed
        travellers = [make_traveller(h.index, h.state, seed) for h in self.holders]
        trips = generate_traffic(travellers, self.start, self.end, seed)
        planner = Planner(
            self.holders,
            trips,
            self.operator,
            self.card_text,
            seed=seed,
            start=self.start,
            end=self.end,
        )
        plans = planner.plan(round(self.settings.fraud_rate * len(trips)), self.settings.mix)
        journeys = [
            _Journey(t, t.traveller, t.traveller, t.traveller)
            for i, t in enumerate(trips)
            if i not in planner.dropped
        ]
        for plan in plans:
            journeys.append(
                _Journey(
                    plan.trip,
                    plan.holder if plan.holder is not None else plan.bearer,
                    plan.bearer,
                    plan.printed,
                    plan.kind.value,
                    RESEMBLANCE[plan.kind],
                    plan,
                )
            )
        return journeys, plans, planner

    # --- the operator and the central service ----------------------------------------------

    def _operate(self, at: dt.datetime, kind: str, payload: Any) -> None:
        """The operator publishes (on schedule or on a revocation); the central service,
        online beside it, takes the new lists at once and re-checks what it has received."""
        if kind == "publish":
            self.operator.publish(at, trust=payload)
        elif kind == "revoke":
            state = self.holders[payload.holder].state
            self.operator.revoke_card(payload.card_number, state, RevocationReason.STOLEN, at)
        else:
            self.operator.compromise(payload.state, revoked_from=payload.revoked_from, at=at)
        lists = self.parser.lists(self.exports.read())
        self._alert(self.central.lists_changed(lists, now=at))

    def _alert(self, alerts: Sequence[Alert]) -> None:
        if alerts:
            self.journal.record_alerts(alerts)
            self.alerts += len(alerts)

    # --- a post syncs --------------------------------------------------------------------

    def _sync(self, at: dt.datetime, post: _Post, *, force: bool = False) -> None:
        code = post.post.code
        if not force and not post.online(at):
            self._syncs.append(SyncRecord(code, at, False, note="offline"))
            return
        try:
            outcome = merge_lists(self.parser, post.files, self.exports.read())
        except AesIdError as exc:
            self._syncs.append(SyncRecord(code, at, False, note=exc.message))
            return
        post.files, post.lists = outcome.files, outcome.lists
        seqs = tuple((r.state.value, r.sequence) for r in outcome.lists.revocations)
        self._syncs.append(
            SyncRecord(
                code,
                at,
                True,
                outcome.lists.trust_list.sequence,
                seqs,
                "; ".join(outcome.changes + outcome.warnings),
            )
        )
        self._alert(self.central.receive(post.pending, now=at))
        post.pending.clear()

    # --- a traveller is checked ----------------------------------------------------------

    def _check(self, at: dt.datetime, journey: _Journey, index: int, leg: str) -> int:
        """One check; returns how many planned checks it settles (2 if the trip stops here)."""
        exit_leg = leg == "exit"
        post = self.posts[
            journey.trip.route.exit_post if exit_leg else journey.trip.route.entry_post
        ]
        assert post.lists is not None, "every post is provisioned before the first traveller"
        text = journey.fraud.qr_text if journey.fraud else self.card_text(journey.holder)
        read: str | None = text
        source, scan_seconds = Source.QR_TEXT, 0.0
        if self._rng["image"].random() < self.settings.image_sample:
            read, scan_seconds = self._photograph(text, journey, at)
            source = Source.IMAGE
            self.image_crossings += 1
        _, crossing = check_bearer(
            read,
            post.lists,
            _Traveller(self, journey),
            post=post.post.code,
            at=at,
            matcher=self.matcher,
            direction=Direction.EXIT if exit_leg else Direction.ENTRY,
            source=source,
            scan_seconds=scan_seconds,
            ident=self._next_id,
        )
        self._next_id += 1
        fraud_id = journey.fraud.id if journey.fraud else None
        self._truths.append(Truth(self._next_id - 1, journey.bearer, journey.kind, fraud_id))
        self._crossings.append(crossing)
        post.pending.append(crossing)
        if len(self._crossings) >= FLUSH_EVERY:
            self._flush()
        if exit_leg and crossing.admitted:
            self._push(journey.trip.arrive, _TRAVEL, "entry", index)
            return 1
        return 2 if exit_leg else 1

    def _photograph(
        self, text: str, journey: _Journey, at: dt.datetime
    ) -> tuple[str | None, float]:
        person = self.holders[journey.printed]
        photo = printed_photo(person.biometric_seed, person.identity, person.claims.face, at.date())
        back = self.camera.back_of(text, journey.printed, photo)
        return self.camera.read(back, self._rng["camera"])

    def live_fingers(self, templates: Sequence[FingerTemplate], bearer: int) -> bytes | None:
        """The bearer's fingers captured at the post's reader (none without readers)."""
        seed = self.holders[bearer].biometric_seed
        if self.matcher is None or seed is None:
            return None
        return live_capture(seed, templates, 2 + self._next_id)

    def _flush(self) -> None:
        self.journal.record_many(self._crossings)
        self.journal.record_truths(self._truths)
        self.journal.record_syncs(self._syncs)
        self._crossings, self._truths, self._syncs = [], [], []


@dataclass(frozen=True)
class _Traveller:
    """The bearer of a journey, as a post compares them: the agent's eye, the finger reader."""

    drill: Drill
    journey: _Journey

    def face_check(self, verification: PostVerification) -> FaceCheck:
        if not verification.valid:
            return FaceCheck.NOT_DONE
        seen = self.drill.settings.eye.sees_match(self.journey.resemblance, self.drill.eye_rng)
        return FaceCheck.MATCH if seen else FaceCheck.MISMATCH

    def live_fingers(self, verification: PostVerification) -> bytes | None:
        return self.drill.live_fingers(verification.fingerprints, self.journey.bearer)


def _posts_meta() -> dict[str, Any]:
    return {
        p.code: {
            "name": p.name,
            "state": p.state.value,
            "kind": p.kind.value,
            "sync_hours": p.sync_interval.total_seconds() / 3600,
            "offline_chance": p.offline_chance,
            "offline_days": p.offline_days,
        }
        for p in border_posts()
    }


def run_drill(
    holders: Sequence[Cardholder],
    settings: DrillSettings,
    folder: Path,
    on_progress: Callable[[int], None] | None = None,
) -> DrillSummary:
    """Run a drill into ``folder`` (see :func:`open_drill`)."""
    with open_drill(holders, settings, folder) as drill:
        return drill.run(on_progress)


@contextlib.contextmanager
def open_drill(
    holders: Sequence[Cardholder], settings: DrillSettings, folder: Path
) -> Iterator[Drill]:
    """A drill writing into ``folder`` (created; it must not hold a run already): the journal
    is ``folder / "run.sqlite"``, the drill's PKI and exports are under ``folder / "operator"``.
    Call :meth:`Drill.prepare` for the number of checks, then :meth:`Drill.run`."""
    if (folder / RUN_FILE).exists():
        raise UsageError(f"{folder} already holds a run", hint="choose another --run name")
    folder.mkdir(parents=True, exist_ok=True)
    with Journal.open(folder / RUN_FILE) as journal:
        yield Drill(holders, settings, folder, journal)
