"""The central border service: where the posts' crossings arrive when they sync.

It does what no post can do offline:

1. **Correlate** every uploaded crossing with the others (clones,
   :class:`~aes_id.border.correlate.Correlator`).
2. **Re-check on arrival**: a crossing admitted with lists that did not yet
   carry a revocation is flagged with the newest lists
   (:func:`~aes_id.border.correlate.retro_check`).
3. **Re-check on change**: when the operator publishes a new revocation (a
   card reported stolen, a signer found compromised), the crossings already
   received that it touches are flagged at once, by card number or by signer.

It keeps, per admitted crossing, only what step 3 needs (id, card, signer, issue
time, crossing time), so it stays small for months of traffic.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from aes_id.border.correlate import Correlator, retro_check
from aes_id.border.records import Alert, AlertKind, Crossing
from aes_id.verify.verifier import Lists


@dataclass(frozen=True, slots=True)
class _Admitted:
    crossing_id: int
    at: dt.datetime
    card_number: str
    issued_at: dt.datetime | None


@dataclass
class CentralService:
    """Receives uploads (:meth:`receive`) and list changes (:meth:`lists_changed`)."""

    lists: Lists | None = None
    correlator: Correlator = field(default_factory=Correlator)
    _by_card: dict[str, list[_Admitted]] = field(default_factory=lambda: defaultdict(list))
    _by_kid: dict[str, list[_Admitted]] = field(default_factory=lambda: defaultdict(list))
    _flagged: set[int] = field(default_factory=set)

    def receive(self, crossings: Iterable[Crossing], *, now: dt.datetime) -> list[Alert]:
        """Steps 1 and 2 for crossings arriving from a post."""
        alerts: list[Alert] = []
        for crossing in crossings:
            alerts.extend(self.correlator.add(crossing, now=now))
            if not crossing.admitted or crossing.id is None or crossing.card_number is None:
                continue
            late = retro_check(crossing, self.lists, now=now) if self.lists else None
            if late is not None:
                self._flagged.add(crossing.id)
                alerts.append(late)
            entry = _Admitted(crossing.id, crossing.at, crossing.card_number, crossing.issued_at)
            self._by_card[crossing.card_number].append(entry)
            if crossing.kid:
                self._by_kid[crossing.kid].append(entry)
        return alerts

    def lists_changed(self, lists: Lists, *, now: dt.datetime) -> list[Alert]:
        """Step 3: flag the received crossings that the newly revoked cards and signers touch."""
        old, self.lists = self.lists, lists
        alerts = []
        for revocations in lists.revocations:
            before = old.revocations_of(revocations.state) if old else None
            known = {c.card_number for c in before.entries} if before is not None else set()
            for card in revocations.entries:
                if card.card_number in known:
                    continue
                for seen in self._by_card.get(card.card_number, ()):
                    if seen.at >= card.revoked_at:
                        alerts += self._flag(
                            seen,
                            now,
                            f"card {card.card_number} revoked "
                            f"{card.revoked_at:%Y-%m-%d %H:%M} ({card.reason.value}), "
                            "before the crossing",
                        )
        for entry in lists.trust_list.entries:
            was = old.trust_list.find(entry.kid) if old else None
            if entry.revoked_from is None or (was is not None and was.revoked_from is not None):
                continue
            for seen in self._by_kid.get(entry.kid.hex(), ()):
                if seen.issued_at is not None and seen.issued_at >= entry.revoked_from:
                    alerts += self._flag(
                        seen,
                        now,
                        f"signer {entry.kid.hex()} revoked from {entry.revoked_from:%Y-%m-%d}",
                    )
        return alerts

    def _flag(self, seen: _Admitted, now: dt.datetime, detail: str) -> list[Alert]:
        if seen.crossing_id in self._flagged:
            return []
        self._flagged.add(seen.crossing_id)
        return [Alert(now, AlertKind.REVOKED_SINCE, seen.crossing_id, None, detail)]
