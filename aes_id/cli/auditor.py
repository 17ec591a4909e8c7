"""Commands of the auditor: ``aes-id audit …`` over the signature log (docs/audit-log.md).

Exit codes: 0 when what was asked holds (a proof verifies, the audit is clean),
1 when it does not (a finding, a proof that fails), 2 for a usage error.
Signed notes and proofs are printed byte for byte, so they can be piped to a file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from aes_id.audit.auditor import run_audit
from aes_id.audit.checkpoint import (
    make_checkpoint,
    parse_verifier,
    read_checkpoint_file,
    write_checkpoint_file,
)
from aes_id.audit.incremental import run_incremental
from aes_id.audit.leaf import LeafKind, LogEntry
from aes_id.audit.log import iter_leaves
from aes_id.audit.proofs import prove_card, prove_consistency, verify_proof_text
from aes_id.audit.report import AuditReport, Check
from aes_id.cli.common import (
    console,
    err_console,
    id_table,
    now,
    passphrase,
    print_json,
    progress,
    settings,
)
from aes_id.errors import UsageError
from aes_id.formats.credential import parse_qr_text
from aes_id.pki.keys import KeyStore
from aes_id.registry.db import Registry, open_registry

audit_app = typer.Typer(
    help="Auditor: the signature log, its checkpoints and proofs.", no_args_is_help=True
)
log_app = typer.Typer(help="Read the signature log.", no_args_is_help=True)
audit_app.add_typer(log_app, name="log")
Opt = typer.Option
KeyOpt = Annotated[
    str | None,
    Opt("--key", help="The log's verifier key string (name+id+key); default: the key store's."),
]


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")


def _registry(ctx: typer.Context) -> Registry:
    return open_registry(settings(ctx).db, create=False)


def _verifier_key(ctx: typer.Context, key: str | None) -> str:
    return key if key else KeyStore.open(settings(ctx).keys).log_verifier()


@audit_app.command("key")
def key_command(ctx: typer.Context) -> None:
    """Print the log's verifier key (C2SP signed-note): what auditors pin."""
    typer.echo(KeyStore.open(settings(ctx).keys).log_verifier())


@audit_app.command("checkpoint")
def checkpoint_command(
    ctx: typer.Context,
    out: Annotated[Path | None, Opt("--out", help="Also save the checkpoint to this file.")] = None,
) -> None:
    """Sign and keep a checkpoint of the log as it is now; print it (C2SP tlog-checkpoint)."""
    opts = settings(ctx)
    note = make_checkpoint(_registry(ctx), KeyStore.open(opts.keys), passphrase(), now())
    if out is not None:
        write_checkpoint_file(out, note)
    typer.echo(note, nl=False)


@audit_app.command("prove")
def prove_command(
    ctx: typer.Context,
    card: Annotated[str, typer.Argument(help="Card number, e.g. ML0004217.")],
    out: Annotated[Path | None, Opt("--out", help="Also save the proof to this file.")] = None,
) -> None:
    """Print a card's inclusion proof in the latest checkpoint (C2SP tlog-proof)."""
    text = prove_card(_registry(ctx), card)
    if out is not None:
        write_checkpoint_file(out, text)
    typer.echo(text, nl=False)


@audit_app.command("verify-proof")
def verify_proof_command(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A .tlog-proof file.")],
    key: KeyOpt = None,
    qr: Annotated[
        str | None, Opt("--qr", help="The card's QR text: check the proof is about it.")
    ] = None,
    as_json: Annotated[bool, Opt("--json", help="Print JSON.")] = False,
) -> None:
    """Check a proof offline, with only the log's verifier key."""
    signed = parse_qr_text(qr).cose_bytes if qr else None
    result = verify_proof_text(read_checkpoint_file(file), _verifier_key(ctx, key), signed=signed)
    if as_json:
        print_json({"ok": True, **result.to_json()})
        return
    entry = result.entry
    console.print(
        f"[bold green]proof verified[/]: leaf {result.index} ({entry.kind.value} {entry.ref}, "
        f"kid {entry.kid.hex()}, by {entry.by}) is in checkpoint {result.checkpoint.size} "
        f"of {result.checkpoint.origin}",
        markup=True,
    )
    if signed is not None:
        console.print("the given QR text carries the very COSE_Sign1 the leaf records")


@audit_app.command("consistency")
def consistency_command(
    ctx: typer.Context,
    from_file: Annotated[Path, Opt("--from", help="A checkpoint file saved earlier.")],
    key: KeyOpt = None,
    as_json: Annotated[bool, Opt("--json", help="Print JSON.")] = False,
) -> None:
    """Prove that a checkpoint saved earlier is a prefix of today's log (RFC 9162 §2.1.4)."""
    verifier = parse_verifier(_verifier_key(ctx, key))
    result = prove_consistency(_registry(ctx), read_checkpoint_file(from_file), verifier)
    if as_json:
        print_json({"ok": True, **result.to_json()})
        return
    console.print(
        f"[bold green]consistent[/]: the saved checkpoint of {result.old.size} leaves is a prefix "
        f"of the log's checkpoint of {result.new.size} ({len(result.proof)}-hash proof verified)",
        markup=True,
    )


@audit_app.command("verify")
def verify_command(
    ctx: typer.Context,
    checkpoint: Annotated[
        Path | None, Opt("--checkpoint", help="A checkpoint saved earlier (check 5).")
    ] = None,
    since: Annotated[
        Path | None,
        Opt(
            "--since",
            help="A checkpoint verified before: check only what came after it (check 6).",
        ),
    ] = None,
    key: KeyOpt = None,
    workers: Annotated[int, Opt(help="Processes verifying signatures (0: automatic).")] = 0,
    as_json: Annotated[bool, Opt("--json", help="Print JSON.")] = False,
) -> None:
    """The audit: checkpoints, tree, leaves, registry, saved checkpoint. Exit 0 if clean."""
    opts = settings(ctx)
    registry = _registry(ctx)
    if since is not None and checkpoint is not None:
        raise UsageError(
            "--since and --checkpoint both name a saved checkpoint: give one",
            hint="--since FILE checks only what came after FILE; --checkpoint FILE audits all",
        )
    saved = read_checkpoint_file(checkpoint) if checkpoint else None
    start = read_checkpoint_file(since) if since else None
    store = KeyStore.open(opts.keys)
    with progress("Verifying card signatures", None) as advance:
        report = _audit(registry, store, saved, start, key, workers or None, advance)
    if as_json:
        print_json(report.to_json())
    else:
        print_report(report)
    raise typer.Exit(report.exit_code)


def _audit(
    registry: Registry,
    store: KeyStore,
    saved: str | None,
    since: str | None,
    key: str | None,
    workers: int | None,
    advance: Callable[[int], None],
) -> AuditReport:
    """The full audit, or the incremental one from the checkpoint ``since``."""
    if since is not None:
        return run_incremental(
            registry, store, since, verifier_key=key, workers=workers, progress=advance
        )
    return run_audit(
        registry,
        store,
        saved_checkpoint=saved,
        verifier_key=key,
        workers=workers,
        progress=advance,
    )


def print_report(report: AuditReport) -> None:
    """The audit's table of checks, its findings, what it covered and its verdict."""
    table = Table("", "check", "findings", title="aes-id audit verify")
    for check in Check:
        count = report.total(check)
        skipped = _skipped(report, check)
        mark = "-" if skipped else ("[green]✓[/]" if not count else "[red]✗[/]")
        table.add_row(mark, f"{check.value}. {check.title}", skipped or str(count))
    console.print(table)
    for finding in report.findings:
        console.print(
            f"[red]✗[/] [{finding.check.value}] {finding.subject}: {finding.message}",
            markup=True,
            highlight=False,
        )
    shown = len(report.findings)
    total = sum(count for _, count in report.totals)
    if total > shown:
        err_console.print(f"… and {total - shown} more findings (see --json)")
    c = report.counts
    console.print(
        f"{c.leaves} leaves ({c.card_leaves} cards, {c.list_leaves} lists, {c.key_leaves} key "
        f"events), {c.merkle_nodes} Merkle nodes, {c.checkpoints} checkpoints; {c.cards} cards, "
        f"{c.lists} lists and {c.key_events} key events reconciled"
    )
    console.print(f"tree of {report.tree_size} leaves, root {report.root.hex()}")
    console.print(report.scope, markup=False)
    console.print(report.coverage, markup=False)
    console.print(_verdict(report), markup=True)


def _skipped(report: AuditReport, check: Check) -> str | None:
    """Why a check had nothing to check (shown instead of its count), or ``None``."""
    if report.total(check):
        return None
    if check is Check.SAVED and report.saved_checkpoint is None:
        return "not asked"
    if check is Check.CHECKPOINTS and not report.counts.checkpoints:
        return "none yet"
    return None


def _verdict(report: AuditReport) -> str:
    if not report.ok:
        return "[bold red]the log does not hold[/]"
    if not report.counts.checkpoints and report.tree_size:
        return "[bold yellow]the log and the registry agree, but no checkpoint signs the log yet[/]"
    return "[bold green]the log holds: nothing signed is missing, nothing was altered[/]"


@log_app.command("show")
def log_show_command(
    ctx: typer.Context,
    from_seq: Annotated[int, Opt("--from", help="First leaf to show.")] = 0,
    kind: Annotated[str | None, Opt(help="card, trust-list, revocation-list or key.")] = None,
    officer: Annotated[str | None, Opt(help="Only leaves asked for by this officer.")] = None,
    limit: Annotated[int, Opt(help="At most this many leaves (0: all).")] = 100,
    as_json: Annotated[bool, Opt("--json", help="Print JSON.")] = False,
) -> None:
    """Read the log: one line per signature (no personal data, only hashes and identifiers)."""
    if from_seq < 0 or limit < 0:
        raise UsageError("--from and --limit must be 0 or more")
    wanted = _kind(kind)
    entries: list[LogEntry] = []
    for _, data in iter_leaves(_registry(ctx), start=from_seq, kind=wanted, by=officer):
        entries.append(LogEntry.decode(data))
        if limit and len(entries) >= limit:
            break
    if as_json:
        print_json([_entry_json(e) for e in entries])
        return
    table = id_table("seq", "time (UTC)", "kind", "kid", "ref", "by", "h")
    for e in entries:
        table.add_row(
            str(e.seq), _time(e.t), e.kind.value, e.kid.hex(), e.ref, e.by, e.h.hex()[:16] + "…"
        )
    console.print(table)
    if not entries:
        err_console.print("no leaf matches")


def _kind(kind: str | None) -> str | None:
    if kind is None:
        return None
    try:
        return LeafKind(kind.strip().lower()).value
    except ValueError:
        choices = ", ".join(k.value for k in LeafKind)
        raise UsageError(f"unknown leaf kind {kind!r}: expected one of {choices}") from None


def _time(seconds: int) -> str:
    return dt.datetime.fromtimestamp(seconds, dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


def _entry_json(entry: LogEntry) -> dict[str, object]:
    return {
        "seq": entry.seq,
        "t": entry.t,
        "time": _time(entry.t),
        "kind": entry.kind.value,
        "kid": entry.kid.hex(),
        "h": entry.h.hex(),
        "ref": entry.ref,
        "by": entry.by,
    }
