"""``aes-id demo``: the whole story on synthetic people, in its own folder."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from aes_id.cards.views import cards_of
from aes_id.cli.auditor import print_report
from aes_id.cli.common import ENV_PASSPHRASE, console, now, progress
from aes_id.domain import Verdict
from aes_id.errors import UsageError
from aes_id.parallel import default_workers
from aes_id.registry.stats import RegistrySummary, summarise
from aes_id.simulate import demo
from aes_id.simulate.enrolment import enrol_population
from aes_id.simulate.report import report_tables

Opt = typer.Option
REPEAT_RATE = 0.01
DRILL_TRAVELLERS = 6000
MIN_RESIDENTS = 10


def register(app: typer.Typer) -> None:
    app.command("demo")(demo_command)


def _step(title: str) -> None:
    console.rule(f"[bold]{title}[/]")


def _summary_tables(summary: RegistrySummary) -> None:
    states = Table("State", "Residents", "Share", title="Residents per state")
    for state, n in sorted(summary.by_state.items()):
        states.add_row(state, str(n), f"{n / summary.residents:.1%}")
    console.print(states)
    regions = Table("State", "Region", "Residents", title="Most populous regions")
    for (state, region), n in summary.by_region.most_common(10):
        regions.add_row(state, region, str(n))
    console.print(regions)
    people = Table("Sex", "Residents", title="Sex")
    for sex, n in sorted(summary.by_sex.items()):
        people.add_row(sex, str(n))
    console.print(people)
    ages = Table("Age band", "Residents", title="Age bands")
    for band, n in sorted(
        summary.by_age_band.items(), key=lambda item: int(item[0].split("-")[0].rstrip("+"))
    ):
        ages.add_row(band, str(n))
    console.print(ages)
    console.print(f"{summary.unknown_birth_day} residents have an unknown day or month of birth")


def demo_command(
    folder: Annotated[Path, Opt(help="Work folder (recreated on each run).")] = Path("demo"),
    residents: Annotated[int, Opt(help="Synthetic residents to enrol.")] = 2500,
    seed: Annotated[int, Opt(help="Seed: the same seed gives the same people.")] = 7,
    workers: Annotated[int, Opt(help="Worker processes (0: one per core).")] = 0,
) -> None:
    """Enrol, issue, print, verify and audit cards of synthetic residents, end to end."""
    if residents < MIN_RESIDENTS:
        raise UsageError(
            f"--residents {residents} is too few: the demo needs at least {MIN_RESIDENTS}"
        )
    started = time.perf_counter()
    workers = workers or default_workers()
    passphrase = os.environ.get(ENV_PASSPHRASE, demo.DEMO_PASSPHRASE)
    clock = now()
    place = demo.prepare_folder(folder)

    _step(f"1. Enrolment: {residents} synthetic residents (seed {seed}), 1% of them repeats")
    with progress("Enrolling", residents) as advance:
        enrolled = enrol_population(
            place.registry,
            residents,
            seed=seed,
            state=None,
            officer="demo-officer",
            site="demo-centre",
            now=clock,
            workers=workers,
            repeat_rate=REPEAT_RATE,
            on_batch=advance,
        )
    nins = enrolled.nins
    console.print(f"enrolled {len(nins)} residents; first NIN {nins[0]}")
    _summary_tables(summarise(place.registry, today=clock.date()))
    console.print(
        f"de-duplication stopped {len(enrolled.suspected)} enrolments: the same person again, "
        "under another spelling (fingers searched 1:N, names, birth date and place compared)"
    )
    for suspicion in enrolled.suspected[:5]:
        console.print(f"  {suspicion.message()}", markup=False)
    decided = demo.adjudicate_all(place, clock)
    console.print(f"a supervisor confirmed {len(decided)} cases: refused, kept as fraud attempts")

    _step("2. Keys: Root CA, State CAs, Document Signers, log key")
    store = demo.setup_keys(place, passphrase, clock)
    for record in store.list_keys():
        state = record.state.value if record.state else "-"
        console.print(f"  {record.role.value:<16} {state:<4} kid {record.kid.hex()}")

    _step("3. Issuance: a signed card for every resident")
    with progress("Issuing", len(nins)) as advance:
        cards = demo.issue_all(place, store, passphrase, clock, workers, on_card=advance)
    longest = max(len(card.qr_text) for card in cards)
    console.print(f"issued {len(cards)} cards; longest QR text {longest} characters (limit 970)")
    saved = demo.save_checkpoint(place, store, passphrase, clock)
    console.print(f"an auditor saved a signed checkpoint of the log: {saved}")

    _step("4. Verification at a border post: genuine cards and forgeries")
    table = Table("Credential shown", "Verdict", "Why")
    for trial in demo.forgery_trials(place, store, passphrase, cards, clock):
        verdict = trial.result.verdict
        style = "green" if verdict is Verdict.VALID else "red"
        why = (
            "; ".join(trial.result.reasons)
            or "signature, signer, dates and revocation all check out"
        )
        table.add_row(trial.label, f"[{style}]{verdict.value}[/]", why)
    console.print(table)

    _step("5. Printing: card PDFs, an A4 print sheet, previews, and photos of them scanned back")
    run = demo.print_and_scan(place, cards, clock)
    console.print(f"{len(run.card_files)} card PDFs in {run.card_files[0].parent}")
    console.print(f"print sheet (duplex, crop marks): {run.sheet}")
    console.print(f"previews: {', '.join(str(p) for p in run.previews[:2])}, ...")
    for trial in run.scans:
        console.print(
            f"  {trial.label} (turned, blurred, 800 px, JPEG): {trial.result.verdict.value}"
        )
    console.print(f"{len(run.scans)} of {len(run.previews) // 2} phone photos read and verified")

    _step("6. A week at the border posts: syncing lists, travellers, frauds")
    with progress("Border drill", None) as advance:
        travellers = min(len(cards_of(place.registry, status="valid")), DRILL_TRAVELLERS)
        report, pdf = demo.border_drill(place, travellers, seed, advance)
    for renderable in report_tables(report):
        console.print(renderable)
    console.print(f"border report with charts: {pdf}")

    _step("7. A life over the years: a repeat under another spelling, a death, a compromise")
    life = demo.life_events(place, store, passphrase, cards, clock, workers)
    console.print(
        f"enrolling {life.repeat_name} again at a desk: stopped before a NIN was given",
        markup=False,
    )
    console.print(f"  {life.repeat_stopped}", markup=False)
    console.print(
        f"card {life.deceased_card} revoked (deceased); a new card is refused:", markup=False
    )
    console.print(f"  {life.deceased_refusal}", markup=False)
    console.print(
        f"{life.compromised_state.value}'s Document Signer {life.compromised_kid.hex()} found "
        f"compromised since this morning: {life.cards_revoked} cards revoked with it; "
        f"`issue --pending` then issued {life.cards_reissued} under the new signer (every "
        f"resident of {life.compromised_state.value} without a valid card)"
    )
    console.print(
        f"  an old card now verifies {life.old_card_verdict.verdict.value}; "
        f"its replacement {life.new_card_verdict.verdict.value}"
    )

    _step("8. Audit: checkpoint, a card's proof checked offline, the full audit")
    audit = demo.audit(place, store, passphrase, saved, cards[0], clock, workers)
    console.print(audit.checkpoint, markup=False)
    proof = audit.proof
    console.print(
        f"proof of card {cards[0].card_number}: leaf {proof.index} is in checkpoint "
        f"{proof.checkpoint.size}, verified with the log key alone ({audit.proof_file})"
    )
    consistency = audit.consistency
    console.print(
        f"saved checkpoint {consistency.old.size} is a prefix of today's log "
        f"(size {consistency.new.size}): consistency proof of {len(consistency.proof)} hashes"
    )
    print_report(audit.report)

    _step("Done")
    console.print(f"registry: {folder / 'registry.db'}")
    console.print(f"keys:     {place.keys}  (passphrase from {ENV_PASSPHRASE}, or the demo's own)")
    console.print(f"took {time.perf_counter() - started:.0f} s")
