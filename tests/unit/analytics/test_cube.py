"""One protected cube per measure and year: its views leak nothing together, month tables
protected one by one do; the materialised cube is what reads see, fresh or marked stale."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import insert, select

from kelisim import migrations
from kelisim.db import make_engine, new_session
from services.analytics import cube, cube_schedule, figures
from services.analytics.cube import ALL, protect_cube
from services.analytics.disclosure import protect_grid
from services.analytics.measures import ALL_REGIONS, CATEGORIES, months_of
from services.analytics.models import Counter
from tests.analytics.attack import Figure, intervals
from tests.support.db import fresh_database, migrated

REGIONS = ["r1", "r2", "r3", "r4", "r5"]
DIMS = ["a", "b", "c"]
MONTHS = [f"2025-{m:02d}" for m in range(1, 13)]
AT = datetime(2026, 1, 10, tzinfo=UTC)


def sparse_counts(seed: int) -> dict[tuple[str, str, str], int]:
    rng = np.random.default_rng(seed)
    return {
        (r, d, m): int(rng.negative_binomial(1, 0.3)) for r in REGIONS for d in DIMS for m in MONTHS
    }


def members(region: str, dim: str, month: str) -> frozenset[tuple[str, str, str]]:
    """The base counts a figure of the cube adds up (ALL: every value of that axis)."""
    return frozenset(
        (r, d, m)
        for r in (REGIONS if region == ALL else [region])
        for d in (DIMS if dim == ALL else [dim])
        for m in (MONTHS if month == ALL else [month])
    )


def narrowest(found: dict) -> float:
    return min(high - low for low, high in found.values())


@pytest.mark.db_independent
@pytest.mark.parametrize("seed", [1, 2])
def test_every_figure_of_a_protected_cube_published_together_leaks_nothing(seed):
    counts = sparse_counts(seed)
    protected = protect_cube(counts, REGIONS, DIMS, MONTHS, threshold=5)
    assert len(protected) == 6 * 4 * 13
    published = [Figure(repr(k), members(*k), v) for k, v in protected.items()]
    found = intervals(published)
    assert found, "the small counts were hidden and attacked"
    assert narrowest(found) > 1e-6  # no hidden figure is pinned to one value
    for key, value in protected.items():  # what is shown is true; small counts never are
        true = sum(counts[k] for k in members(*key))
        assert value in (true, None)
        assert not (value is not None and 1 <= value <= 4)


@pytest.mark.db_independent
def test_months_and_the_year_protected_one_by_one_give_hidden_cells_away():
    """The old way: each month's table and the year's, each protected alone. The year's cell
    minus the other months' shows what a month hid."""
    counts = sparse_counts(1)
    published = []
    for month in [*MONTHS, ALL]:
        values = {
            (r, d): sum(counts[k] for k in members(r, d, month)) for r in REGIONS for d in DIMS
        }
        grid = protect_grid(REGIONS, DIMS, values)
        for r in REGIONS:
            published.append(Figure("", members(r, ALL, month), grid.row_total(r)))
            for d in DIMS:
                published.append(Figure("", members(r, d, month), grid.cell(r, d)))
        for d in DIMS:
            published.append(Figure("", members(ALL, d, month), grid.col_total(d)))
        published.append(Figure("", members(ALL, ALL, month), grid.total))
    found = intervals(published)
    assert narrowest(found) < 1e-6


@pytest.mark.db_independent
def test_an_axis_with_one_value_is_its_own_total():
    counts = {("r1", "", "now"): 3, ("r2", "", "now"): 9, ("r3", "", "now"): 7}
    protected = protect_cube(counts, ["r1", "r2", "r3"], [""], ["now"], threshold=5)
    for region in ("r1", "r2", "r3", ALL):
        assert protected[(region, "", "now")] == protected[(region, ALL, ALL)]
    assert protected[("r1", "", "now")] is None
    assert protect_cube({}, ["r1"], [], MONTHS, threshold=5) == {}


# --- the materialised cube --------------------------------------------------------------------


@pytest.fixture
def engine(tmp_path: Path) -> Iterator:
    url = f"sqlite:///{tmp_path / 'analytics.db'}"
    migrations.upgrade("analytics", url)
    engine = make_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture
def either_engine(tmp_path: Path) -> Iterator:
    """SQLite, or PostgreSQL where TEST_DATABASE_URL names one."""
    with fresh_database(tmp_path, "analytics") as url:
        migrated("analytics", url)
        engine = make_engine(url)
        yield engine
        engine.dispose()


def count(engine, rows: dict[tuple[str, str, str], int], measure="cases.registered") -> None:
    """Counters as the consumers leave them: the months, the year, and the cube marked due."""
    years: dict[tuple[str, str, str], int] = {}
    for (region, dim, month), value in rows.items():
        key = (region, dim, month[:4])
        years[key] = years.get(key, 0) + value
    with engine.begin() as conn:
        conn.execute(
            insert(Counter.__table__),  # type: ignore[attr-defined]
            [
                {"measure": measure, "region": r, "dim": d, "period": p, "value": v}
                for (r, d, p), v in [*rows.items(), *years.items()]
            ],
        )
        cube_schedule.mark_changed(conn, measure, {m for _, _, m in rows}, AT)


@pytest.mark.db_independent
def test_reads_show_nothing_unprotected_and_the_last_cube_while_a_new_one_is_due(engine):
    regions = ALL_REGIONS
    rows = {(r, c, "2025-03"): 7 for r in regions[:3] for c in CATEGORIES[:2]}
    rows[(regions[0], CATEGORIES[2], "2025-03")] = 2
    count(engine, rows)
    with new_session(engine) as db:  # counted, never protected: everything is hidden
        table = figures.by_dimension(db, "cases.registered", regions, figures.Period(2025))
    assert table.freshness.as_of is None and table.freshness.stale
    assert table.total is None and set(table.cells.values()) == {None}
    # Not yet quiet for the debounce time: not due.
    assert cube_schedule.protect_due(engine, threshold=5, debounce=60, at=AT) == 0
    assert (
        cube_schedule.protect_due(engine, threshold=5, debounce=2, at=AT + timedelta(seconds=3))
        == 1
    )
    with new_session(engine) as db:
        year = figures.by_dimension(db, "cases.registered", regions, figures.Period(2025))
        march = figures.by_dimension(db, "cases.registered", regions, figures.Period(2025, 3))
        series = figures.by_month(db, "cases.registered", regions, 2025, None)
    assert not year.freshness.stale and year.freshness.as_of is not None
    assert year.cell(regions[0], CATEGORIES[2]) is None  # the 2 is hidden ...
    assert march.cells == year.cells  # ... in the month and the year alike (one cube)
    assert series.column_totals["2025-03"] == year.total
    assert series.column_totals["2025-04"] == 0
    # A new count makes the cube stale: reads show the last protected figures, marked so.
    count(engine, {(regions[5], CATEGORIES[0], "2025-05"): 9})
    with new_session(engine) as db:
        again = figures.by_dimension(db, "cases.registered", regions, figures.Period(2025))
    assert again.freshness.stale and again.cells == year.cells
    assert again.freshness.as_of == year.freshness.as_of


@pytest.mark.db_independent
def test_a_region_subset_shows_a_total_only_when_its_parts_are_shown(engine):
    regions = ALL_REGIONS
    count(engine, {(regions[0], "land", "2025-01"): 2, (regions[1], "land", "2025-01"): 30})
    cube_schedule.protect_all(engine, threshold=5, at=AT)
    with new_session(engine) as db:
        both = figures.by_dimension(db, "cases.registered", regions[:2], figures.Period(2025, 1))
        one = figures.by_dimension(db, "cases.registered", regions[1:2], figures.Period(2025, 1))
    assert both.cell(regions[0], "land") is None
    assert both.column_totals["land"] is None  # 30 + the hidden 2 would give the 2 away
    assert one.column_totals["land"] == one.cell(regions[1], "land")


@pytest.mark.db_independent
def test_protecting_again_gives_the_same_figures(engine):
    counts = {
        (r, c, m): int(v)
        for (r, c, m), v in zip(
            [(r, c, m) for r in ALL_REGIONS[:5] for c in CATEGORIES[:3] for m in months_of(2025)],
            np.random.default_rng(4).negative_binomial(1, 0.3, size=5 * 3 * 12),
            strict=True,
        )
        if v
    }
    count(engine, counts)
    cube_schedule.protect_all(engine, threshold=5, at=AT)
    with new_session(engine) as db:
        first = figures.by_month(db, "cases.registered", ALL_REGIONS, 2025, None)
    cube_schedule.protect_all(engine, threshold=5, at=AT + timedelta(hours=1))
    with new_session(engine) as db:
        second = figures.by_month(db, "cases.registered", ALL_REGIONS, 2025, None)
    assert first.cells == second.cells and first.row_totals == second.row_totals
    assert first.suppressed > 0


def waiting_on_a_lock(engine) -> bool:
    """Whether a PostgreSQL session waits on a lock (SQLite: no such view, say yes)."""
    if engine.dialect.name != "postgresql":
        return True
    with engine.connect() as conn:
        waits = "SELECT count(*) FROM pg_stat_activity"
        waits += " WHERE wait_event_type = 'Lock' AND datname = current_database()"
        return bool(conn.exec_driver_sql(waits).scalar())


def test_a_second_builder_of_a_cube_waits_for_the_first_then_stores_its_own_figures(
    either_engine,
):
    # The worker and an early-warning round may protect one cube at once: on PostgreSQL the
    # second used to insert beside the first's uncommitted figures (IntegrityError, a 500).
    engine = either_engine
    counts = {(ALL_REGIONS[0], "land", "2025-03"): 9, (ALL_REGIONS[1], "land", "2025-03"): 12}
    count(engine, counts)
    first = new_session(engine)
    cube._locked_state(first, "cases.registered", "2025", AT)
    table = cube.ProtectedFigure.__table__  # type: ignore[attr-defined]
    planted = {"measure": "cases.registered", "cube": "2025", "dim": "land", "month": "2025-03"}
    first.execute(insert(table), [{**planted, "region": ALL_REGIONS[0], "value": 9}])
    with ThreadPoolExecutor(1) as pool:
        second = pool.submit(cube.build_cube, engine, "cases.registered", "2025", threshold=5)
        try:
            deadline = time.monotonic() + 30
            while not waiting_on_a_lock(engine):  # the second builder is blocked by the first
                assert not second.done(), second.exception()
                assert time.monotonic() < deadline, "the second builder never waited"
                time.sleep(0.02)
        finally:
            first.commit()
            first.close()
        stored = second.result(timeout=60)
    assert stored > 0
    with engine.connect() as conn:
        found = conn.execute(select(table).where(table.c.cube == "2025")).mappings().all()
    shown = {(f["region"], f["dim"], f["month"]): f["value"] for f in found}
    assert shown[(ALL_REGIONS[0], "land", "2025-03")] == 9
    assert shown[(ALL_REGIONS[1], "land", "2025-03")] == 12
    assert shown[(ALL, "land", "2025-03")] == 21


@pytest.mark.db_independent
def test_the_workers_first_round_loads_the_protection_before_any_cube_is_due(tmp_path: Path):
    """Not at import, not at the first due cube: a burst of events that makes the first cube
    due must not wait for scipy's import (0.8 s of the one interpreter)."""
    url = f"sqlite:///{tmp_path / 'analytics.db'}"
    migrations.upgrade("analytics", url)
    script = textwrap.dedent(
        f"""
        import sys
        from datetime import datetime, UTC
        from kelisim.db import make_engine
        from services.analytics import cube_schedule, workers
        assert "scipy.optimize" not in sys.modules, "imported with the service"
        engine = make_engine({url!r})
        assert cube_schedule.protect_due(engine, threshold=5, debounce=2, at=datetime.now(UTC)) == 0
        assert "scipy.optimize" not in sys.modules, "imported with nothing to protect"
        print(cube_schedule.first_round(engine, datetime.now(UTC)))
        assert "scipy.optimize" in sys.modules and "scipy.linalg" in sys.modules
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "0"  # an empty database: nothing to mark due
