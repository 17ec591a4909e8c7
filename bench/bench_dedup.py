"""De-duplication at enrolment: what each check catches, whom it wrongly stops, what it costs.

Run: ``.venv/bin/python bench/bench_dedup.py [--n 20000] [--rate 0.02] [--seed 4]
[--workers 2] [--fingerless] [--namesakes 200000] [--scale 1000000] [--scale-db URL]``

1. **Accuracy.** :func:`aes_id.simulate.enrolment.enrol_population` (what
   ``aes-id enrol --synthetic N --repeat-rate R`` runs) on a fresh SQLite
   registry: ``--n`` synthetic residents, a share ``--rate`` of them planted
   repeats. A repeat is an earlier person enrolling again: the same fingers
   pressed at a later session, the names spelled another way, sometimes only
   the year or month of birth, a married woman half the time under her birth
   family name, one in ten with a slip of the keyboard in the family name
   (:func:`aes_id.simulate.enrolment.repeat_of`). Both checks run on every
   person and each case names the matched NINs and why, so one run measures
   both: a repeat is caught by the demographic check when its case names the
   original for a demographic reason (``demographic`` or ``both``), by the
   biometric check for a biometric one (``biometric`` or ``both``). A case
   for anyone who is not a planted repeat is a distinct person wrongly
   stopped; namesakes abound (the name pools are small and most people are
   born in their region's chief town). ``--fingerless`` runs it again with
   the repeats captured without fingerprints: the demographic check alone.
2. **Cost per search.** The demographic lookup (:func:`registry_matches`:
   the ``name_key`` index, then the birth year and sex) timed on the
   accuracy run's registry and on ``--scale`` residents (rows only, no
   biometrics: the lookup reads none), for 2,000 applicants of another seed;
   the biometric search on the accuracy run's gallery beside it.
3. **Namesakes at scale.** Wrongly stopped people grow with the registry (more
   namesakes born the same day): the demographic check alone, in memory, on
   ``--namesakes`` people with planted repeats, each searched against the
   distinct people before it (a repeat, caught or not, is not added).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

from sqlalchemy import insert, select, text
from sqlmodel import col

from aes_id.biometrics.desk import finger_views
from aes_id.registry import tables
from aes_id.registry.db import Registry, open_registry
from aes_id.registry.dedup import Gallery
from aes_id.registry.demographic import PeopleIndex, name_key, registry_matches
from aes_id.registry.enrol import Demographics, demographics_from_fields
from aes_id.simulate.enrolment import enrol_population, with_repeats
from aes_id.simulate.population import SyntheticPerson, generate

NOW = dt.datetime(2026, 3, 14, 9, 30, tzinfo=dt.UTC)
PROBES = 2000
PLAN_QUERY = (
    "SELECT nin FROM resident WHERE name_key = 'wdrg' "
    "AND date_of_birth BETWEEN '19840000' AND '19841231' AND sex = 'F'"
)
Key = tuple[str, str, str, int]


def _key(person: SyntheticPerson) -> Key:
    return (
        person.family_name,
        person.given_names,
        person.date_of_birth.compact(),
        person.biometric_seed,
    )


def _bodies(registry: Registry) -> dict[str, int]:
    """Each resident's body (the synthetic face seed, which is the biometric seed)."""
    bio = tables.Biometric
    with registry.reader() as session:
        rows = session.execute(select(col(bio.nin), col(bio.face_seed))).all()
    return {str(nin): int(seed or 0) for nin, seed in rows}


def _cases(registry: Registry) -> list[tuple[Key, list[list[object]]]]:
    case = tables.Adjudication
    with registry.reader() as session:
        query = select(col(case.face_seed), col(case.person), col(case.candidates))
        rows = session.execute(query).all()
    found = []
    for seed, person, candidates in rows:
        p = json.loads(person)
        found.append(
            ((p["family_name"], p["given_names"], p["dob"], int(seed or 0)), json.loads(candidates))
        )
    return found


def _miss_reason(repeat: SyntheticPerson, original: SyntheticPerson) -> str:
    if original.birth_family_name and repeat.birth_family_name is None:
        return "under her birth family name"
    if name_key(repeat.family_name) != name_key(original.family_name):
        return "family-name key changed (a slip of the keyboard)"
    return "names, date or place too far apart"


def _tally(
    registry: Registry, planted: Sequence[SyntheticPerson]
) -> tuple[dict[int, str], Counter[str]]:
    """Why each planted repeat was stopped (by index), and why distinct people were.

    A repeat is caught when its case names someone of the same body: its original, or an
    earlier repeat of the same person that was not caught. Two repeats may be the same
    request (one body, one spelling): each case takes the next person of its key.
    """
    by_key: dict[Key, list[SyntheticPerson]] = {}
    for p in sorted(planted, key=lambda p: (p.repeat_of is None, p.index)):
        by_key.setdefault(_key(p), []).append(p)
    body_of = _bodies(registry)
    why_of: dict[int, str] = {}
    wrong: Counter[str] = Counter()
    for key, candidates in _cases(registry):
        person = by_key[key].pop(0)
        if person.repeat_of is None:
            wrong.update({str(c[2]) for c in candidates} | {"any"})
            continue
        same = (str(c[2]) for c in candidates if body_of.get(str(c[0])) == person.biometric_seed)
        why_of[person.index] = next(same, "someone else")
    return why_of, wrong


def accuracy(
    registry: Registry, args: argparse.Namespace, *, fingerless: bool
) -> dict[str, object]:
    """Enrol the planted population; return what each check caught and wrongly stopped."""
    people = generate(args.n, seed=args.seed, today=NOW.date())
    planted = list(with_repeats(people, rate=args.rate, seed=args.seed))
    started = time.perf_counter()
    enrol_population(
        registry, args.n, seed=args.seed, state=None, officer="bench", site="bench",
        now=NOW, workers=args.workers, repeat_rate=args.rate, fingerless_repeats=fingerless,
    )  # fmt: skip
    wall = time.perf_counter() - started
    why_of, wrong = _tally(registry, planted)
    repeats = [p for p in planted if p.repeat_of is not None]
    missed = Counter(
        _miss_reason(p, planted[p.repeat_of or 0])
        for p in repeats
        if why_of.get(p.index) not in ("demographic", "both")
    )
    return {
        "repeats": len(repeats),
        "distinct": args.n - len(repeats),
        "caught": Counter(why_of.values()),
        "wrong": wrong,
        "missed": missed,
        "missed_by_both": sum(p.index not in why_of for p in repeats),
        "wall": wall,
    }


def _timings(values: Sequence[float]) -> str:
    ordered = sorted(values)
    ms = [
        1000 * v
        for v in (
            statistics.mean(ordered),
            ordered[len(ordered) // 2],
            ordered[int(0.95 * len(ordered))],
        )
    ]
    return f"mean {ms[0]:6.2f} ms, median {ms[1]:6.2f} ms, 95th pct {ms[2]:6.2f} ms"


def _time_each(items: Sequence[object], search: Callable[[object], object]) -> list[float]:
    spent = []
    for item in items:
        started = time.perf_counter()
        search(item)
        spent.append(time.perf_counter() - started)
    return spent


def applicants(count: int, seed: int) -> list[Demographics]:
    return [
        demographics_from_fields(p.fields(), today=NOW.date())
        for p in generate(count, seed=seed, today=NOW.date())
    ]


def demographic_cost(registry: Registry, probes: Sequence[Demographics]) -> str:
    """Timings of the lookup for ``probes``, and how many rows it reads and scores."""
    resident = tables.Resident
    keyed: list[int] = []
    scored: list[int] = []
    with registry.reader() as session:
        spent = _time_each(probes, lambda p: registry_matches(session, p))  # type: ignore[arg-type]
        for person in probes[:200]:
            year = f"{person.date_of_birth.year:04d}"
            same_key = col(resident.name_key) == name_key(person.family_name)
            keyed.append(len(session.execute(select(col(resident.nin)).where(same_key)).all()))
            query = select(col(resident.nin)).where(
                same_key,
                col(resident.date_of_birth).between(year + "0000", year + "1231"),
                col(resident.sex) == person.sex.value,
            )
            scored.append(len(session.execute(query).all()))
    return (
        f"{_timings(spent)}\n  rows under the applicant's key {statistics.mean(keyed):,.0f} on "
        f"average (most {max(keyed):,}), scored (same year and sex) {statistics.mean(scored):,.1f}"
    )


def biometric_cost(registry: Registry, planted: Sequence[SyntheticPerson]) -> str:
    gallery = Gallery.load(registry)
    probes = [finger_views(p.biometric_seed, 3) for p in planted[: PROBES // 20]]
    probes += [
        finger_views(p.biometric_seed, 1) for p in generate(PROBES // 20, seed=99, today=NOW.date())
    ]
    return _timings(_time_each(probes, lambda views: gallery.search(views)))  # type: ignore[arg-type]


def build_rows(registry: Registry, count: int, *, seed: int, batch: int = 20000) -> float:
    """``count`` resident rows as enrolment writes them (no biometrics); seconds taken."""
    started = time.perf_counter()
    rows: list[dict[str, object]] = []

    def flush() -> None:
        with registry.transaction() as session:
            session.connection().execute(insert(tables.Resident), rows)
        rows.clear()

    for i, p in enumerate(generate(count, seed=seed, today=NOW.date())):
        row: dict[str, object] = {"nin": f"{i:012d}", "name_key": name_key(p.family_name)}
        row |= p.fields()
        row.pop("dob")
        row |= {"date_of_birth": p.date_of_birth.compact(), "site": "bench", "officer": "bench"}
        rows.append(row | {"enrolled_at": NOW, "status": "active"})
        if len(rows) >= batch:
            flush()
    if rows:
        flush()
    return time.perf_counter() - started


def namesakes(count: int, args: argparse.Namespace) -> str:
    """The demographic check alone on ``count`` people with planted repeats, each searched
    against the distinct people before it (a :class:`PeopleIndex` of pending people)."""
    people = PeopleIndex()
    planted = with_repeats(
        generate(count, seed=args.seed, today=NOW.date()), rate=args.rate, seed=args.seed
    )
    caught = repeats = wrong = 0
    started = time.perf_counter()
    empty = open_registry("sqlite://")  # the registry part of each search: nobody written
    with empty.reader() as session:
        for person in planted:
            declared = demographics_from_fields(person.fields(), today=NOW.date())
            found = {m.person_id for m in people.search(session, declared)}
            if person.repeat_of is not None:
                repeats += 1
                caught += str(person.repeat_of) in found
                continue
            wrong += bool(found)
            people.add(str(person.index), declared)
    spent = time.perf_counter() - started
    empty.dispose()
    return (
        f"\nthe demographic check alone, {count:,} people, {args.rate:.0%} planted repeats "
        f"({spent:.0f} s)\n  planted repeats caught:          {_pct(caught, repeats)}"
        f"\n  distinct people wrongly stopped: {_pct(wrong, count - repeats)}"
    )


def _pct(part: int, whole: int) -> str:
    return f"{part:>6,} of {whole:,} ({100 * part / whole:.2f} %)" if whole else f"{part:>6,} of 0"


def report(figures: dict[str, object], title: str) -> None:
    caught, wrong, missed = figures["caught"], figures["wrong"], figures["missed"]
    assert (
        isinstance(caught, Counter) and isinstance(wrong, Counter) and isinstance(missed, Counter)
    )
    repeats, distinct = int(str(figures["repeats"])), int(str(figures["distinct"]))
    lines = [
        ("planted repeats caught, demographic check", caught["demographic"] + caught["both"]),
        ("planted repeats caught, biometric check", caught["biometric"] + caught["both"]),
        ("planted repeats caught, either", sum(caught.values())),
    ]
    print(f"\n{title} ({float(str(figures['wall'])):.0f} s)")
    for label, count in lines:
        print(f"  {label + ':':<43}{_pct(count, repeats)}")
    print(
        f"    by both {caught['both']:,}, by the demographic check only {caught['demographic']:,}, "
        f"by the biometric check only {caught['biometric']:,}"
    )
    print(f"  {'distinct people wrongly stopped:':<43}{_pct(wrong['any'], distinct)}")
    demographic, biometric = (
        wrong["demographic"] + wrong["both"],
        wrong["biometric"] + wrong["both"],
    )
    print(f"    named by the demographic check {demographic:,}, by the biometric {biometric:,}")
    for reason, count in missed.most_common():
        print(f"  missed by the demographic check: {count:,} {reason}")
    print(f"  missed by both checks: {figures['missed_by_both']}")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--rate", type=float, default=0.02)
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--fingerless", action="store_true", help="also with fingerless repeats")
    parser.add_argument("--namesakes", type=int, default=200_000, help="0: skip")
    parser.add_argument("--scale", type=int, default=1_000_000, help="0: skip")
    parser.add_argument("--scale-db", help="database URL for --scale (default: temporary SQLite)")
    return parser.parse_args()


def at_scale(target: str, args: argparse.Namespace, probes: Sequence[Demographics]) -> None:
    """The lookup's cost on ``args.scale`` resident rows written to ``target``."""
    big = open_registry(target)
    built = build_rows(big, args.scale, seed=args.seed + 7)
    plan = ""
    if big.is_sqlite:
        with big.reader() as session:
            plan = str(session.execute(text(f"EXPLAIN QUERY PLAN {PLAN_QUERY}")).all()[0][-1])
    print(f"\ncost per search at {args.scale:,} residents (rows written in {built:.0f} s)")
    print(f"  demographic lookup: {demographic_cost(big, probes)}")
    if plan:
        print(f"  SQLite plan: {plan}")
    if args.scale_db:  # leave the given database as it was
        with big.transaction() as session:
            session.execute(text("DELETE FROM resident"))
    big.dispose()


def main() -> None:
    args = _arguments()
    probes = applicants(PROBES, seed=args.seed + 1000)
    with tempfile.TemporaryDirectory(prefix="aes-bench-dedup-") as tmp:
        registry = open_registry(Path(tmp) / "registry.db")
        figures = accuracy(registry, args, fingerless=False)
        title = (
            f"{args.n:,} synthetic residents, {args.rate:.0%} planted repeats (seed {args.seed})"
        )
        report(figures, title)
        print(f"\ncost per search at {args.n:,} residents ({PROBES:,} applicants of another seed)")
        print(f"  demographic lookup: {demographic_cost(registry, probes)}")
        planted = list(generate(args.n, seed=args.seed, today=NOW.date()))
        print(f"  biometric search:   {biometric_cost(registry, planted)}")
        registry.dispose()
        if args.fingerless:
            other = open_registry(Path(tmp) / "fingerless.db")
            figures = accuracy(other, args, fingerless=True)
            report(figures, "the same, the repeats captured without fingerprints")
            other.dispose()
        if args.namesakes:
            print(namesakes(args.namesakes, args))
        if args.scale:
            at_scale(args.scale_db or str(Path(tmp) / "scale.db"), args, probes)


if __name__ == "__main__":
    main()
