"""Benchmark of the synthetic biometrics: speed, 1:1 accuracy, QR templates, 1:N.

1. Speed: faces, master fingers, captures, templates, signatures, one 1:1 match.
2. 1:1 accuracy on a synthetic population: genuine pairs are two captures of one
   finger (enrolment, later), impostor pairs the same finger of two people.
   FMR and FNMR over thresholds for one finger and for the mean of two (the
   index fingers), the DET curve written as a PNG, and the QR trade-off: compact
   templates of 8-32 minutiae against a live capture.
3. 1:N de-duplication: a gallery of ``--gallery`` people (ten fingers each, real
   generation), mated searches (the same person enrolling again) and non-mated
   ones (new people): FNIR at FPIR 0.1 %, and search times. Then a gallery of
   ``--million`` rows made from it by rotating each person's fingers across the
   ten slots (every copy is a new ten-finger "person"; the search path is the
   real one), searched the same way.

    python bench/bench_biometrics.py [--people 1000] [--gallery 100000] [--million 1000000]
        [--probes 1000] [--workers 2] [--det docs/biometrics-det.png]
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from aes_id.biometrics import index as index_module
from aes_id.biometrics import shortlist as shortlist_module
from aes_id.biometrics.faces import synthetic_face
from aes_id.biometrics.fingers import capture, master_fingers
from aes_id.biometrics.index import DedupIndex, IndexArrays, pack
from aes_id.biometrics.match import (
    DEFAULT_THRESHOLD,
    FUSED_THRESHOLD,
    match_prepared,
    match_score,
    prepare,
)
from aes_id.biometrics.minutiae import TEN_FINGERS, MinutiaeSet
from aes_id.biometrics.signature import person_signature
from aes_id.biometrics.template import (
    COMPACT_MINUTIAE,
    decode_compact,
    decode_fingers,
    encode_compact,
    encode_fingers,
)

IMPOSTORS_PER_PROBE = 10
IMPOSTORS_TWO_FINGERS = 40  # more for the index fingers, whose mean is the 1:1 decision
IMPOSTORS_COMPACT = 40
TWO_FINGERS = (1, 6)  # slots of the right and left index fingers
COMPACT_SIZES = (8, 12, 16, 20, 24, 32)
NON_MATED_BASE = 10_000_000  # seeds of people never enrolled


def timed(label: str, fn: Callable[[], object], repeat: int) -> float:
    """Best of three runs of ``repeat`` calls (the machine may be shared), per call."""
    runs = []
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(repeat):
            fn()
        runs.append((time.perf_counter() - start) / repeat)
    print(f"  {label:<44} {min(runs) * 1e3:9.3f} ms  (median of runs {np.median(runs) * 1e3:.3f})")
    return min(runs)


def bench_speed() -> None:
    print("1. Speed (one core)")
    masters = master_fingers(1)
    views = [capture(m, 1) for m in masters]
    record = encode_fingers(views)
    a, b = views[1], capture(masters[1], 2)
    pa, pb = prepare(a), prepare(b)
    timed("synthetic face 240x300", lambda: synthetic_face(7, capture=1), 200)
    timed("ten master fingers", lambda: master_fingers(3), 200)
    timed("one capture", lambda: capture(masters[0], 5), 1000)
    timed("encode ten-finger record", lambda: encode_fingers(views), 1000)
    timed("decode ten-finger record", lambda: decode_fingers(record), 1000)
    timed("index signature (ten fingers)", lambda: person_signature(views), 200)
    timed("1:1 match_score (prepare included)", lambda: match_score(a, b), 2000)
    timed("1:1 match_prepared", lambda: match_prepared(pa, pb), 2000)
    print(f"  ten-finger record: {len(record)} bytes; compact ({COMPACT_MINUTIAE} minutiae): "
          f"{len(encode_compact(a))} bytes")  # fmt: skip


# -- 1:1 ------------------------------------------------------------------------------


def _sessions(person: int) -> tuple[list[MinutiaeSet], list[MinutiaeSet]]:
    masters = master_fingers(person)
    return [capture(m, person * 1009 + 1) for m in masters], [
        capture(m, person * 1009 + 2) for m in masters
    ]


def _scores_for(bounds: tuple[int, int]) -> dict[str, np.ndarray]:
    """Worker: genuine and impostor scores for people [start, stop) of the population."""
    out: dict[str, list[float]] = {"gen": [], "imp": [], "gen2": [], "imp2": []}
    for n in COMPACT_SIZES:
        out[f"cgen{n}"], out[f"cimp{n}"] = [], []
    for p in range(*bounds):
        live = [prepare(v) for v in _LATER[p]]
        for slot in range(10):
            out["gen"].append(match_prepared(live[slot], _ENROLLED_P[p][slot]))
            others = _others(
                p, IMPOSTORS_TWO_FINGERS if slot in TWO_FINGERS else IMPOSTORS_PER_PROBE
            )
            scores = [match_prepared(live[slot], _ENROLLED_P[q][slot]) for q in others]
            out["imp"].extend(scores[:IMPOSTORS_PER_PROBE])
            if slot in TWO_FINGERS:
                out["imp2"].extend(scores)
                out["gen2"].append(out["gen"][-1])
        for n in COMPACT_SIZES:
            for slot in TWO_FINGERS:
                out[f"cgen{n}"].append(match_prepared(live[slot], _COMPACT[n][p][slot]))
                for q in _others(p, IMPOSTORS_COMPACT):
                    out[f"cimp{n}"].append(match_prepared(live[slot], _COMPACT[n][q][slot]))
    return {k: np.array(v) for k, v in out.items()}


def _others(p: int, count: int) -> list[int]:
    """``count`` other people, spread over the population (the same ones for every finger)."""
    return [(p + 1 + k * (_PEOPLE // count)) % _PEOPLE for k in range(count)]


_PEOPLE = 0
_LATER: list[list[MinutiaeSet]] = []
_ENROLLED_P: list[list[object]] = []
_COMPACT: dict[int, list[dict[int, object]]] = {}


def _fmr_fnmr(
    gen: np.ndarray, imp: np.ndarray, thresholds: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    fmr = (imp[None, :] >= thresholds[:, None]).mean(axis=1)
    fnmr = (gen[None, :] < thresholds[:, None]).mean(axis=1)
    return fmr, fnmr


def _at_fmr(gen: np.ndarray, imp: np.ndarray, target: float) -> tuple[float, float]:
    """(threshold, FNMR) at the lowest threshold whose FMR is at most ``target``.

    NaN when the impostor sample is too small to show such an FMR (fewer than 3/target).
    """
    if imp.size * target < 3:
        return float("nan"), float("nan")
    thresholds = np.unique(imp) + 1e-9
    fmr, fnmr = _fmr_fnmr(gen, imp, thresholds)
    at = int(np.argmax(fmr <= target))
    return float(thresholds[at]), float(fnmr[at])


def bench_one_to_one(people: int, workers: int, det_path: Path) -> None:
    global _PEOPLE, _LATER, _ENROLLED_P, _COMPACT
    counts = (
        f"{IMPOSTORS_PER_PROBE} (index fingers {IMPOSTORS_TWO_FINGERS}, QR {IMPOSTORS_COMPACT})"
    )
    print(f"\n2. 1:1 accuracy: {people} people, ten fingers; impostors per probe: {counts}")
    start = time.perf_counter()
    sessions = [_sessions(p) for p in range(people)]
    _PEOPLE = people
    _LATER = [later for _, later in sessions]
    _ENROLLED_P = [[prepare(v) for v in enrolled] for enrolled, _ in sessions]
    _COMPACT = {
        n: [{s: prepare(decode_compact(encode_compact(e[s], max_minutiae=n))) for s in TWO_FINGERS}
            for e, _ in sessions]
        for n in COMPACT_SIZES
    }  # fmt: skip
    chunks = [(i, min(i + 50, people)) for i in range(0, people, 50)]
    with ProcessPoolExecutor(workers) as pool:
        parts = list(pool.map(_scores_for, chunks))
    scores = {k: np.concatenate([part[k] for part in parts]) for k in parts[0]}
    print(f"  {scores['gen'].size + scores['imp'].size:,} full comparisons and "
          f"{sum(scores[f'cimp{n}'].size for n in COMPACT_SIZES):,} compact ones "
          f"in {time.perf_counter() - start:.0f} s on {workers} workers")  # fmt: skip
    gen, imp = scores["gen"], scores["imp"]
    gen2 = scores["gen2"].reshape(people, 2).mean(axis=1)
    imp2 = scores["imp2"].reshape(people, 2, IMPOSTORS_TWO_FINGERS).mean(axis=1).ravel()
    _threshold_table(gen, imp, gen2, imp2)
    curves = {"one finger": (gen, imp), "two fingers (mean)": (gen2, imp2)}
    print("\n  QR templates (compact, n minutiae per finger) against a live ten-finger capture:")
    print(f"  {'n':>3} {'bytes':>5} | one finger: FNMR@FMR {'1e-3':>6} {'1e-4':>6} | two fingers: "
          f"FNMR@FMR {'1e-3':>6}; at {FUSED_THRESHOLD}: FMR {'':>7} FNMR")  # fmt: skip
    for n in COMPACT_SIZES:
        cg, ci = scores[f"cgen{n}"], scores[f"cimp{n}"]
        cg2 = cg.reshape(people, 2).mean(axis=1)
        ci2 = ci.reshape(people, 2, IMPOSTORS_COMPACT).mean(axis=1).ravel()
        one = [_at_fmr(cg, ci, t)[1] for t in (1e-3, 1e-4)]
        two = _at_fmr(cg2, ci2, 1e-3)[1]
        fmr2, fnmr2 = (ci2 >= FUSED_THRESHOLD).mean(), (cg2 < FUSED_THRESHOLD).mean()
        print(f"  {n:>3} {3 + 3 * n:>5} | {'':>20} {one[0]:>6.4f} {one[1]:>6.4f} | {'':>21} "
              f"{two:>6.4f}; {'':>8} {fmr2:>9.5f} {fnmr2:.4f}")  # fmt: skip
        if n in (24, 16, 12):
            curves[f"QR template, one finger, {n} minutiae"] = (cg, ci)
    draw_det(curves, det_path)
    print(f"  DET curve written to {det_path}")


def _threshold_table(gen: np.ndarray, imp: np.ndarray, gen2: np.ndarray, imp2: np.ndarray) -> None:
    print(f"  genuine {gen.size:,} / impostor {imp.size:,} (one finger); "
          f"{gen2.size:,} / {imp2.size:,} (two fingers)")  # fmt: skip
    print(f"  {'threshold':>9} {'FMR 1f':>9} {'FNMR 1f':>9} {'FMR 2f':>9} {'FNMR 2f':>9}")
    grid = np.round(np.arange(0.08, 0.42, 0.02), 2)
    fmr1, fnmr1 = _fmr_fnmr(gen, imp, grid)
    fmr2, fnmr2 = _fmr_fnmr(gen2, imp2, grid)
    for row in zip(grid, fmr1, fnmr1, fmr2, fnmr2, strict=True):
        print("  {:>9.2f} {:>9.5f} {:>9.5f} {:>9.5f} {:>9.5f}".format(*row))
    for target in (1e-2, 1e-3, 1e-4):
        t1, f1 = _at_fmr(gen, imp, target)
        t2, f2 = _at_fmr(gen2, imp2, target)
        print(f"  FMR <= {target:g}: one finger threshold {t1:.3f} FNMR {f1:.4f}; "
              f"two fingers threshold {t2:.3f} FNMR {f2:.4f}")  # fmt: skip
    eer = _eer(gen, imp)
    print(f"  EER one finger {eer:.4f}; at DEFAULT_THRESHOLD {DEFAULT_THRESHOLD}: FMR "
          f"{(imp >= DEFAULT_THRESHOLD).mean():.5f} FNMR {(gen < DEFAULT_THRESHOLD).mean():.4f}; "
          f"at FUSED_THRESHOLD {FUSED_THRESHOLD} (two): FMR {(imp2 >= FUSED_THRESHOLD).mean():.5f} "
          f"FNMR {(gen2 < FUSED_THRESHOLD).mean():.4f}")  # fmt: skip


def _eer(gen: np.ndarray, imp: np.ndarray) -> float:
    grid = np.linspace(0, 1, 2001)
    fmr, fnmr = _fmr_fnmr(gen, imp, grid)
    at = int(np.argmin(np.abs(fmr - fnmr)))
    return float((fmr[at] + fnmr[at]) / 2)


# -- DET chart -------------------------------------------------------------------------

COLOURS = ((31, 119, 180), (214, 39, 40), (44, 160, 44), (148, 103, 189), (255, 127, 14))


def draw_det(curves: dict[str, tuple[np.ndarray, np.ndarray]], path: Path) -> None:
    """FNMR against FMR on log axes (10^-5..1 by 10^-4..1), one line per curve."""
    width, height, left, top, right, bottom = 900, 640, 90, 40, 30, 80
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=15)
    x_range, y_range = (-5.0, 0.0), (-4.0, 0.0)

    def point(fmr: float, fnmr: float) -> tuple[float, float]:
        lx = (np.log10(max(fmr, 1e-5)) - x_range[0]) / (x_range[1] - x_range[0])
        ly = (np.log10(max(fnmr, 1e-4)) - y_range[0]) / (y_range[1] - y_range[0])
        return left + lx * (width - left - right), height - bottom - ly * (height - top - bottom)

    for exponent in range(-5, 1):
        x, _ = point(10.0**exponent, 1e-4)
        draw.line([(x, top), (x, height - bottom)], fill=(225, 225, 225))
        draw.text((x - 14, height - bottom + 8), f"1e{exponent}", fill="black", font=font)
    for exponent in range(-4, 1):
        _, y = point(1e-5, 10.0**exponent)
        draw.line([(left, y), (width - right, y)], fill=(225, 225, 225))
        draw.text((left - 50, y - 8), f"1e{exponent}", fill="black", font=font)
    draw.rectangle([left, top, width - right, height - bottom], outline="black")
    draw.text((width / 2 - 120, height - 40), "false match rate (FMR)", fill="black", font=font)
    title = ("false non-match rate (FNMR). A dot ends a curve where its impostor sample runs "
             "out; FNMR 0 lies on the bottom edge.")  # fmt: skip
    draw.text((10, 10), title, fill="black", font=font)
    for (gen, imp), colour in zip(curves.values(), COLOURS, strict=False):
        thresholds = np.unique(np.concatenate((gen, imp)))
        fmr, fnmr = _fmr_fnmr(gen, imp, thresholds)
        keep = fmr >= 1.0 / imp.size  # below one impostor in the sample, nothing is measured
        line = [point(a, b) for a, b in zip(fmr[keep], fnmr[keep], strict=True)]
        draw.line(line, fill=colour, width=3)
        (x, y) = line[-1]
        draw.ellipse([x - 4, y - 4, x + 4, y + 4], fill=colour)
    for row, (label, colour) in enumerate(zip(curves, COLOURS, strict=False)):
        y = top + 14 + 22 * row
        draw.line([(width - 330, y + 8), (width - 300, y + 8)], fill=colour, width=3)
        draw.text((width - 292, y), label, fill="black", font=font)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path)


# -- 1:N -------------------------------------------------------------------------------


def _gallery_rows(bounds: tuple[int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Worker: signatures, counts and packed minutiae of people [start, stop) at enrolment."""
    signatures, counts, packed = [], [], []
    for person in range(*bounds):
        views = [capture(m, person * 1009 + 1) for m in master_fingers(person)]
        signatures.append(person_signature(views))
        parts = [pack(v) for v in views]
        counts.append([p.size for p in parts])
        packed.extend(parts)
    return np.array(signatures), np.array(counts, np.uint8), np.concatenate(packed)


def _probe(person: int) -> list[MinutiaeSet]:
    """The same person at a later session (mated if enrolled)."""
    return [capture(m, person * 1009 + 2) for m in master_fingers(person)]


def build_gallery(size: int, workers: int) -> IndexArrays:
    """The gallery as arrays (generation in worker processes)."""
    chunks = [(i, min(i + 500, size)) for i in range(0, size, 500)]
    with ProcessPoolExecutor(workers) as pool:
        parts = list(pool.map(_gallery_rows, chunks))
    return IndexArrays(
        TEN_FINGERS,
        tuple(str(p) for p in range(size)),
        np.concatenate([p[0] for p in parts]),
        np.concatenate([p[1] for p in parts]),
        np.concatenate([p[2] for p in parts]),
    )


def load_or_build(
    cache: Path | None, size: int, probes: int, workers: int
) -> tuple[IndexArrays, list[list[MinutiaeSet]], list[list[MinutiaeSet]]]:
    """The gallery and the probes, from ``cache`` when it holds this size (else built, saved)."""
    if cache is not None and cache.exists():
        saved = np.load(cache)
        if int(saved["size"]) == size and int(saved["probes"]) == probes:
            records = np.split(saved["probe_blob"], np.cumsum(saved["probe_lengths"])[:-1])
            people = [list(decode_fingers(r.tobytes())) for r in records]
            arrays = IndexArrays(
                TEN_FINGERS, tuple(str(p) for p in range(size)),
                saved["signatures"], saved["counts"], saved["minutiae"],
            )  # fmt: skip
            return arrays, people[:probes], people[probes:]
    arrays = build_gallery(size, workers)
    with ProcessPoolExecutor(workers) as pool:
        mated = list(pool.map(_probe, range(min(probes, size)), chunksize=50))
        others = range(NON_MATED_BASE, NON_MATED_BASE + probes)
        non_mated = list(pool.map(_probe, others, chunksize=50))
    if cache is not None:
        records = [np.frombuffer(encode_fingers(p), np.uint8) for p in mated + non_mated]
        np.savez(
            cache, size=size, probes=probes, signatures=arrays.signatures, counts=arrays.counts,
            minutiae=arrays.minutiae, probe_blob=np.concatenate(records),
            probe_lengths=np.array([r.size for r in records]),
        )  # fmt: skip
    return arrays, mated, non_mated


def rotated(arrays: IndexArrays, copies: int) -> IndexArrays:
    """``copies`` galleries in one: copy k moves each person's finger s to slot (s + k) % 10."""
    n, slots = arrays.counts.shape
    lengths = arrays.counts.astype(np.int64)
    starts = (np.cumsum(lengths.ravel()) - lengths.ravel()).reshape(n, slots)
    signatures, counts, minutiae, ids = [], [], [], []
    for k in range(copies):
        order = (np.arange(slots) + k) % slots
        src, size = starts[:, order].ravel(), lengths[:, order].ravel()
        gather = np.repeat(src - (np.cumsum(size) - size), size) + np.arange(size.sum())
        signatures.append(arrays.signatures.reshape(n, slots, -1)[:, order].reshape(n, -1))
        counts.append(arrays.counts[:, order])
        minutiae.append(arrays.minutiae[gather])
        ids.extend(arrays.ids if k == 0 else (f"{k}:{i}" for i in arrays.ids))
    return IndexArrays(
        arrays.positions,
        tuple(ids),
        np.concatenate(signatures),
        np.concatenate(counts),
        np.concatenate(minutiae),
    )


def run_searches(
    index: DedupIndex,
    mated: Sequence[tuple[int, list[MinutiaeSet]]],
    non_mated: Sequence[list[MinutiaeSet]],
) -> dict[str, np.ndarray]:
    """Per search: mate score (0 when missed), best other score, people scored, time, and the
    mate's stage-1 agreement in standard deviations above the gallery mean (row = person)."""
    out: dict[str, list[float]] = {k: [] for k in ("mate", "other", "scored", "took", "z")}
    for person, probe in [*mated, *((None, p) for p in non_mated)]:
        start = time.perf_counter()
        found = index.search(probe, threshold=None)
        out["took"].append(time.perf_counter() - start)
        out["scored"].append(len(found))
        wanted = str(person)
        out["other"].append(max((c.score for c in found if c.person_id != wanted), default=0.0))
        if person is not None:
            out["mate"].append(next((c.score for c in found if c.person_id == wanted), 0.0))
            agreement = index.agreements(probe).astype(np.float64)
            out["z"].append((agreement[person] - agreement.mean()) / agreement.std())
    return {k: np.array(v) for k, v in out.items()}


def report_searches(label: str, result: dict[str, np.ndarray]) -> None:
    mate, took, z = result["mate"], result["took"] * 1e3, result["z"]
    non_mated = result["other"][len(mate) :]
    print(f"  {label}: {len(mate)} mated and {len(non_mated)} non-mated searches")
    print(f"    search time: mean {took.mean():.1f} ms, median {np.median(took):.1f} ms, "
          f"95th percentile {np.percentile(took, 95):.1f} ms, max {took.max():.1f} ms; "
          f"people matched per search: mean {result['scored'].mean():.1f}")  # fmt: skip
    print(f"    stage 1: mate agreement z-score min {z.min():.1f}, 1st percentile "
          f"{np.percentile(z, 1):.1f} (gate {shortlist_module.GATE_Z}); mate scored in "
          f"{(mate > 0).mean():.4f} of searches")  # fmt: skip
    print(f"    stage 2: mate score min {mate.min():.3f}, 1st pct {np.percentile(mate, 1):.3f}; "
          f"best non-mate score max {result['other'].max():.3f}, 99.9th percentile of non-mated "
          f"searches {np.percentile(non_mated, 99.9):.3f}")  # fmt: skip
    threshold = index_module.DEDUP_THRESHOLD
    fpir, fnir = (non_mated >= threshold).mean(), (mate < threshold).mean()
    print(f"    at DEDUP_THRESHOLD {threshold}: FPIR {fpir:.4f}, FNIR {fnir:.4f}")
    ordered = np.sort(non_mated)
    at = float(ordered[int(np.ceil(0.999 * ordered.size)) - 1])
    print(f"    FNIR at FPIR 0.1% (threshold just above {at:.3f}): {(mate <= at).mean():.4f}")


def bench_one_to_n(
    gallery: int, million: int, probes: int, workers: int, cache: Path | None
) -> None:
    print(f"\n3. 1:N de-duplication: gallery of {gallery:,} people, ten fingers each")
    start = time.perf_counter()
    arrays, mated_probes, non_mated = load_or_build(cache, gallery, probes, workers)
    mated = list(enumerate(mated_probes))
    print(f"  generated or loaded in {time.perf_counter() - start:.0f} s on {workers} workers; "
          f"index {arrays.signatures.nbytes / gallery:.0f} B signatures + "
          f"{arrays.minutiae.nbytes / gallery:.0f} B minutiae per person")  # fmt: skip
    index = DedupIndex.from_arrays(arrays)
    report_searches(f"{gallery:,} enrolled", run_searches(index, mated, non_mated))
    if million <= gallery:
        return
    copies = -(-million // gallery)
    big = DedupIndex.from_arrays(rotated(arrays, copies))
    del index
    sample = probes
    print(f"\n  {len(big):,} enrolled ({copies} finger rotations of the gallery; first search "
          f"warms the caches)")  # fmt: skip
    big.search(non_mated[0])
    report_searches(f"{len(big):,} enrolled", run_searches(big, mated[:sample], non_mated[:sample]))
    single = DedupIndex.from_arrays(big.arrays(), threads=1)
    report_searches(
        f"{len(big):,} enrolled, one thread", run_searches(single, mated[:50], non_mated[:50])
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--gallery", type=int, default=100_000)
    parser.add_argument("--million", type=int, default=1_000_000)
    parser.add_argument("--probes", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--det",
        type=Path,
        default=Path(__file__).resolve().parents[1] / "docs" / "biometrics-det.png",
    )
    parser.add_argument("--skip", choices=("speed", "1:1", "1:N"), action="append", default=[])
    parser.add_argument("--cache", type=Path, help="keep the 1:N gallery and probes in this .npz")
    args = parser.parse_args()
    if "speed" not in args.skip:
        bench_speed()
    if "1:1" not in args.skip:
        bench_one_to_one(args.people, args.workers, args.det)
    if "1:N" not in args.skip:
        bench_one_to_n(args.gallery, args.million, args.probes, args.workers, args.cache)


if __name__ == "__main__":
    main()
