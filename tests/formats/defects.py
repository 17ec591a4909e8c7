"""Bugs to plant in the credential reader, to prove that a defect fails a test.

Each entry replaces one function of the reader, at a different layer, with one
that raises an exception no input could legitimately cause there. The tests
that use them (``test_parser_defects.py`` here, ``tests/verify/test_defects.py``)
check that the property tests and the verifier let it out instead of turning it
into a MALFORMED answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NoReturn

import pytest

from aes_id.errors import UsageError

BUGS: dict[str, tuple[str, type[Exception]]] = {
    "base45": ("aes_id.formats.base45.decode", IndexError),
    "zlib": ("aes_id.formats.credential._inflate", TypeError),
    "cose": ("aes_id.formats.credential.decode1", KeyError),
    "claims map": ("aes_id.formats.claims._load_map", AttributeError),
    "card number": ("aes_id.formats.claims._card_number", ValueError),
    "identity": ("aes_id.formats.claims._identity", UsageError),  # ours, yet not "bad input"
    "sex": ("aes_id.formats.claims._sex", ZeroDivisionError),
}
"""Layer -> (the function replaced, the exception the bug raises)."""


PLANTED = "planted bug"
"""The planted exceptions' message: ``pytest.raises(error, match=PLANTED)`` tells them from
an error of the code under test, or from a failed assertion."""


def plant(monkeypatch: pytest.MonkeyPatch, layer: str) -> type[Exception]:
    """Replace the function of ``layer`` with one that raises; return the exception type."""
    target, error = BUGS[layer]

    def bug(*args: object, **kwargs: object) -> NoReturn:
        raise error(f"{PLANTED} in {target}")

    monkeypatch.setattr(target, bug)
    return error


def body(test: Any) -> Callable[..., None]:
    """The function under a property test's ``@given``: its body, to call with one input."""
    inner: Callable[..., None] = test.hypothesis.inner_test
    return inner
