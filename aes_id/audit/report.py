"""What an audit found: findings by point of docs/audit-log.md, counts, and the verdict.

Each finding names its subject (``leaf 17``, ``card ML0000003``, ``checkpoint 42``,
``trust-list AES#2``, ``saved checkpoint 40``) and says what differed, expected
against found. A report is clean (exit code 0) only when there is no finding.
"""

from __future__ import annotations

import enum
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

MAX_FINDINGS_PER_CHECK = 200
"""Findings kept per check; past that they are only counted (a rewritten log yields millions)."""


class Check(enum.IntEnum):
    """The five points an auditor checks (docs/audit-log.md, "What an auditor checks")."""

    CHECKPOINTS = 1
    TREE = 2
    LEAVES = 3
    REGISTRY = 4
    SAVED = 5

    @property
    def title(self) -> str:
        return _TITLES[self]


_TITLES = {
    Check.CHECKPOINTS: "checkpoint signatures",
    Check.TREE: "tree rebuilt from the leaves",
    Check.LEAVES: "leaves: numbering, encoding, times, kids",
    Check.REGISTRY: "reconciliation with the registry",
    Check.SAVED: "consistency with the saved checkpoint",
}


@dataclass(frozen=True)
class Finding:
    """One thing that does not hold: which check, about what, and what differed."""

    check: Check
    subject: str
    message: str

    def __str__(self) -> str:
        return f"[{self.check.value}] {self.subject}: {self.message}"

    def to_json(self) -> dict[str, Any]:
        return {"check": self.check.value, "subject": self.subject, "message": self.message}


class Findings:
    """Collects findings while an audit runs, keeping at most ``limit`` per check."""

    def __init__(self, limit: int = MAX_FINDINGS_PER_CHECK) -> None:
        self.limit = limit
        self.kept: list[Finding] = []
        self.total: Counter[Check] = Counter()

    def add(self, check: Check, subject: str, message: str) -> None:
        self.total[check] += 1
        if self.total[check] <= self.limit:
            self.kept.append(Finding(check, subject, message))

    def __len__(self) -> int:
        return sum(self.total.values())


@dataclass
class AuditCounts:
    """How much was checked: the auditor's one tally, which reconciliation adds to."""

    leaves: int = 0
    merkle_nodes: int = 0
    checkpoints: int = 0
    cards: int = 0
    card_leaves: int = 0
    lists: int = 0
    list_leaves: int = 0
    key_events: int = 0
    key_leaves: int = 0

    def to_json(self) -> dict[str, int]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class AuditReport:
    """The result of :func:`aes_id.audit.auditor.run_audit`."""

    findings: tuple[Finding, ...]
    counts: AuditCounts
    tree_size: int
    root: bytes
    """The root of the tree rebuilt from the leaves."""
    latest_checkpoint: int | None
    saved_checkpoint: int | None = None
    totals: tuple[tuple[Check, int], ...] = field(default=())
    """Findings per check, counting those past the per-check limit."""
    since: int | None = None
    """For an incremental audit (check 6), the size of the checkpoint it started from."""

    @property
    def scope(self) -> str:
        """What was audited: the whole log, or only what came after a checkpoint."""
        c = self.counts
        if self.since is None:
            return f"full audit of {_leaves(self.tree_size)}"
        return (
            f"incremental audit from checkpoint {self.since} to {self.tree_size}: "
            f"{_leaves(c.leaves)}, {c.cards} {'card' if c.cards == 1 else 'cards'} checked"
        )

    @property
    def ok(self) -> bool:
        return not self.findings

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1

    def total(self, check: Check) -> int:
        return dict(self.totals).get(check, 0)

    def by_check(self, check: Check) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.check is check)

    @property
    def uncovered(self) -> int:
        """Leaves after the latest valid checkpoint: no signed tree head covers them yet."""
        return max(0, self.tree_size - (self.latest_checkpoint or 0))

    @property
    def coverage(self) -> str:
        """One sentence on what the checkpoints cover, and what to do when they do not."""
        if self.latest_checkpoint is None:
            if self.counts.checkpoints:
                return "no checkpoint verifies (check 1): nothing signed covers the log"
            if not self.tree_size:
                return "the log is empty: nothing to sign yet"
            return (
                f"no checkpoint yet: nothing signs these {_leaves(self.tree_size)}; run "
                "`aes-id audit checkpoint --out FILE`, keep FILE and give it to later audits "
                "(`aes-id audit verify --checkpoint FILE`)"
            )
        if not self.uncovered:
            return f"checkpoint {self.latest_checkpoint} covers every leaf"
        were, they = ("was", "it is") if self.uncovered == 1 else ("were", "they are")
        return (
            f"{_leaves(self.uncovered)} {were} added after checkpoint {self.latest_checkpoint}: "
            f"{they} covered once the next checkpoint is signed (`aes-id audit checkpoint`)"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "tree_size": self.tree_size,
            "root": self.root.hex(),
            "latest_checkpoint": self.latest_checkpoint,
            "saved_checkpoint": self.saved_checkpoint,
            "since": self.since,
            "scope": self.scope,
            "leaves_after_checkpoint": self.uncovered,
            "coverage": self.coverage,
            "counts": self.counts.to_json(),
            "checks": [
                {"check": c.value, "title": c.title, "findings": self.total(c)} for c in Check
            ],
            "findings": [f.to_json() for f in self.findings],
        }


def _leaves(count: int) -> str:
    return f"{count} leaf" if count == 1 else f"{count} leaves"
