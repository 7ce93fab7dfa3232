"""The statistical database tests' scenario: cases registered and ended through the gateway."""

from __future__ import annotations

import pytest

from tests.cases.support import mediate, person, post
from tests.support.checks import eventually
from tests.support.gateway import Stack

CASES = "/api/v1/cases"
ANALYTICS = "/api/v1/analytics"
# (region, category, cases registered, of which taken to "not settled")
SCENARIO = [
    ("KZ-75", "land", 7, 2),
    ("KZ-75", "family", 2, 0),
    ("KZ-71", "land", 6, 0),
    ("KZ-71", "interfaith", 5, 1),
]


async def _walk(stack: Stack, planted: list[dict]) -> None:
    """Register the scenario's cases through the gateway as mediators, and end some of them."""
    people = {}
    for region in ("KZ-75", "KZ-71"):
        med = await stack.login_as(f"med-{region.lower()}", roles=["mediator"], regions=[region])
        coord = await stack.login_as(
            f"coord-{region.lower()}", roles=["coordinator"], regions=[region]
        )
        people[region] = (med, coord)
    for region, category, count, not_settled in SCENARIO:
        med, coord = people[region]
        for n in range(count):
            parties = [person(), person()]
            planted.extend(parties)
            answer = await stack.client.post(
                CASES,
                json={
                    "region": region,
                    "category": category,
                    "channel": "walk_in",
                    "description": f"Dispute {n} between {parties[0]['name']} and neighbours",
                    "parties": parties,
                },
                headers=med,
            )
            assert answer.status_code == 201, answer.text
            if n >= not_settled:
                continue
            case_id = answer.json()["id"]
            mediator = f"med-{region.lower()}"
            await mediate(stack.client, case_id, coord, med, mediator)
            reason = {"reason": "No common ground"}
            await post(stack.client, case_id, "not-settled", med, reason)


@pytest.fixture(scope="module")
async def scenario(stack: Stack, analyst: dict) -> list[dict]:
    """The scenario, walked once; waits until analytics has counted every registration."""
    planted: list[dict] = []
    await _walk(stack, planted)
    total = sum(count for *_, count, _ in SCENARIO)

    async def counted() -> bool:
        table = (
            await stack.client.get(f"{ANALYTICS}/tables/cases.registered", headers=analyst)
        ).json()
        return table.get("total") == total

    await eventually(counted, what="analytics to count every registration")
    return planted
