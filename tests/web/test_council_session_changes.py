"""A council session changed before its sitting: rescheduled and cancelled by the secretary (in
Kazakh), refused once the sitting began, and a material over the size limit."""

from __future__ import annotations

import html
from datetime import UTC, datetime

from tests.support.browser import t
from tests.support.checks import assert_problem
from tests.support.gateway import Stack
from tests.web.daily_work_support import _csrf, signed_in_as
from tests.web.test_council_sitting import API, Call, _sitting, new_session


async def _planned(system: Stack, title: str) -> tuple[Call, str]:
    """A planned session of the demo council, at 2020-01-01 (before every other one there, so
    first on the start page's list of sessions to come)."""
    secretary, _, sid = await new_session(system, title, "2020-01-01T05:00:00+00:00")
    return secretary, sid


async def test_the_secretary_reschedules_and_cancels_a_session_in_kazakh(system):
    secretary, sid = await _planned(system, "Moved, then called off")
    async with signed_in_as(system, "council_secretary", "kk") as web:
        page = await web.get(f"/councils/sessions/{sid}")
        assert html.escape(t("kk", "Reschedule")) in page.text
        assert html.escape(t("kk", "Cancel the session")) in page.text
        # Planned in 2020, it is among the first sessions to come on the start page.
        assert f"/councils/sessions/{sid}" in (await web.get("/")).text
        form = {"csrf_token": _csrf(page.text), "page_kind": "session", "page_id": sid}

        # Without a reason: the form says so in Kazakh, and nothing moves.
        refused = await web.post(
            f"/councils/do/reschedule/{sid}",
            data={**form, "date": "2025-02-03", "time": "15:00", "place": "Akimat"},
        )
        assert refused.status_code == 422, refused.text
        assert html.escape(t("kk", "This field is required.")) in refused.text
        assert (await secretary("GET", f"/sessions/{sid}"))["sequence"] == 0

        moved = await web.post(
            f"/councils/do/reschedule/{sid}",
            data={**form, "date": "2031-02-03", "time": "15:00", "place": "Akimat", "reason": "Су"},
        )
        assert moved.status_code == 303, moved.text
        session = await secretary("GET", f"/sessions/{sid}")
        # 15:00 in Kazakhstan (UTC+5) is 10:00 UTC.
        assert datetime.fromisoformat(session["starts_at"]) == datetime(2031, 2, 3, 10, tzinfo=UTC)
        assert session["place"] == "Akimat" and session["sequence"] == 1

        # Cancelling goes through its confirmation page, which asks for the reason.
        asked = await web.post(f"/councils/do/cancel/{sid}", data=form)
        assert asked.status_code == 303
        assert asked.headers["location"] == f"/councils/sessions/{sid}/cancel"
        confirm = await web.get(asked.headers["location"])
        question = t("kk", "Cancel the session %(title)s?") % {"title": "Moved, then called off"}
        assert html.escape(question) in confirm.text
        sure = {
            "csrf_token": _csrf(confirm.text),
            "page_kind": "cancel_session",
            "page_id": sid,
            "confirm": "yes",
        }
        no_reason = await web.post(f"/councils/do/cancel/{sid}", data=sure)
        assert no_reason.status_code == 422
        assert html.escape(t("kk", "Reason for cancelling")) in no_reason.text
        assert html.escape(t("kk", "This field is required.")) in no_reason.text
        assert (await secretary("GET", f"/sessions/{sid}"))["status"] == "planned"

        done = await web.post(f"/councils/do/cancel/{sid}", data={**sure, "reason": "Су тасқыны"})
        assert done.status_code == 303 and done.headers["location"] == f"/councils/sessions/{sid}"
        after = await web.get(done.headers["location"])
        assert html.escape(t("kk", "Cancelled")) in after.text
        assert html.escape(t("kk", "Reschedule")) not in after.text
        assert f"/councils/do/cancel/{sid}" not in after.text
        reason = t("kk", "Cancelled: %(reason)s") % {"reason": "Су тасқыны"}
        assert html.escape(reason) in after.text
    assert (await secretary("GET", f"/sessions/{sid}"))["status"] == "cancelled"


async def test_a_sitting_that_began_offers_no_reschedule_and_refuses_one_in_kazakh(system):
    _, sid, _, _ = await _sitting(system, "Already sitting")
    async with signed_in_as(system, "council_secretary", "kk") as web:
        page = await web.get(f"/councils/sessions/{sid}")
        assert f"/councils/do/reschedule/{sid}" not in page.text
        assert f"/councils/do/cancel/{sid}" not in page.text
        refused = await web.post(
            f"/councils/do/reschedule/{sid}",
            data={
                "csrf_token": _csrf(page.text),
                "page_kind": "session",
                "page_id": sid,
                "date": "2027-02-03",
                "reason": "Су",
            },
        )
        assert refused.status_code == 409, refused.text
        message = "A sitting that has begun cannot be moved or cancelled."
        assert html.escape(t("kk", message)) in refused.text


def _upload(boundary: str, fields: dict[str, str], size: int) -> list[bytes]:
    """A multipart form whose `document` is `size` bytes, in the pieces a browser sends."""
    head = "".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields.items()
    )
    head += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="document"; filename="scan.pdf"'
        "\r\nContent-Type: application/pdf\r\n\r\n"
    )
    chunk = 1024 * 1024
    body = [b"%" * chunk for _ in range(size // chunk)] + [b"%" * (size % chunk)]
    return [head.encode(), *body, f"\r\n--{boundary}--\r\n".encode()]


async def test_a_material_over_the_size_limit_gets_a_page_in_kazakh_and_the_api_its_problem(
    system,
):
    """The web form showed the body limit's raw JSON problem, in English."""
    secretary, sid, iid, _ = await _sitting(system, "A scan too large")
    limit = system.settings.max_document_bytes
    boundary = "kelisim-upload"
    async with signed_in_as(system, "council_secretary", "kk") as web:
        page = await web.get(f"/councils/sessions/{sid}")
        fields = {"csrf_token": _csrf(page.text), "page_id": sid}
        pieces = _upload(boundary, fields, limit + 1)
        kind = {"content-type": f"multipart/form-data; boundary={boundary}"}

        async def streamed():  # no Content-Length: counted as it arrives
            for piece in pieces:
                yield piece

        declared = await web.post(
            f"/councils/materials/{iid}", content=b"".join(pieces), headers=kind
        )
        counted = await web.post(f"/councils/materials/{iid}", content=streamed(), headers=kind)
        assert "content-length" not in counted.request.headers
        size = str(limit // 2**20)
        message = t("kk", "The file is too large: this form accepts up to %(size)s MB.")
        for answer in (declared, counted):
            assert answer.status_code == 413, answer.text
            assert answer.headers["content-type"].startswith("text/html")
            assert html.escape(message % {"size": size}) in answer.text
            assert '<html lang="kk"' in answer.text
    api = await system.client.post(
        f"{API}/items/{iid}/materials?filename=scan.pdf",
        content=b"".join(pieces[1:-1]),
        headers={
            **await system.login("council_secretary", "demo"),
            "content-type": "application/pdf",
        },
    )
    assert_problem(api, 413, "body-too-large")
    session = await secretary("GET", f"/sessions/{sid}")
    assert [i["materials"] for i in session["items"]] == [[]]
