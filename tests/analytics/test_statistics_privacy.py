"""The statistical database's privacy, through the gateway: no personal data, no hidden figure."""

from __future__ import annotations

from pathlib import Path

import nats
from sqlalchemy import MetaData, create_engine, select

from services.cases.terms import TermPolicy
from tests.analytics.statistics_support import ANALYTICS, SCENARIO
from tests.analytics.statistics_support import scenario as scenario  # noqa: F401 - the fixture
from tests.support.checks import assert_problem


async def test_no_personal_data_reaches_analytics(stack, analyst, scenario):
    secrets = [p[k] for p in scenario for k in ("name", "phone", "email", "address")]
    settings = stack.settings
    # its database, read whole
    engine = create_engine(settings.database_url("analytics"))
    meta = MetaData()
    meta.reflect(engine)
    dump = []
    with engine.connect() as conn:
        for table in meta.sorted_tables:
            dump.extend(str(tuple(row)) for row in conn.execute(select(table)))
    engine.dispose()
    text = "\n".join(dump)
    url = settings.database_url("analytics")
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        for file in (path, Path(f"{path}-wal")):
            if file.exists():
                text += file.read_bytes().decode("utf-8", errors="ignore")
    # its API
    for path in ("/overview", "/tables/cases.registered", "/councils", "/alerts"):
        text += (await stack.client.get(f"{ANALYTICS}{path}", headers=analyst)).text
    # its events
    nc = await nats.connect(settings.nats_url)
    try:
        js = nc.jetstream()
        info = await js.stream_info("ANALYTICS")
        first = info.state.first_seq if info.state.messages else info.state.last_seq + 1
        for seq in range(first, info.state.last_seq + 1):
            text += (await js.get_msg("ANALYTICS", seq)).data.decode()
    finally:
        await nc.close()
    assert len(secrets) == 4 * 2 * sum(c for *_, c, _ in SCENARIO)
    leaked = [s for s in secrets if s in text]
    assert not leaked
    assert "land" in text  # the dump did read the figures


async def test_only_analysts_and_coordinators_reach_analytics_and_only_their_regions(
    stack, scenario
):
    coord = await stack.login_as("coord-only-71", roles=["coordinator"], regions=["KZ-71"])
    table = (await stack.client.get(f"{ANALYTICS}/tables/cases.registered", headers=coord)).json()
    assert [r["key"] for r in table["rows"]] == ["KZ-71"]
    mediator = await stack.login_as("med-curious", roles=["mediator"], regions=["KZ-71"])
    assert_problem(
        await stack.client.get(f"{ANALYTICS}/overview", headers=mediator), 403, "role-not-permitted"
    )
    liaison = await stack.login_as("liaison-curious", roles=["liaison"], regions=["KZ-71"])
    assert (await stack.client.get(f"{ANALYTICS}/overview", headers=liaison)).status_code == 403
    regional = await stack.login_as("analyst-71", roles=["analyst"], regions=["KZ-71"])
    answer = await stack.client.get(f"{ANALYTICS}/alerts?region=KZ-75", headers=regional)
    assert_problem(answer, 403, "out-of-scope")
    answer = await stack.client.get(f"{ANALYTICS}/overview?year=1800", headers=regional)
    assert_problem(answer, 422, "validation-error")


def hidden_ranges(table: dict) -> dict[str, tuple[float, float]]:
    """What an attacker learns of each hidden figure of a published table: its LP range.

    Unknowns are the hidden cells and totals; equations are every row, column and grand total
    the table publishes; the attacker knows counts are not negative and, since zeros are
    always shown, that a hidden figure is at least 1.
    """
    from scipy.optimize import linprog

    rows = table["rows"]
    ncols = len(table["columns"])
    unknown: dict[str, int] = {}

    def term(name: str, value):  # noqa: ANN001, ANN202
        if value is None:
            unknown.setdefault(name, len(unknown))
            return name, None
        return name, value

    equations = []
    cells = [[term(f"cell {r['key']}/{c}", v) for c, v in enumerate(r["cells"])] for r in rows]
    if table["has_row_totals"]:
        for r, row in zip(rows, cells, strict=True):
            equations.append((row, term(f"row {r['key']}", r["total"])))
    for c in range(ncols):
        equations.append(([row[c] for row in cells], term(f"col {c}", table["column_totals"][c])))
    if table["has_row_totals"]:
        equations.append(([x for row in cells for x in row], term("total", table["total"])))
    if not unknown:
        return {}
    a_eq, b_eq = [], []
    for parts, total in equations:
        coefficients = [0.0] * len(unknown)
        constant = 0.0
        for name, value in parts:
            if value is None:
                coefficients[unknown[name]] += 1
            else:
                constant += value
        if total[1] is None:
            coefficients[unknown[total[0]]] -= 1
            rhs = -constant
        else:
            rhs = total[1] - constant
        a_eq.append(coefficients)
        b_eq.append(rhs)
    ranges = {}
    for name, index in unknown.items():
        objective = [0.0] * len(unknown)
        objective[index] = 1.0
        bounds = [(1, None)] * len(unknown)
        low = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        high = linprog([-x for x in objective], A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        assert low.status == 0 and high.status in (0, 3), (name, low.message, high.message)
        ranges[name] = (low.fun, float("inf") if high.status == 3 else -high.fun)
    return ranges


async def test_no_hidden_figure_of_a_published_table_can_be_worked_out(stack, analyst, scenario):
    year = TermPolicy().today().year
    attacked = 0
    for path in (
        "/tables/cases.registered",
        "/tables/cases.not_settled",
        "/tables/cases.assigned",
        f"/series/cases.registered?year={year}",
        f"/series/cases.registered?year={year}&category=land",
    ):
        table = (await stack.client.get(f"{ANALYTICS}{path}", headers=analyst)).json()
        for name, (low, high) in hidden_ranges(table).items():
            attacked += 1
            assert high - low > 1e-6, f"{path}: {name} is determined ({low}..{high})"
    assert attacked > 0  # the scenario's small counts were hidden and attacked
