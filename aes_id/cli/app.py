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
from aes_id.cli import agent, auditor, border, demo, officer, operator, printer
from aes_id.cli.common import ENV_KEYS, Settings, err_console
from aes_id.errors import AesIdError

app = typer.Typer(
    name="aes-id",
    help="AES-ID: enrol, issue, print, verify and audit identity cards of the "
    "Confederation of Sahel States (a simulator; synthetic people only).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _root(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(help="Registry: a file path or SQLAlchemy URL [env AES_ID_DB; registry.db]"),
    ] = None,
    keys: Annotated[Path, typer.Option(envvar=ENV_KEYS, help="Key store folder.")] = Path("keys"),
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Tracebacks on errors.")] = False,
) -> None:
    ctx.obj = Settings(db=db, keys=keys, verbose=verbose)


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(f"aes-id {__version__}")


officer.register(app)
officer.register_cards(app)
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
    args = sys.argv[1:] if argv is None else argv
    try:
        app(args=args, prog_name="aes-id")
    except AesIdError as exc:
        if "--verbose" in args or "-v" in args:
            traceback.print_exc()
        err_console.print(f"[bold red]error:[/] {escape(exc.message)}", markup=True)
        if exc.hint:
            err_console.print(f"hint: {exc.hint}", markup=False, emoji=False)
        raise SystemExit(exc.exit_code) from None
    except KeyboardInterrupt:
        err_console.print("interrupted")
        raise SystemExit(130) from None
