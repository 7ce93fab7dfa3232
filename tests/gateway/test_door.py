"""Limits at the door: request lines, body sizes, unknown fields, texts, cursors, headers."""

from __future__ import annotations

import json

import pytest

from gateway.headers import CONTENT_SECURITY_POLICY
from tests.support.checks import assert_problem, items_of
from tests.support.gateway import Stack

CASE = {"region": "KZ-75", "category": "neighbour", "description": "A shared wall", "parties": []}


@pytest.fixture(scope="module")
async def coordinator(stack: Stack) -> dict[str, str]:
    """Bearer headers of a coordinator of Almaty, who registers cases."""
    return await stack.login_as("door-coord", roles=["coordinator"], regions=["KZ-75"])


@pytest.fixture(scope="module")
async def liaison(stack: Stack) -> dict[str, str]:
    """Bearer headers of a law-enforcement liaison of Almaty, who reads the feed."""
    return await stack.login_as("door-liaison", roles=["liaison"], regions=["KZ-75"])


async def _case_count(stack: Stack) -> int:
    listed = await stack.client.get("/api/v1/cases?limit=200", headers=stack.admin)
    assert listed.status_code == 200, listed.text
    return len(listed.json()["items"])


async def _audit_rows(stack: Stack, service: str) -> int:
    ctx = stack.services[service].app.state.ctx  # type: ignore[attr-defined]
    with ctx.engine.connect() as conn:
        return len(conn.execute(ctx.tables.audit_log.select()).all())


@pytest.mark.parametrize(
    ("target", "status", "kind"),
    [
        ("/api/v1/cases/%10/escalations", 400, "control-character"),
        ("/api/v1/cases/%00", 400, "control-character"),
        ("/api/v1/cases?q=%0d%0aSet-Cookie:%20x=1", 400, "control-character"),
        ("/api/v1/councils?region=KZ-75%7f", 400, "control-character"),
        ("/api/v1/cases/%c2%85", 400, "control-character"),  # U+0085, a C1 line break
        ("/cases/%1b%5b31m", 400, "control-character"),  # a web page, an ANSI escape
        ("/api/v1/cases/%ff%fe", 400, "bad-encoding"),
        ("/api/v1/cases?q=%ff", 400, "bad-encoding"),
        ("/api/v1/cases/" + "a" * 3000, 414, "uri-too-long"),
    ],
)
async def test_a_bad_request_line_is_refused_at_the_door_not_proxied(
    stack: Stack, target: str, status: int, kind: str
) -> None:
    answer = await stack.client.get(target, headers=stack.admin)
    assert_problem(answer, status, kind)


async def test_ordinary_unicode_in_paths_and_queries_still_goes_through(
    stack: Stack, coordinator
) -> None:
    search = await stack.client.get(
        "/api/v1/cases?q=%D2%9B%D0%B0%D0%B7%D0%B0%D2%9B", headers=coordinator
    )
    assert search.status_code == 200, search.text
    missing = await stack.client.get("/api/v1/cases/%D2%9B%D0%B0%D0%B7", headers=stack.admin)
    assert_problem(missing, 404, "not-found")


async def test_a_json_body_beyond_the_limit_is_413_and_registers_nothing(
    stack: Stack, coordinator
) -> None:
    before, audit = await _case_count(stack), await _audit_rows(stack, "cases")
    big = json.dumps({**CASE, "description": "x" * (stack.settings.max_json_bytes + 1)})
    declared = await stack.client.post(
        "/api/v1/cases",
        content=big,
        headers={**coordinator, "content-type": "application/json"},
    )
    assert_problem(declared, 413, "body-too-large")

    async def chunks():  # no Content-Length: counted as it arrives
        for start in range(0, len(big), 65536):
            yield big[start : start + 65536].encode()

    streamed = await stack.client.post(
        "/api/v1/cases",
        content=chunks(),
        headers={**coordinator, "content-type": "application/json"},
    )
    assert "content-length" not in streamed.request.headers
    assert_problem(streamed, 413, "body-too-large")
    assert await _case_count(stack) == before
    assert await _audit_rows(stack, "cases") == audit


async def test_a_service_bounds_bodies_itself_too(stack: Stack) -> None:
    cases = stack.services["cases"]
    answer = await cases.post("/api/v1/cases", content=b"{" + b" " * (2 * 1024 * 1024) + b"}")
    assert_problem(answer, 413, "body-too-large")


async def test_unknown_fields_are_refused_with_their_names_and_change_nothing(
    stack: Stack, coordinator
) -> None:
    before, audit = await _case_count(stack), await _audit_rows(stack, "cases")
    answer = await stack.client.post(
        "/api/v1/cases",
        json={**CASE, "priority": "urgent", "status": "settled"},
        headers=coordinator,
    )
    body = assert_problem(answer, 422, "validation-error")
    assert {e["type"] for e in body["errors"]} == {"extra_forbidden"}
    assert "priority" in body["detail"] and "status" in body["detail"]
    nested = await stack.client.post(
        "/api/v1/councils",
        json={"name": "C", "level": "region", "region": "KZ-75", "members": []},
        headers=stack.admin,
    )
    assert_problem(nested, 422, "validation-error")
    assert await _case_count(stack) == before
    assert await _audit_rows(stack, "cases") == audit


@pytest.mark.parametrize(
    "body",
    [
        {**CASE, "description": "wall\x00 DROP"},
        {**CASE, "description": "bell \x07"},
        {**CASE, "parties": [{"kind": "person", "name": "Aigerim\r\nX-Injected: 1"}]},
        {**CASE, "parties": [{"kind": "person", "name": "Aigerim\u0085"}]},
        {**CASE, "parties": [{"kind": "person", "name": "Aigerim", "address": "Abai 1\x00"}]},
        # A bidirectional override or isolate reverses the text around it on every page.
        {**CASE, "parties": [{"kind": "person", "name": "\u202eAigerim"}]},
        {**CASE, "description": "Dispute \u2067over\u2069 a fence"},
    ],
)
async def test_texts_with_nul_or_control_characters_are_refused(
    stack: Stack, coordinator, body: dict
) -> None:
    before = await _case_count(stack)
    answer = await stack.client.post("/api/v1/cases", json=body, headers=coordinator)
    problem = assert_problem(answer, 422, "validation-error")
    assert [e["type"] for e in problem["errors"]] == ["text_control_character"]
    assert await _case_count(stack) == before


@pytest.mark.parametrize("name", [" ", "\u200b\u200c", "\u00ad", " \ufeff\u2060 "])
async def test_a_name_of_only_spaces_or_invisible_characters_is_refused(
    stack: Stack, coordinator, name: str
) -> None:
    before = await _case_count(stack)
    body = {**CASE, "parties": [{"kind": "person", "name": name}]}
    answer = await stack.client.post("/api/v1/cases", json=body, headers=coordinator)
    problem = assert_problem(answer, 422, "validation-error")
    assert [e["type"] for e in problem["errors"]] == ["text_blank"]
    assert await _case_count(stack) == before
    user = await stack.client.post(
        "/api/v1/users",
        json={"username": "blank", "full_name": name, "password": "long-enough-1", "roles": []},
        headers=stack.admin,
    )
    assert "text_blank" in [
        e["type"] for e in assert_problem(user, 422, "validation-error")["errors"]
    ]


async def test_a_control_characters_code_is_named_in_the_message(stack: Stack, coordinator):
    body = {**CASE, "description": "bell \x07"}
    answer = await stack.client.post("/api/v1/cases", json=body, headers=coordinator)
    (error,) = assert_problem(answer, 422, "validation-error")["errors"]
    assert "U+0007" in error["msg"], error


@pytest.mark.parametrize(
    ("field", "value", "accepted"),
    [
        ("phone", "+7 701 123 45 67", True),
        ("phone", "8 (701) 123-45-67", True),
        ("phone", "(701) 123-45-67", True),
        ("phone", "not a phone", False),
        ("phone", "12", False),
        ("email", "aigerim@mail.kz", True),
        ("email", "not-an-email", False),
        ("email", "@@", False),
        ("email", "a b@mail.kz", False),
    ],
)
async def test_a_partys_phone_and_e_mail_look_like_a_phone_and_an_e_mail(
    stack: Stack, coordinator, field: str, value: str, accepted: bool
) -> None:
    before = await _case_count(stack)
    party = {"kind": "person", "name": "Aigerim", field: value}
    answer = await stack.client.post(
        "/api/v1/cases", json={**CASE, "parties": [party]}, headers=coordinator
    )
    if accepted:
        assert answer.status_code == 201, answer.text
        assert await _case_count(stack) == before + 1
    else:
        problem = assert_problem(answer, 422, "validation-error")
        assert [(e["loc"][-1], e["type"]) for e in problem["errors"]] == [
            (
                field,
                "string_too_short"
                if field == "phone" and len(value) < 5
                else "string_pattern_mismatch",
            )
        ]
        assert await _case_count(stack) == before


async def test_line_breaks_stay_allowed_in_long_texts(stack: Stack, coordinator) -> None:
    answer = await stack.client.post(
        "/api/v1/cases",
        json={**CASE, "description": "First line.\r\n\tSecond line."},
        headers=coordinator,
    )
    assert answer.status_code == 201, answer.text


@pytest.mark.parametrize("region", ["KZ-99", "KZ-00", "KZ-75 ", "kz-75"])
async def test_unknown_regions_are_refused_by_every_service(
    stack: Stack, coordinator, region: str
) -> None:
    council = await stack.client.post(
        "/api/v1/councils",
        json={"name": "Council", "level": "region", "region": region},
        headers=stack.admin,
    )
    assert [e["type"] for e in assert_problem(council, 422, "validation-error")["errors"]] == [
        "unknown_region"
    ]
    endpoint = await stack.client.post(
        "/api/v1/notifications/endpoints",
        json={"region": region, "url": "https://police.example.kz/hook", "generate_secret": True},
        headers=stack.admin,
    )
    assert_problem(endpoint, 422, "validation-error")
    case = await stack.client.post(
        "/api/v1/cases", json={**CASE, "region": region}, headers=coordinator
    )
    assert_problem(case, 422, "validation-error")
    listed = await stack.client.get("/api/v1/councils", headers=stack.admin)
    assert all(c["region"] != region for c in items_of(listed))


@pytest.mark.parametrize(
    "cursor",
    [
        "99999999999999999999",
        "OTk5OTk5OTk5OTk5OTk5OTk5OTk",
        "Wzk5OTk5OTk5OTk5OTk5OTk5OTk5XQ",
        "W10",
        "!!!!",
    ],
)
async def test_a_feed_cursor_nobody_gave_out_is_400_not_500(
    stack: Stack, liaison, cursor: str
) -> None:
    answer = await stack.client.get(f"/api/v1/notifications/feed?cursor={cursor}", headers=liaison)
    assert_problem(answer, 400, "bad-cursor")


@pytest.mark.parametrize(
    "cursor", ["garbage", "W10", "WzVd", "Wzk5OTk5OTk5OTk5OTk5OTk5OTk5XQ", "!!!!"]
)
async def test_an_invalid_users_cursor_is_400_not_an_empty_page(stack: Stack, cursor: str) -> None:
    answer = await stack.client.get(f"/api/v1/users?cursor={cursor}", headers=stack.admin)
    assert_problem(answer, 400, "bad-cursor")


@pytest.mark.parametrize(
    "path", ["/login", "/api/docs", "/api/v1/cases", "/static/kelisim.css", "/nowhere"]
)
async def test_every_answer_carries_the_security_headers(stack: Stack, path: str) -> None:
    answer = await stack.client.get(path, headers=stack.admin)
    assert answer.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
    assert "'unsafe-inline'" not in CONTENT_SECURITY_POLICY
    assert answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["referrer-policy"] == "same-origin"


async def test_pages_carry_no_inline_script_or_handler(stack: Stack) -> None:
    for path in ("/login", "/api/docs"):
        page = (await stack.client.get(path)).text
        assert "<script>" not in page and "<script " in page
        assert " onclick=" not in page and " onload=" not in page and "<style" not in page


async def test_a_deactivated_mediator_can_no_longer_be_assigned(stack: Stack, coordinator) -> None:
    account = await stack.create_user("door-med", roles=["mediator"], regions=["KZ-75"])
    first = await stack.client.post("/api/v1/cases", json=CASE, headers=coordinator)
    second = await stack.client.post("/api/v1/cases", json=CASE, headers=coordinator)
    assigned = await stack.client.post(
        f"/api/v1/cases/{first.json()['id']}/assignment",
        json={"mediator": "door-med"},
        headers=coordinator,
    )
    assert assigned.status_code == 200, assigned.text

    gone = await stack.client.post(f"/api/v1/users/{account['id']}/deactivate", headers=stack.admin)
    assert gone.status_code == 200, gone.text
    await stack.known_to_cases("door-med", active=False)  # the IDENTITY event reached cases
    refused = await stack.client.post(
        f"/api/v1/cases/{second.json()['id']}/assignment",
        json={"mediator": "door-med"},
        headers=coordinator,
    )
    assert_problem(refused, 422, "unknown-mediator")
    case = await stack.client.get(f"/api/v1/cases/{second.json()['id']}", headers=coordinator)
    assert case.json()["status"] == "registered" and case.json()["mediator"] is None
