"""What a council accepts: dates within 2000-2100, regions of Kazakhstan, safely named files."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import unquote

import pytest

from tests.councils.support import audit_entries, make_council
from tests.support.checks import assert_problem, items_of
from tests.support.services import running


def _audit_count(client) -> int:
    ctx = client.app.state.ctx
    with ctx.engine.connect() as conn:
        return len(conn.execute(ctx.tables.audit_log.select()).all())


@pytest.mark.parametrize(
    "starts_at",
    [
        "9999-12-31T23:59:59Z",
        "0001-01-01T00:00:00Z",
        "1900-01-01T10:00:00+05:00",
        "2101-01-01T00:00:00Z",
        "1999-12-31T23:59:59Z",
        "2026-05-01T10:00:00",  # no UTC offset
    ],
)
async def test_a_session_outside_the_domains_years_is_refused_and_nothing_is_planned(
    settings, starts_at: str
) -> None:
    async with running("councils", settings) as client:
        council = await make_council(client, settings, members=["secretary"])
        audit = _audit_count(client)
        answer = await council.post(
            f"/{council.id}/sessions", json={"starts_at": starts_at, "place": "Friendship House"}
        )
        problem = assert_problem(answer, 422, "validation-error")
        assert problem["errors"][0]["loc"] == ["body", "starts_at"]
        assert (await council.items(f"/{council.id}/sessions")) == []
        assert _audit_count(client) == audit
        edge = await council.post(
            f"/{council.id}/sessions",
            json={"starts_at": "2100-12-31T23:59:59Z", "place": "Friendship House"},
        )
        assert edge.status_code == 201, edge.text


async def test_member_terms_and_due_dates_keep_to_the_same_years(settings) -> None:
    async with running("councils", settings) as client:
        council = await make_council(client, settings, members=["secretary"])
        admin = council.as_("admin", roles=["admin"])
        for term in (
            {"term_start": "0001-01-01"},
            {"term_start": "2020-01-01", "term_end": "9999-12-31"},
        ):
            answer = await client.post(
                f"/api/v1/councils/{council.id}/members",
                json={"username": "late", "full_name": "Late Member", **term},
                headers=admin,
            )
            assert [
                e["type"] for e in assert_problem(answer, 422, "validation-error")["errors"]
            ] == ["date_out_of_range"]
        members = await council.items(f"/{council.id}/members")
        assert [m["username"] for m in members] == ["secretary"]


async def test_a_council_of_an_unknown_region_is_refused(settings) -> None:
    async with running("councils", settings) as client:
        from tests.councils.support import admin

        for region in ("KZ-99", "KZ-02", "XX-75"):
            answer = await client.post(
                "/api/v1/councils",
                json={"name": "Council", "level": "region", "region": region},
                headers=admin(settings),
            )
            problem = assert_problem(answer, 422, "validation-error")
            assert problem["errors"][0]["type"] == "unknown_region"
        assert items_of(await client.get("/api/v1/councils", headers=admin(settings))) == []


NAMES = [
    # (uploaded name, declared type, stored name, served type)
    ("Хаттама № 3.pdf", "application/pdf", "Хаттама № 3.pdf", "application/pdf"),
    ("Күн тәртібі.docx", "application/msword", "Күн тәртібі.docx", "application/msword"),
    ("../../../etc/passwd", "text/plain", "passwd", "text/plain; charset=utf-8"),
    ("/etc/passwd", "text/html", "passwd", "application/octet-stream"),
    ("C:\\Users\\secretary\\notes.txt", "text/plain", "notes.txt", "text/plain; charset=utf-8"),
    ("a\x00b.txt", "text/plain", "ab.txt", "text/plain; charset=utf-8"),
    (
        "evil\r\nSet-Cookie: x=1.html",
        "text/html",
        "evilSet-Cookie: x=1.html",
        "application/octet-stream",
    ),
    ("invoice\u202egpj.exe", "image/jpeg", "invoicegpj.exe", "image/jpeg"),
    ("page.svg", "image/svg+xml", "page.svg", "application/octet-stream"),
    ("..", "application/pdf", "document", "application/pdf"),
    ("я" * 400 + ".pdf", "application/pdf", "я" * 196 + ".pdf", "application/pdf"),
]


@pytest.mark.parametrize(("uploaded", "declared", "stored", "served"), NAMES)
async def test_materials_are_stored_under_safe_names_and_served_as_attachments(
    settings, uploaded: str, declared: str, stored: str, served: str
) -> None:
    async with running("councils", settings) as client:
        council = await make_council(client, settings, members=["secretary"])
        _, (item_id,) = await council.plan_session()
        content = b"%PDF-1.7 <script>alert(1)</script>"
        created = await client.post(
            f"/api/v1/councils/items/{item_id}/materials",
            params={"filename": uploaded},
            content=content,
            headers={**council.secretary, "content-type": declared},
        )
        assert created.status_code == 201, created.text
        assert created.json()["filename"] == stored
        (entry,) = audit_entries(client, "material.added")

        download = await council.get(f"/materials/{created.json()['id']}")
        assert download.status_code == 200, download.text
        assert download.content == content
        assert download.headers["content-type"] == served
        assert download.headers["x-content-type-options"] == "nosniff"
        disposition = download.headers["content-disposition"]
        assert disposition.isascii() and "\r" not in disposition and "\n" not in disposition
        assert disposition.startswith('attachment; filename="')
        fallback = disposition.split('filename="', 1)[1].split('"', 1)[0]
        assert fallback.isascii() and "/" not in fallback and ".." not in fallback
        if "filename*=" in disposition:
            encoded = disposition.split("filename*=UTF-8''", 1)[1]
            assert unquote(encoded) == stored
        else:
            assert fallback == stored


async def test_a_material_beyond_the_document_limit_is_413_and_not_stored(settings) -> None:
    small = settings.model_copy(update={"max_document_bytes": 64 * 1024})
    async with running("councils", small) as client:
        council = await make_council(client, small, members=["secretary"])
        session_id, (item_id,) = await council.plan_session()
        audit = _audit_count(client)
        answer = await client.post(
            f"/api/v1/councils/items/{item_id}/materials",
            params={"filename": "big.pdf"},
            content=b"x" * (64 * 1024 + 1),
            headers={**council.secretary, "content-type": "application/pdf"},
        )
        assert_problem(answer, 413, "body-too-large")
        detail = await council.ok("GET", f"/sessions/{session_id}")
        assert detail["items"][0]["materials"] == []
        assert _audit_count(client) == audit
        # A document route takes more than a JSON body may: 1 MiB + 1 is fine here at 2 MiB.
    roomy = settings.model_copy(update={"max_document_bytes": 2 * 1024 * 1024})
    async with running("councils", roomy) as client:
        council = await make_council(client, roomy, members=["secretary"])
        _, (item_id,) = await council.plan_session()
        answer = await client.post(
            f"/api/v1/councils/items/{item_id}/materials",
            params={"filename": "scan.pdf"},
            content=b"x" * (roomy.max_json_bytes + 1),
            headers={**council.secretary, "content-type": "application/pdf"},
        )
        assert answer.status_code == 201, answer.text


async def test_recommendation_due_dates_beyond_2100_are_refused(settings) -> None:
    async with running("councils", settings) as client:
        council = await make_council(client, settings, members=["secretary"])
        _, (item_id,) = await council.plan_session()
        answer = await council.post(
            f"/items/{item_id}/recommendations",
            json={
                "addressee": "Akimat",
                "text": "Hold a forum.",
                "responsible": "Department",
                "due_date": (date(2100, 12, 31) + timedelta(days=1)).isoformat(),
            },
        )
        assert_problem(answer, 422, "validation-error")


async def test_an_agenda_item_title_is_as_long_as_a_session_title_may_be(settings) -> None:
    """A 5,000-letter title made the session page 65,000 px wide and ran off the PDF page."""
    async with running("councils", settings) as client:
        council = await make_council(client, settings, members=["secretary"])
        session_id, _ = await council.plan_session(items=0)
        body = {"proposal": {"kk": "x"}, "rapporteur": "Secretary"}
        audit = _audit_count(client)
        too_long = await council.post(
            f"/sessions/{session_id}/items", json={**body, "titles": {"kk": "Ә" * 301}}
        )
        problem = assert_problem(too_long, 422, "validation-error")
        assert [e["type"] for e in problem["errors"]] == ["string_too_long"]
        assert _audit_count(client) == audit
        longest = await council.post(
            f"/sessions/{session_id}/items", json={**body, "titles": {"kk": "Ә" * 300}}
        )
        assert longest.status_code == 201, longest.text
