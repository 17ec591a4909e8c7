"""The border agent's ``aes-id verify``: a card (photo, scan, PDF or QR text) to a verdict, offline.

Exit codes: 0 VALID, 1 any other verdict, 2 a usage error (no input, unreadable lists).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from aes_id.cli.common import console, err_console, now, print_json, settings
from aes_id.domain import Verdict, VerificationResult
from aes_id.errors import UsageError
from aes_id.verify.lists import lists_for
from aes_id.verify.scan import scan_file
from aes_id.verify.verifier import verify_qr_text

Opt = typer.Option
STYLE = {Verdict.VALID: "bold green"}


def register(app: typer.Typer) -> None:
    app.command("verify")(verify_command)


def _at(text: str | None) -> dt.datetime:
    """``--at``: a date-time (UTC unless it names a zone), or a date, read as its noon UTC."""
    if text is None:
        return now()
    text = text.strip()
    try:
        day = dt.date.fromisoformat(text)  # a day, not a time: fromisoformat would say midnight
    except ValueError:
        day = None
    try:
        moment = dt.datetime.combine(day, dt.time(12)) if day else dt.datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(
            f"--at {text!r}: expected a date YYYY-MM-DD or a date-time YYYY-MM-DDTHH:MM[+HH:MM]"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def verify_command(
    ctx: typer.Context,
    source: Annotated[
        Path | None, typer.Argument(help="Photo or scan (PNG/JPEG) or card PDF.")
    ] = None,
    qr: Annotated[str | None, Opt(help="The QR text itself, instead of a file.")] = None,
    trust_list: Annotated[Path | None, Opt(help="Signed trust list file.")] = None,
    revocations: Annotated[
        list[Path] | None, Opt(help="Signed revocation list file (repeat per state).")
    ] = None,
    root: Annotated[
        Path | None, Opt(help="Root CA certificate (PEM/DER), the trust anchor.")
    ] = None,
    mrz: Annotated[
        str | None, Opt(help="The three MRZ lines, separated by newlines or '/'.")
    ] = None,
    at: Annotated[str | None, Opt(help="Verify as of this date or time (UTC).")] = None,
    face_out: Annotated[Path | None, Opt(help="Save the face from the QR here (WebP).")] = None,
    as_json: Annotated[bool, Opt("--json", help="Print JSON.")] = False,
) -> None:
    """Check a card offline and say VALID or exactly what is wrong."""
    if (source is None) == (qr is None):
        raise UsageError("give a photo/scan/PDF file, or --qr TEXT (one of them)")
    lists = lists_for(settings(ctx).keys, trust_list, revocations or [], root)
    text = qr if qr is not None else scan_file(source)  # type: ignore[arg-type]
    mrz_lines = (
        [line for line in mrz.replace("/", "\n").splitlines() if line.strip()] if mrz else None
    )
    result = verify_qr_text(text, lists, now=_at(at), mrz_lines=mrz_lines)
    if face_out is not None and result.face:
        _save_face(face_out, result.face)
    if as_json:
        print_json(result.to_json())
    else:
        _print_result(result, face_out)
    raise typer.Exit(0 if result.ok else 1)


def _save_face(path: Path, face: bytes) -> None:
    try:
        path.write_bytes(face)
    except OSError as exc:
        raise UsageError(f"cannot save the face to {path}: {exc.strerror}") from None


def _print_result(result: VerificationResult, face_out: Path | None) -> None:
    """The verdict for a person. What the card says is the forger's text: printed as is,
    never read as rich markup or emoji codes."""
    style = STYLE.get(result.verdict, "bold red")
    console.print(Text(result.verdict.value, style=style))
    for reason in result.reasons:
        _plain(f"  - {reason}")
    person = result.identity
    if person is not None:
        state = result.issuing_state.value if result.issuing_state else "?"
        _plain(f"  card      {result.card_number} ({state})")
        _plain(f"  holder    {person.family_name.upper()}, {person.given_names}")
        born = f"{person.date_of_birth.iso()} at {person.place_of_birth}"
        _plain(f"  born      {born}, sex {person.sex.value}")
        _plain(f"  NIN       {person.nin}")
        if result.expires_at:
            _plain(f"  expires   {result.expires_at:%Y-%m-%d}")
        if face_out is not None and result.face:
            _plain(f"  face      saved to {face_out}")
    for warning in result.warnings:
        err_console.print(Text.assemble(("warning:", "yellow"), " ", warning))


def _plain(line: str) -> None:
    console.print(line, markup=False, emoji=False)
