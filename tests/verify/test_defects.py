"""A defect is not a verdict: the verifier lets a bug out in tests, and says so in service.

Untrusted input that is not a credential is MALFORMED with the reader's reason.
Any other exception is a defect of the code: strict (every test, see
``tests/conftest.py``) it propagates, so that the property tests that say
"never raises" fail on it; in service it is logged and reported as MALFORMED,
``internal error: <type>``, and the border station keeps working. Bugs are
planted in each layer of the reader (``tests/formats/defects.py``) and in the
checks to show both.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

import pytest

import tests.verify.test_verifier as properties
from aes_id.domain import Verdict
from aes_id.formats import base45
from aes_id.formats.credential import parse_qr_text
from aes_id.verify import verifier
from aes_id.verify.verifier import read_and_verify, verify_qr_text
from tests.formats.defects import BUGS, PLANTED, body, plant
from tests.verify.conftest import CHECK, PUBLISHED, World


def test_the_suite_runs_the_verifier_strict() -> None:
    assert verifier.STRICT is True


# -- bad input is a verdict, strict or not ----------------------------------------------------

BAD_INPUT = {
    "empty": ("", "QR text is empty"),
    "base45": ("hello world", "not Base45: character 'h' at position 0"),
    "zlib": ("0" * 30, "not a zlib stream (RFC 1950)"),
    "cose": (base45.encode(b"x\x9c\x03\x00\x00\x00\x00\x01"), "not a COSE_Sign1: not CBOR"),
}


@pytest.mark.parametrize("strict", [True, False])
@pytest.mark.parametrize("case", BAD_INPUT)
def test_bad_input_is_malformed_with_the_readers_reason(
    world: World, case: str, strict: bool
) -> None:
    text, reason = BAD_INPUT[case]
    result, parsed = read_and_verify(text, world.lists, now=CHECK, strict=strict)
    assert result.verdict is Verdict.MALFORMED and parsed is None
    assert len(result.reasons) == 1 and result.reasons[0].startswith(reason), result.reasons


def test_read_and_verify_returns_the_credential_it_read(world: World, valid_text: str) -> None:
    result, parsed = read_and_verify(valid_text, world.lists, now=CHECK)
    assert result.verdict is Verdict.VALID
    assert parsed is not None and parsed.claims == parse_qr_text(valid_text).claims
    assert result == verify_qr_text(valid_text, world.lists, now=CHECK)


# -- a defect of the reader -------------------------------------------------------------------


@pytest.mark.parametrize("layer", BUGS)
def test_a_reader_defect_raises_instead_of_being_malformed(
    monkeypatch: pytest.MonkeyPatch, world: World, valid_text: str, layer: str
) -> None:
    error = plant(monkeypatch, layer)
    with pytest.raises(error, match=PLANTED):
        verify_qr_text(valid_text, world.lists, now=CHECK)
    with pytest.raises(error, match=PLANTED):
        verify_qr_text(valid_text, world.lists, now=CHECK, strict=True)


@pytest.mark.parametrize("layer", BUGS)
def test_in_service_a_reader_defect_is_logged_and_reported(
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    world: World,
    valid_text: str,
    layer: str,
) -> None:
    error = plant(monkeypatch, layer)
    monkeypatch.setattr(verifier, "STRICT", False)  # a border post in service
    with caplog.at_level(logging.ERROR, logger=verifier.__name__):
        result, parsed = read_and_verify(valid_text, world.lists, now=CHECK)
    assert result.verdict is Verdict.MALFORMED and parsed is None
    assert result.reasons == (f"internal error: {error.__name__}",)
    assert result.identity is None and result.card_number is None
    (record,) = caplog.records
    assert record.getMessage() == "defect while reading a credential, reported as MALFORMED"
    assert record.exc_info is not None and record.exc_info[0] is error
    assert valid_text not in caplog.text  # personal data stays out of the log


# -- a defect of the checks -------------------------------------------------------------------


def _broken_check(*args: object) -> None:
    raise TypeError(f"{PLANTED} in the date check")


def test_a_defect_in_the_checks_raises(
    monkeypatch: pytest.MonkeyPatch, world: World, valid_text: str
) -> None:
    monkeypatch.setattr(verifier, "_check_dates", _broken_check)
    with pytest.raises(TypeError, match=PLANTED):
        verify_qr_text(valid_text, world.lists, now=CHECK)


def test_in_service_a_defect_in_the_checks_is_logged_and_reported(
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    world: World,
    valid_text: str,
) -> None:
    monkeypatch.setattr(verifier, "_check_dates", _broken_check)
    later = PUBLISHED + dt.timedelta(days=8)  # the list warnings are kept
    with caplog.at_level(logging.ERROR, logger=verifier.__name__):
        result, parsed = read_and_verify(valid_text, world.lists, now=later, strict=False)
    assert result.verdict is Verdict.MALFORMED and parsed is None
    assert result.reasons == ("internal error: TypeError",)
    assert any(w.startswith("trust list is 8 days old") for w in result.warnings)
    (record,) = caplog.records
    assert record.getMessage() == "defect while checking a credential, reported as MALFORMED"


# -- the property tests fail on a defect ------------------------------------------------------


def _same_cose_other_text(valid_text: str) -> list[tuple[int, str, str]]:
    """Edits giving another text that inflates to the same COSE_Sign1 (zlib's level hint)."""
    other = base45.encode(b"\x78\x9c" + base45.decode(valid_text)[2:])
    return [(at, other[at], "r") for at in range(3) if other[at] != valid_text[at]]


def _properties(world: World, valid_text: str) -> dict[str, Callable[[], None]]:
    """Each property test's body, on an input that reaches every layer of the reader."""
    edits = _same_cose_other_text(valid_text)
    cose = parse_qr_text(valid_text).cose_bytes
    return {
        "random text": lambda: body(properties.test_random_text_never_raises_and_never_verifies)(
            world, valid_text
        ),
        "mutated text": lambda: body(
            properties.test_mutated_genuine_texts_never_raise_and_never_verify
        )(world, valid_text, edits),
        "random bytes": lambda: body(
            properties.test_random_bytes_inside_a_valid_zlib_and_base45_never_verify
        )(world, cose),
        "mrz text": lambda: body(properties.test_any_mrz_text_never_raises)(
            world, valid_text, [], 0, 0
        ),
    }


PROPERTIES = ["random text", "mutated text", "random bytes", "mrz text"]


@pytest.mark.parametrize("layer", BUGS)
@pytest.mark.parametrize("prop", PROPERTIES)
def test_a_reader_defect_fails_the_property_test(
    monkeypatch: pytest.MonkeyPatch, world: World, valid_text: str, prop: str, layer: str
) -> None:
    run = _properties(world, valid_text)[prop]  # built before the bug is planted
    error = plant(monkeypatch, layer)
    with pytest.raises(error, match=PLANTED):
        run()


def test_an_mrz_reader_defect_fails_the_mrz_property_test(
    monkeypatch: pytest.MonkeyPatch, world: World, valid_text: str
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise IndexError(f"{PLANTED} in the MRZ reader")

    run = _properties(world, valid_text)["mrz text"]
    monkeypatch.setattr("aes_id.formats.mrz.parse_td1", broken)
    with pytest.raises(IndexError, match=PLANTED):
        run()


@pytest.mark.parametrize("prop", PROPERTIES)
def test_without_a_bug_the_same_inputs_pass(world: World, valid_text: str, prop: str) -> None:
    """Only the planted bug makes them fail, not the inputs chosen to reach it. A genuine card
    fed to "never verifies" fails on that assertion, never with an error of its own."""
    run = _properties(world, valid_text)[prop]
    if prop in ("random text", "random bytes"):
        with pytest.raises(AssertionError):
            run()
    else:
        run()
