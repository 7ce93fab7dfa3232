"""Deadlines watched: approaching, overdue and compliance alerts, each raised exactly once."""

from __future__ import annotations

import asyncio
import base64
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

from kelisim.db import make_engine
from kelisim.uow import UnitOfWork
from services.cases.handlers.deadlines import scan_deadlines
from services.cases.models import backbone
from services.cases.terms import TermPolicy, add_term
from tests.cases.support import (
    BASE,
    coordinator,
    mediator,
    outbox,
    post,
    subjects,
    to_mediation,
    today,
)
from tests.support.checks import items_of
from tests.support.services import running


def replica(settings):
    """A uow factory on its own engine, as a second replica of the service would have."""
    engine = make_engine(settings.database_url("cases"))
    return engine, lambda: UnitOfWork(engine, backbone, source="/kelisim/cases")


async def test_term_end_warns_once_then_goes_overdue_once_even_with_two_replicas(settings):
    policy = TermPolicy.from_settings(settings)
    async with running("cases", settings) as cases:
        case = await to_mediation(cases, settings)
    deadline = date.fromisoformat(case["deadline"])
    engines, factories = zip(*(replica(settings) for _ in range(2)), strict=True)
    try:
        assert scan_deadlines(factories[0], deadline - timedelta(days=6), policy) == []
        warn_day = deadline - timedelta(days=5)
        with ThreadPoolExecutor(2) as pool:
            both = list(pool.map(lambda f: scan_deadlines(f, warn_day, policy), factories))
        assert sorted(both, key=len) == [[], [("deadline_approaching", case["id"])]]
        assert scan_deadlines(factories[1], deadline, policy) == []
        assert scan_deadlines(factories[0], deadline + timedelta(days=1), policy) == [
            ("overdue", case["id"])
        ]
        assert scan_deadlines(factories[1], deadline + timedelta(days=2), policy) == []
    finally:
        for engine in engines:
            engine.dispose()
    events = outbox(settings, case["id"])
    kinds = [e["type"] for e in events][-2:]
    assert kinds == [
        "kz.kelisim.cases.case.deadline_approaching.v1",
        "kz.kelisim.cases.case.overdue.v1",
    ]
    assert events[-2]["data"]["days_left"] == 5
    assert events[-1]["data"]["deadline"] == str(deadline)


async def test_extension_moves_the_deadline_so_the_new_one_is_watched_again(settings):
    policy = TermPolicy.from_settings(settings)
    async with running("cases", settings) as cases:
        case = await to_mediation(cases, settings)
        deadline = date.fromisoformat(case["deadline"])
        engine, factory = replica(settings)
        try:
            assert scan_deadlines(factory, deadline - timedelta(days=1), policy)
            consents = [
                {"party_id": p["id"], "form": "written", "given_on": str(today())}
                for p in case["parties"]
            ]
            extended = await post(
                cases,
                case["id"],
                "extension",
                mediator(settings),
                {"reason": "Valuation", "consents": consents},
            )
            later = date.fromisoformat(extended["deadline"])
            assert scan_deadlines(factory, deadline + timedelta(days=1), policy) == []
            assert scan_deadlines(factory, later - timedelta(days=2), policy) == [
                ("deadline_approaching", case["id"])
            ]
        finally:
            engine.dispose()


async def test_compliance_date_passing_raises_one_alert(settings):
    policy = TermPolicy.from_settings(settings)
    async with running("cases", settings) as cases:
        med = mediator(settings)
        case = await to_mediation(cases, settings)
        await post(
            cases,
            case["id"],
            "settlement",
            med,
            {
                "terms": "Pay compensation",
                "signed_on": str(today()),
                "signatures": [
                    {"party_id": p["id"], "signed_on": str(today())} for p in case["parties"]
                ],
                "document_base64": base64.b64encode(b"signed").decode(),
                "obligations": [{"description": "Pay", "due_on": str(today() + timedelta(days=3))}],
            },
        )
    engine, factory = replica(settings)
    try:
        assert scan_deadlines(factory, today() + timedelta(days=3), policy) == []
        assert scan_deadlines(factory, today() + timedelta(days=4), policy) == [
            ("compliance_overdue", case["id"])
        ]
        assert scan_deadlines(factory, today() + timedelta(days=9), policy) == []
    finally:
        engine.dispose()
    assert subjects(settings, case["id"])[-1] == "cases.case.compliance_overdue"


async def test_running_watchers_in_two_replicas_raise_an_overdue_case_once(
    make_settings, clean_nats
):
    settings = make_settings(cases_watch_seconds=0.1, cases_watch_lease_seconds=0.3)
    async with running("cases", settings) as cases:
        case = await to_mediation(cases, settings, signed_on=today() - timedelta(days=40))
        async with running("cases", settings):
            deadline = asyncio.get_running_loop().time() + 20
            while "cases.case.overdue" not in subjects(settings, case["id"]):
                assert asyncio.get_running_loop().time() < deadline, "no overdue alert"
                await asyncio.sleep(0.05)
            await asyncio.sleep(1.0)  # several more passes of both watchers
        timeline = items_of(
            await cases.get(f"{BASE}/{case['id']}/timeline", headers=coordinator(settings))
        )
    assert subjects(settings, case["id"]).count("cases.case.overdue") == 1
    assert subjects(settings, case["id"]).count("cases.case.deadline_approaching") == 0
    assert [e["actor"] for e in timeline if e["action"] == "case.overdue"] == ["system"]


async def test_business_day_terms_skip_weekends_and_kazakhstan_holidays(make_settings, clean_nats):
    assert add_term(date(2026, 12, 14), 3, business_days=True) == date(2026, 12, 18)
    assert add_term(date(2026, 3, 6), 2, business_days=True) == date(2026, 3, 11)
    assert add_term(date(2026, 12, 14), 3, business_days=False) == date(2026, 12, 17)
    settings = make_settings(cases_business_days=True, cases_term_days=10)
    async with running("cases", settings) as cases:
        case = await to_mediation(cases, settings)
    assert case["deadline"] == str(add_term(today(), 10, business_days=True))
    assert date.fromisoformat(case["deadline"]) >= today() + timedelta(days=14)
