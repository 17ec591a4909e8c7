"""The reader's property tests fail on a defect: a bug is planted, and each must raise it.

A property test that says "any input is refused cleanly" only means something if
a parser bug (an IndexError, a TypeError...) fails it instead of counting as a
refusal. Each property test of ``test_credential.py`` is run here on one input
that reaches the planted bug, through the test's own body (``inner_test``: the
function under ``@given``, called with that input), and must let the bug out.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

import tests.formats.test_credential as properties
from aes_id.formats import base45
from aes_id.formats.credential import MalformedCredential, parse_qr_text
from tests.formats.defects import BUGS, PLANTED, body, plant

VALID_TEXT, VALID_COSE = properties.VALID_TEXT, properties.VALID_COSE


def _base45_mutation() -> tuple[int, str]:
    """A one-character change of the valid text that is still Base45 (so it is inflated)."""
    for position, old in enumerate(VALID_TEXT):
        for char in base45.ALPHABET:
            if char != old:
                try:
                    base45.decode(VALID_TEXT[:position] + char + VALID_TEXT[position + 1 :])
                except base45.Base45Error:
                    continue
                return position, char
    raise AssertionError("no Base45 mutation")


MUTATION = _base45_mutation()

EVERY_LAYER: dict[str, Callable[[], None]] = {
    "random text": lambda: body(properties.test_random_text_is_malformed)(VALID_TEXT),
    "random deflated bytes": lambda: body(properties.test_random_deflated_bytes_are_malformed)(
        VALID_COSE
    ),
    "random claims": lambda: body(properties.test_random_claims_are_malformed)(
        properties.sample_cwt()
    ),
    "random claim values": lambda: body(
        properties.test_random_claim_values_are_refused_by_claim_or_re_encodable
    )({}, {}),
    "cose byte": lambda: body(
        properties.test_single_byte_mutations_of_the_cose_are_malformed_or_fail_the_signature
    )(len(VALID_COSE) - 1, 1),
}
"""Each property test, on an input that reaches every layer of the reader."""


@pytest.mark.parametrize("layer", BUGS)
@pytest.mark.parametrize("prop", EVERY_LAYER)
def test_a_parser_defect_fails_the_property_test(
    monkeypatch: pytest.MonkeyPatch, prop: str, layer: str
) -> None:
    error = plant(monkeypatch, layer)
    with pytest.raises(error, match=PLANTED):
        EVERY_LAYER[prop]()


@pytest.mark.parametrize("layer", ["base45", "zlib"])
def test_a_parser_defect_fails_the_character_mutation_test(
    monkeypatch: pytest.MonkeyPatch, layer: str
) -> None:
    """No one-character change of the text reaches the COSE layer: the first two layers."""
    error = plant(monkeypatch, layer)
    test = properties.test_single_character_mutations_are_malformed_or_change_no_cose_byte
    with pytest.raises(error, match=PLANTED):
        body(test)(*MUTATION)


@pytest.mark.parametrize("prop", EVERY_LAYER)
def test_without_a_bug_the_same_inputs_pass(prop: str) -> None:
    """The inputs above are answered cleanly: the planted bug alone makes the tests fail.

    Three of them are genuine credentials fed to "is malformed" tests: those fail on their
    assertion (and only on it), which a defect must not be mistaken for either.
    """
    if prop in ("random text", "random deflated bytes", "random claims"):
        with pytest.raises(AssertionError, match="accepted"):
            EVERY_LAYER[prop]()
    else:
        EVERY_LAYER[prop]()


def test_the_reader_raises_only_malformed_credential_for_bad_input() -> None:
    """The boundary: one bad input per layer, each refused as MalformedCredential."""
    for text in ["", "hello", "AAAA", base45.encode(b"x" * 10), VALID_TEXT[:-3]]:
        with pytest.raises(MalformedCredential):
            parse_qr_text(text)
