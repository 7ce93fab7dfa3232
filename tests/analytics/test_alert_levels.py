"""The early-warning level of a region is named alike on the map and on the region's page."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlmodel import Session, create_engine

from kelisim.regions import REGIONS
from services.analytics.measures import shift_month
from services.analytics.models import Alert
from tests.cases.support import this_month
from tests.support.gateway import Stack
from tests.web.conftest import browser_client
from tests.web.support import web_login


def raise_alert(stack: Stack, region: str, period: date) -> None:
    """An alert the early-warning round raised for a month (its figures do not matter here)."""
    url = stack.settings.analytics_database_url
    assert url
    with Session(create_engine(url)) as db:
        db.add(
            Alert(
                region=region,
                category="land",
                period=period,
                observed=30,
                expected=6.0,
                upper=12.0,
                score=4.0,
                p_value=0.0001,
                method="farrington",
                baseline_from=shift_month(period, -36),
                baseline_to=shift_month(period, -1),
                baseline_months=36,
            )
        )
        db.commit()


@pytest.mark.parametrize(
    "region, months_before, level", [("KZ-63", 1, "Watch"), ("KZ-61", 0, "Alert")]
)
async def test_the_region_page_names_the_early_warning_level_the_map_shows(
    stack, region, months_before, level
):
    this = this_month()  # asked when the test runs: a run may pass a month's last midnight
    period = f"year={this.year}&month={this.month}"
    raise_alert(stack, region, shift_month(this, -months_before))
    await stack.create_user(
        f"analyst-{region.lower()}", roles=["analyst"], regions=sorted(REGIONS), lang="en"
    )
    async with browser_client(stack) as web:
        assert (
            await web_login(web, f"analyst-{region.lower()}", "user-password-1")
        ).status_code == 303
        overview = await web.get(f"/analytics?{period}")
        page = await web.get(f"/analytics/regions/{region}?{period}")
    name = REGIONS[region].name("en")
    assert f"{name}: {level}" in overview.text  # the map's tile
    assert page.status_code == 200, page.text
    shown = re.search(r"<dt>Early warning</dt><dd>(.*?)</dd>", page.text)
    assert shown, page.text
    assert re.sub(r"<[^>]+>", "", shown.group(1)) == level
