"""The 1:N index: a repeat enrolment is found among hundreds, a new person is not flagged."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aes_id.biometrics.fingers import capture, master_finger
from aes_id.biometrics.index import DEDUP_THRESHOLD, DedupIndex, IndexArrays, pack, unpack
from aes_id.biometrics.match import Prepared
from aes_id.biometrics.minutiae import FingerPosition, MinutiaeSet
from aes_id.biometrics.signature import person_signature
from aes_id.biometrics.snapshot import SnapshotError
from aes_id.errors import InputError

# Thumbs and index fingers keep the test fast; the index works the same on ten.
POSITIONS = (
    FingerPosition.RIGHT_THUMB,
    FingerPosition.RIGHT_INDEX,
    FingerPosition.LEFT_THUMB,
    FingerPosition.LEFT_INDEX,
)
ENROLLED = 300


def fingers(person: int, session: int) -> list[MinutiaeSet]:
    return [capture(master_finger(person, p), person * 31 + session) for p in POSITIONS]


@pytest.fixture(scope="module")
def index() -> DedupIndex:
    built = DedupIndex(POSITIONS)
    for person in range(ENROLLED):
        built.add(f"NIN{person:04d}", fingers(person, 1))
    return built


@pytest.mark.parametrize("person", [0, 57, 123, 299])
def test_a_repeat_enrolment_is_found(index: DedupIndex, person: int) -> None:
    found = index.search(fingers(person, 2))
    assert [c.person_id for c in found] == [f"NIN{person:04d}"]
    assert found[0].score >= DEDUP_THRESHOLD and found[0].fingers == 4


@pytest.mark.parametrize("person", [1000, 2001, 3002])
def test_a_new_person_is_not_flagged(index: DedupIndex, person: int) -> None:
    assert index.search(fingers(person, 2)) == []
    scored = index.search(fingers(person, 2), threshold=None)
    assert all(c.score < DEDUP_THRESHOLD for c in scored)
    assert [c.score for c in scored] == sorted((c.score for c in scored), reverse=True)


def test_two_fingers_are_enough(index: DedupIndex) -> None:
    found = index.search(fingers(42, 3)[1::2])  # right and left index only
    assert found and found[0].person_id == "NIN0042" and found[0].fingers == 2


def test_shortlist_ranks_the_mate_first(index: DedupIndex) -> None:
    assert index.shortlist(fingers(77, 4), top_k=5)[0][0] == "NIN0077"
    agreements = index.agreements(fingers(77, 4))
    assert agreements.shape == (ENROLLED,) and int(np.argmax(agreements)) == 77


def test_an_empty_index_finds_nobody() -> None:
    empty = DedupIndex(POSITIONS)
    assert len(empty) == 0 and empty.search(fingers(1, 1)) == []
    assert len(DedupIndex.from_arrays(empty.arrays())) == 0
    assert DedupIndex.from_bytes(empty.to_bytes()).search(fingers(1, 1)) == []


def test_a_wrong_signature_is_refused() -> None:
    with pytest.raises(ValueError, match="signature must be 192 bytes"):
        DedupIndex(POSITIONS).add_with_signature("X", [], np.zeros(10, np.uint8))


def test_packing_keeps_what_the_matcher_reads() -> None:
    view = fingers(5, 1)[0]
    back, direct = unpack(pack(view)), Prepared.of(view)
    assert np.allclose(back.z, direct.z) and np.allclose(back.u, direct.u)


def test_snapshot_round_trip(index: DedupIndex) -> None:
    data = index.to_bytes()
    loaded = DedupIndex.from_bytes(data)
    assert len(loaded) == ENROLLED and loaded.positions == POSITIONS
    probe = fingers(210, 2)
    assert loaded.search(probe) == index.search(probe)
    loaded.add("NEW", fingers(5000, 1))  # a loaded index keeps growing
    assert loaded.search(fingers(5000, 2))[0].person_id == "NEW"
    assert len(index) == ENROLLED
    again = DedupIndex.from_arrays(index.arrays())
    assert again.to_bytes() == data


def test_corrupt_snapshots_are_refused(index: DedupIndex) -> None:
    data = index.to_bytes()
    flipped = data[:100] + bytes([data[100] ^ 0xFF]) + data[101:]
    for bad in (b"", b"AIX", b"XYZ" + data[3:], data[:-1], flipped):
        with pytest.raises(SnapshotError):
            DedupIndex.from_bytes(bad)
    assert issubclass(SnapshotError, InputError)


@given(st.binary(max_size=200))
@settings(max_examples=200, deadline=None)
def test_garbage_snapshots_never_crash(data: bytes) -> None:
    with pytest.raises(SnapshotError):
        DedupIndex.from_bytes(b"AIX" + data)


def _sealed(body: bytes) -> bytes:
    import zlib

    return body + zlib.crc32(body).to_bytes(4, "big")


def test_well_sealed_nonsense_snapshots_are_refused() -> None:
    small = DedupIndex(POSITIONS)
    small.add("é", fingers(1, 1))
    body = small.to_bytes()[:-4]
    header = 3 + 1 + 1 + 2 + 4 + 8  # then 4 positions, one id length, the id "é" (2 bytes)
    for bad in (
        body[:3] + b"\x02" + body[4:],  # version 2
        body[:5] + b"\x00\x10" + body[7:],  # 16 hashes per finger
        body[:header] + b"\x0c" + body[header + 1 :],  # finger position 12
        body[:-1],  # one minutia byte short
        body + b"\x00",  # a stray byte
        body[: header + 4] + b"\x00\x03" + body[header + 6 :],  # id length 3: sections shift
        body[: header + 6] + b"\xff\xfe" + body[header + 8 :],  # id not UTF-8 (length 2)
    ):
        with pytest.raises(SnapshotError):
            DedupIndex.from_bytes(_sealed(bad))
    assert DedupIndex.from_bytes(_sealed(body)).search(fingers(1, 2))[0].person_id == "é"


def test_arrays_built_from_stored_rows_search_like_added_people(index: DedupIndex) -> None:
    """What a registry does: keep each person's signature and packed minutiae, load in bulk."""
    people = [fingers(p, 1) for p in range(40)]
    packed = [[pack(v) for v in views] for views in people]
    arrays = IndexArrays(
        POSITIONS,
        tuple(f"NIN{p:04d}" for p in range(40)),
        np.stack([person_signature(views, POSITIONS) for views in people]),
        np.array([[part.size for part in parts] for parts in packed], np.uint8),
        np.concatenate([part for parts in packed for part in parts]),
    )
    loaded = DedupIndex.from_arrays(arrays)
    probe = fingers(12, 2)
    assert loaded.search(probe)[0].person_id == "NIN0012"
    assert np.array_equal(loaded.arrays().signatures, arrays.signatures)
    with pytest.raises(ValueError, match="disagree"):
        DedupIndex.from_arrays(
            IndexArrays(POSITIONS, ("x",), arrays.signatures, arrays.counts, arrays.minutiae)
        )
