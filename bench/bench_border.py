"""Border benchmark: checks per second on the QR-text path and on the whole image path, a
month of traffic for a large traveller population, and the drill's accuracy for genuine
travellers and impostors with and without fingerprint readers, measured, not assumed.

    python bench/bench_border.py                  # 20,000 travellers for 30 days, then extrapolate
    python bench/bench_border.py --travellers 100000   # a full month of 100,000 travellers
    python bench/bench_border.py --skip speed     # accuracy only: 5,000 travellers x 7 days

Card holders are synthetic (population generator, a few real WebP faces), built without
the registry so that the figure is the drill's own cost; each check still runs the real
verifier on a real credential with the post's real, synced lists.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import resource
import statistics
import tempfile
import time
from pathlib import Path

from aes_id.biometrics.faces import synthetic_face
from aes_id.border.check import verify_at_post
from aes_id.border.folders import RUN_FILE
from aes_id.border.journal import Journal
from aes_id.border.sync import ListParser, read_list_files
from aes_id.domain import Country, Identity
from aes_id.formats.claims import CredentialClaims
from aes_id.formats.face import face_thumbnail
from aes_id.formats.numbers import card_expiry, format_card_number, generate_nin
from aes_id.simulate.border_camera import Camera, printed_photo
from aes_id.simulate.border_sim import DrillSettings, run_drill
from aes_id.simulate.border_world import Cardholder, DrillOperator
from aes_id.simulate.fraud import FraudKind
from aes_id.simulate.population import generate
from aes_id.simulate.report import BorderReport, load_report

START = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)


def holders(count: int) -> list[Cardholder]:
    """``count`` synthetic card holders, issued over the two years before the drill."""
    faces = [face_thumbnail(synthetic_face(seed), max_bytes=340) for seed in range(8)]
    rng = random.Random(1)
    serials = dict.fromkeys(Country, 0)
    out = []
    for index, p in enumerate(generate(count, seed=1, today=START.date())):
        serials[p.state] += 1
        issued = START - dt.timedelta(days=rng.uniform(2, 700))
        identity = Identity(
            generate_nin(rng),
            p.family_name,
            p.given_names,
            p.date_of_birth,
            p.sex,
            p.nationality,
            p.place_of_birth,
        )
        claims = CredentialClaims.for_card(
            identity=identity,
            issuing_state=p.state,
            card_number=format_card_number(p.state, serials[p.state]),
            issued_at=issued,
            expires_on=card_expiry(issued.date()),
            face=faces[index % len(faces)],
        )
        out.append(Cardholder(index, claims, p.biometric_seed))
    return out


def verify_rate(pool: list[Cardholder], folder: Path) -> float:
    """Checks per second of verify_at_post alone, on the QR-text path."""
    operator = DrillOperator(folder / "verify", start=START, seed=1)
    operator.publish(START)
    lists = ListParser(operator.root_certificate()).lists(read_list_files(operator.exports))
    texts = [operator.sign(h.claims) for h in pool[:2000]]
    began = time.perf_counter()
    for text in texts:
        verify_at_post(text, lists, now=START + dt.timedelta(hours=5))
    return len(texts) / (time.perf_counter() - began)


def image_path(pool: list[Cardholder], folder: Path, count: int) -> dict[str, float]:
    """Seconds per check on the whole image path, step by step, and how often it read."""
    operator = DrillOperator(folder / "image", start=START, seed=1)
    operator.publish(START)
    lists = ListParser(operator.root_certificate()).lists(read_list_files(operator.exports))
    camera, rng = Camera(), random.Random(2)
    steps: dict[str, list[float]] = {"photo": [], "render": [], "scan": [], "verify": []}
    read = 0
    for holder in pool[:count]:
        text = operator.sign(holder.claims)
        t0 = time.perf_counter()
        photo = printed_photo(
            holder.biometric_seed, holder.identity, holder.claims.face, START.date()
        )
        t1 = time.perf_counter()
        back = camera.back_of(text, holder.index, photo)
        t2 = time.perf_counter()
        got, _ = camera.read(back, rng)
        t3 = time.perf_counter()
        verify_at_post(got, lists, now=START)
        t4 = time.perf_counter()
        read += got == text
        steps["photo"].append(t1 - t0)
        steps["render"].append(t2 - t1)
        steps["scan"].append(t3 - t2)
        steps["verify"].append(t4 - t3)
    figures = {name: statistics.fmean(values) for name, values in steps.items()}
    figures["total"] = sum(figures.values())
    figures["read_share"] = read / count
    return figures


def month(pool: list[Cardholder], folder: Path, days: int) -> tuple[float, int, float]:
    """A drill of ``days`` over the whole pool (QR-text path): seconds, checks, checks/s."""
    settings = DrillSettings(days=days, travellers=len(pool), fraud_rate=0.01, seed=1, start=START)
    began = time.perf_counter()
    summary = run_drill(pool, settings, folder / f"month-{len(pool)}")
    seconds = time.perf_counter() - began
    return seconds, summary.crossings, summary.crossings / seconds


SWAPPED_BEARERS = (
    FraudKind.IMPOSTOR,
    FraudKind.PHOTO_SUBSTITUTION,
    FraudKind.CLONED,
    FraudKind.STOLEN,
)
"""Frauds whose bearer is not the card's holder (a look-alike, a stranger)."""


def accuracy_drill(
    pool: list[Cardholder], folder: Path, *, days: int, fraud_rate: float, fingerprints: bool
) -> BorderReport:
    """A drill with the default eye (White et al. 2014), with or without readers."""
    settings = DrillSettings(
        days=days,
        travellers=len(pool),
        fraud_rate=fraud_rate,
        seed=1,
        image_sample=0.01,
        fingerprints=fingerprints,
        start=START,
    )
    run = folder / f"accuracy-{len(pool)}-{fingerprints}"
    run_drill(pool, settings, run)
    with Journal.open(run / RUN_FILE) as journal:
        return load_report(journal)


def print_accuracy(report: BorderReport, label: str) -> None:
    stopped, travellers = report.genuine_travellers_stopped, report.genuine_travellers
    checks = sum(sum(v.values()) for v in report.genuine_not_admitted.values())
    why = ", ".join(f"{k} {sum(v.values())}" for k, v in report.genuine_not_admitted.items())
    print(
        f"  {label}: genuine travellers not admitted {stopped} of {travellers} "
        f"({stopped / max(travellers, 1):.2%}); checks {checks} of {report.genuine_checks} "
        f"({checks / max(report.genuine_checks, 1):.2%}: {why or 'none'})"
    )
    outcomes = {o.kind: o for o in report.frauds}
    swapped = [outcomes[k.value] for k in SWAPPED_BEARERS]
    caught = sum(o.caught_at_post for o in swapped)
    print(
        f"    bearer not the holder: {caught} of {sum(o.injected for o in swapped)} stopped at "
        f"the post, {sum(o.caught_later for o in swapped)} caught later, "
        f"{sum(o.missed for o in swapped)} missed"
    )
    for o in swapped:
        how = ", ".join(f"{k} {n}" for k, n in o.by_mechanism.items())
        print(f"      {o.kind:<19} {o.caught_at_post:>3} of {o.injected:>3} at the post ({how})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--travellers", type=int, default=20_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--image-checks", type=int, default=40)
    parser.add_argument("--drill-travellers", type=int, default=5_000)
    parser.add_argument("--drill-days", type=int, default=7)
    parser.add_argument("--drill-fraud-rate", type=float, default=0.05)
    parser.add_argument("--skip", choices=("speed", "accuracy"), action="append", default=[])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        began = time.perf_counter()
        pool = holders(max(args.travellers, args.drill_travellers))
        print(f"{len(pool)} synthetic card holders built in {time.perf_counter() - began:.1f} s")
        if "speed" not in args.skip:
            speed(pool[: args.travellers], folder, args)
        if "accuracy" not in args.skip:
            accuracy(pool[: args.drill_travellers], folder, args)


def accuracy(pool: list[Cardholder], folder: Path, args: argparse.Namespace) -> None:
    print(
        f"accuracy: {len(pool):,} travellers x {args.drill_days} days, fraud rate "
        f"{args.drill_fraud_rate}, the agent's eye of White et al. 2014"
    )
    for fingerprints in (False, True):
        began = time.perf_counter()
        report = accuracy_drill(
            pool,
            folder,
            days=args.drill_days,
            fraud_rate=args.drill_fraud_rate,
            fingerprints=fingerprints,
        )
        label = "with --fingerprints" if fingerprints else "without fingerprints"
        print_accuracy(report, f"{label} ({time.perf_counter() - began:.0f} s)")


def speed(pool: list[Cardholder], folder: Path, args: argparse.Namespace) -> None:
    """Verification rate, the image path step by step, and a drill over the whole pool."""
    rate = verify_rate(pool, folder)
    print(f"QR-text path, verification alone: {rate:,.0f} checks/s ({1000 / rate:.3f} ms each)")
    image = image_path(pool, folder, args.image_checks)
    print(
        f"image path ({args.image_checks} checks): {image['total'] * 1000:.0f} ms per check "
        f"(portrait {image['photo'] * 1000:.0f}, print {image['render'] * 1000:.0f}, "
        f"photograph + scan {image['scan'] * 1000:.0f}, verify {image['verify'] * 1000:.2f}); "
        f"{1 / image['total']:.1f} checks/s; QR read back {image['read_share']:.0%}"
    )
    seconds, checks, per_second = month(pool, folder, args.days)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"drill, {len(pool):,} travellers x {args.days} days, QR-text path: {checks:,} "
        f"checks in {seconds:.1f} s = {per_second:,.0f} checks/s end to end "
        f"(peak memory {peak:.0f} MB)"
    )
    print(f"ratio: a drill check costs {rate / per_second:.1f}x a bare verification")
    if args.travellers < 100_000:
        scale = 100_000 / len(pool)
        print(
            f"extrapolated (linear in travellers) to 100,000 travellers x {args.days} days: "
            f"~{checks * scale:,.0f} checks in ~{seconds * scale / 60:.1f} min"
        )


if __name__ == "__main__":
    main()
