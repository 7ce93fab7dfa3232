"""Assignment knows mediators: only an active mediator of the case's region can be assigned."""

from __future__ import annotations

import pytest

from tests.cases.support import (
    BASE,
    audit_count,
    coordinator,
    known_mediators,
    known_staff,
    mediator,
    outbox,
    register,
)
from tests.support.checks import assert_problem
from tests.support.services import running


async def _state(cases, settings, case: dict) -> tuple[dict, int, int]:
    """The case as its coordinator reads it, the audit trail's length and its events."""
    record = (await cases.get(f"{BASE}/{case['id']}", headers=coordinator(settings))).json()
    return record, audit_count(settings), len(outbox(settings, case["id"]))


async def _refused(
    cases, settings, case: dict, body: dict, path: str
) -> tuple[dict, tuple[dict, int, int], tuple[dict, int, int]]:
    """Post an assignment that names no active mediator of the region: its 422 problem, and
    the case's state (record, audit trail, events) before and after."""
    before = await _state(cases, settings, case)
    answer = await cases.post(
        f"{BASE}/{case['id']}/{path}", json=body, headers=coordinator(settings)
    )
    problem = assert_problem(answer, 422, "unknown-mediator")
    return problem, before, await _state(cases, settings, case)


@pytest.mark.parametrize(
    "account",
    [
        None,  # nobody by that name
        {"active": False},  # deactivated
        {"regions": ("KZ-71",)},  # a mediator of another region
        {"roles": ("coordinator",)},  # not a mediator
    ],
)
async def test_assigning_someone_who_is_not_an_active_mediator_of_the_region_is_refused(
    settings, account: dict | None
) -> None:
    async with running("cases", settings) as cases:
        await known_mediators(cases, settings)
        if account is not None:
            await known_staff(cases, settings, "med-ghost", **account)
        case = await register(cases, mediator(settings))
        body = {"mediator": "med-ghost"}
        problem, before, after = await _refused(cases, settings, case, body, "assignment")
        assert problem["mediator"] == "med-ghost"
        assert after == before


async def test_a_known_mediator_is_assigned_and_a_reassignment_checks_the_new_one(settings):
    async with running("cases", settings) as cases:
        await known_mediators(cases, settings)
        case = await register(cases, mediator(settings))
        coord = coordinator(settings)
        assigned = await cases.post(
            f"{BASE}/{case['id']}/assignment", json={"mediator": "med-aigerim"}, headers=coord
        )
        assert assigned.status_code == 200, assigned.text
        assert assigned.json()["mediator"] == "med-aigerim"
        body = {"mediator": "med-nobody", "reason": "workload of the first mediator"}
        problem, before, after = await _refused(cases, settings, case, body, "reassignment")
        assert problem["mediator"] == "med-nobody"
        assert after == before
