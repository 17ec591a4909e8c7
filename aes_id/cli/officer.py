"""Commands of the enrolment officer: enrol, look residents up."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from aes_id.biometrics.minutiae import MinutiaeSet
from aes_id.cards.issue import issue_cards, pending_nins
from aes_id.cards.revoke import revoke_card
from aes_id.cards.views import card_view
from aes_id.cli.common import (
    console,
    err_console,
    id_table,
    now,
    passphrase,
    print_json,
    progress,
    settings,
)
from aes_id.domain import CardStatus, Country, PartialDate, RevocationReason
from aes_id.errors import InputError, UsageError
from aes_id.parallel import default_workers
from aes_id.pki.keys import KeyStore
from aes_id.registry.batch import enrol_csv
from aes_id.registry.cardfit import mrz_name_warning
from aes_id.registry.db import Registry, open_registry
from aes_id.registry.dedup import decide, list_cases
from aes_id.registry.desk import (
    check_field,
    enrol_at_desk,
    export_fingers,
    read_fingers_file,
    read_photo,
    resident_with_fingers,
)
from aes_id.registry.enrol import FIELDS, ResidentRecord, find_residents
from aes_id.simulate.enrolment import enrol_population

residents_app = typer.Typer(help="Look residents up in the registry.", no_args_is_help=True)

Opt = typer.Option
PROMPTS = {
    "family_name": "Family name(s) (Nom)",
    "given_names": "Given name(s) (Prénoms)",
    "dob": "Date of birth YYYY-MM-DD (00 for an unknown month or day)",
    "sex": "Sex F/M/X",
    "nationality": "Nationality (ISO alpha-3, e.g. MLI)",
    "place_of_birth": "Place of birth",
    "state": "State of residence (MLI, BFA, NER)",
    "region": "Region",
}


def register(app: typer.Typer) -> None:
    app.command("enrol")(enrol_command)
    app.add_typer(residents_app, name="residents")


def enrol_command(
    ctx: typer.Context,
    family_name: Annotated[str | None, Opt(help="Family name(s), diacritics kept.")] = None,
    given_names: Annotated[str | None, Opt(help="Given name(s).")] = None,
    dob: Annotated[str | None, Opt(help="Date of birth YYYY-MM-DD; 00 = unknown.")] = None,
    sex: Annotated[str | None, Opt(help="F, M or X.")] = None,
    nationality: Annotated[str | None, Opt(help="ISO 3166 alpha-3.")] = None,
    place_of_birth: Annotated[str | None, Opt(help="Town of birth.")] = None,
    state: Annotated[str | None, Opt(help="State of residence: MLI, BFA or NER.")] = None,
    region: Annotated[str | None, Opt(help="Region of residence (within the state).")] = None,
    photo: Annotated[Path | None, Opt(help="Portrait photo (JPEG/PNG).")] = None,
    fingers: Annotated[
        Path | None, Opt(help="The scanner's ISO/IEC 19794-2:2005 finger minutiae record.")
    ] = None,
    officer: Annotated[str, Opt(help="Officer identifier.")] = "officer",
    site: Annotated[str, Opt(help="Enrolment site.")] = "desk",
    interactive: Annotated[bool, Opt("--interactive", help="Prompt for each field.")] = False,
    csv_file: Annotated[Path | None, Opt("--csv", help="Enrol every row of a CSV file.")] = None,
    synthetic: Annotated[int | None, Opt(help="Enrol N synthetic residents.")] = None,
    seed: Annotated[int, Opt(help="Seed for --synthetic.")] = 1,
    repeat_rate: Annotated[
        float, Opt(help="With --synthetic: share of repeats (same person, names spelled anew).")
    ] = 0.0,
    as_json: Annotated[bool, Opt("--json", help="Print JSON.")] = False,
) -> None:
    """Enrol one resident (flags or --interactive), a CSV batch, or synthetic residents."""
    if repeat_rate and synthetic is None:
        raise UsageError("--repeat-rate goes with --synthetic")
    modes = sum([csv_file is not None, synthetic is not None, interactive])
    if modes > 1:
        raise UsageError("choose one of --csv, --synthetic and --interactive")
    if (photo or fingers) and (csv_file or synthetic is not None):
        raise UsageError("--photo and --fingers go with one resident (flags or --interactive)")
    registry = open_registry(settings(ctx).db)
    clock = now()
    if synthetic is not None:
        _enrol_synthetic(
            registry, synthetic, seed, state, officer, site, clock, as_json, repeat_rate
        )
    elif csv_file is not None:
        _enrol_csv(registry, csv_file, officer, site, clock, as_json)
    else:
        given = {
            "family_name": family_name,
            "given_names": given_names,
            "dob": dob,
            "sex": sex,
            "nationality": nationality,
            "place_of_birth": place_of_birth,
            "state": state,
            "region": region,
        }
        if interactive:
            photo, fingers = _prompt(given, photo, fingers, clock.date())
        nin = enrol_at_desk(
            registry, given, photo=photo, fingers=fingers, site=site, officer=officer, now=clock
        )
        warning = mrz_name_warning(given["family_name"] or "", given["given_names"] or "")
        if warning:
            err_console.print(f"warning: {warning}", markup=False, emoji=False)
        if as_json:
            print_json({"nin": nin, "enrolled_at": clock.isoformat()})
        else:
            console.print(nin)


def _prompt(
    given: dict[str, str | None], photo: Path | None, fingers: Path | None, today: dt.date
) -> tuple[Path | None, Path | None]:
    """Ask for each field not given, again until it passes; then the photo and fingers files."""
    for name in FIELDS:
        while True:
            value = given[name] or typer.prompt(PROMPTS[name])
            try:
                check_field(name, value, given, today=today)
            except InputError as exc:
                err_console.print(f"{exc.message}: please type it again", markup=False)
                given[name] = None
                continue
            given[name] = value
            break
    photo = photo or _prompt_file("Photo file (empty: none)", read_photo)
    fingers = fingers or _prompt_file(
        "Fingers file, ISO/IEC 19794-2 record (empty: none captured)", read_fingers_file
    )
    return photo, fingers


def _prompt_file(text: str, check: Callable[[Path], bytes]) -> Path | None:
    while True:
        answer = str(typer.prompt(text, default="", show_default=False)).strip()
        if not answer:
            return None
        try:
            check(Path(answer))
        except InputError as exc:
            err_console.print(f"{exc.message}: try again, or leave it empty", markup=False)
            continue
        return Path(answer)


def _enrol_synthetic(
    registry: Registry,
    count: int,
    seed: int,
    state: str | None,
    officer: str,
    site: str,
    clock: dt.datetime,
    as_json: bool,
    repeat_rate: float,
) -> None:
    if count < 1:
        raise UsageError("--synthetic needs a positive count")
    target = Country.parse(state) if state else None
    with progress("Enrolling", count) as advance:
        result = enrol_population(
            registry,
            count,
            seed=seed,
            state=target,
            officer=officer,
            site=site,
            now=clock,
            workers=default_workers(),
            repeat_rate=repeat_rate,
            on_batch=advance,
        )
    if as_json:
        print_json(
            {
                "enrolled": len(result.nins),
                "nins": result.nins,
                "suspected_duplicates": [s.case for s in result.suspected],
                "already_enrolled": len(result.already),
                "already_stopped": result.already_stopped,
            }
        )
        return
    console.print(f"enrolled {len(result.nins)} synthetic residents (seed {seed})")
    if result.already or result.already_stopped:
        console.print(
            f"resumed: {len(result.already)} already enrolled and "
            f"{len(result.already_stopped)} already stopped by an earlier run of seed {seed}"
        )
    for suspicion in result.suspected:
        err_console.print(suspicion.message(), markup=False)
    if result.suspected:
        console.print(
            f"{len(result.suspected)} stopped as suspected duplicates: `aes-id adjudicate`"
        )


def _enrol_csv(
    registry: Registry, path: Path, officer: str, site: str, clock: dt.datetime, as_json: bool
) -> None:
    with progress("Enrolling CSV rows", None) as advance:
        report = enrol_csv(registry, path, now=clock, site=site, officer=officer, on_row=advance)
    if as_json:
        print_json(
            {
                "enrolled": [{"line": line, "nin": nin} for line, nin in report.enrolled],
                "rejected": [{"line": e.line, "reason": e.reason} for e in report.rejected],
                "warnings": [{"line": w.line, "warning": w.reason} for w in report.warned],
            }
        )
    else:
        for line, nin in report.enrolled:
            console.print(f"line {line}: enrolled {nin}")
        for error in report.rejected:
            err_console.print(
                f"line {error.line}: rejected: {error.reason}", markup=False, emoji=False
            )
        for warned in report.warned:
            err_console.print(
                f"line {warned.line}: warning: {warned.reason}", markup=False, emoji=False
            )
        console.print(f"{len(report.enrolled)} enrolled, {len(report.rejected)} rejected")
    if report.rejected:
        raise typer.Exit(1)


def _record_json(record: ResidentRecord) -> dict[str, object]:
    identity = record.identity
    return {
        **identity.to_json(),
        "state": record.state.value,
        "region": record.region,
        "site": record.site,
        "officer": record.officer,
        "enrolled_at": record.enrolled_at.isoformat(),
        "status": record.status.value,
    }


@residents_app.command("show")
def show(
    ctx: typer.Context,
    nin: str,
    as_json: Annotated[bool, Opt("--json", help="Print JSON.")] = False,
) -> None:
    """Show one resident by NIN, with the fingers captured at enrolment."""
    record, fingers = resident_with_fingers(open_registry(settings(ctx).db, create=False), nin)
    data = _record_json(record)
    if as_json:
        print_json({**data, "fingers": _fingers_json(fingers)})
        return
    for key, value in {**data, "fingers": _fingers_text(fingers)}.items():
        console.print(f"{key.replace('_', ' '):>15}: {value}")


@residents_app.command("fingers")
def fingers_command(
    ctx: typer.Context,
    nin: str,
    out: Annotated[Path, Opt("--out", help="The file to write.")],
    as_json: Annotated[bool, Opt("--json", help="Print JSON.")] = False,
) -> None:
    """Export a resident's fingers as one ISO/IEC 19794-2:2005 finger minutiae record."""
    views = export_fingers(open_registry(settings(ctx).db, create=False), nin, out)
    if as_json:
        print_json({"nin": nin, "out": str(out), "fingers": _fingers_json(views)})
        return
    console.print(f"{len(views)} finger views of {nin} written to {out} (ISO/IEC 19794-2:2005)")


def _fingers_json(views: Sequence[MinutiaeSet] | None) -> list[dict[str, object]] | None:
    if views is None:
        return None
    return [
        {
            "position": int(v.position),
            "finger": v.position.name.lower().replace("_", " "),
            "minutiae": len(v),
            "quality": v.quality,
        }
        for v in views
    ]


def _fingers_text(views: Sequence[MinutiaeSet] | None) -> str:
    if views is None:
        return "none captured"
    return f"{len(views)} captured (positions {', '.join(str(int(v.position)) for v in views)})"


@residents_app.command("find")
def find(
    ctx: typer.Context,
    name: Annotated[str | None, Opt(help="Part of a family or given name.")] = None,
    dob: Annotated[str | None, Opt(help="Date of birth YYYY-MM-DD.")] = None,
    state: Annotated[str | None, Opt(help="MLI, BFA or NER.")] = None,
    limit: Annotated[int, Opt(help="At most this many.")] = 50,
    as_json: Annotated[bool, Opt("--json", help="Print JSON.")] = False,
) -> None:
    """Find residents by name, date of birth and state."""
    if not (name or dob or state):
        raise UsageError("give at least one of --name, --dob, --state")
    records = find_residents(
        open_registry(settings(ctx).db, create=False),
        name=name,
        dob=PartialDate.parse(dob) if dob else None,
        state=Country.parse(state) if state else None,
        limit=limit,
    )
    if as_json:
        print_json([_record_json(r) for r in records])
        if not records:
            raise typer.Exit(1)  # no match: the same exit code as without --json
        return
    table = id_table("NIN", "Family name", "Given names", "Born", "Sex", "State", "Region")
    for r in records:
        i = r.identity
        table.add_row(
            i.nin,
            i.family_name,
            i.given_names,
            i.date_of_birth.iso(),
            i.sex.value,
            r.state.value,
            r.region,
        )
    console.print(table)
    if not records:
        err_console.print("no resident matches")
        sys.exit(1)


card_app = typer.Typer(help="Officer: look at an issued card.", no_args_is_help=True)


def register_cards(app: typer.Typer) -> None:
    app.command("issue")(issue_command)
    app.command("revoke")(revoke_command)
    app.add_typer(card_app, name="card")


def issue_command(
    ctx: typer.Context,
    nins: Annotated[list[str] | None, typer.Argument(help="NINs to issue cards to.")] = None,
    pending: Annotated[
        bool, Opt("--pending", help="Every active resident without a card.")
    ] = False,
    state: Annotated[str | None, Opt(help="With --pending: only this state.")] = None,
    replace: Annotated[
        str | None, Opt(help="Revoke the current card with this reason: lost, stolen, damaged, ...")
    ] = None,
    officer: Annotated[str, Opt(help="Officer identifier, for the log.")] = "officer",
    workers: Annotated[int, Opt(help="Signing processes (0: one per core).")] = 0,
    as_json: Annotated[bool, Opt("--json", help="Print JSON.")] = False,
) -> None:
    """Issue signed cards: card number, dates, MRZ, face thumbnail, Claim 169 QR, log leaf."""
    opts = settings(ctx)
    registry = open_registry(opts.db, create=False)
    if pending == bool(nins):
        raise UsageError("give NINs, or --pending (not both)")
    targets = (
        pending_nins(registry, Country.parse(state) if state else None)
        if pending
        else list(nins or [])
    )
    reason = RevocationReason.parse(replace) if replace else None
    store = KeyStore.open(opts.keys)
    secret = passphrase()
    clock = now()
    with progress("Issuing", len(targets)) as advance:
        cards = issue_cards(
            registry,
            store,
            secret,
            targets,
            now=clock,
            officer=officer,
            replace=reason,
            workers=workers or default_workers(),
            on_card=advance,
            lease=pending,
        )
    if as_json:
        print_json(
            [
                {
                    "card_number": c.card_number,
                    "nin": c.nin,
                    "state": c.state.value,
                    "kid": c.kid.hex(),
                }
                for c in cards
            ]
        )
        return
    for card in cards:
        console.print(f"{card.nin} -> {card.card_number}")
    console.print(f"{len(cards)} card(s) issued")


def revoke_command(
    ctx: typer.Context,
    card_number: Annotated[str, typer.Argument(help="Card number, e.g. ML0004217.")],
    reason: Annotated[str, Opt(help="lost, stolen, damaged, deceased or fraud.")],
    officer: Annotated[str, Opt(help="Officer identifier, for the log.")] = "officer",
    date: Annotated[
        str | None, Opt("--date", help="With --reason deceased: the date of death, if known.")
    ] = None,
) -> None:
    """Revoke a card; its state's list is re-signed. deceased and fraud also mark the holder."""
    opts = settings(ctx)
    why = RevocationReason.parse(reason)
    done = revoke_card(
        open_registry(opts.db, create=False),
        KeyStore.open(opts.keys),
        passphrase(),
        card_number,
        why,
        now=now(),
        by=officer,
        deceased_on=PartialDate.parse(date) if date else None,
    )
    published = done.published
    console.print(
        f"card {done.card_number} revoked ({why.value}); revocation list "
        f"{published.scope} #{published.sequence} exported to {published.path}"
    )
    if done.resident_changed:
        console.print(f"resident {done.nin} is now {done.resident_status.value}: no new card")


@card_app.command("show")
def card_show(
    ctx: typer.Context,
    card_number: Annotated[str, typer.Argument(help="Card number.")],
    as_json: Annotated[bool, Opt("--json", help="Print JSON.")] = False,
) -> None:
    """The printed fields, the MRZ lines, the QR text, the kid and the status."""
    view = card_view(open_registry(settings(ctx).db, create=False), card_number)
    if as_json:
        print_json(view.to_json())
        return
    for key, value in view.to_json().items():
        if key in ("mrz", "qr_text", "outdated"):
            continue
        console.print(f"{key.replace('_', ' '):>16}: {value}")
    if view.outdated:
        valid = view.card.status is CardStatus.VALID
        then = f" (`aes-id issue {view.card.identity.nin}` issues the new card)" if valid else ""
        console.print(f"{'outdated':>16}: yes, the resident's data changed after printing{then}")
    console.print("MRZ:")
    for line in view.mrz:
        console.print(f"  {line}")
    console.print(f"QR ({len(view.qr_text)} characters, version {view.qr_version}-M):")
    console.print(view.qr_text)


adjudicate_app = typer.Typer(
    help="Officer: decide enrolments stopped as suspected duplicates.", invoke_without_command=True
)


def register_adjudication(app: typer.Typer) -> None:
    app.add_typer(adjudicate_app, name="adjudicate")


@adjudicate_app.callback()
def adjudicate_list(
    ctx: typer.Context,
    every: Annotated[bool, Opt("--all", help="Decided cases too.")] = False,
    as_json: Annotated[bool, Opt("--json", help="Print JSON.")] = False,
) -> None:
    """List suspected duplicates awaiting a decision (subcommands: confirm, clear)."""
    if ctx.invoked_subcommand is not None:
        return
    cases = list_cases(
        open_registry(settings(ctx).db, create=False), status=None if every else "pending"
    )
    if as_json:
        print_json([case.__dict__ for case in cases])
        return
    table = Table("Case", "Stopped", "Applicant", "Born", "Matches (NIN, score, why)", "Status")
    for case in cases:
        person = case.person
        matches = ", ".join(f"{nin} {score:.2f} {why}" for nin, score, why in case.candidates[:3])
        table.add_row(
            f"#{case.number}",
            f"{case.created_at:%Y-%m-%d %H:%M}",
            f"{person['family_name']}, {person['given_names']} ({person['state']})",
            PartialDate.parse(person["dob"]).iso(),
            matches,
            case.status + (f" -> {case.nin}" if case.nin else ""),
        )
    console.print(table)
    if not cases:
        console.print("no case awaits adjudication")


def _decide(ctx: typer.Context, case: int, officer: str, *, confirm: bool) -> None:
    decided = decide(
        open_registry(settings(ctx).db, create=False),
        case,
        confirm=confirm,
        officer=officer,
        now=now(),
    )
    if confirm:
        console.print(f"case #{case} confirmed: enrolment refused and recorded as a fraud attempt")
    else:
        console.print(f"case #{case} cleared as a false match: enrolled with NIN {decided.nin}")


@adjudicate_app.command("confirm")
def adjudicate_confirm(
    ctx: typer.Context,
    case: Annotated[int, typer.Argument(help="Case number.")],
    officer: Annotated[str, Opt(help="Officer identifier.")] = "officer",
) -> None:
    """The applicant is already enrolled: refuse, and keep the attempt on record."""
    _decide(ctx, case, officer, confirm=True)


@adjudicate_app.command("clear")
def adjudicate_clear(
    ctx: typer.Context,
    case: Annotated[int, typer.Argument(help="Case number.")],
    officer: Annotated[str, Opt(help="Officer identifier.")] = "officer",
) -> None:
    """A false match: enrol the applicant after all."""
    _decide(ctx, case, officer, confirm=False)
