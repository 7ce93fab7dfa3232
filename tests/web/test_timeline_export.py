"""Issue 17.2: the case timeline exported as CSV and as a PDF for the file, in the reader's
language (the PDF through kelisim/pdf.py: PDF/A, DejaVu Sans with the Kazakh letters)."""

from __future__ import annotations

import csv
import io
import re

import pytest
from pypdf import PdfReader

from tests.support.browser import signed_in, t
from tests.web.conftest import browser_client
from tests.web.daily_work_support import signed_in_as
from tests.web.support import csrf_of, web_login

STEPS = {
    "kk": ("Уақыт (UTC+5)", "Іс тіркелді", "Медиатор тағайындалды", "іс: барысы"),
    "ru": ("Время (UTC+5)", "Дело зарегистрировано", "Медиатор назначен", "Дело"),
    "en": ("Time (UTC+5)", "Case registered", "Mediator assigned", "timeline"),
}


EXPORTER: dict[str, dict[str, str]] = {}


async def _assigned_case(system) -> dict:  # type: ignore[no-untyped-def]
    """A case registered and assigned to the demo mediator, through the API."""
    if "c-export" not in EXPORTER:
        await system.create_user("c-export", roles=["coordinator"], regions=["KZ-75"])
        EXPORTER["c-export"] = await system.login("c-export", "user-password-1")
    coord = EXPORTER["c-export"]
    body = {
        "region": "KZ-75",
        "category": "land",
        "parties": [{"kind": "person", "name": "Жанар Әлиқызы"}],
    }
    case = await system.client.post("/api/v1/cases", json=body, headers=coord)
    assert case.status_code == 201, case.text
    assigned = await system.client.post(
        f"/api/v1/cases/{case.json()['id']}/assignment",
        json={"mediator": "mediator"},
        headers=coord,
    )
    assert assigned.status_code == 200, assigned.text
    return assigned.json()


def _pdf_text(content: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(content))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


@pytest.mark.parametrize("lang", ["ru", "en"])
async def test_timeline_downloads_as_csv_and_pdf_in_the_readers_language(system, lang):
    case = await _assigned_case(system)
    header, registered, assigned, title = STEPS[lang]
    async with browser_client(system) as web:
        await system.create_user(f"c-export-{lang}", roles=["coordinator"], regions=["KZ-75"])
        signed = await web_login(web, f"c-export-{lang}", "user-password-1")
        assert signed.status_code == 303, signed.text
        home = await web.get("/")
        assert home.status_code == 200, home.status_code
        switched = await web.post(
            "/ui/lang", data={"lang": lang, "next": "/", "csrf_token": csrf_of(home.text)}
        )
        assert switched.status_code == 303, switched.text
        page = await web.get(f"/cases/{case['id']}")
        assert f'href="/cases/{case["id"]}/timeline.pdf"' in page.text
        exported = await web.get(f"/cases/{case['id']}/timeline.csv")
        printed = await web.get(f"/cases/{case['id']}/timeline.pdf")
    assert exported.status_code == 200, exported.text
    assert exported.headers["content-type"].startswith("text/csv")
    assert case["number"] in exported.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0][0] == header
    assert [r[2] for r in rows[1:]] == [registered, assigned]
    assert [r[1] for r in rows[1:]] == ["C-Export", "C-Export"]  # full names, as on the page
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", r[0]) for r in rows[1:])
    assert "Жанар" not in exported.text  # steps only: no party in the export

    assert printed.status_code == 200, printed.text[:300]
    assert printed.headers["content-type"] == "application/pdf"
    reader, text = _pdf_text(printed.content)
    assert case["number"] in text and title in text
    assert registered in text and assigned in text
    assert "Жанар" not in text
    fonts = {
        str(font["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()  # type: ignore[union-attr]
    }
    assert fonts and all("+DejaVu-Sans" in f for f in fonts), fonts  # never a serif fallback


async def test_a_mediator_of_another_case_gets_no_export(system):
    case = await _assigned_case(system)
    await system.create_user("m-other", roles=["mediator"], regions=["KZ-75"])
    async with browser_client(system) as web:
        await web_login(web, "m-other", "user-password-1")
        for suffix in ("csv", "pdf"):
            refused = await web.get(f"/cases/{case['id']}/timeline.{suffix}")
            assert refused.status_code == 404
            assert "application/pdf" not in refused.headers["content-type"]


async def test_the_mediator_downloads_the_kazakh_pdf_from_the_case_page_in_chromium(
    system,
    browser,
    base_url,
):
    case = await _assigned_case(system)
    async with signed_in(browser, base_url, "mediator", lang="kk") as page:
        await page.goto(f"/cases/{case['id']}")
        async with page.expect_download() as pdf_download:
            await page.get_by_role("link", name=t("kk", "Export PDF")).click()
        download = await pdf_download.value
        assert download.suggested_filename == f"{case['number']}-timeline-kk.pdf"
        content = open(await download.path(), "rb").read()  # noqa: ASYNC230 - a local temp file
        async with page.expect_download() as csv_download:
            await page.get_by_role("link", name=t("kk", "Export CSV")).click()
        rows = open(await (await csv_download.value).path(), encoding="utf-8-sig").read()  # noqa: ASYNC230
    _, text = _pdf_text(content)
    assert "Іс тіркелді" in text and "Медиатор тағайындалды" in text
    assert f"{case['number']} іс: барысы" in text
    assert "Іс тіркелді" in rows


async def test_a_declared_conflicts_reason_shows_on_the_page_not_in_the_export(system):
    """The coordinator who must reassign reads why on the case page; the file's export keeps
    to who did which step when (a reason may name a party)."""
    case = await _assigned_case(system)
    mediator = await system.login("mediator", "demo")
    declared = await system.client.post(
        f"/api/v1/cases/{case['id']}/declaration",
        json={"conflict": True, "reason": "Тараптардың бірі менің көршім"},
        headers=mediator,
    )
    assert declared.status_code == 200, declared.text
    async with browser_client(system) as web:
        await web_login(web, "c-export", "user-password-1")
        page = await web.get(f"/cases/{case['id']}")
        printed = await web.get(f"/cases/{case['id']}/timeline.csv")
    assert page.status_code == 200, page.text[:300]
    assert "Себебі: Тараптардың бірі менің көршім" in page.text
    assert "Мүдделер қақтығысы мәлімделді" in printed.content.decode("utf-8-sig")
    assert "көршім" not in printed.content.decode("utf-8-sig")


async def test_a_mediator_who_declares_a_conflict_is_told_the_case_went_back(system):
    """From the case page's form: the mediator lands on their case list with a note (the
    case's page is no longer theirs), the coordinator's timeline says a conflict was
    declared, and the assign field no longer offers that mediator."""
    case = await _assigned_case(system)
    # In Kazakh, whatever language an earlier module left the demo mediator's account in.
    async with signed_in_as(system, "mediator", "kk") as web:
        page = await web.get(f"/cases/{case['id']}")
        sent = await web.post(
            f"/cases/{case['id']}/do/declare",
            data={
                "csrf_token": csrf_of(page.text),
                "conflict": "yes",
                "reason": "Тараптың бірі менің туысым",
            },
        )
        assert sent.status_code == 303, sent.text
        assert sent.headers["location"] == f"/cases?handed_back={case['number']}"
        listed = await web.get(sent.headers["location"])
    assert listed.status_code == 200
    assert (
        f"{case['number']} іс бойынша мүдделер қақтығысы туралы мәлімдемеңіз тіркелді"
        in listed.text
    )
    async with browser_client(system) as web:
        await web_login(web, "c-export", "user-password-1")
        shown = await web.get(f"/cases/{case['id']}")
    assert "Мүдделер қақтығысы мәлімделді" in shown.text
    assert '<option value="mediator">' not in shown.text
