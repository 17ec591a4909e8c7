"""QR encoding limits and the vector runs the card draws."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from aes_id.render.qr import QrError, encode, modules_ops, row_runs
from tests.render.samples import base45_text


@given(arrays(np.bool_, st.tuples(st.integers(1, 30), st.integers(1, 30))))
@settings(max_examples=200, deadline=None)
def test_row_runs_cover_exactly_the_dark_modules(modules: np.ndarray) -> None:
    rebuilt = np.zeros_like(modules)
    for row, col, length in row_runs(modules):
        assert length >= 1
        assert not rebuilt[row, col : col + length].any()  # runs never overlap
        rebuilt[row, col : col + length] = True
    assert (rebuilt == modules).all()
    for row, col, length in row_runs(modules):  # and they are maximal
        assert col == 0 or not modules[row, col - 1]
        assert col + length == modules.shape[1] or not modules[row, col + length]


@pytest.mark.parametrize(("length", "version"), [(20, 1), (477, 13), (900, 19), (970, 20)])
def test_smallest_version_at_level_m(length: int, version: int) -> None:
    symbol = encode(base45_text(length, seed=length), ec_level="M", max_version=20)
    assert symbol.version == version
    assert symbol.size == 17 + 4 * version
    assert symbol.modules.dtype == np.bool_


def test_above_version_20_is_refused_with_the_version_it_needs() -> None:
    with pytest.raises(QrError, match=r"971 characters \(alphanumeric mode\) needs version 21"):
        encode(base45_text(971, seed=1), max_version=20)


def test_empty_text_is_refused() -> None:
    with pytest.raises(QrError, match="empty"):
        encode("")


def test_modules_ops_fill_one_path_of_unit_rectangles() -> None:
    symbol = encode("AES TEST 123", max_version=20)
    ops = modules_ops(symbol).splitlines()
    assert ops[-1] == "f"
    assert len(ops) - 1 == len(row_runs(symbol.modules))
    col, row, length, height, op = ops[0].split()
    assert (col, row, height, op) == ("0", "0", "1", "re")  # the finder pattern's corner
    assert int(length) == 7
