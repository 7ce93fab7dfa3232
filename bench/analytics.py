"""Benchmark: the analyst's dashboard figures with 10,000 and with 1,000,000 cases behind them.

The statistical database keeps counters per measure x region x dimension x period, so the
dashboard's cost should not grow with the number of cases. This builds two analytics
databases (SQLite, migrated) holding the facts and counters that N simulated cases over five
years leave (one `case_fact` row per case, and the counters the consumers would have bumped
for them), protects the dashboard year's cubes as the service's worker does (timed, not part
of the ratio),
then times the overview endpoint's work (overview table read from the protected cubes,
escalations, rates, alert levels, council figures) on each, alternating between the two
databases run by run (the machine's load drifts), and prints the ratio.
Target: 1M / 10k <= 1.5.

    python -m bench.analytics [--small 10000] [--large 1000000] [--repeat 30]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections import Counter as Tally
from datetime import date
from pathlib import Path

from sqlalchemy import Engine, insert
from sqlmodel import select

from kelisim import migrations
from kelisim.clock import now
from kelisim.db import make_engine, new_session
from services.analytics import cube, cube_schedule, figures, queries
from services.analytics.measures import ALL_REGIONS, CATEGORIES, month_key, piece_key
from services.analytics.models import CaseFact, Counter, CubeState

YEARS = (2022, 2023, 2024, 2025, 2026)
OUTCOMES = ("cases.settled", "cases.not_settled", "cases.withdrawn", "cases.terminated")


def fill(url: str, cases: int, seed: int = 7) -> None:
    """Write the facts and counters `cases` simulated cases leave behind."""
    rng = random.Random(seed)
    engine = make_engine(url)
    tally: Tally[tuple[str, str, str, str]] = Tally()
    facts = []
    for n in range(cases):
        region = rng.choice(ALL_REGIONS)
        category = rng.choice(CATEGORIES)
        day = date(rng.choice(YEARS), rng.randint(1, 12), rng.randint(1, 28))
        for period in (month_key(day), piece_key(day), f"{day.year}"):
            tally[("cases.registered", region, category, period)] += 1
            tally[("cases.assigned", region, category, period)] += 1
            tally[(rng.choice(OUTCOMES), region, category, period)] += 1
            tally[
                (rng.choice(("cases.ended_in_term", "cases.ended_late")), region, category, period)
            ] += 1
        facts.append(
            {
                "case_ref": f"c{n:08d}",
                "region": region,
                "category": category,
                "registered_on": day,
                "in_mediation": False,
                "extended": False,
            }
        )
        if len(facts) == 50_000:
            with engine.begin() as conn:
                conn.execute(insert(CaseFact.__table__), facts)  # type: ignore[attr-defined]
            facts = []
    with engine.begin() as conn:
        if facts:
            conn.execute(insert(CaseFact.__table__), facts)  # type: ignore[attr-defined]
        conn.execute(
            insert(Counter.__table__),  # type: ignore[attr-defined]
            [
                {"measure": m, "region": r, "dim": d, "period": p, "value": v}
                for (m, r, d, p), v in tally.items()
            ],
        )
    engine.dispose()


def protect_year(url: str, year: int) -> int:
    """Protect the cubes of `year` as the service's worker does (the dashboard reads those)."""
    engine = make_engine(url)
    with new_session(engine) as db:
        cube_schedule.seed(db, now())
        db.commit()
        todo = db.exec(select(CubeState.measure).where(CubeState.cube == str(year))).all()
    for measure in todo:
        cube.build_cube(engine, measure, str(year), threshold=5)
    engine.dispose()
    return len(todo)


def dashboard(engine: Engine) -> float:
    """Seconds of the overview endpoint's work for 2026, once."""
    period = figures.Period(2026)
    regions = ALL_REGIONS
    started = time.perf_counter()
    with new_session(engine) as db:
        table = figures.overview(db, regions, period)
        figures.escalations(db, regions, period)
        figures.region_rates(db, table, regions, period)
        queries.alert_levels(db, regions, period.first_day, period.last_month)
        figures.councils(db, regions, period)
    return time.perf_counter() - started


def dashboards(urls: dict[str, str], repeat: int) -> dict[str, float]:
    """Median seconds of the dashboard on each database, the runs alternating between them.

    On a machine others are using, the load changes by the minute: timing one database and
    then the other compared two loads (a 1.95x "growth" that interleaved runs do not show).
    """
    engines = {label: make_engine(url) for label, url in urls.items()}
    times: dict[str, list[float]] = {label: [] for label in urls}
    for _ in range(repeat):
        for label, engine in engines.items():
            times[label].append(dashboard(engine))
    for engine in engines.values():
        engine.dispose()
    return {label: statistics.median(t) for label, t in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        urls = {}
        for label, cases in (("small", args.small), ("large", args.large)):
            url = urls[label] = f"sqlite:///{Path(tmp) / label}.db"
            migrations.upgrade("analytics", url)
            started = time.perf_counter()
            fill(url, cases)
            print(f"{cases:>9,} cases: filled in {time.perf_counter() - started:.1f} s", flush=True)
            started = time.perf_counter()
            built = protect_year(url, YEARS[-1])
            took = time.perf_counter() - started
            print(f"{cases:>9,} cases: {built} cubes of {YEARS[-1]} protected in {took:.1f} s")
        results = dashboards(urls, args.repeat)
    for label, cases in (("small", args.small), ("large", args.large)):
        median_ms = results[label] * 1000
        runs = f"median of {args.repeat}, interleaved"
        print(f"{cases:>9,} cases: dashboard {median_ms:.1f} ms ({runs})")
    ratio = results["large"] / results["small"]
    verdict = "PASS" if ratio <= 1.5 else "FAIL"
    print(f"ratio {args.large:,} / {args.small:,} cases: {ratio:.2f}x (target <= 1.5x) {verdict}")


if __name__ == "__main__":
    main()
