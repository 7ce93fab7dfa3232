"""Public control end to end: a council plans, holds, decides and publishes through the
gateway; then an anonymous visitor reads, downloads, verifies and subscribes under /public."""

from __future__ import annotations

import asyncio
import csv
import io
import re
from datetime import date, datetime, timedelta
from xml.etree import ElementTree as ET

from icalendar import Calendar

from kelisim.localtime import day, local_date
from tests.councils.support import publish
from tests.public.support import (
    PRESENT,
    SECRET_RESPONSIBLE,
    pades_status,
    pdf_text,
    publish_a_session,
    seated_council,
)
from tests.support.gateway import gateway_stack
from tests.web.conftest import browser_client
from tests.web.support import web_login

ATOM = "{http://www.w3.org/2005/Atom}"
REASON = {"reason": "The vote count of item 1 was misprinted."}


def visible_text(html: str) -> str:
    """The text a sighted reader sees: no tags, no <title>, nothing visually hidden."""
    body = html.split("<body", 1)[1]
    body = re.sub(
        r'<(\w+)[^>]*class="[^"]*visually-hidden[^"]*"[^>]*>.*?</\1>', "", body, flags=re.S
    )
    return re.sub(r"<[^>]+>", " ", body)


def tables_named_by_headings(html: str) -> list[str]:
    """The names of a page's tables, each read from the heading its aria-labelledby names;
    a table with a caption or without a heading fails."""
    assert "<caption" not in html
    names = []
    for table in re.findall(r"<table\b[^>]*>", html):
        labelledby = re.search(r'aria-labelledby="([^"]+)"', table)
        assert labelledby is not None, f"no heading names {table}"
        heading = re.search(rf'<(h[1-6]) id="{labelledby[1]}">(.*?)</\1>', html, flags=re.S)
        assert heading is not None, labelledby[1]
        names.append(heading.group(2).strip())
    return names


KAZAKH_LETTERS = set("әғқңөұүһіӘҒҚҢӨҰҮҺІ")
LANGS = {"kk": "ХАТТАМА", "ru": "ПРОТОКОЛ", "en": "MINUTES"}


async def test_a_published_protocol_is_public_and_nothing_else_is(make_settings, clean_nats):
    settings = make_settings(public_rate_per_minute=100)
    async with gateway_stack(settings) as stack:
        council = await seated_council(stack)
        pid, published, recs = await publish_a_session(council)
        # A draft of another session, a correction draft and an upcoming session.
        draft_session, _ = await council.sitting(present=PRESENT)
        await council.ok("POST", f"/sessions/{draft_session}/close")
        draft = (await council.ok("POST", f"/sessions/{draft_session}/protocol"))["id"]
        correction = (await council.ok("POST", f"/protocols/{pid}/corrections", json=REASON))["id"]
        upcoming, _ = await council.plan_session()

        public = stack.client_from("198.51.100.20")
        try:
            # The protocol page and the PDF in all three languages.
            pdfs = {}
            for lang, title in LANGS.items():
                page = await public.get(f"/public/protocols/{pid}", params={"lang": lang})
                assert page.status_code == 200, page.text
                assert f'<html lang="{lang}">' in page.text and title in page.text
                assert "Chair Member" in page.text and "Жастар форумын өткізу" in page.text
                offered = re.findall(rf"/public/protocols/{pid}\.pdf\?lang=(\w+)", page.text)
                assert offered == ["kk", "ru", "en"]  # the state language's first
                pdf = await public.get(f"/public/protocols/{pid}.pdf", params={"lang": lang})
                assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
                pdfs[lang] = pdf.content
            kk_text = pdf_text(pdfs["kk"])
            assert "қабылданды" in kk_text and "ХАТТАМА" in kk_text
            assert KAZAKH_LETTERS & set(kk_text) >= set("әқңөұі")
            assert published["sha256"] in kk_text.replace("\n", "")
            assert "adopted" in pdf_text(pdfs["en"]) and "принято" in pdf_text(pdfs["ru"])
            status = await asyncio.to_thread(pades_status, pdfs["kk"], stack.settings)
            assert status.bottom_line and status.intact and status.trusted
            assert status.coverage.name == "ENTIRE_FILE"

            # Drafts and correction drafts are not there, as pages or files.
            for hidden in (draft, correction):
                for path in (f"/public/protocols/{hidden}", f"/public/protocols/{hidden}.pdf"):
                    assert (await public.get(path)).status_code == 404, path
            index = await public.get("/public")
            assert index.status_code == 200 and pid in index.text
            assert draft not in index.text and correction not in index.text

            # Verification: the protocol's hash and the PDF verify, a changed PDF does not.
            by_hash = await public.get("/public/verify", params={"sha256": published["sha256"]})
            assert "Түпнұсқа" in by_hash.text and pid in by_hash.text
            upload = await public.post(
                "/public/verify?lang=en",
                files={"document": ("p.pdf", pdfs["ru"], "application/pdf")},
            )
            assert "Authentic" in upload.text and pid in upload.text
            changed = pdfs["ru"][:-10] + b"%%EOF\n\n\n\n\n"
            forged = await public.post(
                "/public/verify?lang=en",
                files={"document": ("p.pdf", changed, "application/pdf")},
            )
            assert "Not found" in forged.text and "Authentic" not in forged.text
            bad = await public.get("/public/verify", params={"sha256": "nothex"})
            assert bad.status_code == 200 and "64" in bad.text

            # The overdue recommendation: overdue on the page and in the Atom feed.
            listing = await public.get(
                "/public/recommendations", params={"lang": "en", "status": "overdue"}
            )
            assert f'id="rec-{recs["overdue"]["id"]}"' in listing.text
            assert f'id="rec-{recs["on_time"]["id"]}"' not in listing.text
            assert "Overdue" in listing.text
            everything = await public.get("/public/recommendations", params={"lang": "en"})
            for key, label in (("late", "Implemented late"), ("on_time", "Implemented")):
                row = everything.text.split(f'id="rec-{recs[key]["id"]}"')[1].split("</tr>")[0]
                assert label in row and f"Форум өтті ({key})" in row
            feed = await public.get(
                "/public/feed.atom", params={"lang": "en", "council": council.id}
            )
            assert feed.headers["content-type"].startswith("application/atom+xml")
            ids = [
                e.findtext(f"{ATOM}id") for e in ET.fromstring(feed.content).iter(f"{ATOM}entry")
            ]
            assert f"urn:kelisim:recommendation:{recs['overdue']['id']}:overdue" in ids
            assert f"urn:kelisim:protocol:{pid}" in ids
            assert not any(recs["late"]["id"] in i for i in ids)
            region_feed = await public.get("/public/feed.atom", params={"region": "KZ-75"})
            assert f"urn:kelisim:protocol:{pid}".encode() in region_feed.content
            # Its due date is written in words, as on every page, never as ISO text.
            due = recs["overdue"]["due_date"]
            for lang, label in (("kk", "Орындау мерзімі"), ("ru", "Срок исполнения"),
                                ("en", "Due date")):  # fmt: skip
                said = await public.get("/public/feed.atom", params={"lang": lang})
                summary = next(
                    e.findtext(f"{ATOM}summary")
                    for e in ET.fromstring(said.content).iter(f"{ATOM}entry")
                    if recs["overdue"]["id"] in (e.findtext(f"{ATOM}id") or "")
                )
                assert f"({label}: {day(due, lang)})" in summary, summary
                assert due not in summary

            # Every table is named by the heading above it, shown and read once.
            for path, names in (
                (f"/public/councils/{council.id}", ["Published protocols",
                                                     "Recommendations to state bodies"]),
                ("/public/recommendations", ["Recommendations to state bodies"]),
                ("/public/rates", ["By state body", "By region"]),
            ):  # fmt: skip
                shown = await public.get(path, params={"lang": "en"})
                assert tables_named_by_headings(shown.text) == names, path
                for name in names:
                    assert visible_text(shown.text).count(name) == 1, (path, name)

            # On-time rates per state body and per region.
            rates = await public.get("/public/rates", params={"lang": "en"})
            akimat = rates.text.split("Akimat of Almaty</th>")[1].split("</tr>")[0]
            # due in the period = on time + late + partly + not carried out + not yet due
            row = akimat.replace("\n", "")
            assert "<td>2</td><td>0</td><td>1</td><td>0</td><td>1</td><td>0</td>" in row

            # The calendar of upcoming sessions parses with a real iCalendar library.
            ics = await public.get("/public/sessions.ics", params={"council": council.id})
            events = list(Calendar.from_ical(ics.content).walk("VEVENT"))
            assert [str(e["uid"]) for e in events] == [f"session-{upcoming}@kelisim"]
            assert str(events[0]["location"]) == "Friendship House, Almaty"
            # It has an end (a point in time shows as nothing or as all day): two hours.
            assert events[0].decoded("duration") == timedelta(hours=2)

            # Open data: a header and one row per recommendation; the JSON holds the same.
            data = await public.get("/public/data/recommendations.csv")
            rows = list(csv.reader(io.StringIO(data.content.decode("utf-8-sig"))))
            assert rows[0][:3] == ["id", "council_id", "council_name"] and "status" in rows[0]
            assert sorted(r[0] for r in rows[1:]) == sorted(r["id"] for r in recs.values())
            status_of = {r[0]: r[rows[0].index("status")] for r in rows[1:]}
            assert status_of[recs["overdue"]["id"]] == "overdue"
            as_json = (await public.get("/public/data/recommendations.json")).json()
            assert len(as_json["items"]) == 3 and as_json["fields"] == rows[0]
            # The day the council decided (it sat a week ago), not the day it was recorded.
            sat = await council.ok("GET", f"/sessions/{published['session_id']}")
            decided = local_date(datetime.fromisoformat(sat["starts_at"]))
            column = rows[0].index("decided_on")
            assert {r[column] for r in rows[1:]} == {decided.isoformat()}
            assert {i["decided_on"] for i in as_json["items"]} == {decided.isoformat()}
            recorded = {datetime.fromisoformat(i["issued_at"]).date() for i in as_json["items"]}
            assert min(recorded) > decided

            # Cacheable: the same page revalidates to 304.
            first = await public.get(f"/public/protocols/{pid}", params={"lang": "ru"})
            again = await public.get(
                f"/public/protocols/{pid}",
                params={"lang": "ru"},
                headers={"If-None-Match": first.headers["etag"]},
            )
            assert again.status_code == 304 and again.headers["etag"] == first.headers["etag"]
            assert "last-modified" in first.headers
            since = await public.get(
                f"/public/protocols/{pid}.pdf",
                headers={
                    "If-None-Match": "W/"
                    + (await public.get(f"/public/protocols/{pid}.pdf")).headers["etag"]
                },
            )
            assert since.status_code == 304

            # Nothing private: the person responsible, usernames, materials of the draft.
            for path in (
                "/public/recommendations",
                "/public/data/recommendations.csv",
                "/public/data/recommendations.json",
                f"/public/councils/{council.id}",
                f"/public/protocols/{pid}",
            ):
                body = (await public.get(path)).text
                assert SECRET_RESPONSIBLE not in body, path
        finally:
            await public.aclose()

        # Rate-limited per address: another address still gets through.
        crowd = stack.client_from("198.51.100.99")
        try:
            answers = [(await crowd.get("/public/verify")).status_code for _ in range(101)]
            assert answers[:100] == [200] * 100 and answers[100] == 429
            other = stack.client_from("198.51.100.100")
            assert (await other.get("/public/verify")).status_code == 200
            await other.aclose()
        finally:
            await crowd.aclose()

        # A member's protocol page reads as a document and tells published from a correction.
        async with browser_client(stack) as member:
            assert (await web_login(member, "m1", "user-password-1")).status_code == 303
            original = (await member.get(f"/councils/protocols/{pid}")).text
            assert 'class="card minutes"' in original and "<pre" not in original
            assert "status-published" in original and f'href="/public/protocols/{pid}?' in original
            assert "Chair Member" in original and "Келісемін" in original
            draft_page = (await member.get(f"/councils/protocols/{correction}")).text
            assert "status-draft" in draft_page and "Түзету жобасы" in draft_page
            assert "/public/protocols/" not in draft_page


async def test_the_published_minutes_print_what_their_signed_pdfs_print(make_settings, clean_nats):
    settings = make_settings(public_rate_per_minute=100)
    async with gateway_stack(settings) as stack:
        council = await seated_council(stack)
        pid, original, recs = await publish_a_session(council)
        # A recommendation of the same decision, after the minutes were published: refused
        # (it would be public without being in the signed minutes) until a correction is
        # opened, which prints it.
        path = f"/items/{recs['on_time']['item_id']}/recommendations"
        body = {
            "addressee": "Department of culture",
            "text": "Кейін берілген ұсыным",
            "responsible": SECRET_RESPONSIBLE,
            "due_date": (date.today() + timedelta(days=40)).isoformat(),
        }
        before = await council.items(f"/{council.id}/recommendations")
        refused = await council.post(path, json=body)
        assert refused.status_code == 409, refused.text
        assert refused.json()["type"] == "urn:kelisim:problem:minutes-settled"
        assert await council.items(f"/{council.id}/recommendations") == before
        correction = await council.ok("POST", f"/protocols/{pid}/corrections", json=REASON)
        later = await council.ok("POST", path, json=body)
        assert later["status"] == "sent"
        public = stack.client_from("198.51.100.21")
        try:
            page = await public.get(f"/public/protocols/{pid}", params={"lang": "kk"})
            pdf = await public.get(f"/public/protocols/{pid}.pdf", params={"lang": "kk"})
        finally:
            await public.aclose()
        in_pdf = pdf_text(pdf.content).replace("\n", " ")
        minutes = await council.ok("GET", f"/protocols/{pid}")
        for shown in (page.text, str(minutes["document"]), in_pdf):
            assert "Жастар форумын өткізу (on_time)" in shown
            assert "Кейін берілген ұсыным" not in shown
        # It is under control, and the correction of the minutes prints it.
        listed = await council.items(f"/{council.id}/recommendations")
        assert later["id"] in [r["id"] for r in listed]
        correction = await council.ok("GET", f"/protocols/{correction['id']}")
        assert "Кейін берілген ұсыным" in str(correction["document"])
        # Once the correction is published, verifying the original says it is replaced.
        for step, who in (
            ("circulate", None),
            ("approve", None),
            ("sign", "chair"),
            ("sign", None),
        ):
            await council.ok(
                "POST", f"/protocols/{correction['id']}/{step}", **({"who": who} if who else {})
            )
        await council.ok("POST", f"/protocols/{correction['id']}/publish")
        public = stack.client_from("198.51.100.22")
        try:
            verified = await public.get(
                "/public/verify", params={"sha256": original["sha256"], "lang": "en"}
            )
            feed = await public.get("/public/feed.atom", params={"lang": "en"})
        finally:
            await public.aclose()
        assert "Authentic: this is a published protocol." in verified.text
        assert "It has been corrected since: the correction replaces it." in verified.text
        assert f'href="/public/protocols/{correction["id"]}?lang=en"' in verified.text
        titles = {
            e.findtext(f"{ATOM}id"): e.findtext(f"{ATOM}title")
            for e in ET.fromstring(feed.content).iter(f"{ATOM}entry")
        }
        assert titles[f"urn:kelisim:protocol:{correction['id']}"].startswith("Correction published")
        assert titles[f"urn:kelisim:protocol:{pid}"].startswith("Protocol published")


async def test_open_data_csv_shows_a_typed_formula_as_text_and_the_json_keeps_it(
    make_settings, clean_nats
):
    """A response that starts like a spreadsheet formula (typed by whoever records it) is a
    text in the CSV, which Excel and LibreOffice open: it gets a leading apostrophe there,
    and the JSON keeps it exactly as recorded."""
    formula = '=HYPERLINK("http://evil.example/","Click")'
    async with gateway_stack(make_settings(public_rate_per_minute=100)) as stack:
        council = await seated_council(stack)
        _, _, recs = await publish_a_session(council)
        overdue = recs["overdue"]["id"]
        await council.ok(
            "POST",
            f"/recommendations/{overdue}/responses",
            json={"status": "in_progress", "text": formula},
        )
        public = stack.client_from("198.51.100.21")
        try:
            data = await public.get("/public/data/recommendations.csv")
            rows = list(csv.reader(io.StringIO(data.content.decode("utf-8-sig"))))
            text_at = rows[0].index("response_text")
            cells = {r[0]: r[text_at] for r in rows[1:]}
            assert cells[overdue] == "'" + formula
            as_json = (await public.get("/public/data/recommendations.json")).json()
            by_id = {r["id"]: r for r in as_json["items"]}
            assert by_id[overdue]["response_text"] == formula
        finally:
            await public.aclose()


async def test_a_published_correction_states_its_reason_on_its_public_page_and_pdf(
    make_settings, clean_nats
):
    """The correction's page and PDF said what changed, never why."""
    async with gateway_stack(make_settings()) as stack:
        council = await seated_council(stack)
        pid, _, _ = await publish_a_session(council)
        correction = await council.ok("POST", f"/protocols/{pid}/corrections", json=REASON)
        await publish(council, correction["id"])
        public = stack.client_from("198.51.100.21")
        try:
            for lang, label in {
                "kk": "Түзетудің себебі",
                "ru": "Причина исправления",
                "en": "Reason for the correction",
            }.items():
                path = f"/public/protocols/{correction['id']}"
                page = await public.get(path, params={"lang": lang})
                assert page.status_code == 200, page.text
                stated = f"{label}: {REASON['reason']}"
                assert stated in " ".join(visible_text(page.text).split()), lang
                pdf = await public.get(f"{path}.pdf", params={"lang": lang})
                assert pdf.status_code == 200, pdf.text
                assert stated in " ".join(pdf_text(pdf.content).split()), lang
        finally:
            await public.aclose()
