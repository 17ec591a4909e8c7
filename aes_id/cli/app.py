"""The ``aes-id`` command line: one Typer app, one module per role.

Only this package prints. Every :class:`~aes_id.errors.AesIdError` becomes one
line on stderr and a non-zero exit code; ``--verbose`` shows the traceback.
"""

from __future__ import annotations

import sys
import traceback
from pathlib import Path
from typing import Annotated

import click
import typer

from aes_id import __version__
from aes_id.cli import officer
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
    keys: Annotated[
        Path, typer.Option(envvar=ENV_KEYS, help="Key store folder.")
    ] = Path("keys"),
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Tracebacks on errors.")] = False,
) -> None:
    ctx.obj = Settings(db=db, keys=keys, verbose=verbose)


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(f"aes-id {__version__}")


officer.register(app)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app, turn package errors into one line and an exit code."""
    verbose = "--verbose" in sys.argv or "-v" in sys.argv[1:2]
    try:
        code = app(args=argv, standalone_mode=False)
    except AesIdError as exc:
        if verbose:
            traceback.print_exc()
        err_console.print(f"[bold red]error:[/] {exc.message}", markup=True)
        if exc.hint:
            err_console.print(f"hint: {exc.hint}")
        raise SystemExit(exc.exit_code) from None
    except click.exceptions.Abort:
        err_console.print("aborted")
        raise SystemExit(130) from None
    except click.ClickException as exc:  # usage errors: unknown option, bad value
        exc.show()
        raise SystemExit(exc.exit_code) from None
    raise SystemExit(code if isinstance(code, int) else 0)
