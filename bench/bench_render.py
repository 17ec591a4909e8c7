"""Benchmark: card PDFs per second per core, photo -> QR text time, scan success rate.

    python bench/bench_render.py [--cards 200] [--scans 60] [--quick]

Figures (all in this one process, so on one core):

1. card PDFs per CPU second: one file per card (one by one, and as a batch rendered
   once and split), one multi-page file, A4 sheets (goal: 100 cards/s/core);
2. QR encoders on a version-20 text: zxing-cpp's writer (what the card uses) against
   ``qrcode`` with a fixed mask and with its own mask search;
3. photo -> QR text on 300 dpi renderings (goal: median 50 ms or less): from the
   decoded image, from a PNG file, from the card PDF;
4. scan success rate over a batch of random phone-like perturbations, with zxing-cpp
   and, when installed, zbar (``zbarimg``) as a second decoder.
"""

from __future__ import annotations

import argparse
import functools
import io
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere

from PIL import Image

from aes_id.domain import Country
from aes_id.render import qr
from aes_id.render.batch import render_card_files
from aes_id.render.card import PrintableCard, pdf_bytes, render_card_pdf, render_cards_pdf
from aes_id.render.preview import rasterise_pdf
from aes_id.render.sheet import render_sheet_pdf
from aes_id.verify.scan import scan_file, scan_image
from tests.render.samples import base45_text, make_card, mrz_lines, portrait
from tests.verify import perturb

QR_CHARS = 960  # a full credential with its face thumbnail: a version-20 QR


def printables(count: int) -> list[PrintableCard]:
    """``count`` cards of the three states, each with its own photo and QR text."""
    try:
        from aes_id.biometrics.faces import synthetic_face

        def photo(i: int) -> Image.Image:
            return synthetic_face(1000 + i, age=30)
    except ImportError:

        def photo(i: int) -> Image.Image:
            return portrait(i)

    states = list(Country)
    cards = []
    for i in range(count):
        card = make_card(states[i % 3], qr_text=base45_text(QR_CHARS, seed=i), seed=i, serial=i + 1)
        cards.append(PrintableCard(card=card, photo=photo(i), mrz=mrz_lines(card)))
    return cards


def cpu_rate(label: str, count: int, run: Callable[[], object]) -> float:
    start_cpu, start_wall = time.process_time(), time.perf_counter()
    run()
    cpu, wall = time.process_time() - start_cpu, time.perf_counter() - start_wall
    rate = count / cpu
    print(
        f"  {label:<34} {rate:7.1f} cards/s/core   ({cpu * 1000 / count:6.2f} ms CPU, "
        f"{wall * 1000 / count:6.2f} ms wall per card)"
    )
    return rate


def bench_pdfs(cards: list[PrintableCard]) -> None:
    print(f"1. Card PDFs ({len(cards)} cards, {QR_CHARS}-character QR, photo 300 dpi)")
    pdf_bytes(cards[0])  # load templates and fonts once, as a long-running service would
    one = cpu_rate(
        "one file per card (in memory)", len(cards), lambda: [pdf_bytes(c) for c in cards]
    )
    with tempfile.TemporaryDirectory() as folder:

        def one_by_one() -> None:
            for i, card in enumerate(cards):
                render_card_pdf(card, None, Path(folder) / f"{i}.pdf")

        cpu_rate("one file per card (on disk)", len(cards), one_by_one)
    with tempfile.TemporaryDirectory() as folder:
        batch = cpu_rate(
            "one file per card (batch, split)",
            len(cards),
            lambda: render_card_files(cards, Path(folder)),
        )
    multi = cpu_rate(
        "one multi-page file", len(cards), lambda: render_cards_pdf(cards, None, io.BytesIO())
    )
    cpu_rate(
        "A4 print sheets (10 a page)", len(cards), lambda: render_sheet_pdf(cards, io.BytesIO())
    )
    single_size = len(pdf_bytes(cards[0]))
    stream = io.BytesIO()
    render_cards_pdf(cards, None, stream)
    print(
        f"  size: {single_size / 1024:.0f} KiB a single card file, "
        f"{len(stream.getvalue()) / len(cards) / 1024:.0f} KiB a card in a multi-page file"
    )
    print(f"  against one by one: batch of files {batch / one:.1f}x, multi-page {multi / one:.1f}x")


def bench_encoders() -> None:
    print("2. QR encoders, version 20 at level M (ms per symbol)")
    text = base45_text(970, seed=5)
    runs = 30

    def timed(encode: Callable[[], object]) -> float:
        encode()
        start = time.perf_counter()
        for _ in range(runs):
            encode()
        return (time.perf_counter() - start) * 1000 / runs

    zxing = timed(lambda: qr.encode(text, max_version=20))
    print(f"  zxing-cpp writer, best mask by penalty   {zxing:6.2f} ms   (used by the card)")
    try:
        from aes_id.formats.qr import qr_matrix

        fixed = timed(lambda: qr_matrix(text))
        search = timed(lambda: qr_matrix(text, mask=None))
        print(
            f"  qrcode, fixed mask                       {fixed:6.2f} ms   ({fixed / zxing:.1f}x)"
        )
        print(
            f"  qrcode, mask search                      {search:6.2f} ms   ({search / zxing:.1f}x)"
        )
    except ImportError:
        print("  (aes_id.formats.qr not importable: qrcode figures skipped)")


def bench_scan(cards: list[PrintableCard]) -> list[Image.Image]:
    print(f"3. Photo -> QR text, 300 dpi renderings ({len(cards)} cards)")
    backs: list[Image.Image] = []
    from_image: list[float] = []
    from_png: list[float] = []
    from_pdf: list[float] = []
    with tempfile.TemporaryDirectory() as folder:
        for i, card in enumerate(cards):
            data = pdf_bytes(card)
            back = rasterise_pdf(data, dpi=300)[1]
            backs.append(back)
            png, pdf = Path(folder) / f"{i}.png", Path(folder) / f"{i}.pdf"
            back.save(png)
            pdf.write_bytes(data)
            jobs: list[tuple[list[float], Callable[[], object]]] = [
                (from_image, functools.partial(scan_image, back)),
                (from_png, functools.partial(scan_file, png)),
                (from_pdf, functools.partial(scan_file, pdf)),
            ]
            for bucket, scan in jobs:
                start = time.perf_counter()
                scan()
                bucket.append((time.perf_counter() - start) * 1000)
    for label, times in (
        ("decoded image -> text", from_image),
        ("PNG file -> text", from_png),
        ("card PDF -> text (rasterise 300 dpi)", from_pdf),
    ):
        print(
            f"  {label:<38} median {statistics.median(times):6.1f} ms, "
            f"p95 {sorted(times)[int(0.95 * len(times)) - 1]:6.1f} ms"
        )
    return backs


Damage = Callable[[Image.Image, random.Random], Image.Image]

USUAL: dict[str, Damage] = {
    "rotate ±12°": lambda im, r: perturb.rotate(im, r.uniform(-12, 12)),
    "blur 0.5-1.8 px": lambda im, r: perturb.blur(im, r.uniform(0.5, 1.8)),
    "width 600-1000 px": lambda im, r: perturb.to_width(im, r.randint(600, 1000)),
    "JPEG q35-80": lambda im, r: perturb.jpeg(im, r.randint(35, 80)),
    "perspective": lambda im, r: perturb.perspective(im, r.uniform(0.02, 0.14)),
    "phone photo": lambda im, r: perturb.phone_photo(im, seed=r.randint(0, 10**6)),
}
"""What the tests assert too: a phone photo of a card held reasonably."""

HARD: dict[str, Damage] = {
    "blur 1.8-2.8 px": lambda im, r: perturb.blur(im, r.uniform(1.8, 2.8)),
    "width 380-600 px": lambda im, r: perturb.to_width(im, r.randint(380, 600)),
    "JPEG q15-35 @700px": lambda im, r: perturb.jpeg(perturb.to_width(im, 700), r.randint(15, 35)),
    "rotate ±45°": lambda im, r: perturb.rotate(im, r.uniform(-45, 45)),
}
"""Beyond it: where the limits are."""


def bench_success(
    backs: list[Image.Image], trials: int, mix: dict[str, Damage], title: str
) -> None:
    zbar = shutil.which("zbarimg")
    print(f"  {title}: {trials} random perturbations, zxing-cpp" + (" / zbar" if zbar else ""))
    rng = random.Random(2026)
    tally: dict[str, list[int]] = {kind: [0, 0, 0] for kind in mix}
    with tempfile.TemporaryDirectory() as folder:
        for i in range(trials):
            source = backs[i % len(backs)]
            (expected,) = scan_image(source)
            kind = rng.choice(sorted(mix))
            damaged = mix[kind](source, rng)
            tally[kind][0] += scan_image(damaged) == [expected]
            tally[kind][2] += 1
            if zbar:
                path = Path(folder) / "z.png"
                damaged.save(path)
                out = subprocess.run(
                    [zbar, "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(path)],
                    capture_output=True,
                    text=True,
                    check=False,
                ).stdout.strip()
                tally[kind][1] += out == expected
    for kind, (ok, zbar_ok, n) in tally.items():
        second = f"   {100 * zbar_ok / n:5.1f} %" if zbar and n else ""
        print(f"    {kind:<20} {ok:4d}/{n:<4d} {100 * ok / max(n, 1):5.1f} %{second}")
    ok = sum(v[0] for v in tally.values())
    zbar_ok = sum(v[1] for v in tally.values())
    second = f"   {100 * zbar_ok / trials:5.1f} %" if zbar else ""
    print(f"    {'all':<20} {ok:4d}/{trials:<4d} {100 * ok / trials:5.1f} %{second}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=200)
    parser.add_argument("--scans", type=int, default=60)
    parser.add_argument("--trials", type=int, default=300)
    parser.add_argument("--quick", action="store_true", help="small counts, for a smoke run")
    args = parser.parse_args()
    if args.quick:
        args.cards, args.scans, args.trials = 30, 10, 30
    cards = printables(args.cards)
    bench_pdfs(cards)
    bench_encoders()
    backs = bench_scan(cards[: args.scans])
    print("4. Scan success rate (the back of 300 dpi renderings, damaged)")
    bench_success(backs, args.trials, USUAL, "the tested range")
    bench_success(backs, args.trials // 2, HARD, "beyond it")


if __name__ == "__main__":
    main()
