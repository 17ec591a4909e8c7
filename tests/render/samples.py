"""Sample printable cards for the rendering and scanning tests (and the render benchmark).

The QR text is a real signed credential when the credential format is importable,
and otherwise Base45 text of the same length (what a signed, deflated credential
looks like to a QR encoder: random characters of the alphanumeric set).
"""

from __future__ import annotations

import datetime as dt
import random

from PIL import Image, ImageDraw

from aes_id.domain import Card, CardNumber, Country, Identity, Kid, Nin, PartialDate, Sex
from aes_id.render.card import PrintableCard

BASE45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
ISSUED = dt.datetime(2026, 3, 14, 9, 30, tzinfo=dt.UTC)

PEOPLE = {
    Country.MLI: Identity(
        Nin("274913058627"),
        "Keïta",
        "Aïssata Djénéba",
        PartialDate(1990, 5, 17),
        Sex.F,
        "MLI",
        "Ségou",
    ),
    Country.BFA: Identity(
        Nin("183502947162"),
        "Ouédraogo",
        "Pengdwendé Rasmané",
        PartialDate(1958),
        Sex.M,
        "BFA",
        "Ouahigouya",
    ),
    Country.NER: Identity(
        Nin("391027465810"), "Maïga", "Hadiza", PartialDate(1984, 11), Sex.F, "NER", "Tillabéri"
    ),
}
NUMBERS = {Country.MLI: "ML0004217", Country.BFA: "BF0012345", Country.NER: "NE0000071"}


def base45_text(length: int, seed: int) -> str:
    """``length`` random Base45 characters (a stand-in for a signed credential)."""
    rng = random.Random(seed)
    return "".join(rng.choice(BASE45) for _ in range(length))


def portrait(seed: int = 1, size: tuple[int, int] = (240, 300)) -> Image.Image:
    """A plain drawn head-and-shoulders portrait on a pale background."""
    rng = random.Random(seed)
    w, h = size
    image = Image.new("RGB", size, (214, 222, 228))
    draw = ImageDraw.Draw(image)
    skin = rng.choice([(92, 58, 38), (120, 78, 50), (74, 46, 32), (140, 96, 64)])
    draw.ellipse((w * 0.08, h * 0.72, w * 0.92, h * 1.35), fill=(40, 60, 90))
    draw.rectangle((w * 0.42, h * 0.6, w * 0.58, h * 0.78), fill=skin)
    draw.ellipse((w * 0.28, h * 0.2, w * 0.72, h * 0.68), fill=skin)
    draw.chord((w * 0.26, h * 0.14, w * 0.74, h * 0.5), 180, 360, fill=(25, 20, 18))
    for ex in (0.4, 0.6):
        draw.ellipse((w * (ex - 0.035), h * 0.4, w * (ex + 0.035), h * 0.43), fill=(20, 15, 12))
    draw.arc((w * 0.43, h * 0.5, w * 0.57, h * 0.58), 20, 160, fill=(60, 30, 25), width=2)
    return image


def mrz_lines(card: Card) -> tuple[str, str, str]:
    """The TD1 lines: the project's composer when present, else hand-made lines."""
    try:
        from aes_id.formats.mrz import MrzData, compose_td1
    except ImportError:  # pragma: no cover - only while the MRZ module is missing
        return (
            f"ID{card.issuing_state.value}{card.card_number}0{card.identity.nin}<<<",
            "9005172F3603137MLI<<<<<<<<<<<4",
            "KEITA<<AISSATA<DJENEBA<<<<<<<<",
        )
    return compose_td1(MrzData.for_card(card))


def make_card(
    state: Country = Country.MLI,
    qr_text: str | None = None,
    seed: int = 7,
    serial: int | None = None,
) -> Card:
    """A card of ``state`` whose QR text is ``qr_text`` (default: 900 Base45 characters).

    ``serial`` gives the card number ``<alpha-2><serial, 7 digits>`` instead of the sample's.
    """
    number = NUMBERS[state] if serial is None else f"{state.alpha2}{serial:07d}"
    return Card(
        card_number=CardNumber(number),
        issuing_state=state,
        identity=PEOPLE[state],
        issued_at=ISSUED,
        expires_on=dt.date(2036, 3, 13),
        kid=Kid(b"\x01" * 8),
        qr_text=qr_text if qr_text is not None else base45_text(900, seed),
    )


def make_printable(
    state: Country = Country.MLI, qr_text: str | None = None, seed: int = 7
) -> PrintableCard:
    """A printable card of ``state`` with a drawn portrait and its MRZ."""
    card = make_card(state, qr_text, seed)
    return PrintableCard(card=card, photo=portrait(seed), mrz=mrz_lines(card))


def signed_printable(state: Country = Country.MLI, seed: int = 3) -> PrintableCard | None:
    """A card whose QR is a real signed credential with a face thumbnail (fixed key).

    None while the credential, face or biometrics modules are not importable.
    """
    try:
        import dataclasses

        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        from aes_id.biometrics.faces import synthetic_face
        from aes_id.formats.credential import CredentialClaims, build_qr_text, face_budget
        from aes_id.formats.face import face_thumbnail
    except ImportError:  # pragma: no cover - only while those modules are missing
        return None
    card = make_card(state)
    person = card.identity
    photo = synthetic_face(seed, sex=person.sex, age=40)
    claims = CredentialClaims.for_card(
        identity=person,
        issuing_state=state,
        card_number=card.card_number,
        issued_at=card.issued_at,
        expires_on=card.expires_on,
    )
    face = face_thumbnail(photo, max_bytes=face_budget(claims))
    claims = dataclasses.replace(claims, face=face)
    key = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
    text = build_qr_text(claims, kid=card.kid, key=key)
    card = dataclasses.replace(card, qr_text=text, face_thumbnail=face)
    return PrintableCard(card=card, photo=photo, mrz=mrz_lines(card))
