"""Synthetic faces: exact regeneration from the seed, one person per seed, the same person
from one capture to the next."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from aes_id.biometrics.face_traits import Beard, Hair, face_traits, skin_tone
from aes_id.biometrics.faces import capture_pose, synthetic_face
from aes_id.domain import Sex


def _pixels(image: Image.Image, size: tuple[int, int] = (24, 30)) -> np.ndarray:
    return np.asarray(image.resize(size, Image.Resampling.BOX), dtype=np.float64)


def test_same_seed_same_pixels() -> None:
    first = synthetic_face(4242, sex="F", age=31, capture=2)
    again = synthetic_face(4242, sex=Sex.F, age=31, capture=2)
    assert first.mode == "RGB" and first.size == (240, 300)
    assert first.tobytes() == again.tobytes()


def test_bytes_seed_and_int_seed_are_distinct_people() -> None:
    assert synthetic_face(7).tobytes() != synthetic_face(b"\x07").tobytes()
    assert synthetic_face(b"resident-7").tobytes() == synthetic_face(b"resident-7").tobytes()


def test_different_seeds_give_different_faces() -> None:
    faces = {synthetic_face(seed).tobytes() for seed in range(12)}
    assert len(faces) == 12


def test_captures_differ_but_stay_closer_than_other_people() -> None:
    people = range(16)
    enrolled = [_pixels(synthetic_face(p)) for p in people]
    later = [_pixels(synthetic_face(p, capture=3)) for p in people]
    assert all(not np.array_equal(a, b) for a, b in zip(enrolled, later, strict=True))
    distances = np.array([[np.abs(a - b).mean() for b in enrolled] for a in later])
    own = np.diag(distances)
    others = distances + np.diag(np.full(len(people), np.inf))
    # Each later capture is nearer its own enrolment photo than almost every other person.
    assert (own[:, None] < others).mean() > 0.97
    assert (np.argmin(distances, axis=1) == np.arange(len(people))).mean() >= 0.8


def test_capture_zero_is_the_neutral_pose() -> None:
    neutral = capture_pose(99, 0)
    assert neutral.tilt == 0.0 and neutral.smile == 0.0 and neutral.brightness == 1.0
    assert capture_pose(99, 1) != neutral
    assert capture_pose(99, 1) == capture_pose(99, 1)


def test_size_is_respected() -> None:
    assert synthetic_face(3, size=(120, 150)).size == (120, 150)
    small, big = _pixels(synthetic_face(3, size=(120, 150))), _pixels(synthetic_face(3))
    assert np.abs(small - big).mean() < 8  # the same portrait at another size


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"capture": -1}, "capture"), ({"size": (10, 10)}, "size"), ({"age": 200}, "age")],
)
def test_bad_arguments_are_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        synthetic_face(1, **kwargs)  # type: ignore[arg-type]


def test_sex_and_age_shape_the_traits() -> None:
    women = [face_traits(s, sex="F", age=40) for s in range(200)]
    men = [face_traits(s, sex="M", age=40) for s in range(200)]
    children = [face_traits(s, age=8) for s in range(200)]
    elders = [face_traits(s, age=75) for s in range(200)]
    assert all(t.beard is Beard.NONE for t in women + children)
    assert sum(t.beard is not Beard.NONE for t in men) > 40
    assert sum(t.hair is Hair.HEADWRAP for t in women) > 80
    assert not any(t.hair is Hair.HEADWRAP for t in men)
    assert not any(t.hair in (Hair.KUFI, Hair.TURBAN) for t in women)
    assert sum(t.glasses for t in elders) > sum(t.glasses for t in children) + 30
    grey = np.mean([sum(t.hair_colour) for t in elders])
    assert grey > np.mean([sum(t.hair_colour) for t in children]) + 100
    assert face_traits(5).sex in (Sex.F, Sex.M)


def test_skin_tones_stay_in_the_documented_range() -> None:
    assert skin_tone(0.0) == (58, 37, 28)
    assert skin_tone(1.0)[0] > skin_tone(0.5)[0] > skin_tone(0.0)[0]
    tones = [face_traits(s).skin for s in range(300)]
    assert all(40 <= r <= 200 and r > g > b for r, g, b in tones)
