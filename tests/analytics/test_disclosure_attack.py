"""The margin attack on a whole year: every table the API publishes for it, solved together.

Cases registered all through last year arrive on the CASES stream (small counts in a few
regions, spread over months and categories). The attacker takes the twelve month tables, the
year's table, the by-month series (all categories and each one), the weeks of every month (all
categories and each one) and the overview of every month and of the year, and what the yearly
report prints (summary, year table, monthly trends); it writes every shown figure as a sum of
region x category x week-of-the-month counts and asks an LP for the interval of each hidden
one. The rule demands that none is pinned to a single
value. Protecting each month and the year alone fails this (on the code before the cube:
32 of 178 hidden figures worked out, e.g. a region's January count of a category, 1); one
cube per measure and year passes it.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from datetime import UTC, date, datetime

import nats
import numpy as np
import pytest

from kelisim.db import make_engine, new_session
from kelisim.events import Envelope
from kelisim.events.cases import CaseRegistered
from services.analytics.measures import ALL_REGIONS, CATEGORIES, piece_key, pieces_of
from services.analytics.yearly import report_data
from tests.analytics.attack import Figure, intervals
from tests.support.checks import eventually
from tests.support.gateway import Stack

ANALYTICS = "/api/v1/analytics"
YEAR = datetime.now(UTC).year - 1
REGIONS = ("KZ-11", "KZ-15", "KZ-23", "KZ-35", "KZ-75")
USED = CATEGORIES[:4]
MEASURE = "cases.registered"


def registrations() -> dict[tuple[str, str, int], int]:
    """Fixed small counts: region x category x month of last year."""
    rng = np.random.default_rng(12)
    return {
        (r, c, m): int(rng.negative_binomial(1, 0.3))
        for r in REGIONS
        for c in USED
        for m in range(1, 13)
    }


def arrivals() -> Iterator[tuple[int, str, str, datetime]]:
    """Each registration of `registrations()`: its number, region, category and time."""
    n = 0
    for (region, category, month), value in sorted(registrations().items()):
        for _ in range(value):
            n += 1
            yield n, region, category, datetime(YEAR, month, 10 + n % 15, 9, tzinfo=UTC)


def by_week() -> dict[tuple[str, str, str], int]:
    """The true counts per region x category x week of the month."""
    found: dict[tuple[str, str, str], int] = {}
    for _, region, category, at in arrivals():
        key = (region, category, piece_key(at.date()))
        found[key] = found.get(key, 0) + 1
    return found


@pytest.fixture(scope="module")
async def published(stack: Stack, analyst: dict) -> list[dict]:
    """Last year's registrations on the stream, then every table the API shows of that year."""
    counts = registrations()
    nc = await nats.connect(stack.settings.nats_url)
    try:
        js = nc.jetstream()
        for n, region, category, at in arrivals():
            data = CaseRegistered(
                case_ref=f"attack-{n:05d}", number=f"A-{n}", region=region, category=category
            )
            event = Envelope.wrap(data, source="tests", subject=data.case_ref)
            event.time = at
            await js.publish(
                event.nats_subject, event.to_bytes(), headers={"Nats-Msg-Id": event.id}
            )
    finally:
        await nc.close()
    series = f"{ANALYTICS}/series/cases.registered?year={YEAR}"

    async def counted() -> bool:
        table = (await stack.client.get(series, headers=analyst)).json()
        return table.get("total") == sum(counts.values()) and not table.get("stale")

    await eventually(counted, timeout=120, what="analytics to count and protect last year")
    paths = [f"{ANALYTICS}/tables/cases.registered?year={YEAR}"]
    paths += [f"{ANALYTICS}/tables/cases.registered?year={YEAR}&month={m}" for m in range(1, 13)]
    paths += [series, *(f"{series}&category={c}" for c in CATEGORIES)]
    weeks = f"{ANALYTICS}/weeks/cases.registered?year={YEAR}"
    paths += [
        f"{weeks}&month={m}{d}" for m in range(1, 13) for d in ["", *(f"&dim={c}" for c in USED)]
    ]
    paths += [f"{ANALYTICS}/overview?year={YEAR}"]
    paths += [f"{ANALYTICS}/overview?year={YEAR}&month={m}" for m in range(1, 13)]
    tables = []
    for path in paths:
        answer = await stack.client.get(path, headers=analyst)
        assert answer.status_code == 200, answer.text
        tables.append({"path": path, **answer.json()})
    return tables


Cell = tuple[str, str, int]


def _cells(regions, categories, months) -> frozenset[Hashable]:  # noqa: ANN001
    """The base counts (region x category x week of the month) of months (numbers) or weeks."""
    weeks = [
        w for m in months for w in (pieces_of(f"{YEAR}-{m:02d}") if isinstance(m, int) else [m])
    ]
    return frozenset((r, c, w) for r in regions for c in categories for w in weeks)


def figures_of(table: dict) -> Iterator[Figure]:
    """Each figure of a published table as the sum of base counts it is."""
    path = table["path"]
    if "/overview" in path:  # the registrations column: region totals of the period
        months = [int(path.rsplit("=", 1)[1])] if "month=" in path else range(1, 13)
        col = table["cases"]["columns"].index("cases.registered")
        for row in table["cases"]["rows"]:
            cells = _cells([row["key"]], CATEGORIES, months)
            yield Figure(f"{path} {row['key']}", cells, row["cells"][col])
        national = _cells([r["key"] for r in table["cases"]["rows"]], CATEGORIES, months)
        yield Figure(f"{path} total", national, table["cases"]["column_totals"][col])
        return
    rows = [r["key"] for r in table["rows"]]
    if "/weeks/" in path:  # region x week of one month, one category or all
        categories = [path.rsplit("dim=", 1)[1]] if "dim=" in path else CATEGORIES
        columns = table["columns"]
        assert all(w.startswith(f"{YEAR}-") and "-W" in w for w in columns), columns

        def members(regions, weeks):  # noqa: ANN001, ANN202
            return _cells(regions, categories, weeks)

    elif "/series/" in path:  # region x month of one category or all
        categories = [path.rsplit("=", 1)[1]] if "category=" in path else CATEGORIES
        columns = [int(m[5:]) for m in table["columns"]]

        def members(regions, months):  # noqa: ANN001, ANN202
            return _cells(regions, categories, months)

    else:  # region x category of a month or of the year
        months = [int(path.rsplit("=", 1)[1])] if "month=" in path else list(range(1, 13))
        columns = table["columns"]

        def members(regions, cats):  # noqa: ANN001, ANN202
            return _cells(regions, cats, months)

    for row in table["rows"]:
        for column, value in zip(columns, row["cells"], strict=True):
            yield Figure(f"{path} {row['key']}/{column}", members([row["key"]], [column]), value)
        yield Figure(f"{path} {row['key']}/total", members([row["key"]], columns), row["total"])
    for column, value in zip(columns, table["column_totals"], strict=True):
        yield Figure(f"{path} total/{column}", members(rows, [column]), value)
    yield Figure(f"{path} total", members(rows, columns), table["total"])


def report_figures(stack: Stack) -> Iterator[Figure]:
    """What the yearly report prints of registrations: summary, year table, monthly trends."""
    engine = make_engine(stack.settings.database_url("analytics"))
    try:
        with new_session(engine) as db:
            data = report_data(db, YEAR, ALL_REGIONS, ALL_REGIONS, "en", date(YEAR, 12, 31))
    finally:
        engine.dispose()
    months = range(1, 13)
    summary = dict(data.summary)
    yield Figure("report summary", _cells(ALL_REGIONS, CATEGORIES, months), summary[MEASURE])
    table = next(t for t in data.tables if t.key == MEASURE)
    columns = [c for c in table.columns if c != "total"]
    for region, values in table.rows:
        regions = ALL_REGIONS if region == "total" else [region]
        for column, value in zip([*columns, "total"], values, strict=True):
            categories = CATEGORIES if column == "total" else [column]
            cells = _cells(regions, categories, months)
            yield Figure(f"report {region}/{column}", cells, value)  # type: ignore[arg-type]
    for trend in data.trends:
        for series in trend.series:
            categories = CATEGORIES if series.label == MEASURE else [series.label]
            for month, value in zip(months, series.values, strict=True):
                cells = _cells(ALL_REGIONS, categories, [month])
                shown = None if value is None else int(value)
                yield Figure(f"report trend {series.label}/{month}", cells, shown)


async def test_no_figure_hidden_in_a_year_follows_from_everything_published_for_it(
    stack, published
):
    shown = [f for table in published for f in figures_of(table)]
    shown += list(report_figures(stack))  # the yearly report prints the same protected figures
    assert any(f.value is None for f in shown), "the small counts were hidden"
    found = intervals(shown)
    labels = {f.members: f.label for f in shown}
    pinned = {labels[g]: (low, high) for g, (low, high) in found.items() if high - low < 1e-6}
    narrowest = min(high - low for low, high in found.values())
    print(f"{len(found)} hidden figures attacked; narrowest interval {narrowest:.3f}")
    assert not pinned, f"{len(pinned)} hidden figures are worked out: {sorted(pinned.items())[:5]}"
    counts = by_week()
    for f in shown:  # what is shown is true, and no small count is shown
        if f.value is not None:
            assert f.value == sum(counts.get(k, 0) for k in f.members), f.label  # type: ignore[call-overload]
            assert not 1 <= f.value <= 4, f.label
