"""The auditor's fast paths agree with the reference decoders, on any input (property tests)."""

from __future__ import annotations

import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aes_id.audit.cardcheck import _qr_payloads
from aes_id.audit.leaf import LeafFormatError, LeafKind, LogEntry
from aes_id.audit.leafscan import KEY_ORDER, LeafRecord, decode_leaf
from aes_id.domain import Kid
from aes_id.formats import base45

entries = st.builds(
    LogEntry,
    seq=st.integers(0, 2**64),
    t=st.integers(-(2**40), 2**40),
    kind=st.sampled_from(list(LeafKind)),
    kid=st.binary(min_size=0, max_size=12).map(Kid),
    h=st.binary(min_size=0, max_size=40),
    ref=st.text(max_size=20),
    by=st.text(max_size=20),
)


def _record(entry: LogEntry) -> LeafRecord:
    return LeafRecord(entry.seq, entry.t, entry.kind.value, entry.kid, entry.h, entry.ref, entry.by)


def _reference(data: bytes) -> LeafRecord | None:
    try:
        return _record(LogEntry.decode(data))
    except LeafFormatError:
        return None


def _fast(data: bytes) -> LeafRecord | None:
    try:
        return decode_leaf(data)
    except LeafFormatError:
        return None


@given(entries)
def test_decode_leaf_reads_every_entry_as_logentry_does(entry: LogEntry) -> None:
    assert decode_leaf(entry.encode()) == _record(entry)


@given(entries, st.integers(0, 200), st.integers(0, 255))
def test_decode_leaf_accepts_and_refuses_exactly_what_logentry_does(
    entry: LogEntry, at: int, byte: int
) -> None:
    data = bytearray(entry.encode())
    data[at % len(data)] = byte
    assert _fast(bytes(data)) == _reference(bytes(data))


def test_the_key_order_is_the_deterministic_one() -> None:
    entry = LogEntry(0, 1, LeafKind.KEY, Kid(bytes(8)), bytes(32), "r", "b")
    assert list(__import__("cbor2").loads(entry.encode())) == list(KEY_ORDER)


def test_a_non_deterministic_leaf_is_refused_with_logentrys_message() -> None:
    import cbor2

    entry = LogEntry(3, 1, LeafKind.CARD, Kid(bytes(8)), bytes(32), "ML0000001", "o")
    shuffled = cbor2.dumps(dict(reversed(list(cbor2.loads(entry.encode()).items()))))
    with pytest.raises(LeafFormatError, match="deterministic"):
        decode_leaf(shuffled)


@settings(max_examples=60)
@given(st.lists(st.binary(max_size=60), max_size=8), st.data())
def test_qr_texts_decoded_together_read_as_each_alone(
    blobs: list[bytes], data: st.DataObject
) -> None:
    texts = [base45.encode(zlib.compress(blob)) for blob in blobs]
    if texts and data.draw(st.booleans()):  # spoil one text
        i = data.draw(st.integers(0, len(texts) - 1))
        spoil = data.draw(st.sampled_from(["a", "~", "Z", "ZZ", "", "GGW"]))
        texts[i] = texts[i][:-1] + spoil
    together = _qr_payloads(texts)
    alone = [_qr_payloads([text])[0] for text in texts]
    assert together == alone
    for blob, text, got in zip(blobs, texts, together, strict=True):
        if text == base45.encode(zlib.compress(blob)):
            assert got == blob
