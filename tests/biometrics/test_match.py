"""The matcher: the same finger scores high under the capture noise, another finger low."""

from __future__ import annotations

import math

import numpy as np
import pytest

from aes_id.biometrics.fingers import capture, master_fingers
from aes_id.biometrics.match import (
    DEFAULT_THRESHOLD,
    FUSED_THRESHOLD,
    fused_score,
    match_prepared,
    match_score,
    prepare,
)
from aes_id.biometrics.minutiae import FingerPosition, MinutiaeSet
from aes_id.biometrics.template import decode_compact, encode_compact

PEOPLE = range(12)


@pytest.fixture(scope="module")
def pairs() -> list[tuple[MinutiaeSet, MinutiaeSet]]:
    """Two captures (enrolment, later) of each person's right index finger."""
    fingers = [master_fingers(p)[1] for p in PEOPLE]
    return [(capture(f, 1, quality=75), capture(f, 2, quality=75)) for f in fingers]


def test_identical_sets_score_one(pairs: list[tuple[MinutiaeSet, MinutiaeSet]]) -> None:
    first = pairs[0][0]
    assert match_score(first, first) == pytest.approx(1.0)


def test_genuine_above_and_impostor_below_threshold(
    pairs: list[tuple[MinutiaeSet, MinutiaeSet]],
) -> None:
    genuine = [match_score(a, b) for a, b in pairs]
    impostor = [match_score(pairs[i][0], pairs[j][1]) for i in PEOPLE for j in PEOPLE if i != j]
    assert min(genuine) > DEFAULT_THRESHOLD
    assert max(impostor) < DEFAULT_THRESHOLD
    assert np.median(genuine) > 3 * np.median(impostor)


def _moved(view: MinutiaeSet, degrees: float, dx: int, dy: int) -> MinutiaeSet:
    """The same minutiae turned about the frame centre and shifted, still inside the frame."""
    turn = np.exp(1j * math.radians(degrees))
    z = (view.xy[:, 0] - 200 + 1j * (view.xy[:, 1] - 250)) * turn + complex(200 + dx, 250 + dy)
    turned = np.column_stack((z.real, z.imag))
    data = view.data.astype(np.int64).copy()
    data[:, :2] = np.round(turned)
    data[:, 2] = (data[:, 2] - round(degrees * 256 / 360)) % 256  # y down: ISO angles turn back
    inside = (data[:, 0] >= 0) & (data[:, 0] < 400) & (data[:, 1] >= 0) & (data[:, 1] < 500)
    return view.replace(data=data[inside])


@pytest.mark.parametrize(("degrees", "dx", "dy"), [(0, 30, -20), (20, 0, 0), (-35, -25, 15)])
def test_rotation_and_shift_do_not_matter(
    pairs: list[tuple[MinutiaeSet, MinutiaeSet]], degrees: float, dx: int, dy: int
) -> None:
    a, b = pairs[3]
    base = match_score(a, b)
    assert match_score(_moved(a, degrees, dx, dy), b) == pytest.approx(base, abs=0.12)


def test_too_few_minutiae_score_zero(pairs: list[tuple[MinutiaeSet, MinutiaeSet]]) -> None:
    a, b = pairs[0]
    assert match_score(a.replace(data=a.data[:2]), b) == 0.0
    assert match_score(a.replace(data=np.zeros((0, 5))), b) == 0.0


def test_prepared_and_plain_agree(pairs: list[tuple[MinutiaeSet, MinutiaeSet]]) -> None:
    a, b = pairs[5]
    assert match_prepared(prepare(a), prepare(b)) == match_score(a, b)


def test_two_finger_fusion_and_compact_cards() -> None:
    masters = master_fingers(31)
    enrolled = [capture(masters[i], 1) for i in (1, 6)]
    card = [decode_compact(encode_compact(view)) for view in enrolled]
    live = [capture(m, 9) for m in masters]
    stranger = [capture(m, 9) for m in master_fingers(32)]
    assert fused_score(card, live) > FUSED_THRESHOLD
    assert fused_score(card, stranger) < FUSED_THRESHOLD
    with pytest.raises(ValueError, match="share no finger"):
        fused_score(card, [v for v in live if v.position not in (2, 7)])


def test_fusion_pairs_fingers_by_position() -> None:
    masters = master_fingers(40)
    a = [capture(masters[0], 1), capture(masters[5], 1)]
    b = [capture(masters[5], 2), capture(masters[0], 2)]  # other order
    assert fused_score(a, b) == pytest.approx(
        (match_score(a[0], b[1]) + match_score(a[1], b[0])) / 2
    )
    unknown = [v.replace(position=FingerPosition.UNKNOWN) for v in a]
    assert fused_score(unknown, [b[1], b[0]]) == pytest.approx(fused_score(a, b))
