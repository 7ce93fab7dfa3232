"""Each role reaches exactly the parts of the API its work needs, and gets 403 elsewhere.

The expectation table here is written out by hand, independently of gateway/permissions.py,
so a change of policy has to change both.
"""

from __future__ import annotations

import pytest

from kelisim.auth import ROLES
from tests.support.gateway import Stack

GATEWAY_REFUSAL = "urn:kelisim:problem:role-not-permitted"

# (method, path) of every endpoint family reachable today.
ENDPOINTS = {
    "list cases": ("GET", "/api/v1/cases"),
    "register case": ("POST", "/api/v1/cases"),
    "read case": ("GET", "/api/v1/cases/00000000000000000000000000000000"),
    "list councils": ("GET", "/api/v1/councils"),
    "create council": ("POST", "/api/v1/councils"),
    "read council": ("GET", "/api/v1/councils/00000000000000000000000000000000"),
    "my notifications": ("GET", "/api/v1/notifications"),
    "my inbox": ("GET", "/api/v1/notifications/inbox"),
    "escalation feed": ("GET", "/api/v1/notifications/feed"),
    "acknowledge escalation": ("POST", "/api/v1/notifications/feed/x/ack"),
    "list users": ("GET", "/api/v1/users"),
    "create user": ("POST", "/api/v1/users"),
    "me": ("GET", "/api/v1/me"),
    "my api keys": ("GET", "/api/v1/me/api-keys"),
    "analytics overview": ("GET", "/api/v1/analytics/overview"),
    "analytics alerts": ("GET", "/api/v1/analytics/alerts"),
    "analytics weeks": ("GET", "/api/v1/analytics/weeks/cases.registered?year=2026&month=1"),
    "import history": ("POST", "/api/v1/analytics/history"),
    "yearly report": ("GET", "/api/v1/analytics/reports/2026.pdf"),
    "library home": ("GET", "/api/v1/analytics/library"),
    "search the library": ("GET", "/api/v1/analytics/library/notes"),
    "mark a note useful": ("POST", "/api/v1/analytics/library/notes/x/useful"),
    "review queue": ("GET", "/api/v1/analytics/library/review"),
    "review a note": ("POST", "/api/v1/analytics/library/review/x"),
}
CASES = {"list cases", "register case", "read case"}
COUNCILS = {"list councils", "create council", "read council"}
INBOX = {"my notifications", "my inbox"}
FEED = {"escalation feed", "acknowledge escalation"}
ADMIN_API = {"list users", "create user"}
SELF = {"me", "my api keys"}
ANALYTICS = {
    "analytics overview",
    "analytics alerts",
    "analytics weeks",
    "import history",
    "yearly report",
}
LIBRARY = {"library home", "search the library", "mark a note useful"}
REVIEW = {"review queue", "review a note"}

REACHES: dict[str, set[str]] = {
    "admin": CASES | COUNCILS | INBOX | FEED | ADMIN_API | SELF | LIBRARY,
    "coordinator": CASES | INBOX | FEED | SELF | ANALYTICS | LIBRARY | REVIEW,
    "mediator": CASES | INBOX | SELF | LIBRARY,
    "council_secretary": COUNCILS | INBOX | SELF | LIBRARY,
    "council_member": COUNCILS | INBOX | SELF | LIBRARY,
    "liaison": FEED | SELF,
    "analyst": COUNCILS | INBOX | SELF | ANALYTICS | LIBRARY,
}


@pytest.fixture(scope="module")
async def role_headers(stack: Stack) -> dict[str, dict[str, str]]:
    """One logged-in user per role, scoped to Almaty city."""
    headers = {"admin": stack.admin}
    for role in ROLES:
        if role != "admin":
            headers[role] = await stack.login_as(
                f"matrix-{role.replace('_', '-')}", roles=[role], regions=["KZ-75"]
            )
    return headers


@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
@pytest.mark.parametrize("role", ROLES)
async def test_each_role_reaches_exactly_its_part_of_the_api(
    stack: Stack, role_headers: dict[str, dict[str, str]], role: str, endpoint: str
) -> None:
    method, path = ENDPOINTS[endpoint]
    body = {} if method == "POST" else None
    answer = await stack.client.request(method, path, json=body, headers=role_headers[role])
    is_problem = answer.headers["content-type"].startswith("application/problem+json")
    problem_type = answer.json()["type"] if is_problem else None
    own_route = endpoint in ADMIN_API | SELF
    if endpoint in REACHES[role]:
        assert answer.status_code not in (401, 403) or not own_route, answer.text
        assert problem_type != GATEWAY_REFUSAL, answer.text
        assert answer.status_code != 401, answer.text
    else:
        assert answer.status_code == 403, answer.text
        expected = "urn:kelisim:problem:forbidden" if own_route else GATEWAY_REFUSAL
        assert problem_type == expected, answer.text


def test_the_matrix_names_every_role() -> None:
    assert set(REACHES) == set(ROLES)
