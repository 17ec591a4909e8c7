"""``aes-id demo`` end to end, in-process, on a small population; and the folder it owns."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from aes_id.cli.demo import REPEAT_RATE
from aes_id.simulate.enrolment import with_repeats
from aes_id.simulate.population import generate
from tests.cli.conftest import NOW, Cli

RESIDENTS, SEED = 60, 7
VERDICTS = ("VALID", "REVOKED", "EXPIRED", "INVALID_SIGNATURE", "UNKNOWN_SIGNER", "MALFORMED")
ID1_PT = (85.60 / 25.4 * 72, 53.98 / 25.4 * 72)


def residents(folder: Path) -> int:
    with sqlite3.connect(folder / "registry.db") as db:
        return int(db.execute("SELECT count(*) FROM resident").fetchone()[0])


def repeats(count: int, seed: int) -> int:
    today = dt.date.fromisoformat(NOW[:10])
    people = with_repeats(generate(count, seed=seed, today=today), rate=REPEAT_RATE, seed=seed)
    return sum(p.repeat_of is not None for p in people)


def has_verdict(text: str, verdict: str) -> bool:
    return re.search(rf"(?<![A-Z_]){verdict}(?![A-Z_])", text) is not None


@pytest.mark.slow
def test_the_demo_runs_end_to_end_and_again(cli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    outcome = cli("demo", "--residents", str(RESIDENTS), "--folder", str(folder), "--seed", "7")
    assert outcome.code == 0, outcome.err[-2000:]
    out = outcome.out

    stopped = repeats(RESIDENTS, SEED)
    assert stopped >= 1  # the demo shows some caught
    assert f"enrolled {RESIDENTS - stopped} residents" in out
    assert f"de-duplication stopped {stopped} enrolments" in out
    assert f"a supervisor confirmed {stopped} cases" in out
    assert residents(folder) == RESIDENTS - stopped
    for verdict in VERDICTS:
        assert has_verdict(out, verdict), verdict
    assert re.search(r"photo of \w+-back\.png \(turned, blurred, 800 px, JPEG\): VALID", out)
    assert re.search(r"again at a desk: stopped before a NIN was given\n  suspected duplicate", out)
    assert "demographic" in out.split("again at a desk")[1].splitlines()[1]
    assert re.search(
        r"revoked \(deceased\); a new card is refused:\n  resident \d{12} is deceased", out
    )
    compromise = re.search(r"(\d+) cards revoked with it; `issue --pending` then issued (\d+)", out)
    assert compromise and 0 < int(compromise[1]) <= int(compromise[2])
    assert "an old card now verifies UNTRUSTED_SIGNER; its replacement VALID" in out
    assert "the log holds" in out

    assert (folder / "registry.db").is_file() and (folder / "keys" / "store.json").is_file()
    assert (folder / "keys" / "trust-list.cose").is_file()
    cards = sorted((folder / "cards").glob("*.pdf"))
    assert cards
    document = pdfium.PdfDocument(cards[0].read_bytes())
    assert len(document) == 2 and document[0].get_size() == pytest.approx(ID1_PT, abs=0.005)
    document.close()
    assert (folder / "sheets" / "sheet-a4.pdf").is_file()
    previews = sorted(p.name for p in (folder / "previews").glob("*.png"))
    assert previews and all(name.endswith(("-front.png", "-back.png")) for name in previews)
    report = folder / "border-report.pdf"
    assert report.is_file() and report.read_bytes().startswith(b"%PDF-")

    (folder / "left-over.txt").write_text("from the first run")
    again = cli("demo", "--residents", "20", "--folder", str(folder), "--seed", "3")
    assert again.code == 0, again.err[-2000:]
    assert not (folder / "left-over.txt").exists()  # recreated, not reused
    assert residents(folder) == 20 - repeats(20, 3)


def test_a_folder_that_is_not_a_demo_is_refused(cli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "thesis"
    folder.mkdir()
    (folder / "chapter-1.md").write_text("months of work")
    outcome = cli("demo", "--residents", "20", "--folder", str(folder))
    assert outcome.code == 2 and "Traceback" not in outcome.err
    assert "is not an earlier demo folder: refusing to delete it" in outcome.err
    assert [p.name for p in folder.iterdir()] == ["chapter-1.md"]


def test_a_folder_path_that_is_a_file_is_refused(cli: Cli, tmp_path: Path) -> None:
    target = tmp_path / "notes.txt"
    target.write_text("keep me")
    outcome = cli("demo", "--residents", "20", "--folder", str(target))
    assert outcome.code != 0 and "Traceback" not in outcome.err
    assert str(target) in outcome.err and outcome.err.count("\n") <= 2
    assert target.read_text() == "keep me"


@pytest.mark.parametrize("count", ["0", "1"])
def test_too_few_residents_is_refused_before_anything_is_done(
    cli: Cli, tmp_path: Path, count: str
) -> None:
    """The demo needs residents in every state and valid cards left for the border drill."""
    folder = tmp_path / "demo"
    outcome = cli("demo", "--residents", count, "--folder", str(folder))
    assert outcome.code == 2 and "Traceback" not in outcome.err
    assert "--residents" in outcome.err
    assert not folder.exists()
