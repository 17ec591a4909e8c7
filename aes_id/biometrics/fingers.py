"""Synthetic fingerprints: ten master minutiae sets per person, and noisy captures of them.

A master finger is what the skin holds: a pattern class, a ridge-flow field
and 30-60 minutiae placed in it. A capture is what one press on a 500 dpi
sensor yields: the finger lands shifted and rotated, the skin stretches, part
of it is off the sensor, some minutiae are lost, some appear from dirt and
creases, some change type, and the quality score says how bad it was.
docs/biometrics.md gives the model's figures and where they come from.

    >>> masters = master_fingers(42)
    >>> [m.position.name for m in masters][:2]
    ['RIGHT_THUMB', 'RIGHT_INDEX']
    >>> capture(masters[0], 1) == capture(masters[0], 1)
    True
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from aes_id.biometrics._stream import SeedStream, derive_key
from aes_id.biometrics.minutiae import (
    ANGLE_STEPS,
    FRAME_HEIGHT,
    FRAME_WIDTH,
    MAX_MINUTIAE,
    TEN_FINGERS,
    FingerPosition,
    MinutiaeSet,
    Pattern,
)
from aes_id.biometrics.ridges import draw_flow

Floats = NDArray[np.float64]

MIN_SPACING = 14.0
"""Minimum distance between two minutiae of a master, in pixels (about 1.5 ridge periods)."""

# Relative size of each finger's print area (thumb largest, little finger smallest).
_SIZE = {1: 1.12, 2: 1.0, 3: 1.02, 4: 0.96, 5: 0.84}


def _finger_size(position: FingerPosition) -> float:
    return _SIZE[(position.value - 1) % 5 + 1]


def master_fingers(seed: int | bytes) -> tuple[MinutiaeSet, ...]:
    """The ten master minutiae sets of the person ``seed``, in ISO finger order 1-10."""
    whorl_tendency = SeedStream("aes-id/finger-person/v1", seed).gauss()
    return tuple(master_finger(seed, position, whorl_tendency) for position in TEN_FINGERS)


def master_finger(
    seed: int | bytes, position: FingerPosition, whorl_tendency: float = 0.0
) -> MinutiaeSet:
    """One master finger; ``whorl_tendency`` (about N(0, 1)) is shared by a person's fingers."""
    draws = SeedStream("aes-id/finger/v1", seed, int(position))
    flow = draw_flow(draws, position, whorl_tendency)
    size = _finger_size(position)
    half_w, half_h = draws.one(112, 136) * size, draws.one(148, 172) * size
    centre = (FRAME_WIDTH / 2 + draws.gauss(0, 6), FRAME_HEIGHT / 2 + draws.gauss(0, 8))
    count = int(np.clip(round(draws.one(34, 58) * size), 30, 60))
    xy = _hard_core_points(draws, centre, (half_w, half_h), count)
    flip = draws.uniform(size=count) < 0.5
    psi = (
        flow.orientation(xy[:, 0], xy[:, 1]) + np.pi * flip + np.radians(draws.normal(0, 5, count))
    )
    kinds = np.where(draws.uniform(size=count) < 0.56, 1, 2)
    clarity = np.round(draws.uniform(70, 100, count))
    data = np.column_stack((np.round(xy), _angle_code(psi), kinds, clarity))
    return MinutiaeSet(position, flow.pattern, 100, data)


def _hard_core_points(
    draws: SeedStream, centre: tuple[float, float], axes: tuple[float, float], count: int
) -> Floats:
    """``count`` points in an ellipse, none closer than MIN_SPACING (Matérn type II thinning)."""
    kept = np.empty(0, dtype=np.complex128)
    while kept.size < count:
        n = 3 * count
        radius = np.sqrt(draws.uniform(size=n))
        phi = draws.uniform(0, 2 * np.pi, n)
        fresh = radius * (axes[0] * np.cos(phi) + 1j * axes[1] * np.sin(phi))
        pts = np.concatenate((kept, complex(*centre) + fresh))
        earlier = np.tri(pts.size, pts.size, -1, dtype=bool)
        kept = pts[~((np.abs(pts[:, None] - pts[None, :]) < MIN_SPACING) & earlier).any(axis=1)]
    return np.column_stack((kept[:count].real, kept[:count].imag))


def _angle_code(psi_image: Floats) -> NDArray[np.int64]:
    """ISO angle code from a direction measured in image axes (y down): ISO counts the other way."""
    turns = (-psi_image / (2 * np.pi)) % 1.0
    return np.round(turns * ANGLE_STEPS).astype(np.int64) % ANGLE_STEPS


def capture(
    master: MinutiaeSet,
    rng_or_seed: np.random.Generator | int | bytes,
    *,
    quality: float | None = None,
) -> MinutiaeSet:
    """One simulated press of ``master`` on a 500 dpi sensor.

    ``quality`` (0-100) sets how hard the capture was; ``None`` draws it from
    a field-like distribution (mean about 72). The returned set's ``quality``
    is that figure as an NFIQ-2-like score, with the extractor's usual error.
    """
    rng = _generator(rng_or_seed, master.position)
    q = float(np.clip(100 * rng.beta(6.0, 2.3) if quality is None else quality, 0, 100))
    severity = 1.0 - q / 100.0
    xy, theta, kind, mq = _contact(master, rng, severity)
    xy, theta = _distort(xy, theta, rng, severity)
    xy, theta, kind, mq = _add_spurious(xy, theta, kind, mq, rng, severity)
    kind = np.where(rng.uniform(size=kind.size) < 0.05 + 0.15 * severity, 3 - kind, kind)
    xy, theta = _place(xy, theta, rng)
    inside = (xy[:, 0] >= 0) & (xy[:, 0] <= FRAME_WIDTH - 1)
    inside &= (xy[:, 1] >= 0) & (xy[:, 1] <= FRAME_HEIGHT - 1)
    data = np.column_stack((np.round(xy), _iso_code(theta), kind, np.clip(np.round(mq), 0, 100)))
    data = data[inside]
    data = data[np.lexsort((data[:, 0], data[:, 1]))][:MAX_MINUTIAE]
    reported = int(np.clip(round(q + rng.normal(0, 3)), 0, 100))
    return MinutiaeSet(
        master.position, _read_pattern(master.pattern, rng, severity), reported, data
    )


def _generator(source: np.random.Generator | int | bytes, position: int) -> np.random.Generator:
    if isinstance(source, np.random.Generator):
        return source
    key = derive_key("aes-id/capture/v1", source, int(position))
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(key)))


def _iso_code(theta: Floats) -> NDArray[np.int64]:
    return np.round((theta % (2 * np.pi)) * ANGLE_STEPS / (2 * np.pi)).astype(np.int64) % 256


def _contact(
    master: MinutiaeSet, rng: np.random.Generator, severity: float
) -> tuple[Floats, Floats, NDArray[np.int64], Floats]:
    """Keep the minutiae under the part of the finger that touched the sensor, minus losses."""
    xy, theta = master.xy, master.theta
    centre = xy.mean(axis=0) + rng.normal(0, 14, 2)
    reach = 2.0 * xy.std(axis=0) * (rng.uniform(0.8, 1.0) - 0.15 * severity)
    radius = np.hypot(*((xy - centre) / reach).T)
    lost = 0.04 + 0.22 * severity + 0.25 * (radius > 0.85)
    keep = (radius <= 1.0) & (rng.uniform(size=radius.size) >= lost)
    clarity = master.minutia_quality[keep] * (1 - 0.5 * severity) - 20 * np.maximum(
        radius[keep] - 0.7, 0
    )
    mq = clarity + rng.normal(0, 8, int(keep.sum()))
    return xy[keep], theta[keep], master.kinds[keep].astype(np.int64), mq


def _distort(
    xy: Floats, theta: Floats, rng: np.random.Generator, severity: float
) -> tuple[Floats, Floats]:
    """Skin stretch (a smooth quadratic field) and the extractor's local jitter."""
    uv = (xy - (FRAME_WIDTH / 2, FRAME_HEIGHT / 2)) / 100.0
    basis = np.column_stack((uv[:, 0] ** 2, uv[:, 0] * uv[:, 1], uv[:, 1] ** 2))
    coeffs = rng.normal(0, 2.0 + 4.0 * severity, (3, 2))
    jitter = rng.normal(0, 1.2 + 2.0 * severity, xy.shape)
    turn = np.radians(rng.normal(0, 3.0 + 7.0 * severity, theta.size))
    return xy + basis @ coeffs + jitter, theta + turn


def _add_spurious(
    xy: Floats, theta: Floats, kind: NDArray[np.int64], mq: Floats,
    rng: np.random.Generator, severity: float,
) -> tuple[Floats, Floats, NDArray[np.int64], Floats]:  # fmt: skip
    """False minutiae from dirt, scars and creases, mostly aligned with the nearby ridge flow."""
    count = int(rng.poisson(max(len(xy), 8) * (0.03 + 0.3 * severity)))
    if count == 0 or len(xy) == 0:
        return xy, theta, kind, mq
    low, high = xy.min(axis=0), xy.max(axis=0)
    fake = rng.uniform(low, high, (count, 2))
    nearest = np.argmin(np.hypot(*(fake[:, None, :] - xy[None, :, :]).transpose(2, 0, 1)), axis=1)
    along = theta[nearest] + np.pi * (rng.uniform(size=count) < 0.5)
    along += np.radians(rng.normal(0, 15, count))
    fake_theta = np.where(rng.uniform(size=count) < 0.6, along, rng.uniform(0, 2 * np.pi, count))
    fake_kind = rng.integers(1, 3, count)
    fake_mq = rng.uniform(15, 60, count) * (1 - 0.3 * severity)
    return (
        np.concatenate((xy, fake)),
        np.concatenate((theta, fake_theta)),
        np.concatenate((kind, fake_kind)),
        np.concatenate((mq, fake_mq)),
    )


def _place(xy: Floats, theta: Floats, rng: np.random.Generator) -> tuple[Floats, Floats]:
    """Where the finger landed: a rotation about the frame centre and a shift."""
    phi = np.radians(float(np.clip(rng.normal(0, 8), -25, 25)))
    shift = rng.normal(0, 18, 2)
    centre = np.array((FRAME_WIDTH / 2, FRAME_HEIGHT / 2))
    rot = np.array(((np.cos(phi), -np.sin(phi)), (np.sin(phi), np.cos(phi))))
    # A turn by phi in image axes (y down) lowers ISO angles (counter-clockwise) by phi.
    return (xy - centre) @ rot.T + centre + shift, theta - phi


_CONFUSED = {
    Pattern.ARCH: (Pattern.LEFT_LOOP, Pattern.RIGHT_LOOP),
    Pattern.LEFT_LOOP: (Pattern.WHORL, Pattern.ARCH),
    Pattern.RIGHT_LOOP: (Pattern.WHORL, Pattern.ARCH),
    Pattern.WHORL: (Pattern.LEFT_LOOP, Pattern.RIGHT_LOOP),
    Pattern.UNKNOWN: (Pattern.UNKNOWN, Pattern.UNKNOWN),
}


def _read_pattern(true: Pattern, rng: np.random.Generator, severity: float) -> Pattern:
    """The class an automatic classifier reports: mostly right, unknown on bad captures."""
    roll = rng.uniform()
    if roll < max(0.0, severity - 0.7):
        return Pattern.UNKNOWN
    if roll < max(0.0, severity - 0.7) + 0.02 + 0.08 * severity:
        return _CONFUSED[true][int(rng.integers(0, 2))]
    return true
