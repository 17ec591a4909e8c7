"""Issuance of registered residents: cards per second on one core and on two, and per stage.

Run: ``.venv/bin/python bench/bench_issuance.py [--n 1000] [--workers 2] [--sample 200]``

A fresh SQLite registry gets ``2 * --n`` synthetic residents and a key store;
then :func:`aes_id.cards.issue.issue_cards` issues ``--n`` cards in one process
and ``--n`` more with ``--workers`` signing processes. Each card is the whole
path: read the resident and biometrics, allocate the card number, paint the
face small from its seed and make its thumbnail within the QR's byte budget,
build and sign the Claim 169 credential, store the card and append its leaf
to the signature log, one transaction per batch.

Each run also pays a fixed cost: unlocking the signing keys (the PKCS#8
passphrase's key derivation), measured apart, so the time for 100,000 cards
is extrapolated as that fixed cost plus 100,000 times the per-card cost.

Stages: in the one-process run, the CPU spent in ``sign_job`` (portrait,
face thumbnail, claims, signature: what worker processes take over) is timed
as it runs, and the rest (reading residents, the card's finger templates,
card numbers, card rows, log leaves and Merkle nodes, commit: what stays in
the parent) is what remains; then the stages are timed alone on ``--sample``
residents, with the QR face also made as it was before (the portrait painted
at the card's size, the WebP size searched in about six encodes) for the
before/after figure. CPU time, not wall time, so that a machine shared with
other jobs does not blur the split.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from resource import RUSAGE_CHILDREN, RUSAGE_SELF, getrusage
from typing import Any
from unittest import mock

from PIL import Image
from sqlalchemy import select
from sqlmodel import col

from aes_id.biometrics.desk import card_fingers, portrait, qr_face
from aes_id.cards import issue as issuance
from aes_id.cards.issue import pending_nins
from aes_id.domain import CardNumber, Country
from aes_id.formats import face as face_module
from aes_id.formats.claims import CredentialClaims
from aes_id.formats.credential import face_budget, sign_credential
from aes_id.formats.face import face_box
from aes_id.formats.numbers import card_expiry, format_card_number
from aes_id.pki.keys import KeyStore
from aes_id.publishing import init_keys
from aes_id.registry import tables
from aes_id.registry.db import Registry, open_registry
from aes_id.registry.enrol import record_from_row
from aes_id.simulate.enrolment import enrol_synthetic

NOW = dt.datetime(2026, 3, 14, 9, 30, tzinfo=dt.UTC)
PASSPHRASE = "bench passphrase"
READ_BATCH = 200  # as issue_cards reads residents


@dataclasses.dataclass
class Clock:
    """Wall-clock seconds, and CPU seconds of this process and of its joined children."""

    wall: float = 0.0
    cpu: float = 0.0

    def __enter__(self) -> Clock:
        self.wall, self.cpu = time.perf_counter(), -_cpu()
        return self

    def __exit__(self, *_: object) -> None:
        self.wall = time.perf_counter() - self.wall
        self.cpu += _cpu()


def _cpu() -> float:
    own, children = (getrusage(who) for who in (RUSAGE_SELF, RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def setup(folder: Path, residents: int, workers: int) -> tuple[Registry, KeyStore, list[str]]:
    registry = open_registry(folder / "registry.db")
    with Clock() as clock:
        enrol_synthetic(
            registry, residents, seed=3, state=None, officer="bench", site="Ouagadougou",
            now=NOW, workers=workers,
        )  # fmt: skip
    store = init_keys(registry, folder / "keys", PASSPHRASE, now=NOW, by="bench")
    print(f"Set-up: {residents:,} residents enrolled in {clock.wall:.1f} s, keys created")
    return registry, store, pending_nins(registry)


def unlock_seconds(store: KeyStore) -> float:
    """What one issue_cards call spends unlocking the three states' Document Signers."""
    with Clock() as clock:
        for state in Country:
            store.signer_key(state, PASSPHRASE)
    return clock.wall


@dataclasses.dataclass
class IssueFigures:
    """Per-card seconds of one issue_cards run (the fixed key-unlocking cost left out)."""

    wall: float
    cpu: float
    signing_cpu: float  # in sign_job, when it runs in this process (one process only)


def issue(
    registry: Registry, store: KeyStore, nins: Sequence[str], workers: int, fixed: float
) -> IssueFigures:
    """Issue cards to ``nins`` with ``workers`` processes; print and return the figures."""
    signing = [0.0]
    real_sign_job = issuance.sign_job

    def timed_sign_job(*args: Any) -> Any:  # runs in this process only when workers == 1
        started = time.process_time()
        try:
            return real_sign_job(*args)
        finally:
            signing[0] += time.process_time() - started

    with mock.patch.object(issuance, "sign_job", timed_sign_job), Clock() as clock:
        cards = issuance.issue_cards(
            registry, store, PASSPHRASE, nins, now=NOW, officer="bench", workers=workers
        )
    assert len(cards) == len(nins)
    wall = max(clock.wall - fixed, 1e-9) / len(nins)
    print(
        f"  {workers} process{'es' if workers > 1 else '':<2} {len(nins):>6,} cards "
        f"{clock.wall:6.1f} s  {1 / wall:6,.0f} cards/s  CPU {clock.cpu / len(nins) * 1e3:5.2f} "
        f"ms/card  100,000 cards: {(fixed + 1e5 * wall) / 60:5.1f} min"
    )
    return IssueFigures(wall, clock.cpu / len(nins), signing[0] / len(nins))


def timed(action: Callable[[], Any]) -> tuple[float, Any]:
    """CPU seconds of ``action`` in this process, and its result."""
    started = time.process_time()
    result = action()
    return time.process_time() - started, result


def load_sample(registry: Registry, nins: Sequence[str]) -> tuple[float, list[Any]]:
    """Residents and their biometrics, read in batches as issuance reads them."""
    rows: list[Any] = []
    started = time.process_time()
    for start in range(0, len(nins), READ_BATCH):
        chunk = list(nins[start : start + READ_BATCH])
        query = (
            select(tables.Resident, tables.Biometric)
            .join(tables.Biometric, col(tables.Biometric.nin) == col(tables.Resident.nin))  # type: ignore[arg-type]
            .where(col(tables.Resident.nin).in_(chunk))
        )
        with registry.reader() as session:
            rows.extend((record_from_row(r), b) for r, b in session.execute(query))
    return (time.process_time() - started) / len(nins), rows


OLD_PORTRAIT = "(before) portrait painted at the card's 240 x 300"
OLD_FACE = "(before) face_thumbnail searched, ~6 WebP encodes"
NEW_FACE = "qr_face: painted at 96 x 120, WebP size predicted"
SIGNATURE = "raw Ed25519 signature (for scale)"


def old_face_costs(rows: Sequence[Any], budgets: Sequence[int]) -> dict[str, float]:
    """The QR face as it was made before: the card-size portrait, then the measured search."""
    elapsed, images = timed(
        lambda: [
            portrait(bio.face_seed, bio.face_image, resident.identity, NOW.date())
            for resident, bio in rows
        ]
    )
    costs = {OLD_PORTRAIT: elapsed / len(rows)}

    def searched(image: Image.Image, budget: int) -> bytes:
        grey = image.convert("L")
        return face_module._searched(face_module._stretch(grey.crop(face_box(grey))), budget)

    with mock.patch.object(face_module, "_WEBP_METHOD", 6):  # as the search encoded then
        elapsed, _ = timed(lambda: [searched(i, b) for i, b in zip(images, budgets, strict=True)])
    costs[OLD_FACE] = elapsed / len(rows)
    return costs


def stage_costs(registry: Registry, store: KeyStore, nins: Sequence[str]) -> dict[str, float]:
    """Seconds per card of each CPU stage of issuance, on residents ``nins``."""
    read, rows = load_sample(registry, nins)
    costs = {"DB read (resident + biometrics, batches of 200)": read}
    count = len(rows)
    elapsed, fingers = timed(lambda: [card_fingers(bio.fingers) for _, bio in rows])
    costs["card_fingers (two compact templates for the QR)"] = elapsed / count
    signer = store.signer_key(Country.MLI, PASSPHRASE)
    claims = [
        CredentialClaims.for_card(
            identity=resident.identity,
            issuing_state=resident.state,
            card_number=CardNumber(format_card_number(resident.state, serial)),
            issued_at=NOW,
            expires_on=card_expiry(NOW.date()),
            fingerprints=templates,
        )
        for serial, ((resident, _), templates) in enumerate(zip(rows, fingers, strict=True), 1)
    ]
    elapsed, budgets = timed(lambda: [face_budget(c) for c in claims])
    costs["face_budget (bytes left in a 20-M QR)"] = elapsed / count
    costs.update(old_face_costs(rows, budgets))
    elapsed, faces = timed(
        lambda: [
            qr_face(bio.face_seed, bio.face_image, resident.identity, NOW.date(), max_bytes=b)
            for (resident, bio), b in zip(rows, budgets, strict=True)
        ]
    )
    costs[NEW_FACE] = elapsed / count
    elapsed, _ = timed(
        lambda: [
            sign_credential(dataclasses.replace(c, face=f), kid=signer.kid, key=signer.private_key)
            for c, f in zip(claims, faces, strict=True)
        ]
    )
    costs["claims + sign (CBOR, Ed25519, zlib, Base45)"] = elapsed / count
    message = bytes(200)
    elapsed, _ = timed(lambda: [signer.private_key.sign(message) for _ in range(count)])
    costs[SIGNATURE] = elapsed / count
    return costs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="cards per timed run")
    parser.add_argument("--workers", type=int, default=2, help="signing processes")
    parser.add_argument("--sample", type=int, default=200, help="residents for the stages")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="aes-bench-") as tmp:
        registry, store, pending = setup(Path(tmp), 2 * args.n, args.workers)
        fixed = unlock_seconds(store)
        print(f"\nIssuance (fixed cost per run: {fixed:.2f} s to unlock 3 signing keys)")
        one = issue(registry, store, pending[: args.n], 1, fixed)
        both = issue(registry, store, pending[args.n : 2 * args.n], args.workers, fixed)
        print(
            f"  speed-up with {args.workers} processes: {one.wall / both.wall:.2f}x "
            f"(CPU-bound rate of one core: {1 / one.cpu:,.0f} cards/s; "
            "a busy machine lowers the wall rates)"
        )

        print("\nWhere one process spends its CPU (ms per card)")
        rest = one.cpu - one.signing_cpu
        print(f"  in the {args.n:,}-card run above:")
        for label, seconds in (
            ("sign_job (worker side): portrait, face, claims, signature", one.signing_cpu),
            ("the rest (parent side): read, fingers, numbers, rows, log", rest),
        ):
            print(f"    {label:<58} {seconds * 1e3:6.2f} ms  {seconds / one.cpu:4.0%}")
        print(f"  stages timed alone on {args.sample} residents:")
        costs = stage_costs(registry, store, pending[: args.sample])
        for label, seconds in costs.items():
            print(f"    {label:<58} {seconds * 1e3:6.2f} ms")
        before = one.cpu + costs[OLD_PORTRAIT] + costs[OLD_FACE] - costs[NEW_FACE]
        print(
            f"  CPU per card: {one.cpu * 1e3:.2f} ms now, {before * 1e3:.2f} ms with the QR face "
            f"made as before ({before / one.cpu:.1f}x); now {one.cpu / costs[SIGNATURE]:.0f} "
            "raw Ed25519 signatures"
        )
        print(
            f"  with {args.workers} processes the parent side stays serial: it bounds the rate "
            f"at {1 / rest:,.0f} cards/s"
        )
        registry.dispose()


if __name__ == "__main__":
    main()
