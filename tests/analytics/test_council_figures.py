"""Council control figures: about councils and state bodies, shown in full, each analyst's own."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import nats

from kelisim.events import Envelope
from kelisim.events.councils import RecommendationIssued, SessionHeld
from services.cases.terms import TermPolicy
from tests.support.checks import eventually

ANALYTICS = "/api/v1/analytics"
ALMATY_AKIMAT = "Акимат города Алматы"
ASTANA_AKIMAT = "Акимат города Астаны"
# (region, addressee, recommendations): few each, as a council's month has
ISSUED = [("KZ-75", ALMATY_AKIMAT, 2), ("KZ-71", ASTANA_AKIMAT, 1)]


async def _council_month_on_the_stream(stack, year: int) -> None:  # noqa: ANN001
    """A session held in Almaty and a few recommendations in Almaty and Astana, in May."""
    nc = await nats.connect(stack.settings.nats_url)
    try:
        js = nc.jetstream()
        held = SessionHeld(
            council_id="council-75",
            session_id=f"held-75-{year}",
            region="KZ-75",
            present=5,
            members=7,
            quorum=True,
        )
        events = [(held, held.session_id)]
        for region, addressee, count in ISSUED:
            for n in range(count):
                issued = RecommendationIssued(
                    council_id=f"council-{region}",
                    recommendation_id=f"rec-{region}-{year}-{n}",
                    region=region,
                    addressee=addressee,
                    due_date=date(year, 9, 1),
                )
                events.append((issued, issued.recommendation_id))
        for data, subject in events:
            event = Envelope.wrap(data, source="tests", subject=subject)
            event.time = datetime(year, 5, 4, 10, tzinfo=UTC)
            await js.publish(
                event.nats_subject, event.to_bytes(), headers={"Nats-Msg-Id": event.id}
            )
    finally:
        await nc.close()


def _row(table: dict, key: str) -> dict:
    return next(r for r in table["rows"] if r["key"] == key)


async def _counted(stack, headers: dict[str, str], year: int, total: int) -> dict:  # noqa: ANN001
    async def counted() -> dict | None:
        answer = await stack.client.get(f"{ANALYTICS}/councils?year={year}", headers=headers)
        figures = answer.json()
        bodies = figures["state_bodies"]
        # Each table's cubes are protected in their own time: wait for both to be current.
        current = not bodies["stale"] and not figures["regions"]["stale"]
        return figures if bodies["column_totals"][0] == total and current else None

    return await eventually(counted, timeout=60, what="analytics to count the recommendations")


async def test_council_figures_are_shown_in_full_small_as_they_are(stack, analyst):
    year = TermPolicy().today().year - 1
    await _council_month_on_the_stream(stack, year)
    figures = await _counted(stack, analyst, year, 3)
    # Counts of 1 and 2 are hidden in case tables; council figures are shown as they are.
    regions = figures["regions"]
    issued = regions["columns"].index("recommendations.issued")
    held = regions["columns"].index("councils.sessions_held")
    assert _row(regions, "KZ-75")["cells"][issued] == 2
    assert _row(regions, "KZ-75")["cells"][held] == 1
    assert _row(regions, "KZ-71")["cells"][issued] == 1
    assert regions["suppressed"] == 0
    bodies = figures["state_bodies"]
    assert _row(bodies, ALMATY_AKIMAT)["cells"][0] == 2
    assert _row(bodies, ASTANA_AKIMAT)["cells"][0] == 1
    assert bodies["suppressed"] == 0
    exported = await stack.client.get(
        f"{ANALYTICS}/exports/state-bodies.csv?year={year}", headers=analyst
    )
    lines = {row[0]: row[1:] for row in csv.reader(io.StringIO(exported.text))}
    assert lines[ALMATY_AKIMAT][0] == "2" and lines[ASTANA_AKIMAT][0] == "1"


async def test_a_regional_analyst_sees_only_the_state_bodies_of_their_regions(stack, analyst):
    year = TermPolicy().today().year - 2
    await _council_month_on_the_stream(stack, year)
    await _counted(stack, analyst, year, 3)
    astana = await stack.login_as("analyst-71", roles=["analyst"], regions=["KZ-71"])
    theirs = (await stack.client.get(f"{ANALYTICS}/councils?year={year}", headers=astana)).json()
    assert [r["key"] for r in theirs["regions"]["rows"]] == ["KZ-71"]
    # Almaty's state bodies have nothing in Astana: not listed with zeros
    assert [r["key"] for r in theirs["state_bodies"]["rows"]] == [ASTANA_AKIMAT]
    assert theirs["state_bodies"]["column_totals"][0] == 1
    exported = await stack.client.get(
        f"{ANALYTICS}/exports/state-bodies.csv?year={year}", headers=astana
    )
    assert ALMATY_AKIMAT not in exported.text
