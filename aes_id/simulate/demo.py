"""The demo's story, as services: a fresh folder, synthetic people, keys, cards, forgeries.

Each step returns plain data; ``aes-id demo`` prints it. Nothing here prints.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from PIL import Image, ImageFilter
from sqlmodel import col, select

from aes_id.audit.auditor import run_audit
from aes_id.audit.checkpoint import (
    make_checkpoint,
    parse_verifier,
    read_checkpoint_file,
    write_checkpoint_file,
)
from aes_id.audit.proofs import (
    Consistency,
    VerifiedProof,
    prove_card,
    prove_consistency,
    verify_proof_text,
)
from aes_id.audit.report import AuditReport
from aes_id.border.folders import RUN_FILE
from aes_id.border.journal import Journal
from aes_id.cards.compromise import revoke_key
from aes_id.cards.issue import IssuedCard, issue_cards, pending_nins
from aes_id.cards.printing import preview_pngs, print_card_files, print_sheet
from aes_id.cards.revoke import revoke_card
from aes_id.domain import CardNumber, Country, Kid, RevocationReason, VerificationResult
from aes_id.errors import AesIdError, DuplicateError, UsageError
from aes_id.formats.cose import assemble1
from aes_id.formats.credential import encode_qr_text, parse_qr_text, sign_credential
from aes_id.pki.keys import KeyRevocationReason, KeyStore
from aes_id.publishing import init_keys
from aes_id.registry import tables
from aes_id.registry.db import Registry, open_registry
from aes_id.registry.dedup import Case, decide, list_cases
from aes_id.registry.desk import enrol_at_desk
from aes_id.simulate.border_pdf import write_report_pdf
from aes_id.simulate.border_sim import DrillSettings, open_drill
from aes_id.simulate.border_world import cardholders_from_registry
from aes_id.simulate.report import BorderReport, load_report
from aes_id.verify.lists import lists_for
from aes_id.verify.scan import scan_image
from aes_id.verify.verifier import verify_qr_text

DEMO_PASSPHRASE = "demo passphrase: never use for real keys"


@dataclass(frozen=True)
class DemoPlace:
    folder: Path
    registry: Registry
    keys: Path


def prepare_folder(folder: Path) -> DemoPlace:
    """Recreate ``folder`` (only if it is absent or looks like an earlier demo)."""
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{folder} is a file, not a folder", hint="pass another --folder")
    if folder.exists():
        marker = folder / ".aes-id-demo"
        if not marker.exists() and any(folder.iterdir()):
            raise UsageError(
                f"{folder} exists and is not an earlier demo folder: refusing to delete it",
                hint="pass another --folder",
            )
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    (folder / ".aes-id-demo").write_text("made by aes-id demo; recreated on each run\n")
    registry = open_registry(folder / "registry.db")
    return DemoPlace(folder, registry, folder / "keys")


def adjudicate_all(place: DemoPlace, now: dt.datetime) -> list[Case]:
    """The demo's officer confirms every suspected duplicate (they are all planted repeats)."""
    return [
        decide(place.registry, case.number, confirm=True, officer="demo-supervisor", now=now)
        for case in list_cases(place.registry)
    ]


def setup_keys(place: DemoPlace, passphrase: str, now: dt.datetime) -> KeyStore:
    return init_keys(place.registry, place.keys, passphrase, now=now, by="demo-operator")


def issue_all(
    place: DemoPlace,
    store: KeyStore,
    passphrase: str,
    now: dt.datetime,
    workers: int,
    on_card: Callable[[int], None] | None = None,
) -> list[IssuedCard]:
    return issue_cards(
        place.registry,
        store,
        passphrase,
        pending_nins(place.registry),
        now=now,
        officer="demo-officer",
        workers=workers,
        on_card=on_card,
    )


@dataclass(frozen=True)
class Trial:
    """One credential shown to the verifier, and what it said."""

    label: str
    card_number: CardNumber | None
    result: VerificationResult


def forgery_trials(
    place: DemoPlace, store: KeyStore, passphrase: str, cards: list[IssuedCard], now: dt.datetime
) -> list[Trial]:
    """Genuine cards and every kind of fake, through the real verifier."""
    genuine = {card.state: card for card in cards}
    sample = list(genuine.values())
    stolen = sample[-1]
    revoke_card(
        place.registry,
        store,
        passphrase,
        stolen.card_number,
        RevocationReason.STOLEN,
        now=now,
        by="demo-officer",
    )
    lists = lists_for(place.keys)
    later = now + dt.timedelta(hours=2)

    def check(label: str, text: str, when: dt.datetime = later) -> Trial:
        result = verify_qr_text(text, lists, now=when)
        return Trial(label, result.card_number, result)

    first = sample[0]
    claims = parse_qr_text(first.qr_text).claims
    impostor_key = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
    renamed = dataclasses.replace(
        claims, identity=dataclasses.replace(claims.identity, family_name="Faux")
    )
    forged = sign_credential(renamed, kid=first.kid, key=impostor_key).qr_text
    outsider = sign_credential(claims, kid=Kid(b"\x13" * 8), key=impostor_key).qr_text
    cose = parse_qr_text(first.qr_text).cose
    # the genuine signature kept, one claim changed under it
    tampered_cose = assemble1(cose.protected, cose.payload.replace(b"fra", b"eng"), cose.signature)
    tampered = encode_qr_text(tampered_cose)
    flipped = (
        first.qr_text[:200] + ("A" if first.qr_text[200] != "A" else "B") + first.qr_text[201:]
    )
    trials = [check(f"genuine card of {card.state.value}", card.qr_text) for card in sample[:-1]]
    trials += [
        check("card reported stolen", stolen.qr_text),
        check(
            "genuine card, checked eleven years on", first.qr_text, now + dt.timedelta(days=4020)
        ),
        check("name changed, re-signed with a stranger's key", forged),
        check("signed by a key outside the trust list", outsider),
        check("claims edited after signing", tampered),
        check("one character of the QR text changed", flipped),
        check("a photocopy of nothing: not a QR credential", "HELLO WORLD"),
    ]
    return trials


def state_names() -> dict[Country, str]:
    return {c: c.name_en for c in Country}


@dataclass(frozen=True)
class PrintRun:
    card_files: list[Path]
    sheet: Path
    previews: list[Path]
    scans: list[Trial]


def print_and_scan(
    place: DemoPlace, cards: list[IssuedCard], now: dt.datetime, *, sample: int = 10
) -> PrintRun:
    """Card PDFs for a sample, one A4 sheet, PNG previews, and those PNGs scanned and verified
    as a phone photo would be (turned a few degrees, softened, shrunk, JPEG-compressed)."""
    chosen = [card.card_number for card in _spread(cards, sample)]
    files = print_card_files(place.registry, chosen, place.folder / "cards", now=now)
    sheet = print_sheet(
        place.registry, chosen, place.folder / "sheets" / "sheet-a4.pdf", paper="a4", now=now
    )
    lists = lists_for(place.keys)
    previews: list[Path] = []
    scans: list[Trial] = []
    for index, number in enumerate(chosen[:4]):
        front, back = preview_pngs(place.registry, number, place.folder / "previews", dpi=300)
        previews += [front, back]
        photo = phone_photo(back, angle=(-1) ** index * (2 + index), quality=70)
        text = scan_image(photo)
        if not text:
            continue
        result = verify_qr_text(text[0], lists, now=now + dt.timedelta(hours=1))
        scans.append(Trial(f"photo of {back.name}", result.card_number, result))
    return PrintRun(files, sheet, previews, scans)


def phone_photo(path: Path, *, angle: float, quality: int) -> Image.Image:
    """What a phone camera makes of a printed card: a small turn, blur, 800 px, JPEG."""
    with Image.open(path) as image:
        turned = image.convert("RGB").rotate(angle, expand=True, fillcolor=(90, 90, 90))
    soft = turned.filter(ImageFilter.GaussianBlur(1.0))
    soft.thumbnail((800, 800))
    buffer = io.BytesIO()
    soft.save(buffer, "JPEG", quality=quality)
    buffer.seek(0)
    return Image.open(buffer).convert("RGB")


def _spread(cards: list[IssuedCard], count: int) -> list[IssuedCard]:
    """A sample across the states, in issue order."""
    by_state: dict[Country, list[IssuedCard]] = {}
    for card in cards:
        by_state.setdefault(card.state, []).append(card)
    picked: list[IssuedCard] = []
    while len(picked) < min(count, len(cards)):
        for state_cards in by_state.values():
            if state_cards and len(picked) < count:
                picked.append(state_cards.pop(0))
    return picked


def border_drill(
    place: DemoPlace, travellers: int, seed: int, on_progress: Callable[[int], None] | None = None
) -> tuple[BorderReport, Path]:
    """A week of crossings through the real posts, with the fraud mix; its report and PDF."""
    settings = DrillSettings(
        days=7,
        travellers=travellers,
        fraud_rate=0.03,
        seed=seed,
        image_sample=0.01,
        fingerprints=True,
    )
    folder = place.folder / "border" / "runs" / "demo"
    holders = cardholders_from_registry(place.registry, travellers, seed=seed)
    with open_drill(holders, settings, folder) as drill:
        drill.run(on_progress)
    with Journal.open(folder / RUN_FILE) as journal:
        report = load_report(journal)
    pdf = place.folder / "border-report.pdf"
    write_report_pdf(report, pdf)
    return report, pdf


def save_checkpoint(place: DemoPlace, store: KeyStore, passphrase: str, now: dt.datetime) -> Path:
    """What an auditor does now and then: take a signed tree head and keep it."""
    note = make_checkpoint(place.registry, store, passphrase, now)
    path = place.folder / "audit" / "checkpoint-after-issuance.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    write_checkpoint_file(path, note)
    return path


@dataclass(frozen=True)
class AuditRun:
    checkpoint: str
    proof_file: Path
    proof: VerifiedProof
    consistency: Consistency
    report: AuditReport


def audit(
    place: DemoPlace,
    store: KeyStore,
    passphrase: str,
    saved: Path,
    card: IssuedCard,
    now: dt.datetime,
    workers: int,
) -> AuditRun:
    """A new checkpoint, one card's proof verified with the key alone, the saved checkpoint
    proved a prefix of today's log, and the full audit."""
    note = make_checkpoint(place.registry, store, passphrase, now)
    proof_text = prove_card(place.registry, card.card_number)
    proof_file = place.folder / "audit" / f"proof-{card.card_number}.txt"
    proof_file.write_text(proof_text, encoding="utf-8")
    key = store.log_verifier()
    proof = verify_proof_text(
        proof_file.read_text(encoding="utf-8"), key, signed=parse_qr_text(card.qr_text).cose_bytes
    )
    saved_note = read_checkpoint_file(saved)
    consistency = prove_consistency(place.registry, saved_note, parse_verifier(key))
    report = run_audit(place.registry, store, saved_checkpoint=saved_note, workers=workers)
    return AuditRun(note, proof_file, proof, consistency, report)


# -- a life over the years: a repeat under another spelling, a death, a compromised signer --

SPELLING_VARIANTS = {
    "Traoré": "Traore",
    "Ouédraogo": "Wedraogo",
    "Maïga": "Maiga",
    "Keïta": "Keita",
    "Touré": "Toure",
    "Coulibaly": "Kulibali",
    "Diarra": "Jara",
    "Sawadogo": "Savadogo",
    "Cissé": "Sisse",
    "Diallo": "Jallo",
    "Konaté": "Konate",
    "Sangaré": "Sangare",
}
"""Spellings a desk officer may type for a name already in the registry."""


@dataclass(frozen=True)
class LifeRun:
    """What the life events did: who was stopped, who died, what a compromise cost."""

    repeat_of: str
    repeat_name: str
    repeat_stopped: str
    deceased_card: CardNumber
    deceased_refusal: str
    compromised_state: Country
    compromised_kid: Kid
    cards_revoked: int
    cards_reissued: int
    old_card_verdict: VerificationResult
    new_card_verdict: VerificationResult


def _repeat_at_desk(place: DemoPlace, now: dt.datetime) -> tuple[str, str, str]:
    """Enrol someone already enrolled, under another spelling of the family name."""
    with place.registry.reader() as session:
        row = session.exec(
            select(tables.Resident).where(
                col(tables.Resident.family_name).in_(list(SPELLING_VARIANTS))
            )
        ).first()
    if row is None:
        raise UsageError("the demo's population has no name with a known spelling variant")
    fields = {
        "family_name": SPELLING_VARIANTS[row.family_name],
        "given_names": row.given_names,
        "dob": row.date_of_birth,
        "sex": row.sex,
        "nationality": row.nationality,
        "place_of_birth": row.place_of_birth,
        "state": row.state,
        "region": row.region,
    }
    try:
        enrol_at_desk(place.registry, fields, site="demo-desk", officer="demo-officer", now=now)
    except DuplicateError as exc:
        return row.nin, f"{fields['family_name']}, {row.given_names}", exc.message
    raise UsageError(f"the repeat enrolment of {row.nin} under another spelling was not stopped")


def _a_death(
    place: DemoPlace, store: KeyStore, passphrase: str, card: IssuedCard, now: dt.datetime
) -> str:
    """The holder of ``card`` dies; a new card for them is refused."""
    revoke_card(
        place.registry,
        store,
        passphrase,
        card.card_number,
        RevocationReason.DECEASED,
        now=now,
        by="demo-officer",
    )
    try:
        issue_cards(place.registry, store, passphrase, [card.nin], now=now, officer="demo-officer")
    except AesIdError as exc:
        return exc.message
    raise UsageError(f"a card was issued to the deceased resident {card.nin}")


def life_events(
    place: DemoPlace,
    store: KeyStore,
    passphrase: str,
    cards: list[IssuedCard],
    now: dt.datetime,
    workers: int,
) -> LifeRun:
    """A repeat enrolment under a spelling variant, a death, and a Document Signer compromised
    since the day the cards were issued, whose cards are then re-issued."""
    repeat_of, repeat_name, stopped = _repeat_at_desk(place, now)
    state = Country.NER
    of_state = [card for card in cards if card.state is state]
    refusal = _a_death(place, store, passphrase, of_state[0], now)
    old = of_state[1]
    kid = old.kid
    compromise = revoke_key(
        place.registry,
        store,
        passphrase,
        kid,
        from_=dt.datetime.combine(now.date(), dt.time(), tzinfo=dt.UTC),
        reason=KeyRevocationReason.KEY_COMPROMISE,
        now=now,
        by="demo-operator",
    )
    reissued = issue_cards(
        place.registry,
        store,
        passphrase,
        pending_nins(place.registry, state),
        now=now,
        officer="demo-officer",
        workers=workers,
    )
    lists = lists_for(place.keys)
    new = next(card for card in reissued if card.nin == old.nin)
    return LifeRun(
        repeat_of=repeat_of,
        repeat_name=repeat_name,
        repeat_stopped=stopped,
        deceased_card=of_state[0].card_number,
        deceased_refusal=refusal,
        compromised_state=state,
        compromised_kid=kid,
        cards_revoked=len(compromise.cards),
        cards_reissued=len(reissued),
        old_card_verdict=verify_qr_text(old.qr_text, lists, now=now),
        new_card_verdict=verify_qr_text(new.qr_text, lists, now=now),
    )
