"""Helpers of the people tests: an overdue case, and an inbox that has filled."""

from __future__ import annotations

from datetime import date

from kelisim.events.cases import CaseOverdue


def overdue(mediator: str | None, region: str = "KZ-75") -> CaseOverdue:
    return CaseOverdue(
        case_ref="ref-1",
        number=f"{region}-2026-000042",
        region=region,
        mediator=mediator,
        deadline=date(2026, 11, 20),
    )


async def _count(client, headers, n):  # type: ignore[no-untyped-def]
    body = (await client.get("/api/v1/notifications/inbox", headers=headers)).json()
    return body if len(body["items"]) >= n else None
