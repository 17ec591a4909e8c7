"""What every command shares: where the registry and keys live, the clock, output helpers."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from aes_id.errors import UsageError

console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)

ENV_KEYS = "AES_ID_KEYS"
ENV_PASSPHRASE = "AES_ID_KEY_PASSPHRASE"
ENV_NOW = "AES_ID_NOW"


@dataclass
class Settings:
    """Options given before the command (``aes-id --db X --keys Y enrol …``)."""

    db: str | None = None
    keys: Path = Path("keys")
    verbose: bool = False


def settings(ctx: typer.Context) -> Settings:
    obj = ctx.find_root().obj
    return obj if isinstance(obj, Settings) else Settings()


def now() -> dt.datetime:
    """The clock of the command line: the real UTC time, or ``AES_ID_NOW`` for reproducible runs.

    This is the only place the CLI reads the clock; everything below takes it as an argument.
    """
    fixed = os.environ.get(ENV_NOW)
    if fixed:
        try:
            value = dt.datetime.fromisoformat(fixed)
        except ValueError:
            raise UsageError(f"{ENV_NOW}={fixed!r} is not an ISO date-time") from None
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def passphrase(confirm: bool = False) -> str:
    """The key store passphrase: ``AES_ID_KEY_PASSPHRASE``, or a prompt on a terminal."""
    value = os.environ.get(ENV_PASSPHRASE)
    if value:
        return value
    if not sys.stdin.isatty():
        raise UsageError(
            f"no key passphrase: set {ENV_PASSPHRASE} or run on a terminal to be prompted"
        )
    text: str = typer.prompt("Key store passphrase", hide_input=True, confirmation_prompt=confirm)
    return text


IDENTIFIER_WIDTHS = {
    "nin": 12,
    "card": 9,
    "card number": 9,
    "kid": 16,
    "code": 12,
    "post": 12,
    "seq": 8,
    "ref": 16,
    "case": 6,
    "born": 10,
    "state": 5,
    "sex": 3,
}
"""Columns that hold identifiers and short codes, by lower-case header: never cut or wrapped."""


def id_table(*headers: str) -> Table:
    """A table whose identifier columns (NIN, card number, kid, post code) are never cut.

    Rich shrinks a table that is wider than the terminal, cutting cells with an
    ellipsis; identifier columns keep their full width and do not wrap, and the
    other columns wrap to make room (an 80-column terminal shows every NIN whole).
    """
    grid = Table()
    for header in headers:
        width = IDENTIFIER_WIDTHS.get(header.lower())
        if width is None:
            grid.add_column(header, overflow="fold")
        else:
            grid.add_column(header, no_wrap=True, min_width=max(width, len(header)))
    return grid


def print_json(data: Any) -> None:
    """JSON on stdout, for machines."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


@contextmanager
def progress(description: str, total: int | None) -> Iterator[Any]:
    """A progress bar on a terminal; silent when stderr is piped. Yields ``advance(n)``."""
    if not err_console.is_terminal:
        yield lambda n=1: None
        return
    columns = (
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err_console, transient=False) as bar:
        task = bar.add_task(description, total=total)
        yield lambda n=1: bar.advance(task, n)
