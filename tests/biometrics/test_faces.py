"""Synthetic faces: exact regeneration from the seed, one person per seed, the same person
from one capture to the next."""

from __future__ import annotations

import datetime as dt
import io
from unittest import mock

import numpy as np
import pytest
from PIL import Image

from aes_id.biometrics import desk
from aes_id.biometrics.desk import QR_PORTRAIT_SIZE, compact_photo, portrait, qr_face
from aes_id.biometrics.face_traits import Beard, Hair, face_traits, skin_tone
from aes_id.biometrics.faces import DEFAULT_SIZE, capture_pose, synthetic_face
from aes_id.domain import Identity, Nin, PartialDate, Sex
from aes_id.formats.face import face_thumbnail


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


def _identity(sex: Sex = Sex.F) -> Identity:
    return Identity(
        nin=Nin("274913058627"),
        family_name="Keïta",
        given_names="Aïssata",
        date_of_birth=PartialDate(1987, 11, 0),
        sex=sex,
        nationality="MLI",
        place_of_birth="Ségou",
    )


ON = dt.date(2026, 3, 14)


def _grey(thumbnail: bytes, size: tuple[int, int] = (32, 40)) -> np.ndarray:
    with Image.open(io.BytesIO(thumbnail)) as image:
        return np.asarray(image.convert("L").resize(size, Image.Resampling.BOX), dtype=float)


def test_qr_face_is_the_same_bytes_every_time() -> None:
    first = qr_face(4242, None, _identity(), ON, max_bytes=260)
    assert qr_face(4242, None, _identity(), ON, max_bytes=260) == first
    assert qr_face(4243, None, _identity(), ON, max_bytes=260) != first
    assert first[:4] == b"RIFF" and first[8:12] == b"WEBP" and len(first) <= 260


def test_qr_face_is_painted_small() -> None:
    """The synthetic face is painted at the QR's size, not at the card's, and shrunk."""
    calls: list[tuple[int, int]] = []

    def spy(*args: object, size: tuple[int, int] = DEFAULT_SIZE, **kwargs: object) -> Image.Image:
        calls.append(size)
        return synthetic_face(*args, size=size, **kwargs)  # type: ignore[arg-type]

    with mock.patch.object(desk, "synthetic_face", spy):
        qr_face(77, None, _identity(), ON, max_bytes=260)
    assert calls == [QR_PORTRAIT_SIZE]


def test_qr_face_painted_small_is_the_same_person() -> None:
    """Nearer the thumbnail made from the card's portrait than any other person's."""
    people = range(10)
    small = [_grey(qr_face(p, None, _identity(), ON, max_bytes=260)) for p in people]
    full = [
        _grey(face_thumbnail(portrait(p, None, _identity(), ON), max_bytes=260)) for p in people
    ]
    distances = np.array([[np.abs(a - b).mean() for b in full] for a in small])
    assert (np.argmin(distances, axis=1) == np.arange(len(people))).all()


def test_qr_face_of_a_photo_comes_from_the_photo() -> None:
    photo = synthetic_face(5, size=(360, 450))
    stored = compact_photo(photo)
    expected = face_thumbnail(portrait(None, stored, _identity(), ON), max_bytes=250)
    assert qr_face(5, stored, _identity(), ON, max_bytes=250) == expected
    assert qr_face(5, None, _identity(), ON, max_bytes=250) != expected
