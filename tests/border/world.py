"""A small border world for tests: synthetic card holders (no registry) and a drill operator.

Card holders are built straight from the population generator with a few real
WebP faces, so that tests need neither the registry nor a face per person.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import random
from pathlib import Path

from aes_id.biometrics.faces import synthetic_face
from aes_id.border.sync import ListParser, read_list_files
from aes_id.domain import Country, Identity
from aes_id.formats.claims import CredentialClaims
from aes_id.formats.credential import face_budget
from aes_id.formats.face import face_thumbnail
from aes_id.formats.numbers import card_expiry, format_card_number, generate_nin
from aes_id.simulate.border_world import Cardholder, DrillOperator
from aes_id.simulate.population import generate
from aes_id.verify.verifier import Lists

START = dt.datetime(2026, 3, 16, tzinfo=dt.UTC)  # a Monday
ISSUED = dt.datetime(2026, 1, 12, 9, 30, tzinfo=dt.UTC)


@functools.cache
def faces() -> tuple[bytes, ...]:
    """Four real WebP face thumbnails, sized to leave room for two finger templates."""
    return tuple(face_thumbnail(synthetic_face(seed), max_bytes=300) for seed in (11, 12, 13, 14))


def holders(count: int, seed: int = 3) -> list[Cardholder]:
    """``count`` card holders of the three states, issued on :data:`ISSUED`."""
    rng = random.Random(seed)
    serials = dict.fromkeys(Country, 0)
    out = []
    for index, person in enumerate(generate(count, seed=seed, today=START.date())):
        serials[person.state] += 1
        identity = Identity(
            generate_nin(rng),
            person.family_name,
            person.given_names,
            person.date_of_birth,
            person.sex,
            person.nationality,
            person.place_of_birth,
        )
        claims = CredentialClaims.for_card(
            identity=identity,
            issuing_state=person.state,
            card_number=format_card_number(person.state, serials[person.state]),
            issued_at=ISSUED + dt.timedelta(minutes=index),
            expires_on=card_expiry(ISSUED.date()),
            face=faces()[index % 4],
        )
        assert len(claims.face) <= face_budget(claims)
        out.append(Cardholder(index, claims, person.biometric_seed))
    return out


_counter = itertools.count()


def operator(folder: Path, seed: int = 1) -> DrillOperator:
    """A drill operator whose PKI history ends at :data:`START`, lists published at START."""
    drill = DrillOperator(folder / f"operator-{next(_counter)}", start=START, seed=seed)
    drill.publish(START - dt.timedelta(hours=1))
    return drill


def current_lists(drill: DrillOperator) -> Lists:
    """The lists the operator exports now, verified."""
    return ListParser(drill.root_certificate()).lists(read_list_files(drill.exports))
