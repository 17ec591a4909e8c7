"""Commands of the operator: the key hierarchy and the signed lists border posts trust."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Annotated

import typer

from aes_id.cards.compromise import Compromise, cards_signed_by, revoke_key
from aes_id.cards.issue import pending_nins
from aes_id.cli.common import console, err_console, id_table, now, passphrase, print_json, settings
from aes_id.domain import Country, Kid, PartialDate, RevocationReason
from aes_id.errors import UsageError
from aes_id.files import write_atomic
from aes_id.pki.keys import KeyEvent, KeyRole, KeyStore
from aes_id.publishing import (
    Published,
    init_keys,
    publish_lists,
    replace_state_ca,
    rotate_signer,
)
from aes_id.registry.db import Registry, open_registry

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
    yes: Annotated[
        bool, Opt("--yes", help="With --force: replace without asking (for scripts).")
    ] = False,
    operator: Annotated[str, Opt(help="Operator identifier, for the log.")] = "operator",
) -> None:
    """Create the Root CA, a State CA and a Document Signer per state, and the log key."""
    opts = settings(ctx)
    registry = open_registry(opts.db)
    if force and KeyStore.exists(opts.keys):
        _confirm_replacement(registry, KeyStore.open(opts.keys), yes=yes)
    store = init_keys(
        registry,
        opts.keys,
        passphrase(confirm=True),
        now=now(),
        by=_by(operator),
        force=force,
    )
    console.print(f"key store created in {store.path}")
    _print_keys(store, as_json=False)


def _confirm_replacement(registry: Registry, old: KeyStore, *, yes: bool) -> None:
    """Say what replacing the store orphans, and ask (``--yes`` answers for scripts)."""
    signers = [r.kid for r in old.list_keys() if r.role is KeyRole.DOCUMENT_SIGNER]
    orphaned = cards_signed_by(registry, signers)
    what = (
        f"replacing the key store at {old.path} ({len(old.list_keys())} keys) orphans "
        f"{orphaned} valid card(s) signed by its keys: they will no longer verify"
    )
    if yes:
        err_console.print(what)
        return
    if not sys.stdin.isatty():
        raise UsageError(
            f"{what}; confirm with --yes (no terminal to ask)",
            hint="`aes-id keys init --force --yes` replaces it",
        )
    if not typer.confirm(f"{what}. Replace it?", default=False):
        raise UsageError("the key store was not replaced")


def _print_keys(store: KeyStore, *, as_json: bool) -> None:
    records = store.list_keys()
    if as_json:
        print_json([r.to_json() for r in records])
        return
    table = id_table("kid", "role", "state", "status", "valid from", "valid until", "signs until")
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
        open_registry(opts.db, create=False),
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
    as_json: Annotated[bool, Opt("--json", help="Print JSON.")] = False,
) -> None:
    """Revoke a key from a date: the cards it signed from then on are revoked with it.

    Revoking a state's active Document Signer makes a new one active at once.
    """
    try:
        kid_bytes = Kid(bytes.fromhex(kid.strip()))
    except ValueError:
        raise UsageError(f"kid {kid!r} is not hexadecimal") from None
    start = PartialDate.parse(from_date)
    if not start.is_complete:
        raise UsageError("--from needs a full date YYYY-MM-DD")
    opts = settings(ctx)
    compromise = revoke_key(
        open_registry(opts.db, create=False),
        KeyStore.open(opts.keys),
        passphrase(),
        kid_bytes,
        from_=dt.datetime.combine(start.earliest(), dt.time(0), tzinfo=dt.UTC),
        reason=reason,
        now=now(),
        by=_by(operator),
    )
    if as_json:
        print_json(_compromise_json(compromise))
        return
    for event in compromise.events:
        console.print(f"{event.kind.value}: {event.detail}")
    key, state = compromise.key, compromise.key.state.value if compromise.key.state else "-"
    console.print(
        f"{len(compromise.cards)} card(s) signed from {key.revoked_from:%Y-%m-%d} on revoked "
        f"({RevocationReason.SIGNER_COMPROMISED.value})"
    )
    if key.role is KeyRole.STATE_CA:
        console.print(
            f"next: `aes-id keys replace-ca --state {state}`, "
            f"then `aes-id issue --pending --state {state}`"
        )
    elif compromise.cards:
        console.print(f"re-issue them: `aes-id issue --pending --state {state}`")
    _report(list(compromise.published), None, into_folder=False)


def _compromise_json(compromise: Compromise) -> dict[str, object]:
    key = compromise.key
    return {
        "kid": key.kid.hex(),
        "role": key.role.value,
        "state": key.state.value if key.state else None,
        "revoked_from": key.revoked_from.isoformat() if key.revoked_from else None,
        "reason": key.reason,
        "events": [_event_json(event) for event in compromise.events],
        "new_signer": compromise.successor.kid.hex() if compromise.successor else None,
        "cards_revoked": len(compromise.cards),
        "card_numbers": list(compromise.cards),
        "published": [_published_json(item) for item in compromise.published],
    }


def _event_json(event: KeyEvent) -> dict[str, str]:
    return {"kind": event.kind.value, "kid": event.kid.hex(), "detail": event.detail}


def _published_json(item: Published) -> dict[str, object]:
    return {
        "kind": item.kind.value,
        "scope": item.scope,
        "sequence": item.sequence,
        "path": str(item.path),
    }


@keys_app.command("replace-ca")
def keys_replace_ca(
    ctx: typer.Context,
    state: Annotated[str, Opt(help="MLI, BFA or NER: the state whose State CA is revoked.")],
    operator: Annotated[str, Opt(help="Operator identifier, for the log.")] = "operator",
    as_json: Annotated[bool, Opt("--json", help="Print JSON.")] = False,
) -> None:
    """A new State CA and Document Signer for a state whose State CA is revoked.

    Publishes the trust list, and the state's revocation list signed by the new CA.
    """
    opts = settings(ctx)
    registry = open_registry(opts.db, create=False)
    country = Country.parse(state)
    change = replace_state_ca(
        registry, KeyStore.open(opts.keys), passphrase(), country, now=now(), by=_by(operator)
    )
    waiting = len(pending_nins(registry, country))
    if as_json:
        print_json(
            {
                "state": country.value,
                "state_ca": change.events[0].kid.hex(),
                "document_signer": change.events[1].kid.hex(),
                "events": [_event_json(event) for event in change.events],
                "published": [_published_json(item) for item in change.published],
                "pending": waiting,
            }
        )
        return
    for event in change.events:
        console.print(f"{event.kind.value}: {event.detail}")
    _report(list(change.published), None, into_folder=False)
    console.print(
        f"{waiting} resident(s) of {country.value} without a valid card: "
        f"`aes-id issue --pending --state {country.value}`"
    )


@keys_app.command("trust-list")
def keys_trust_list(
    ctx: typer.Context,
    out: Annotated[
        Path | None,
        Opt(help="Also copy the signed list to this file (or into this existing folder)."),
    ] = None,
    operator: Annotated[str, Opt(help="Operator identifier, for the log.")] = "operator",
) -> None:
    """Sign and export a fresh trust list (with a new sequence number)."""
    opts = settings(ctx)
    published = publish_lists(
        open_registry(opts.db, create=False),
        KeyStore.open(opts.keys),
        passphrase(),
        now=now(),
        by=_by(operator),
        states=(),
    )
    _report(published, out, into_folder=out is not None and out.is_dir())


@revocations_app.command("export")
def revocations_export(
    ctx: typer.Context,
    state: Annotated[str | None, Opt(help="One state; all three by default.")] = None,
    out: Annotated[
        Path | None, Opt(help="Also copy the signed lists into this folder (created if missing).")
    ] = None,
    operator: Annotated[str, Opt(help="Operator identifier, for the log.")] = "operator",
) -> None:
    """Sign and export fresh revocation lists."""
    opts = settings(ctx)
    store = KeyStore.open(opts.keys)
    states = [Country.parse(state)] if state else None
    for country in Country if states is None else ():
        if store.state_ca_revoked(country):
            err_console.print(
                f"{country.value}: its State CA is revoked, no list signed "
                f"(`aes-id keys replace-ca --state {country.value}`)"
            )
    published = publish_lists(
        open_registry(opts.db, create=False),
        store,
        passphrase(),
        now=now(),
        by=_by(operator),
        states=states,
        trust_list=False,
    )
    _report(published, out, into_folder=True)


def _report(published: list[Published], out: Path | None, *, into_folder: bool) -> None:
    """Say what was published; with ``out``, copy each list there (world-readable, atomically)."""
    for item in published:
        target = item.path
        if out is not None:
            target = out / item.path.name if into_folder else out
            if target.exists() and target.is_dir():
                raise UsageError(f"--out {target} is a folder")
            write_atomic(target, item.data)
        console.print(f"{item.kind.value} {item.scope} #{item.sequence}: {target}")
