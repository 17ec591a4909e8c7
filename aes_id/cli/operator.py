"""Commands of the operator: the key hierarchy and the signed lists border posts trust."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from aes_id.cli.common import console, now, passphrase, print_json, settings
from aes_id.domain import Country, Kid, PartialDate
from aes_id.errors import UsageError
from aes_id.pki.keys import KeyStore
from aes_id.publishing import Published, init_keys, publish_lists, revoke_key, rotate_signer
from aes_id.registry.db import open_registry

keys_app = typer.Typer(
    help="Operator: the key hierarchy (root, State CAs, Document Signers).", no_args_is_help=True
)
revocations_app = typer.Typer(help="Operator: signed revocation lists.", no_args_is_help=True)
Opt = typer.Option


def register(app: typer.Typer) -> None:
    app.add_typer(keys_app, name="keys")
    app.add_typer(revocations_app, name="revocations")


def _by(operator: str) -> str:
    return operator.strip() or "operator"


@keys_app.command("init")
def keys_init(
    ctx: typer.Context,
    force: Annotated[
        bool, Opt("--force", help="Replace an existing store (old keys kept aside).")
    ] = False,
    operator: Annotated[str, Opt(help="Operator identifier, for the log.")] = "operator",
) -> None:
    """Create the Root CA, a State CA and a Document Signer per state, and the log key."""
    opts = settings(ctx)
    store = init_keys(
        open_registry(opts.db),
        opts.keys,
        passphrase(confirm=True),
        now=now(),
        by=_by(operator),
        force=force,
    )
    console.print(f"key store created in {store.path}")
    _print_keys(store, as_json=False)


def _print_keys(store: KeyStore, *, as_json: bool) -> None:
    records = store.list_keys()
    if as_json:
        print_json([r.to_json() for r in records])
        return
    table = Table("kid", "role", "state", "status", "valid from", "valid until", "signs until")
    for r in records:
        table.add_row(
            r.kid.hex(),
            r.role.value,
            r.state.value if r.state else "-",
            r.status.value + (f" from {r.revoked_from:%Y-%m-%d}" if r.revoked_from else ""),
            f"{r.not_before:%Y-%m-%d}",
            f"{r.not_after:%Y-%m-%d}" if r.not_after else "-",
            f"{r.signing_until:%Y-%m-%d}" if r.signing_until else "-",
        )
    console.print(table)


@keys_app.command("list")
def keys_list(
    ctx: typer.Context,
    as_json: Annotated[bool, Opt("--json", help="Print JSON.")] = False,
) -> None:
    """Every key with kid, state, role, status and validity."""
    _print_keys(KeyStore.open(settings(ctx).keys), as_json=as_json)


@keys_app.command("rotate")
def keys_rotate(
    ctx: typer.Context,
    state: Annotated[str, Opt(help="MLI, BFA or NER.")],
    operator: Annotated[str, Opt(help="Operator identifier, for the log.")] = "operator",
) -> None:
    """A new Document Signer becomes active; the old one retires and its cards stay valid."""
    opts = settings(ctx)
    store = KeyStore.open(opts.keys)
    event = rotate_signer(
        open_registry(opts.db),
        store,
        passphrase(),
        Country.parse(state),
        now=now(),
        by=_by(operator),
    )
    console.print(f"{event.kind.value}: {event.detail}")


@keys_app.command("revoke")
def keys_revoke(
    ctx: typer.Context,
    kid: Annotated[str, typer.Argument(help="Key id (16 hex digits).")],
    from_date: Annotated[
        str, Opt("--from", help="Signatures from this date (YYYY-MM-DD) are void.")
    ],
    reason: Annotated[str, Opt(help="Why: key-compromise, ca-compromise, superseded, ...")],
    operator: Annotated[str, Opt(help="Operator identifier, for the log.")] = "operator",
) -> None:
    """Revoke a key from a date: cards it signed from then on become invalid."""
    try:
        kid_bytes = Kid(bytes.fromhex(kid.strip()))
    except ValueError:
        raise UsageError(f"kid {kid!r} is not hexadecimal") from None
    start = PartialDate.parse(from_date)
    if not start.is_complete:
        raise UsageError("--from needs a full date YYYY-MM-DD")
    import datetime as dt

    from_ = dt.datetime.combine(start.earliest(), dt.time(0), tzinfo=dt.UTC)
    opts = settings(ctx)
    event = revoke_key(
        open_registry(opts.db),
        KeyStore.open(opts.keys),
        passphrase(),
        kid_bytes,
        from_=from_,
        reason=reason,
        now=now(),
        by=_by(operator),
    )
    console.print(f"{event.kind.value}: {event.detail}")


@keys_app.command("trust-list")
def keys_trust_list(
    ctx: typer.Context,
    out: Annotated[Path | None, Opt(help="Also copy the signed list here.")] = None,
    operator: Annotated[str, Opt(help="Operator identifier, for the log.")] = "operator",
) -> None:
    """Sign and export a fresh trust list (with a new sequence number)."""
    opts = settings(ctx)
    published = publish_lists(
        open_registry(opts.db),
        KeyStore.open(opts.keys),
        passphrase(),
        now=now(),
        by=_by(operator),
        states=(),
    )
    _report(published, out)


@revocations_app.command("export")
def revocations_export(
    ctx: typer.Context,
    state: Annotated[str | None, Opt(help="One state; all three by default.")] = None,
    out: Annotated[Path | None, Opt(help="Also copy the signed lists into this folder.")] = None,
    operator: Annotated[str, Opt(help="Operator identifier, for the log.")] = "operator",
) -> None:
    """Sign and export fresh revocation lists."""
    opts = settings(ctx)
    states = [Country.parse(state)] if state else list(Country)
    published = publish_lists(
        open_registry(opts.db),
        KeyStore.open(opts.keys),
        passphrase(),
        now=now(),
        by=_by(operator),
        states=states,
        trust_list=False,
    )
    _report(published, out)


def _report(published: list[Published], out: Path | None) -> None:
    for item in published:
        target = item.path
        if out is not None:
            target = out / item.path.name if out.is_dir() or len(published) > 1 else out
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(item.data)
        console.print(f"{item.kind.value} {item.scope} #{item.sequence}: {target}")
