"""Commands of the border: the agent's offline check, a post's sync, and the border drill.

Each post keeps its own folder under ``--border`` (``AES_ID_BORDER``, default
``border/``): its pinned root, its synced lists and its journal. ``check``
reads nothing else. Exit codes of ``check``: 0 admit, 1 refer or refuse, 2 a
usage error.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import typer

from aes_id.border.check import PostVerification
from aes_id.border.fingers import default_matcher
from aes_id.border.folders import DEFAULT_BORDER, ENV_BORDER, BorderFolder, default_run_name
from aes_id.border.journal import Journal
from aes_id.border.records import Crossing, Decision, Direction, FaceCheck, Source
from aes_id.cli.common import console, err_console, id_table, now, print_json, progress, settings
from aes_id.errors import UsageError
from aes_id.geography import border_posts
from aes_id.registry.db import open_registry
from aes_id.simulate.border_pdf import write_report_pdf
from aes_id.simulate.border_sim import DrillSettings, open_drill
from aes_id.simulate.border_world import cardholders_from_registry
from aes_id.simulate.report import load_report, report_tables
from aes_id.verify.scan import NoQrCodeFound, scan_file

border_app = typer.Typer(
    help="Border posts: the agent's offline check, list sync, and the border drill.",
    no_args_is_help=True,
)
Opt = typer.Option
_FACE = {"match": FaceCheck.MATCH, "mismatch": FaceCheck.MISMATCH}
_DIRECTION = {"exit": Direction.EXIT, "entry": Direction.ENTRY}
_STYLE = {Decision.ADMIT: "bold green", Decision.REFER: "bold yellow", Decision.REFUSE: "bold red"}


def register(app: typer.Typer) -> None:
    app.add_typer(border_app, name="border")


@border_app.callback()
def _border_options(
    ctx: typer.Context,
    border: Annotated[
        Path, Opt(envvar=ENV_BORDER, help="Folder of the posts and drills [env AES_ID_BORDER].")
    ] = DEFAULT_BORDER,
) -> None:
    ctx.meta["border_dir"] = border


def _border(ctx: typer.Context) -> BorderFolder:
    return BorderFolder(Path(ctx.meta.get("border_dir", DEFAULT_BORDER)))


def _choice(value: str | None, choices: dict[str, Any], option: str) -> Any:
    if value is None:
        return None
    key = value.strip().lower()
    if key not in choices:
        raise UsageError(f"{option} {value!r}: expected one of {', '.join(choices)}")
    return choices[key]


@border_app.command("posts")
def posts_command(
    ctx: typer.Context, as_json: Annotated[bool, Opt("--json", help="Print JSON.")] = False
) -> None:
    """The border posts, their sync policy, and when each last synced here."""
    rows = [_border(ctx).post_status(post) for post in border_posts()]
    if as_json:
        print_json(rows)
        return
    table = id_table(
        "code", "name", "state", "kind", "position", "sync every", "offline", "last synced here"
    )
    for post, row in zip(border_posts(), rows, strict=True):
        where = (
            f"{post.lat:.3f}, {post.lon:.3f}"
            if post.lat is not None and post.lon is not None
            else "unknown"
        )
        offline = (
            f"{post.offline_chance:.0%}/day, {post.offline_days} d" if post.offline_chance else "-"
        )
        last = row["last_sync"]
        table.add_row(
            post.code,
            post.name,
            post.state.value,
            post.kind.value,
            where,
            _every(post.sync_interval),
            offline,
            last[:16] if isinstance(last, str) else "never",
        )
    console.print(table)


def _every(interval: dt.timedelta) -> str:
    hours = interval.total_seconds() / 3600
    return f"{hours:.0f} h" if hours < 24 else f"{hours / 24:.0f} d"


@border_app.command("sync")
def sync_command(
    ctx: typer.Context,
    post: Annotated[str, Opt(help="Post code (see `aes-id border posts`), or 'all'.")],
    exports: Annotated[
        Path | None, Opt(help="The operator's exports folder [the key store].")
    ] = None,
    root: Annotated[
        Path | None, Opt(help="Root certificate to pin at the first sync [the key store's].")
    ] = None,
    as_json: Annotated[bool, Opt("--json", help="Print JSON.")] = False,
) -> None:
    """Refresh a post's lists from the operator's exports; upload its crossings."""
    report = _border(ctx).sync(post, exports or settings(ctx).keys, now=now(), root=root)
    if as_json:
        print_json([item.to_json() for item in report])
        return
    for item in report:
        console.print(f"{item.post.code}: " + ("; ".join(item.changes) or "lists already current"))
        for warning in item.warnings:
            err_console.print(f"[yellow]warning:[/] {warning}", markup=True)
        for alert in item.alerts:
            console.print(f"  [bold red]alert[/] {alert.kind.value}: {alert.detail}", markup=True)


@border_app.command("check")
def check_command(
    ctx: typer.Context,
    post: Annotated[str, Opt(help="The post doing the check.")],
    photo: Annotated[
        Path | None, typer.Argument(help="Photo or scan of the card (or its PDF).")
    ] = None,
    qr: Annotated[str | None, Opt(help="The QR text itself, instead of a photo.")] = None,
    face: Annotated[
        str | None, Opt(help="Your comparison of the QR's face with the bearer: match, mismatch.")
    ] = None,
    fingers: Annotated[
        Path | None, Opt(help="Live fingerprint capture (template record) to match 1:1.")
    ] = None,
    direction: Annotated[str | None, Opt(help="exit or entry.")] = None,
    face_out: Annotated[Path | None, Opt(help="Save the face from the QR here (WebP).")] = None,
    as_json: Annotated[bool, Opt("--json", help="Print JSON.")] = False,
) -> None:
    """Check a card offline with the post's own lists; record the crossing and the decision."""
    if (photo is None) == (qr is None):
        raise UsageError("give a photo/scan/PDF of the card, or --qr TEXT (one of them)")
    station = _border(ctx).station(post)
    text, source = qr, Source.QR_TEXT
    if photo is not None:
        source = Source.IMAGE
        try:
            text = scan_file(photo)
        except NoQrCodeFound:
            text = None
    face_check = _choice(face, _FACE, "--face") or FaceCheck.NOT_DONE
    live = _read(fingers) if fingers else None
    verification, crossing = station.check(
        text,
        now=now(),
        face=face_check,
        live_fingers=live,
        matcher=default_matcher() if live is not None else None,
        direction=_choice(direction, _DIRECTION, "--direction"),
        source=source,
    )
    if face_out is not None and verification.result and verification.result.face:
        face_out.write_bytes(verification.result.face)
    if as_json:
        data = (
            verification.result.to_json() if verification.result else {"verdict": crossing.verdict}
        )
        print_json(
            {
                **data,
                "decision": crossing.decision.value,
                "crossing": crossing.id,
                "face_check": crossing.face.value,
                "finger_check": crossing.finger.value,
            }
        )
    else:
        _print_check(verification, crossing, face_out)
    raise typer.Exit(0 if crossing.admitted else 1)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None


def _print_check(verification: PostVerification, crossing: Crossing, face_out: Path | None) -> None:
    console.print(
        f"[{_STYLE[crossing.decision]}]{crossing.decision.value.upper()}[/] "
        f"({crossing.verdict}) at {crossing.post}, crossing #{crossing.id}",
        markup=True,
    )
    for reason in crossing.reasons:
        console.print(f"  - {reason}")
    result = verification.result
    if result is not None and result.identity is not None:
        person = result.identity
        console.print(f"  card      {result.card_number} ({crossing.issuing_state})")
        console.print(f"  holder    {person.family_name.upper()}, {person.given_names}")
        console.print(
            f"  born      {person.date_of_birth.iso()} at {person.place_of_birth}, "
            f"sex {person.sex.value}"
        )
        console.print(f"  NIN       {person.nin}")
        if result.expires_at:
            console.print(f"  expires   {result.expires_at:%Y-%m-%d}")
        if face_out is not None and result.face:
            console.print(f"  face      saved to {face_out}: compare it with the bearer")
    console.print(f"  face check {crossing.face.value}, fingerprint {crossing.finger.value}")
    if crossing.trust_age is not None:
        console.print(
            f"  lists     trust list #{crossing.trust_seq}, {_age(crossing.trust_age)} old"
            + (
                f"; revocations #{crossing.revocation_seq}, {_age(crossing.revocation_age)} old"
                if crossing.revocation_age is not None
                else ""
            )
        )
    for warning in result.warnings if result else ():
        err_console.print(f"[yellow]warning:[/] {warning}", markup=True)


def _age(span: dt.timedelta | None) -> str:
    if span is None:
        return "?"
    hours = span.total_seconds() / 3600
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} days"


@border_app.command("simulate")
def simulate_command(
    ctx: typer.Context,
    days: Annotated[int, Opt(help="Days of traffic.")] = 7,
    travellers: Annotated[int, Opt(help="Card holders drawn from the registry.")] = 1000,
    fraud_rate: Annotated[float, Opt(help="Frauds per trip (0-1).")] = 0.02,
    seed: Annotated[int, Opt(help="Seed: the same seed, the same drill.")] = 1,
    image_sample: Annotated[
        float, Opt(help="Share of checks through the whole image path (print, photo, scan).")
    ] = 0.01,
    fingerprints: Annotated[
        bool, Opt("--fingerprints", help="Fingerprint readers at every post (1:1 match).")
    ] = False,
    start: Annotated[
        str | None, Opt(help="First day (YYYY-MM-DD) [day after the newest card].")
    ] = None,
    run: Annotated[
        str | None, Opt(help="Name of the run [drill-<seed>-<travellers>x<days>d].")
    ] = None,
    as_json: Annotated[bool, Opt("--json", help="Print JSON.")] = False,
) -> None:
    """Run a border drill: posts sync on their schedule while travellers and frauds cross."""
    drill_settings = DrillSettings(
        days=days,
        travellers=travellers,
        fraud_rate=fraud_rate,
        seed=seed,
        image_sample=image_sample,
        fingerprints=fingerprints,
        start=_start(start),
    )
    border = _border(ctx)
    name = run or default_run_name(seed, travellers, days)
    folder = border.run_folder(name)
    holders = cardholders_from_registry(
        open_registry(settings(ctx).db, create=False), travellers, seed=seed
    )
    with open_drill(holders, drill_settings, folder) as drill:
        total = drill.prepare()
        with progress("Border drill", total) as advance:
            summary = drill.run(advance)
    border.mark_latest(name)
    data = {
        "run": name,
        "folder": str(folder),
        "start": summary.start.isoformat(),
        "end": summary.end.isoformat(),
        "checks": summary.crossings,
        "frauds": summary.frauds,
        "alerts": summary.alerts,
        "image_checks": summary.image_crossings,
        "seconds": round(summary.seconds, 2),
    }
    if as_json:
        print_json(data)
        return
    console.print(
        f"run {name}: {summary.crossings} checks ({summary.image_crossings} through the image "
        f"path), {summary.frauds} frauds, {summary.alerts} alerts after sync, in "
        f"{summary.seconds:.1f} s; see `aes-id border report --run {name}`"
    )


def _start(text: str | None) -> dt.datetime | None:
    if text is None:
        return None
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--start {text!r} is not a date YYYY-MM-DD") from None
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


@border_app.command("report")
def report_command(
    ctx: typer.Context,
    run: Annotated[str | None, Opt(help="Run name [the latest].")] = None,
    pdf: Annotated[Path | None, Opt(help="Also write the report with charts as a PDF.")] = None,
    as_json: Annotated[bool, Opt("--json", help="Print JSON.")] = False,
) -> None:
    """What the drill caught at the posts, caught later, missed, and why."""
    path = _border(ctx).run_journal(run)
    with Journal.open(path) as journal:
        report = load_report(journal)
    if pdf is not None:
        write_report_pdf(report, pdf)
    if as_json:
        print_json(report.to_json())
        return
    for renderable in report_tables(report):
        console.print(renderable)
    if pdf is not None:
        console.print(f"PDF report written to {pdf}")
