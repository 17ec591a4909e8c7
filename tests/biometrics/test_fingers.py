"""Synthetic fingerprints: ten deterministic masters per person, realistic noisy captures."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from aes_id.biometrics._stream import SeedStream, derive_key
from aes_id.biometrics.fingers import MIN_SPACING, capture, master_fingers
from aes_id.biometrics.minutiae import (
    FRAME_HEIGHT,
    FRAME_WIDTH,
    TEN_FINGERS,
    FingerPosition,
    MinutiaeSet,
    Pattern,
)
from aes_id.biometrics.ridges import pattern_class


def test_seed_stream_is_pinned() -> None:
    """The draws behind stored face seeds must never change: these values are the contract."""
    stream = SeedStream("aes-id/test/v1", 42)
    assert stream.raw(2).tolist() == [13273053206893126607, 17642464445464830473]
    assert stream.uniform(size=2).tolist() == [0.9968328087610555, 0.2821730230072922]
    assert stream.normal(size=2).tolist() == [0.7348550581382925, 0.08823961481084058]
    assert derive_key("d", 7) != derive_key("d", b"\x07") != derive_key("d", "\x07")


def test_masters_are_deterministic_and_per_person() -> None:
    first, again, other = master_fingers(77), master_fingers(77), master_fingers(78)
    assert first == again
    assert all(a != b for a, b in zip(first, other, strict=True))
    assert [m.position for m in first] == list(TEN_FINGERS)
    assert master_fingers(b"seed") == master_fingers(b"seed") != master_fingers(b"seed2")


def test_masters_look_like_fingers() -> None:
    for seed in range(40):
        for master in master_fingers(seed):
            assert 30 <= len(master) <= 60
            assert master.quality == 100 and master.pattern is not Pattern.UNKNOWN
            xy = master.xy
            assert xy[:, 0].min() >= 0 and xy[:, 0].max() < FRAME_WIDTH
            assert xy[:, 1].min() >= 0 and xy[:, 1].max() < FRAME_HEIGHT
            gaps = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
            np.fill_diagonal(gaps, np.inf)
            assert gaps.min() >= MIN_SPACING - 1.5  # rounding to whole pixels
            assert set(master.kinds.tolist()) <= {1, 2}


def test_pattern_classes_have_population_frequencies() -> None:
    def draw(position: FingerPosition, person: int) -> Pattern:
        tendency = SeedStream("person", person).gauss()
        return pattern_class(position, SeedStream("finger", person, position), tendency)

    counts = Counter(draw(position, person) for person in range(400) for position in TEN_FINGERS)
    total = sum(counts.values())
    loops = (counts[Pattern.LEFT_LOOP] + counts[Pattern.RIGHT_LOOP]) / total
    assert 0.55 < loops < 0.75
    assert 0.2 < counts[Pattern.WHORL] / total < 0.4
    assert 0.02 < counts[Pattern.ARCH] / total < 0.12
    right_thumbs = Counter(draw(FingerPosition.RIGHT_THUMB, person) for person in range(400))
    assert right_thumbs[Pattern.RIGHT_LOOP] > 3 * right_thumbs[Pattern.LEFT_LOOP]  # ulnar loops
    masters = Counter(m.pattern for seed in range(30) for m in master_fingers(seed))
    assert len(masters) == 4  # the masters do use the drawn classes


def test_capture_is_deterministic_for_a_seed_and_differs_between_seeds() -> None:
    master = master_fingers(5)[2]
    assert capture(master, 1) == capture(master, 1)
    assert capture(master, 1) != capture(master, 2)
    rng_a, rng_b = np.random.default_rng(3), np.random.default_rng(3)
    assert capture(master, rng_a) == capture(master, rng_b)


def test_capture_is_noisy_but_recognisable() -> None:
    master = master_fingers(11)[0]
    live = capture(master, 4, quality=80)
    assert isinstance(live, MinutiaeSet) and live.position is master.position
    assert 0.4 * len(master) < len(live) < 1.3 * len(master)
    assert live.data.tolist() != master.data.tolist()
    rows = live.data
    assert (rows[:, :2] >= 0).all() and rows[:, 0].max() < FRAME_WIDTH
    assert np.all(np.diff(rows[:, 1]) >= 0)  # reported in scan order, not the master's order


@pytest.mark.parametrize("quality", [20, 50, 90])
def test_reported_quality_follows_the_requested_one(quality: int) -> None:
    masters = master_fingers(21)
    reported = [capture(m, s, quality=quality).quality for s in range(6) for m in masters]
    assert abs(np.mean(reported) - quality) < 4


def test_poor_captures_lose_more_and_invent_more() -> None:
    masters = [m for s in range(10) for m in master_fingers(s)]
    good = [capture(m, 1, quality=95) for m in masters]
    poor = [capture(m, 1, quality=25) for m in masters]
    assert np.mean([len(c) for c in poor]) < np.mean([len(c) for c in good])
    assert np.mean([c.minutia_quality.mean() for c in poor]) < np.mean(
        [c.minutia_quality.mean() for c in good]
    )


def test_default_quality_is_field_like() -> None:
    masters = master_fingers(8)
    qualities = [capture(m, s).quality for s in range(30) for m in masters]
    assert 60 < np.mean(qualities) < 82
    assert min(qualities) < 50  # some bad presses
