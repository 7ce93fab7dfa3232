"""Benchmark: the coordinator's caseload page on 1,000,000 cases vs a bare indexed query.

Generates the cases with bulk inserts into a SQLite file under /tmp (migrated with the
cases service's own migration, so the real indexes), then times in the same run:
- the case list page (the service's own query code, first page and a deep keyset page),
- the per-mediator caseload of a region,
against a bare indexed `SELECT ... LIMIT 50` on the same table, and prints the ratios.

    python -m bench.caseload [--cases 1000000] [--runs 200] [--keep]
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from kelisim import migrations
from kelisim.auth import Principal
from kelisim.db import make_engine, new_session
from kelisim.regions import REGIONS
from services.cases import queries
from services.cases.terms import TermPolicy

CATEGORIES = ("interethnic", "interfaith", "community", "family", "labour", "land", "neighbour")
STATUSES = (
    ["closed"] * 30
    + ["not_settled"] * 10
    + ["withdrawn"] * 5
    + ["refused"] * 5
    + ["settled"] * 10
    + ["in_mediation"] * 25
    + ["assigned"] * 10
    + ["registered"] * 5
)
MEDIATORS_PER_REGION = 100
BATCH = 50_000


def generate(path: Path, count: int) -> float:
    """Migrate a fresh SQLite file and bulk-insert `count` cases; returns seconds taken."""
    started = time.perf_counter()
    migrations.upgrade("cases", f"sqlite:///{path}")
    regions = sorted(REGIONS)
    rng = random.Random(75)
    start = datetime(2022, 1, 1, tzinfo=UTC)
    today = date.today()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-262144")
    # Build the secondary indexes once at the end: much faster than row by row.
    indexes = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'case' "
        "AND sql IS NOT NULL"
    ).fetchall()
    for name, _ in indexes:
        conn.execute(f'DROP INDEX "{name}"')
    columns = (
        "id, number, region, category, channel, description, corruption_offence, status, "
        "registered_by, registered_at, mediator, declared, agreement_signed_on, deadline, "
        "extended, liaison_ref, escalated, version"
    )
    sql = f'INSERT INTO "case" ({columns}) VALUES ({", ".join("?" * 18)})'
    counters: dict[str, int] = {}
    for first in range(0, count, BATCH):
        rows = []
        for i in range(first, min(first + BATCH, count)):
            region = regions[i % len(regions)]
            counters[region] = counters.get(region, 0) + 1
            at = start + timedelta(seconds=i * 120 + rng.randrange(60))
            status = rng.choice(STATUSES)
            mediator = (
                None
                if status == "registered"
                else (f"med-{region}-{rng.randrange(MEDIATORS_PER_REGION):03d}")
            )
            signed = today - timedelta(days=rng.randrange(90)) if status != "registered" else None
            rows.append(
                (
                    f"{i:032x}",  # sequential ids: appends, not random B-tree inserts
                    f"{region}-{at.year}-{counters[region]:07d}",
                    region,
                    rng.choice(CATEGORIES),
                    "walk_in",
                    f"dispute number {i} about a fence",
                    0,
                    status,
                    "bench",
                    at.strftime("%Y-%m-%d %H:%M:%S.%f"),
                    mediator,
                    1 if mediator else 0,
                    signed,
                    signed + timedelta(days=30) if signed else None,
                    0,
                    f"{i:031x}f",
                    0,
                    1,
                )
            )
        conn.executemany(sql, rows)
    for _, create in indexes:
        conn.execute(create)
    conn.commit()
    conn.execute("ANALYZE")
    conn.close()
    return time.perf_counter() - started


def timed(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median and p95 latency in milliseconds."""
    fn()
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--keep", action="store_true", help="keep the SQLite file")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="kelisim-bench-caseload-"))
    path = folder / "cases.db"
    seconds = generate(path, args.cases)
    print(f"generated {args.cases:,} cases in {seconds:.1f} s ({path})")

    region = "KZ-75"
    coordinator = Principal(
        sub="coord", user_id="coord", roles=frozenset({"coordinator"}), regions=frozenset({region})
    )
    mediator = Principal(
        sub=f"med-{region}-007",
        user_id="m",
        roles=frozenset({"mediator"}),
        regions=frozenset({region}),
    )
    today = TermPolicy().today()
    engine = make_engine(f"sqlite:///{path}")
    bare = sqlite3.connect(path)

    def bare_page() -> object:
        return bare.execute(
            'SELECT * FROM "case" WHERE region = ? ORDER BY registered_at DESC, id DESC LIMIT 51',
            (region,),
        ).fetchall()

    with new_session(engine) as session:
        first = queries.list_cases(session, coordinator, region=region, limit=50)
        deep = first
        for _ in range(20):
            deep = queries.list_cases(
                session, coordinator, region=region, limit=50, cursor=deep.next_cursor
            )
        measured = {
            "bare indexed SELECT * ... LIMIT 50": timed(bare_page, args.runs),
            "coordinator's region page 1": timed(
                lambda: queries.list_cases(session, coordinator, region=region, limit=50),
                args.runs,
            ),
            "coordinator's region page 21 (keyset)": timed(
                lambda: queries.list_cases(
                    session, coordinator, region=region, limit=50, cursor=deep.next_cursor
                ),
                args.runs,
            ),
            "mediator's own cases page 1": timed(
                lambda: queries.list_cases(session, mediator, limit=50), args.runs
            ),
            "coordinator's in-mediation filter": timed(
                lambda: queries.list_cases(
                    session, coordinator, region=region, status="in_mediation", limit=50
                ),
                args.runs,
            ),
            "caseload per mediator (region)": timed(
                lambda: queries.caseload(session, coordinator, region, today),
                max(10, args.runs // 10),
            ),
        }
    bare.close()
    engine.dispose()
    base = measured["bare indexed SELECT * ... LIMIT 50"][0]
    print(f"{'query':42} {'median ms':>10} {'p95 ms':>10} {'ratio':>8}")
    for name, (median, p95) in measured.items():
        print(f"{name:42} {median:10.3f} {p95:10.3f} {median / base:8.1f}x")
    if not args.keep:
        path.unlink()
        folder.rmdir()


if __name__ == "__main__":
    main()
