"""The ``aes-id`` command line: one Typer app, one module per role.

Only this package prints. Every :class:`~aes_id.errors.AesIdError` becomes one
line on stderr and a non-zero exit code; ``--verbose`` shows the traceback.
"""

from __future__ import annotations

import sys
import traceback
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from aes_id import __version__
from aes_id.cli import agent, auditor, border, demo, life, officer, operator, printer
from aes_id.cli.common import ENV_KEYS, Settings, err_console, print_json
from aes_id.errors import AesIdError
from aes_id.registry.db import ENV_DB

GLOBAL_OPTIONS = ("--db", "--keys")
"""Options of ``aes-id`` itself that may also be written after the command."""
GLOBAL_FLAGS = ("--verbose", "-v")


def hoist_global_options(args: list[str]) -> list[str]:
    """Move ``--db X``, ``--keys Y`` and ``--verbose`` written after a command to the front.

    ``aes-id enrol --db other.db …`` then means ``aes-id --db other.db enrol …``.
    Nothing after ``--`` moves. A global option without its value is left where
    it is, for Click to report.

    >>> hoist_global_options(["enrol", "--db", "x.db", "--synthetic", "5"])
    ['--db', 'x.db', 'enrol', '--synthetic', '5']
    """
    front: list[str] = []
    rest: list[str] = []
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "--":
            rest.extend(args[index:])
            break
        name = arg.split("=", 1)[0]
        if name in GLOBAL_OPTIONS and "=" in arg:
            front.append(arg)
        elif name in GLOBAL_OPTIONS and index + 1 < len(args):
            front.extend(args[index : index + 2])
            index += 1
        elif arg in GLOBAL_FLAGS:
            front.append(arg)
        else:
            rest.append(arg)
        index += 1
    return front + rest


app = typer.Typer(
    name="aes-id",
    help="AES-ID: enrol, issue, print, verify and audit identity cards of the "
    "Confederation of Sahel States (a simulator; synthetic people only).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"aes-id {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            envvar=ENV_DB,
            show_envvar=True,
            help="Registry: a file path or SQLAlchemy URL (default registry.db). "
            "Before or after the command.",
        ),
    ] = None,
    keys: Annotated[
        Path,
        typer.Option(
            envvar=ENV_KEYS,
            show_envvar=True,
            help="Key store folder. Before or after the command.",
        ),
    ] = Path("keys"),
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Tracebacks on errors.")] = False,
    _version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    ctx.obj = Settings(db=db, keys=keys, verbose=verbose)


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(f"aes-id {__version__}")


officer.register(app)
officer.register_cards(app)
life.register()
printer.register(app)
officer.register_adjudication(app)
border.register(app)
auditor.register(app)
operator.register(app)
agent.register(app)
demo.register(app)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app, turn package errors into one line and an exit code.

    Typer handles its own usage errors (exit code 2); an :class:`AesIdError`
    raised by a command comes out here.
    """
    args = hoist_global_options(sys.argv[1:] if argv is None else argv)
    try:
        app(args=args, prog_name="aes-id")
    except AesIdError as exc:
        if "--verbose" in args or "-v" in args:
            traceback.print_exc()
        if "--json" in args:  # a machine asked: the error is JSON too, on stdout
            print_json({"error": exc.message, "hint": exc.hint, "exit_code": exc.exit_code})
        err_console.print(f"[bold red]error:[/] {escape(exc.message)}", markup=True)
        if exc.hint:
            err_console.print(f"hint: {exc.hint}", markup=False, emoji=False)
        raise SystemExit(exc.exit_code) from None
    except KeyboardInterrupt:
        err_console.print("interrupted")
        raise SystemExit(130) from None
