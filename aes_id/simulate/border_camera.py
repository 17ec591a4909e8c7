"""The whole image path for a sample of crossings: print the card, photograph it, scan it.

The card is rendered from the credential it carries, exactly as the card
printer would (:func:`aes_id.render.preview.render_card_png`: the PDF,
rasterised), with the photo actually printed on it, which for a photo
substitution is not the holder's. The back is then photographed as an agent's
phone would: the card lying on a desk at some angle and distance, a little
out of focus, unevenly lit, saved as JPEG; and the phone's image is scanned
(:func:`aes_id.verify.scan.scan_image`). The camera's ranges are assumptions (❓)
chosen to span a careful and a hurried agent.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import random
import time
from collections import OrderedDict
from dataclasses import dataclass

from PIL import Image, ImageEnhance, ImageFilter

from aes_id.biometrics.desk import portrait
from aes_id.domain import Card, Identity, Kid
from aes_id.formats.credential import parse_qr_text
from aes_id.formats.mrz import MrzData, compose_td1
from aes_id.render.card import PrintableCard
from aes_id.render.preview import render_card_png
from aes_id.verify.scan import ScanError, scan_image


@dataclass(frozen=True)
class CameraSettings:
    """How the agent's phone sees the card (❓ ranges, drawn uniformly per photo)."""

    dpi: int = 300
    max_rotation: float = 12.0
    scale: tuple[float, float] = (0.55, 1.0)
    blur: tuple[float, float] = (0.0, 1.3)
    brightness: tuple[float, float] = (0.75, 1.15)
    jpeg_quality: tuple[int, int] = (55, 92)

    def describe(self) -> dict[str, object]:
        return dataclasses.asdict(self)


def printable_card(qr_text: str, photo: Image.Image) -> PrintableCard:
    """The card a holder carries: the credential's own data printed, with ``photo``."""
    parsed = parse_qr_text(qr_text)
    claims = parsed.claims
    card = Card(
        card_number=claims.card_number,
        issuing_state=claims.issuing_state,
        identity=claims.identity,
        issued_at=claims.issued_at,
        expires_on=claims.expires_on,
        kid=Kid(parsed.cose.kid or b"\0" * 8),
        qr_text=qr_text,
        face_thumbnail=claims.face,
    )
    mrz = compose_td1(
        MrzData.for_identity(
            claims.identity,
            issuing_state=claims.issuing_state,
            card_number=claims.card_number,
            expiry=claims.expires_on,
        )
    )
    return PrintableCard(card, photo, mrz)


def printed_photo(seed: int | None, identity: Identity, face: bytes, on: dt.date) -> Image.Image:
    """The portrait printed on a card: the person's synthetic face, else the QR's thumbnail."""
    if seed is not None:
        return portrait(seed, None, identity, on)
    with Image.open(io.BytesIO(face)) as thumbnail:
        return thumbnail.convert("RGB").resize((240, 300))


def phone_photo(card: Image.Image, rng: random.Random, camera: CameraSettings) -> Image.Image:
    """The card (an RGB image) photographed on a desk: turned, scaled, blurred, lit, JPEG."""
    scale = rng.uniform(*camera.scale)
    shot = card.resize((max(1, round(card.width * scale)), max(1, round(card.height * scale))))
    desk = (rng.randrange(40, 140), rng.randrange(40, 140), rng.randrange(40, 140))
    shot = shot.rotate(
        rng.uniform(-camera.max_rotation, camera.max_rotation),
        expand=True,
        resample=Image.Resampling.BICUBIC,
        fillcolor=desk,
    )
    margin = (
        round(shot.width * rng.uniform(0.05, 0.25)),
        round(shot.height * rng.uniform(0.05, 0.25)),
    )
    frame = Image.new("RGB", (shot.width + 2 * margin[0], shot.height + 2 * margin[1]), desk)
    frame.paste(shot, (rng.randrange(margin[0] + 1), rng.randrange(margin[1] + 1)))
    frame = frame.filter(ImageFilter.GaussianBlur(rng.uniform(*camera.blur)))
    frame = ImageEnhance.Brightness(frame).enhance(rng.uniform(*camera.brightness))
    out = io.BytesIO()
    frame.save(out, "JPEG", quality=rng.randint(*camera.jpeg_quality))
    out.seek(0)
    with Image.open(out) as decoded:
        return decoded.convert("RGB")


class Camera:
    """Prints, photographs and scans cards; keeps the last few printed backs (a traveller is
    checked on exit and again on entry with the same card)."""

    def __init__(self, settings: CameraSettings | None = None, keep: int = 32) -> None:
        self.settings = settings or CameraSettings()
        self._backs: OrderedDict[tuple[str, int | None], Image.Image] = OrderedDict()
        self._keep = keep

    def back_of(self, qr_text: str, photo_key: int | None, photo: Image.Image) -> Image.Image:
        key = (qr_text, photo_key)
        if key not in self._backs:
            _, back = render_card_png(printable_card(qr_text, photo), self.settings.dpi)
            self._backs[key] = back
            if len(self._backs) > self._keep:
                self._backs.popitem(last=False)
        self._backs.move_to_end(key)
        return self._backs[key]

    def read(self, back: Image.Image, rng: random.Random) -> tuple[str | None, float]:
        """Photograph and scan; the text read (None if none) and the seconds the scan took."""
        image = phone_photo(back, rng, self.settings)
        start = time.perf_counter()
        try:
            texts = scan_image(image)
        except ScanError:
            texts = []
        return (texts[0] if texts else None), time.perf_counter() - start
