"""Officer commands that put cards on paper and screen: ``print`` and ``card render``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from aes_id.cards.printing import (
    preview_pngs,
    print_card_files,
    print_one_file,
    print_sheet,
    read_card_list,
    select_cards,
)
from aes_id.cli.common import console, now, progress, settings
from aes_id.cli.officer import card_app
from aes_id.domain import Country
from aes_id.errors import UsageError
from aes_id.registry.db import open_registry

Opt = typer.Option


def register(app: typer.Typer) -> None:
    app.command("print")(print_command)


def print_command(
    ctx: typer.Context,
    cards: Annotated[list[str] | None, typer.Argument(help="Card numbers to print.")] = None,
    list_file: Annotated[
        Path | None, Opt("--list", help="File of card numbers, one per line.")
    ] = None,
    pending: Annotated[bool, Opt("--pending", help="Valid cards not printed yet.")] = False,
    state: Annotated[str | None, Opt(help="Only cards of this state.")] = None,
    sheet: Annotated[
        str | None, Opt(help="Impose on print sheets of this paper: a4 or letter.")
    ] = None,
    out: Annotated[
        Path | None,
        Opt(help="Folder for one PDF per card (default cards/), or the file for --sheet/--single."),
    ] = None,
    single: Annotated[bool, Opt("--single", help="All cards in one multi-page PDF.")] = False,
) -> None:
    """Card PDFs (ID-1, front and back) for a print shop, one file per card by default."""
    registry = open_registry(settings(ctx).db, create=False)
    numbers = list(cards or [])
    if list_file is not None:
        numbers += read_card_list(list_file)
    chosen = select_cards(
        registry, numbers, state=Country.parse(state) if state else None, pending=pending
    )
    clock = now()
    if sheet and single:
        raise UsageError("choose --sheet or --single")
    with progress("Rendering", None):
        if sheet:
            target = out or Path("sheets") / f"sheet-{clock:%Y%m%d-%H%M%S}.pdf"
            print_sheet(registry, chosen, target, paper=sheet, now=clock)
            console.print(f"{len(chosen)} cards on print sheets: {target}")
        elif single:
            target = out or Path("cards") / f"cards-{clock:%Y%m%d-%H%M%S}.pdf"
            print_one_file(registry, chosen, target, now=clock)
            console.print(f"{len(chosen)} cards in {target}")
        else:
            paths = print_card_files(registry, chosen, out or Path("cards"), now=clock)
            for path in paths:
                console.print(str(path))
            console.print(f"{len(paths)} card PDF(s) written")


@card_app.command("render")
def card_render(
    ctx: typer.Context,
    card_number: Annotated[str, typer.Argument(help="Card number.")],
    png: Annotated[bool, Opt("--png", help="PNG images of both faces.")] = True,
    out: Annotated[Path, Opt(help="Folder for the images.")] = Path("previews"),
    dpi: Annotated[int, Opt(help="Resolution.")] = 300,
) -> None:
    """Preview a card: PNG images of its front and back."""
    if not png:
        raise UsageError("only --png previews are available; use `aes-id print` for PDFs")
    if not 72 <= dpi <= 1200:
        raise UsageError(f"--dpi {dpi} is outside 72-1200")
    front, back = preview_pngs(
        open_registry(settings(ctx).db, create=False), card_number, out, dpi=dpi
    )
    console.print(f"{front}\n{back}")
