"""``aes-id border``: posts, sync, check, simulate, report, in-process through ``main``."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest
import typer

from aes_id.cards.issue import issue_cards
from aes_id.cards.revoke import revoke_card
from aes_id.cards.views import card_with_portrait, mrz_lines
from aes_id.cli import app as app_module
from aes_id.cli import border
from aes_id.domain import RevocationReason
from aes_id.pki.keys import KeyStore
from aes_id.publishing import init_keys
from aes_id.registry.db import open_registry
from aes_id.render.card import PrintableCard
from aes_id.render.preview import render_card_png
from aes_id.simulate.enrolment import enrol_synthetic

ISSUED = dt.datetime(2026, 3, 14, 9, 30, tzinfo=dt.UTC)
PASSPHRASE = "border cli test"
Run = Callable[..., tuple[int, str, str]]


@pytest.fixture(scope="module")
def registry_world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    folder = tmp_path_factory.mktemp("cli")
    registry = open_registry(f"sqlite:///{folder}/registry.db")
    store = init_keys(registry, folder / "keys", PASSPHRASE, now=ISSUED, by="operator")
    nins = enrol_synthetic(registry, 16, seed=2, state=None, officer="o", site="s", now=ISSUED)
    cards = issue_cards(registry, store, PASSPHRASE, nins, now=ISSUED, officer="o")
    registry.dispose()
    return {"folder": folder, "cards": cards}


@pytest.fixture
def run(
    registry_world: dict[str, object],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Run:
    folder = registry_world["folder"]
    assert isinstance(folder, Path)
    test_app = typer.Typer(pretty_exceptions_enable=False)
    test_app.callback()(app_module._root)
    border.register(test_app)
    monkeypatch.setattr(app_module, "app", test_app)
    monkeypatch.setenv("AES_ID_DB", str(folder / "registry.db"))
    monkeypatch.setenv("AES_ID_KEYS", str(folder / "keys"))
    monkeypatch.setenv("AES_ID_BORDER", str(tmp_path / "border"))
    monkeypatch.setenv("AES_ID_NOW", "2026-03-15T08:00:00+00:00")

    def invoke(*argv: str) -> tuple[int, str, str]:
        try:
            app_module.main(list(argv))
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        out = capsys.readouterr()
        return code, out.out, out.err

    return invoke


def test_posts(run: Run) -> None:
    code, out, _ = run("border", "posts", "--json")
    posts = json.loads(out)
    assert code == 0 and len(posts) == 11
    assert {p["code"] for p in posts if p["kind"] == "airport"} == {"bko", "oua", "nim"}
    assert all(p["last_sync"] is None for p in posts)


def test_check_before_any_sync_is_a_usage_error(run: Run) -> None:
    code, _, err = run("border", "check", "--post", "koloko", "--qr", "X")
    assert code == 2 and "post koloko has no lists yet" in err


def test_sync_check_revoke_sync_check(run: Run, registry_world: dict[str, object]) -> None:
    cards = registry_world["cards"]
    folder = registry_world["folder"]
    assert isinstance(cards, list) and isinstance(folder, Path)
    code, out, _ = run("border", "sync", "--post", "koloko")
    assert code == 0 and out.startswith("koloko: trust list #1")
    code, out, _ = run(
        "border",
        "check",
        "--post",
        "koloko",
        "--qr",
        cards[0].qr_text,
        "--face",
        "match",
        "--direction",
        "entry",
        "--json",
    )
    data = json.loads(out)
    assert (code, data["verdict"], data["decision"], data["crossing"]) == (0, "VALID", "admit", 1)
    code, out, _ = run(
        "border", "check", "--post", "koloko", "--qr", cards[0].qr_text, "--face", "mismatch"
    )
    assert code == 1 and out.startswith("REFER (VALID)")
    registry = open_registry(f"sqlite:///{folder}/registry.db")
    revoke_card(
        registry,
        KeyStore.open(folder / "keys"),
        PASSPHRASE,
        cards[1].card_number,
        RevocationReason.STOLEN,
        now=ISSUED + dt.timedelta(hours=2),
        by="officer",
    )
    registry.dispose()
    code, out, _ = run("border", "check", "--post", "koloko", "--qr", cards[1].qr_text)
    assert code == 0, "the post has not synced since the theft was reported"
    code, out, _ = run("border", "sync", "--post", "koloko")
    assert "revocations" in out and "alert revoked-since" in out
    code, out, _ = run("border", "check", "--post", "koloko", "--qr", cards[1].qr_text)
    assert code == 1 and out.startswith("REFUSE (REVOKED)")


def test_check_a_photo_of_the_card(
    run: Run, registry_world: dict[str, object], tmp_path: Path
) -> None:
    cards, folder = registry_world["cards"], registry_world["folder"]
    assert isinstance(cards, list) and isinstance(folder, Path)
    registry = open_registry(f"sqlite:///{folder}/registry.db")
    card, photo = card_with_portrait(registry, cards[2].card_number)
    registry.dispose()
    _, back = render_card_png(PrintableCard(card, photo, mrz_lines(card)), 300)
    back.save(tmp_path / "back.jpg", quality=85)
    run("border", "sync", "--post", "nim")
    code, out, _ = run(
        "border",
        "check",
        "--post",
        "nim",
        str(tmp_path / "back.jpg"),
        "--face-out",
        str(tmp_path / "face.webp"),
    )
    assert code == 0 and out.startswith("ADMIT (VALID)")
    assert (tmp_path / "face.webp").read_bytes()[8:12] == b"WEBP"


def test_simulate_then_report(run: Run, tmp_path: Path) -> None:
    code, out, err = run(
        "border",
        "simulate",
        "--days",
        "7",
        "--travellers",
        "12",
        "--fraud-rate",
        "1",
        "--seed",
        "3",
        "--image-sample",
        "0.2",
        "--json",
    )
    assert code == 0, err
    summary = json.loads(out)
    assert summary["run"] == "drill-3-12x7d" and summary["checks"] >= 4
    code, out, _ = run("border", "report", "--json", "--pdf", str(tmp_path / "drill.pdf"))
    report = json.loads(out)
    assert code == 0 and report["crossings"] == summary["checks"]
    assert (tmp_path / "drill.pdf").stat().st_size > 2000
    code, out, _ = run("border", "report")
    assert code == 0 and "Frauds" in out and "White et al." in out
    code, _, err = run("border", "report", "--run", "nope")
    assert code == 2 and "no border drill named 'nope'" in err


def test_a_post_s_errors_never_advise_making_keys(run: Run, tmp_path: Path) -> None:
    """A border post has no keys: every way a post can lack its lists says what to sync."""
    empty = tmp_path / "nothing-here"
    empty.mkdir()
    outcomes = [
        run("border", "check", "--post", "kantchari", "--qr", "NCFO"),
        run("border", "sync", "--post", "kantchari", "--exports", str(empty)),
    ]
    expected = ["border sync --post kantchari", "root certificate"]
    for (code, _out, err), says in zip(outcomes, expected, strict=True):
        assert code != 0 and says in err, err
        assert "keys init" not in err, err
