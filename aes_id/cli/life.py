"""Commands of a resident's life after enrolment: a death, changed data, the record's history.

They sit under ``aes-id residents`` beside ``show`` and ``find``.
"""

from __future__ import annotations

from typing import Annotated

import typer

from aes_id.cards.revoke import ListSigning, record_death
from aes_id.cli.common import console, now, passphrase, print_json, settings
from aes_id.cli.officer import residents_app
from aes_id.domain import PartialDate
from aes_id.pki.keys import KeyStore
from aes_id.registry.db import open_registry
from aes_id.registry.life import Change, has_valid_card, resident_life, update_resident

Opt = typer.Option


def register() -> None:
    """Add ``deceased``, ``update`` and ``history`` to ``aes-id residents``."""
    residents_app.command("deceased")(deceased_command)
    residents_app.command("update")(update_command)
    residents_app.command("history")(history_command)


def deceased_command(
    ctx: typer.Context,
    nin: Annotated[str, typer.Argument(help="The resident's NIN.")],
    date: Annotated[
        str, Opt("--date", help="Date of death YYYY-MM-DD (00 for an unknown month or day).")
    ],
    reason: Annotated[
        str, Opt(help="The death record, e.g. a civil-status certificate number.")
    ] = "",
    officer: Annotated[str, Opt(help="Officer identifier, for the history and the log.")] = (
        "officer"
    ),
    as_json: Annotated[bool, Opt("--json", help="Print JSON.")] = False,
) -> None:
    """Record a death; a valid card is revoked (deceased) and its state's list re-signed."""
    opts = settings(ctx)
    registry = open_registry(opts.db, create=False)
    on = PartialDate.parse(date)
    signing = None
    if has_valid_card(registry, nin):  # only then are the keys needed
        signing = ListSigning(KeyStore.open(opts.keys), passphrase())
    death = record_death(registry, signing, nin, on=on, reason=reason, now=now(), by=officer)
    if as_json:
        print_json(
            {
                "nin": death.nin,
                "status": death.status_text,
                "revoked": list(death.revoked),
                "revocation_lists": [f"{p.scope}#{p.sequence}" for p in death.published],
            }
        )
        return
    console.print(f"resident {death.nin} is {death.status_text}")
    for number in death.revoked:
        console.print(f"card {number} revoked (deceased)")
    for item in death.published:
        console.print(f"revocation list {item.scope} #{item.sequence} exported to {item.path}")
    if not death.revoked:
        console.print("no valid card to revoke")


def update_command(
    ctx: typer.Context,
    nin: Annotated[str, typer.Argument(help="The resident's NIN.")],
    reason: Annotated[str, Opt(help="Why, e.g. the document seen; kept in the history.")],
    family_name: Annotated[str | None, Opt(help="New family name(s), e.g. a married name.")] = None,
    given_names: Annotated[str | None, Opt(help="New given name(s).")] = None,
    dob: Annotated[
        str | None, Opt(help="Corrected date of birth YYYY-MM-DD; 00 = unknown.")
    ] = None,
    sex: Annotated[str | None, Opt(help="F, M or X.")] = None,
    nationality: Annotated[str | None, Opt(help="ISO 3166 alpha-3.")] = None,
    place_of_birth: Annotated[str | None, Opt(help="Town of birth.")] = None,
    state: Annotated[str | None, Opt(help="New state of residence: MLI, BFA or NER.")] = None,
    region: Annotated[str | None, Opt(help="New region (within the state).")] = None,
    officer: Annotated[str, Opt(help="Officer identifier, for the history.")] = "officer",
    as_json: Annotated[bool, Opt("--json", help="Print JSON.")] = False,
) -> None:
    """Change a resident's data, checked as at enrolment; earlier values stay in the history."""
    fields = {
        "family_name": family_name,
        "given_names": given_names,
        "dob": dob,
        "sex": sex,
        "nationality": nationality,
        "place_of_birth": place_of_birth,
        "state": state,
        "region": region,
    }
    registry = open_registry(settings(ctx).db, create=False)
    done = update_resident(registry, nin, fields, reason=reason, by=officer, now=now())
    if as_json:
        print_json(
            {
                "nin": done.nin,
                "data_version": done.data_version,
                "printed": done.printed,
                "changes": [change.to_json() for change in done.changes],
                "outdated_cards": list(done.outdated_cards),
            }
        )
        return
    for change in done.changes:
        console.print(_change_line(change), markup=False)
    for number in done.outdated_cards:
        console.print(
            f"card {number} is outdated (data revision {done.data_version}): "
            f"`aes-id issue {done.nin}` issues the new card and revokes it as superseded",
            markup=False,
        )
    if not done.printed:
        console.print("no field a card carries changed: no card is outdated by this change")
    elif not done.outdated_cards:
        console.print(f"data revision {done.data_version}: the next card issued carries it")


def history_command(
    ctx: typer.Context,
    nin: Annotated[str, typer.Argument(help="The resident's NIN.")],
    as_json: Annotated[bool, Opt("--json", help="Print JSON.")] = False,
) -> None:
    """A resident's status (with its date and reason) and every change of their record."""
    life = resident_life(open_registry(settings(ctx).db, create=False), nin)
    if as_json:
        print_json(life.to_json())
        return
    console.print(
        f"{life.nin}: {life.status_text}; data revision {life.data_version}", markup=False
    )
    for change in life.changes:
        console.print(
            f"{change.changed_at:%Y-%m-%d %H:%M} {change.changed_by}: {_change_line(change)}",
            markup=False,
        )
    if not life.changes:
        console.print("no change since enrolment")


def _change_line(change: Change) -> str:
    why = f" ({change.reason})" if change.reason else ""
    field = change.field.replace("_", " ")
    return f"{field}: {change.shown(change.old_value)} -> {change.shown(change.new_value)}{why}"
