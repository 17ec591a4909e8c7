"""Freshness warnings printed beside a verdict: stale lists and a clock set back."""

from __future__ import annotations

import datetime as dt

from aes_id.domain import Country
from aes_id.pki.revocation import build_revocation_list
from aes_id.pki.signedlist import clock_warning, freshness_warnings, staleness_warning
from aes_id.pki.trust import TrustList

ISSUED = dt.datetime(2026, 11, 13, 8, 0, tzinfo=dt.UTC)
DUE = dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.UTC)


def _trust_list() -> TrustList:
    return TrustList(4, ISSUED, DUE, ())


def test_a_list_past_due_says_how_old_it_is() -> None:
    now = ISSUED + dt.timedelta(days=9, hours=3)
    assert staleness_warning("trust list", ISSUED, DUE, now) == (
        "trust list is 9 days old, next update was due 2026-11-20"
    )


def test_a_list_before_its_next_update_is_fine() -> None:
    assert staleness_warning("trust list", ISSUED, DUE, DUE) is None
    assert freshness_warnings(ISSUED + dt.timedelta(days=1), _trust_list()) == ()


def test_a_young_stale_list_is_counted_in_hours() -> None:
    due = ISSUED + dt.timedelta(hours=1)
    now = ISSUED + dt.timedelta(hours=5, minutes=59)
    assert staleness_warning("revocation list of MLI", ISSUED, due, now) == (
        "revocation list of MLI is 5 hours old, next update was due 2026-11-13"
    )
    one_day = staleness_warning("x", ISSUED, due, ISSUED + dt.timedelta(days=1, hours=2))
    assert one_day is not None and "is 1 day old" in one_day


def test_a_clock_before_the_newest_list_is_flagged() -> None:
    now = ISSUED - dt.timedelta(days=2)
    warning = clock_warning("trust list", ISSUED, now)
    assert warning == (
        "the clock reads 2026-11-11 08:00 UTC, before the trust list was issued "
        "(2026-11-13 08:00 UTC): check the device clock"
    )
    assert clock_warning("trust list", ISSUED, ISSUED) is None


def test_freshness_warnings_cover_every_list() -> None:
    revocations = build_revocation_list(Country.NER, 1, ISSUED + dt.timedelta(days=3), [])
    now = ISSUED + dt.timedelta(days=10)
    assert freshness_warnings(now, _trust_list(), [revocations]) == (
        "trust list is 10 days old, next update was due 2026-11-20",
        "revocation list of NER is 7 days old, next update was due 2026-11-17",
    )
    back = ISSUED + dt.timedelta(days=1)
    warnings = freshness_warnings(back, _trust_list(), [revocations, None])
    assert warnings == (
        "the clock reads 2026-11-14 08:00 UTC, before the revocation list of NER was issued "
        "(2026-11-16 08:00 UTC): check the device clock",
    )
    assert freshness_warnings(back) == ()
