"""Printing issued cards: card PDFs, A4 print sheets and PNG previews, from the registry.

Which cards: a list of card numbers, a list file (one per line; untrusted, so
each line is checked), the valid cards of a state, or the ones not printed yet
(``pending``). Printing marks cards as printed, so ``pending`` moves on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from sqlalchemy import update
from sqlmodel import col, select

from aes_id.cards.views import card_with_portrait, mrz_lines
from aes_id.domain import CardNumber, CardStatus, Country
from aes_id.errors import InputError, UsageError
from aes_id.formats.numbers import check_card_number
from aes_id.registry import tables
from aes_id.registry.db import Registry
from aes_id.render.batch import render_card_files
from aes_id.render.card import PrintableCard, render_cards_pdf
from aes_id.render.preview import write_card_pngs
from aes_id.render.sheet import render_sheet_pdf

MAX_LIST_LINES = 1_000_000


def read_card_list(path: Path) -> list[CardNumber]:
    """Card numbers from a list file: one per line, blank lines and ``#`` comments ignored."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read card list {path}: {exc}") from None
    numbers: list[CardNumber] = []
    for line_no, line in enumerate(text.splitlines(), start=1):
        entry = line.split("#", 1)[0].strip()
        if not entry:
            continue
        if len(numbers) >= MAX_LIST_LINES:
            raise InputError(f"{path}: more than {MAX_LIST_LINES} card numbers")
        try:
            numbers.append(check_card_number(entry))
        except InputError as exc:
            raise InputError(f"{path} line {line_no}: {exc.message}") from None
    return numbers


def select_cards(
    registry: Registry,
    numbers: Sequence[str] = (),
    *,
    state: Country | None = None,
    pending: bool = False,
) -> list[CardNumber]:
    """The cards to print: the numbers given, or the valid (and, with ``pending``, unprinted)
    cards of ``state`` or of every state."""
    if numbers:
        if state or pending:
            raise UsageError("give card numbers, or --state/--pending, not both")
        chosen = [check_card_number(n) for n in numbers]
        with registry.reader() as session:
            revoked = list(
                session.exec(
                    select(tables.CardRow.card_number).where(
                        col(tables.CardRow.card_number).in_(chosen),
                        col(tables.CardRow.status) != CardStatus.VALID.value,
                    )
                )
            )
        if revoked:
            raise UsageError(f"card(s) {', '.join(sorted(revoked))} are revoked: not printed")
        return chosen
    query = select(tables.CardRow.card_number).where(
        col(tables.CardRow.status) == CardStatus.VALID.value
    )
    if state is not None:
        query = query.where(col(tables.CardRow.state) == state.value)
    if pending:
        query = query.where(col(tables.CardRow.printed_at).is_(None))
    with registry.reader() as session:
        found = [
            CardNumber(n) for n in session.exec(query.order_by(col(tables.CardRow.card_number)))
        ]
    if not found:
        raise UsageError("no card matches: nothing to print")
    return found


def printables(registry: Registry, numbers: Iterable[str]) -> Iterator[PrintableCard]:
    for number in numbers:
        card, photo = card_with_portrait(registry, number)
        yield PrintableCard(card=card, photo=photo, mrz=mrz_lines(card))


def mark_printed(registry: Registry, numbers: Sequence[str], now: dt.datetime) -> None:
    with registry.transaction() as session:
        for start in range(0, len(numbers), 500):
            chunk = list(numbers[start : start + 500])
            session.execute(
                update(tables.CardRow)
                .where(col(tables.CardRow.card_number).in_(chunk))
                .values(printed_at=now)
            )


def print_card_files(
    registry: Registry, numbers: Sequence[str], folder: Path, *, now: dt.datetime
) -> list[Path]:
    """One PDF per card in ``folder`` (``<card number>.pdf``)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = render_card_files(printables(registry, numbers), folder)
    mark_printed(registry, numbers, now)
    return paths


def print_one_file(
    registry: Registry, numbers: Sequence[str], target: Path, *, now: dt.datetime
) -> Path:
    """Every card in one multi-page PDF (front, back, front, back, ...)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    render_cards_pdf(printables(registry, numbers), None, target)
    mark_printed(registry, numbers, now)
    return target


def print_sheet(
    registry: Registry, numbers: Sequence[str], target: Path, *, paper: str, now: dt.datetime
) -> Path:
    """Cards imposed on sheets (10 per A4 page), fronts and backs aligned for duplex."""
    target.parent.mkdir(parents=True, exist_ok=True)
    render_sheet_pdf(printables(registry, numbers), target, paper=paper)
    mark_printed(registry, numbers, now)
    return target


def preview_pngs(registry: Registry, number: str, folder: Path, *, dpi: int) -> tuple[Path, Path]:
    """PNG images of both faces of one card."""
    (printable,) = printables(registry, [number])
    return write_card_pngs(printable, folder, dpi=dpi)
