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


async def _refused_and_unchanged(cases, settings, case: dict, body: dict, path: str) -> None:
    coord = coordinator(settings)
    before = (await cases.get(f"{BASE}/{case['id']}", headers=coord)).json()
    audit, events = audit_count(settings), len(outbox(settings, case["id"]))
    answer = await cases.post(f"{BASE}/{case['id']}/{path}", json=body, headers=coord)
    problem = assert_problem(answer, 422, "unknown-mediator")
    assert problem["mediator"] == body["mediator"]
    after = (await cases.get(f"{BASE}/{case['id']}", headers=coord)).json()
    assert after == before
    assert audit_count(settings) == audit
    assert len(outbox(settings, case["id"])) == events


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
        await _refused_and_unchanged(cases, settings, case, {"mediator": "med-ghost"}, "assignment")


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
        await _refused_and_unchanged(
            cases,
            settings,
            case,
            {"mediator": "med-nobody", "reason": "workload of the first mediator"},
            "reassignment",
        )
