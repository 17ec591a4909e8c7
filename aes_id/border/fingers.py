"""The 1:1 fingerprint check at the border: a live capture against the QR's templates.

A post with a reader captures the bearer's fingers and matches them, offline,
against the compact templates in the card's QR (Claim 169 keys 50-59,
sub-format :data:`~aes_id.biometrics.template.COMPACT_SUBFORMAT`). This module
gives the default :class:`~aes_id.border.check.FingerprintMatcher` on the
project's matcher; a card without templates cannot be checked this way, so the
look-alike impostor with a genuine card is only stopped once cards carry them.
"""

from __future__ import annotations

from collections.abc import Sequence

from aes_id.biometrics.match import FUSED_THRESHOLD, fused_score
from aes_id.biometrics.template import (
    COMPACT_SUBFORMAT,
    TemplateError,
    decode_compact,
    decode_fingers,
)
from aes_id.border.check import FingerprintMatcher
from aes_id.formats.claims import FingerTemplate

COMPACT_THRESHOLD = FUSED_THRESHOLD
"""Mean score over the card's two compact fingers against a live capture: the two-finger
threshold calibrated on the synthetic benchmark (docs/biometrics.md, "Accuracy and
thresholds"), which covers the QR's compact templates."""


class CompactTemplateMatcher:
    """Match live captures against the QR's compact templates, finger by finger position;
    the mean score over the shared fingers must reach ``threshold``."""

    def __init__(self, threshold: float = COMPACT_THRESHOLD) -> None:
        self.threshold = threshold

    def __call__(self, templates: Sequence[FingerTemplate], live: bytes) -> bool:
        card = [decode_compact(t.template) for t in templates if t.sub_format == COMPACT_SUBFORMAT]
        if not card:
            raise TemplateError(
                f"the card has no template in sub-format {COMPACT_SUBFORMAT} "
                f"(found {sorted({t.sub_format for t in templates})})"
            )
        try:
            score = fused_score(card, decode_fingers(live))
        except ValueError as exc:
            raise TemplateError(f"cannot compare the live capture: {exc}") from None
        return score >= self.threshold


def default_matcher() -> FingerprintMatcher:
    """The matcher a post with a fingerprint reader uses."""
    return CompactTemplateMatcher()
