"""The border's folder: one sub-folder per post, the central journal, and the drills' runs.

::

    <border>/                      ``--border`` or ``AES_ID_BORDER`` (default ``border/``)
        posts/<code>/              each post's pinned root, lists and journal
                                   (:class:`~aes_id.border.station.PostStation`)
        central.sqlite             what the posts uploaded when they synced
        runs/<name>/run.sqlite     a border drill's journal
        runs/LATEST                the name of the newest drill

This is the policy a post follows at sync: which root certificate it pins the
first time (:func:`root_to_pin`), and that every sync uploads the post's new
crossings to the central journal, which correlates them (clone alerts).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509

from aes_id.border.journal import Journal
from aes_id.border.records import Alert
from aes_id.border.station import PostStation
from aes_id.errors import UsageError
from aes_id.geography import BorderPost, border_posts
from aes_id.pki.exports import ROOT_CERT_FILE
from aes_id.verify.lists import load_root_certificate

ENV_BORDER = "AES_ID_BORDER"
DEFAULT_BORDER = Path("border")
CENTRAL_FILE = "central.sqlite"
RUN_FILE = "run.sqlite"
LATEST_FILE = "LATEST"


@dataclass(frozen=True)
class PostSync:
    """One post's sync: what changed in its lists, warnings, and the alerts raised."""

    post: BorderPost
    changes: tuple[str, ...]
    warnings: tuple[str, ...]
    alerts: tuple[Alert, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "post": self.post.code,
            "changes": list(self.changes),
            "warnings": list(self.warnings),
            "alerts": [alert.to_json() for alert in self.alerts],
        }


def root_to_pin(
    station: PostStation, exports: Path, root: Path | None = None
) -> x509.Certificate | None:
    """The root certificate a post pins at its first sync.

    ``root`` when given (a certificate handed over on provisioning), else the
    root the operator exports beside the lists. ``None`` once the post has one
    pinned: a post never changes its trust anchor by itself.
    """
    if root is not None:
        return load_root_certificate(root)
    if station.pinned_root() is not None:
        return None
    exported = exports / ROOT_CERT_FILE
    if not exported.is_file():
        raise UsageError(
            f"no root certificate to pin for post {station.post.code}: "
            f"{exports} has no {ROOT_CERT_FILE}",
            hint="pass the AES root certificate with --root",
        )
    return load_root_certificate(exported)


@dataclass(frozen=True)
class BorderFolder:
    """The border's folder on disk (see the module's layout)."""

    path: Path = DEFAULT_BORDER

    def station(self, code: str) -> PostStation:
        return PostStation.open(self.path, code)

    def central(self) -> Journal:
        return Journal.open(self.path / CENTRAL_FILE)

    def post_status(self, post: BorderPost) -> dict[str, Any]:
        """A post's settings and, if it was set up here, when it last synced."""
        station = PostStation(self.path / "posts" / post.code, post)
        state = station.state() if station.folder.is_dir() else {}
        return {
            "code": post.code,
            "name": post.name,
            "state": post.state.value,
            "kind": post.kind.value,
            "lat": post.lat,
            "lon": post.lon,
            "paired": post.paired,
            "sync_hours": post.sync_interval.total_seconds() / 3600,
            "offline_chance": post.offline_chance,
            "offline_days": post.offline_days,
            "last_sync": state.get("last_sync"),
        }

    def sync(
        self, post: str, exports: Path, *, now: dt.datetime, root: Path | None = None
    ) -> list[PostSync]:
        """Sync one post (or ``all``) from the operator's ``exports`` and upload its crossings."""
        codes = [p.code for p in border_posts()] if post.strip().lower() == "all" else [post]
        report = []
        for code in codes:
            station = self.station(code)
            synced = station.sync(exports, now=now, root=root_to_pin(station, exports, root))
            with self.central() as central:
                clones = station.upload(central, now=now)
            report.append(
                PostSync(
                    station.post,
                    tuple(synced.outcome.changes),
                    tuple(synced.outcome.warnings),
                    synced.alerts + clones,
                )
            )
        return report

    # --- border drills -----------------------------------------------------------------

    @property
    def runs(self) -> Path:
        return self.path / "runs"

    def run_folder(self, name: str) -> Path:
        return self.runs / name

    def mark_latest(self, name: str) -> None:
        (self.runs / LATEST_FILE).write_text(name + "\n", encoding="utf-8")

    def run_journal(self, name: str | None = None) -> Path:
        """The journal of drill ``name`` (default: the newest); a usage error if there is none."""
        name = name or self._latest()
        path = self.run_folder(name) / RUN_FILE
        if not path.is_file():
            raise UsageError(
                f"no border drill named {name!r} in {self.runs}",
                hint="run `aes-id border simulate` first",
            )
        return path

    def _latest(self) -> str:
        try:
            return (self.runs / LATEST_FILE).read_text(encoding="utf-8").strip()
        except OSError:
            raise UsageError(
                f"no border drill in {self.runs}", hint="run `aes-id border simulate` first"
            ) from None


def default_run_name(seed: int, travellers: int, days: int) -> str:
    return f"drill-{seed}-{travellers}x{days}d"
