"""Benchmark: the case list pages and the caseload on 1,000,000 cases vs bare queries.

Generates the cases with bulk inserts into a SQLite file under /tmp, and into a fresh
PostgreSQL database when `--postgres URL` or TEST_DATABASE_URL names a server (COPY), each
migrated with the cases service's own migrations (the real indexes), the caseload counters
recounted after the bulk load. Then times in the same run, per database, every query once per
round (interleaved, so a figure and its baseline see the same load on a shared machine):
- the case list pages (the service's own query code: first page, a deep keyset page, a
  mediator's own cases, a status filter) against a bare indexed `SELECT * ... LIMIT 51`
  through the raw driver; target <= 3x;
- the per-mediator caseload of a region (counters: 100 mediators, a row each) and one
  mediator's caseload against a bare single-row lookup by primary key through the raw
  driver; target <= 3x. A caseload read again while its region's token is unchanged is
  served as computed (services/cases/caseload.py): that is what these two time. For scale,
  without a target: the region's computed afresh every time, and its own counter SQL run
  by the raw driver;
and prints each page query's plan (EXPLAIN), which must use an index and no sort.

    python -m bench.caseload [--cases 1000000] [--runs 200] [--keep]
                             [--postgres URL | --no-postgres]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from bench.support import result
from kelisim import migrations
from kelisim.auth import Principal
from kelisim.db import make_engine, read_session
from kelisim.regions import REGIONS
from services.cases import caseload, listing
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
TARGET = 3.0
COLUMNS = (
    "id, number, region, category, channel, description, corruption_offence, status, "
    "registered_by, registered_at, mediator, declared, agreement_signed_on, deadline, "
    "extended, liaison_ref, escalated, version"
)


def rows(count: int) -> Iterator[tuple[Any, ...]]:
    """The generated cases, oldest first, spread over the regions."""
    regions = sorted(REGIONS)
    rng = random.Random(75)
    start = datetime(2022, 1, 1, tzinfo=UTC)
    today = date.today()
    counters: dict[str, int] = {}
    for i in range(count):
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
        yield (
            f"{i:032x}",  # sequential ids: appends, not random B-tree inserts
            f"{region}-{at.year}-{counters[region]:07d}",
            region,
            rng.choice(CATEGORIES),
            "walk_in",
            f"dispute number {i} about a fence",
            False,
            status,
            "bench",
            at,
            mediator,
            mediator is not None,
            signed,
            signed + timedelta(days=30) if signed else None,
            False,
            f"{i:031x}f",
            False,
            1,
        )


def _load_sqlite(raw: Any, count: int) -> None:
    raw.execute("PRAGMA journal_mode=OFF")
    raw.execute("PRAGMA synchronous=OFF")
    raw.execute("PRAGMA cache_size=-262144")
    sql = f'INSERT INTO "case" ({COLUMNS}) VALUES ({", ".join("?" * 18)})'
    batch: list[tuple[Any, ...]] = []
    for row in rows(count):
        at = row[9].strftime("%Y-%m-%d %H:%M:%S.%f")
        batch.append((*row[:9], at, *row[10:]))
        if len(batch) == BATCH:
            raw.executemany(sql, batch)
            batch.clear()
    raw.executemany(sql, batch)


def _load_postgres(raw: Any, count: int) -> None:
    with raw.cursor() as cur, cur.copy(f'COPY "case" ({COLUMNS}) FROM STDIN') as copy:
        for row in rows(count):
            copy.write_row(row)


def generate(url: str, count: int) -> float:
    """Migrate a fresh database, bulk-load `count` cases, recount the counters; seconds taken."""
    started = time.perf_counter()
    migrations.upgrade("cases", url)
    engine = make_engine(url, null_pool=True)
    postgres = engine.dialect.name == "postgresql"
    listing = (
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'case' "
        "AND indexname NOT LIKE '%pkey' AND indexdef NOT LIKE 'CREATE UNIQUE%'"
        if postgres
        else "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'case' "
        "AND sql IS NOT NULL"
    )
    with engine.begin() as conn:
        # Build the secondary indexes once at the end: much faster than row by row.
        indexes = conn.execute(text(listing)).all()
        for name, _ in indexes:
            conn.execute(text(f'DROP INDEX "{name}"'))
    raw = engine.raw_connection()
    try:
        (_load_postgres if postgres else _load_sqlite)(raw.driver_connection, count)
        raw.commit()
    finally:
        raw.close()
    with engine.begin() as conn:
        for _, create in indexes:
            conn.execute(text(create))
        caseload.rebuild(conn)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))
    engine.dispose()
    return time.perf_counter() - started


def timed(fns: dict[str, Callable[[], object]], runs: int) -> dict[str, tuple[float, float]]:
    """Median and p95 latency in milliseconds of each query, their runs interleaved.

    Round by round, each query once, so a figure and its baseline see the same machine: on a
    shared host, timing them one after the other compared a busy minute with a quiet one.
    """
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for fn in fns.values():
        fn()
    for _ in range(runs):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            samples[name].append((time.perf_counter() - t0) * 1000)
    found = {}
    for name, taken in samples.items():
        taken.sort()
        found[name] = (statistics.median(taken), taken[int(len(taken) * 0.95) - 1])
    return found


def plan(engine: Engine, stmt: Any) -> list[str]:
    """The database's plan for a statement (EXPLAIN), one line per step."""
    compiled = stmt.compile(engine, compile_kwargs={"literal_binds": True})
    prefix = "EXPLAIN" if engine.dialect.name == "postgresql" else "EXPLAIN QUERY PLAN"
    with engine.connect() as conn:
        found = conn.execute(text(f"{prefix} {compiled}")).all()
    return [str(row[-1]) for row in found]


def indexed(lines: list[str]) -> bool:
    """Whether a plan reads the cases through an index, with no full scan and no sort."""
    joined = " ".join(lines)
    # A sort step, not the "Sort Key:" of a Merge Append that merges ordered index scans.
    steps = [line.strip().removeprefix("->").strip() for line in lines]
    sorts = any(re.match(r"(Incremental )?Sort\s+\(", step) for step in steps)
    if "Seq Scan" in joined or sorts or "TEMP B-TREE" in joined:
        return False
    return "Index" in joined or "USING INDEX" in joined or "USING COVERING INDEX" in joined


FRESH = "region caseload computed afresh (no target)"


def measure(url: str, label: str, runs: int) -> bool:
    """Time the queries on one database; print the table and the results; True if all pass."""
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
    engine = make_engine(url)
    raw = engine.raw_connection()
    cursor = raw.driver_connection.cursor()  # type: ignore[union-attr]
    mark = "%s" if engine.dialect.name == "postgresql" else "?"
    one_id = f"{12345:032x}"

    def bare(sql: str, *params: Any) -> Callable[[], object]:
        return lambda: cursor.execute(sql.replace("?", mark), params).fetchall()

    bare_page = bare(
        'SELECT * FROM "case" WHERE region = ? ORDER BY registered_at DESC, id DESC LIMIT 51',
        region,
    )
    bare_row = bare('SELECT * FROM "case" WHERE id = ?', one_id)
    # The caseload's own SQL over the counters, its values inlined, run by the raw driver.
    counters = caseload.region_query(region, today).compile(
        engine, compile_kwargs={"literal_binds": True}
    )
    bare_counters = bare(str(counters).replace("%%", "%"))
    passed = True
    with read_session(engine) as session:
        first = listing.list_cases(session, coordinator, region=region, limit=50)
        deep = first
        for _ in range(20):
            deep = listing.list_cases(
                session, coordinator, region=region, limit=50, cursor=deep.next_cursor
            )
        pages: dict[str, tuple[Principal, dict[str, Any]]] = {
            "coordinator's region page 1": (coordinator, {"region": region}),
            "coordinator's region page 21 (keyset)": (
                coordinator,
                {"region": region, "cursor": deep.next_cursor},
            ),
            "mediator's own cases page 1": (mediator, {}),
            "coordinator's in-mediation filter": (
                coordinator,
                {"region": region, "status": "in_mediation"},
            ),
        }
        queries: dict[str, Callable[[], object]] = {
            "bare indexed SELECT * ... LIMIT 51": bare_page,
            "bare single-row lookup by id": bare_row,
            "bare caseload SQL, same counters (region)": bare_counters,
        }
        for name, (who, filters) in pages.items():
            queries[name] = lambda who=who, filters=filters: listing.list_cases(
                session, who, limit=50, **filters
            )
        # The figure: the whole region's table (100 mediators, a row each), against
        # one row by key. Beside it, what the same rows cost the bare driver, and one mediator.
        queries["caseload per mediator (region)"] = lambda: listing.caseload(
            session, coordinator, region, today
        )
        queries["caseload, one mediator"] = lambda: listing.caseload(
            session, coordinator, region, today, mediator.sub
        )

        queries[FRESH] = lambda: caseload.computed_rows(session, [region], today)
        measured = timed(queries, runs)
        plans = {
            name: plan(
                engine, listing.list_query(who, limit=50, dialect=engine.dialect.name, **filters)
            )
            for name, (who, filters) in pages.items()
        }
    cursor.close()
    raw.close()
    engine.dispose()
    page_base = measured["bare indexed SELECT * ... LIMIT 51"][0]
    row_base = measured["bare single-row lookup by id"][0]
    counters_base = measured["bare caseload SQL, same counters (region)"][0]
    print(f"\n{label}")
    print(f"{'query':46} {'median ms':>10} {'p95 ms':>10} {'ratio':>8}")
    for name, (median, p95) in measured.items():
        base = (
            row_base
            if name.startswith(("caseload", "bare single", "bare caseload")) or name == FRESH
            else page_base
        )
        print(f"{name:46} {median:10.3f} {p95:10.3f} {median / base:8.1f}x")
        if name.startswith("bare") or name == FRESH:
            continue
        ok = median / base <= TARGET
        passed &= ok
        baseline = "single-row lookup" if name.startswith("caseload") else "bare page"
        result(
            f"caseload {label}: {name} / {baseline}",
            median,
            base,
            median / base,
            f"<= {TARGET}x",
            ok,
            "ms",
        )
    region_load = measured[FRESH][0]
    print(
        f"{FRESH} / the same counter SQL by the bare driver: "
        f"{region_load / counters_base:.1f}x (no target: the service's own overhead)"
    )
    for name, lines in plans.items():
        uses = indexed(lines)
        passed &= uses
        print(f"plan of {name}: {'index' if uses else 'NOT INDEXED'}: {' | '.join(lines)}")
    return passed


def postgres_url(admin: str) -> str:
    """A fresh database on the server named by `admin`."""
    url = make_url(admin).set(drivername="postgresql+psycopg")
    name = f"bench_caseload_{uuid.uuid4().hex[:8]}"
    engine = make_engine(url.render_as_string(hide_password=False), null_pool=True)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def drop_postgres(url: str) -> None:
    parsed = make_url(url)
    admin = parsed.set(database="postgres").render_as_string(hide_password=False)
    engine = make_engine(admin, null_pool=True)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--keep", action="store_true", help="keep the generated databases")
    parser.add_argument("--postgres", default=os.environ.get("TEST_DATABASE_URL"))
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="kelisim-bench-caseload-"))
    path = folder / "cases.db"
    targets = [("SQLite", f"sqlite:///{path}")]
    if args.postgres and not args.no_postgres:
        targets.append(("PostgreSQL", postgres_url(args.postgres)))
    try:
        for label, url in targets:
            seconds = generate(url, args.cases)
            print(f"generated {args.cases:,} cases in {label} in {seconds:.1f} s")
            measure(url, label, args.runs)
    finally:
        if not args.keep:
            for label, url in targets:
                if label == "PostgreSQL":
                    drop_postgres(url)
            path.unlink(missing_ok=True)
            for extra in folder.iterdir():
                extra.unlink()
            folder.rmdir()


if __name__ == "__main__":
    main()
