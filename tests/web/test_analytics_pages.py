"""The analysts' pages as a browser without JavaScript uses them: figures, trends, history."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from babel.dates import format_date
from openpyxl import load_workbook

from gateway.web.i18n import LANG_NAMES, LANGS
from kelisim.regions import REGIONS
from kelisim.weeks import label as week_label
from kelisim.weeks import weeks_of
from services.analytics.measures import shift_month
from tests.cases.support import this_month
from tests.support.browser import fragment, t
from tests.web.conftest import browser_client as browser
from tests.web.support import csrf_of, submit, typed_council_texts, web_login
from tests.web.test_catalogs import catalog, foreign_words

REGION = "KZ-75"
TILE = re.compile(r'<g class="tile tile--level-\d" data-region="(KZ-\d\d)"')
TABLE_ROW = re.compile(r'<tr data-region="(KZ-\d\d)"')
PAGES = [
    "/analytics",
    "/analytics?year={year}&month={month}",  # this month, filled in when the test runs
    f"/analytics/regions/{REGION}",
    "/analytics/alerts",
    "/analytics/councils",
    "/analytics/history",
    "/analytics/report",
]
# The history page shows the file's columns and an example as they are typed, in code.
CODE_SAMPLE = re.compile(r"<code>.*?</code>", re.S)
# Not words of a language: the names of the languages, the user's name, a hidden figure.
SHOWN_AS_TYPED = [*LANG_NAMES.values(), "Nat-Analyst", "×"]
HEADINGS = {
    "kk": "Өңірлер бойынша көрсеткіштер",
    "ru": "Показатели по регионам",
    "en": "Figures by region",
}


@pytest.fixture(scope="module")
async def national_analyst(system) -> str:
    """An analyst whose scope is all twenty regions."""
    await system.create_user("nat-analyst", roles=["analyst"], regions=sorted(REGIONS))
    return "nat-analyst"


FIGURES_PROTECTED = "The figures are being protected; they stay hidden until then."


async def sign_in(web, username: str, lang: str, password: str = "user-password-1") -> None:
    """Log in through the form and choose the language, as the user would."""
    assert (await web_login(web, username, password)).status_code == 303
    page = await web.get("/")
    switched = await web.post(
        "/ui/lang", data={"lang": lang, "next": "/", "csrf_token": csrf_of(page.text)}
    )
    assert switched.status_code == 303


def history_file(rows: list[tuple[str, str, str, object]]) -> bytes:
    lines = ["region,category,month,count", *(",".join(map(str, row)) for row in rows)]
    return ("\n".join(lines) + "\n").encode()


async def upload(web, content: bytes):
    page = await web.get("/analytics/history")
    assert page.status_code == 200, page.text
    return await web.post(
        "/analytics/history",
        data={"csrf_token": csrf_of(page.text)},
        files={"file": ("history.csv", content, "text/csv")},
    )


@pytest.mark.parametrize("lang", LANGS)
async def test_national_analyst_sees_twenty_regions_on_the_map_and_in_the_table(
    system, national_analyst, lang
):
    async with browser(system) as web:
        await sign_in(web, national_analyst, lang)
        page = await web.get("/analytics")
    assert page.status_code == 200, page.text
    assert f'<html lang="{lang}">' in page.text and HEADINGS[lang] in page.text
    assert sorted(TILE.findall(page.text)) == sorted(REGIONS)
    assert sorted(TABLE_ROW.findall(page.text)) == sorted(REGIONS)
    assert f'href="/analytics/regions/{REGION}?' in page.text
    assert 'href="/analytics/exports/overview.csv?year=' in page.text  # in the reader's words


@pytest.mark.parametrize("lang", ["kk", "ru"])
async def test_a_month_shows_its_weeks_named_by_their_days(system, national_analyst, lang):
    this = this_month()
    month = f"{this.year:04d}-{this.month:02d}"
    async with browser(system) as web:
        await sign_in(web, national_analyst, lang)
        page = await web.get(f"/analytics?year={this.year}&month={this.month}")
        year = await web.get(f"/analytics?year={this.year}&month=")
    assert page.status_code == year.status_code == 200, (page.text, year.text)
    heading = {"kk": "Апта бойынша", "ru": "По неделям"}[lang]
    assert heading in page.text and heading not in year.text  # weeks only for a month
    for week in weeks_of(month):
        assert f'<th scope="col" class="num">{week_label(week, lang)}</th>' in page.text
    assert page.text.count('<tr data-key="KZ-75">') == 3  # escalations, and two week tables
    # Each week table says once how fresh its figures are (it was said twice).
    weekly = page.text.split(heading, 1)[1]
    said = [fragment(lang, m) for m in ("Figures as of %(time)s.", FIGURES_PROTECTED)]
    assert sum(weekly.count(f) for f in said) == 2, said
    for measure in ("cases.registered", "escalations.raised"):
        export = f"/analytics/exports/weeks-{measure}.csv?year={this.year}&amp;month="
        assert export in page.text


def _csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


@pytest.mark.parametrize("lang", LANGS)
async def test_a_table_downloaded_from_the_page_is_headed_in_the_readers_language(
    system, national_analyst, lang
):
    this = this_month()
    month = f"{this.year:04d}-{this.month:02d}"
    query = f"year={this.year}&month={this.month}"
    async with browser(system) as web:
        await sign_in(web, national_analyst, lang)
        page = await web.get(f"/analytics?{query}")
        human = await web.get(f"/analytics/exports/escalations.raised.csv?{query}")
        machine = await web.get(f"/api/v1/analytics/exports/escalations.raised.csv?{query}")
        series = await web.get(f"/analytics/exports/series-cases.registered.xlsx?{query}")
    link = f"/analytics/exports/escalations.raised.csv?{query.replace('&', '&amp;')}"
    assert f'href="{link}"' in page.text
    assert human.status_code == machine.status_code == series.status_code == 200, human.text
    assert f"kelisim-escalations.raised-{month}-{lang}.csv" in human.headers["content-disposition"]
    words, codes = _csv(human.text), _csv(machine.text)
    # The API's export is for programs: its headers are codes, whatever the language.
    assert codes[0] == ["", "low", "medium", "high", "critical", "total"]
    assert [r[0] for r in codes[1:]] == [*REGIONS, "total"]
    said = [t(lang, w) for w in ("Region", "Low", "Medium", "High", "Critical", "Total")]
    assert words[0] == said
    assert [r[0] for r in words[1:]] == [
        *(REGIONS[code].name(lang) for code in REGIONS),
        t(lang, "Total"),
    ]
    assert [r[1:] for r in words[1:]] == [r[1:] for r in codes[1:]]  # the same figures
    sheet = [
        list(r)
        for r in load_workbook(io.BytesIO(series.content)).active.iter_rows(values_only=True)
    ]
    months = [format_date(date(this.year, m, 1), "LLLL y", locale=lang) for m in range(1, 13)]
    assert sheet[0] == [t(lang, "Region"), *months, t(lang, "Total")]


async def test_a_region_page_draws_its_trend_as_an_accessible_chart(system, national_analyst):
    this = this_month()
    async with browser(system) as web:
        await sign_in(web, national_analyst, "kk")
        page = await web.get(f"/analytics/regions/{REGION}?year={this.year}&month=")
        unknown = await web.get("/analytics/regions/KZ-00")
    assert page.status_code == 200, page.text
    assert page.text.count('<svg xmlns="http://www.w3.org/2000/svg"') == 9
    titles = re.findall(r'<title id="chart-\w+-title">([^<]+)</title>', page.text)
    assert f"Барлық санат: {this.year} жылы тіркелген істер" in titles
    assert 'role="img"' in page.text and "<desc id=" in page.text
    assert unknown.status_code == 404 and "Табылмады." in unknown.text


async def test_history_upload_names_bad_rows_in_the_users_language_then_imports(
    system, national_analyst
):
    last_year = shift_month(this_month(), -12)
    async with browser(system) as web:
        await sign_in(web, national_analyst, "ru")
        bad = history_file(
            [(REGION, "land", f"{last_year:%Y-%m}", 3), (REGION, "weather", "2024-13", 1)]
        )
        refused = await upload(web, bad)
        assert refused.status_code == 422
        assert "Некоторые строки неверны; ничего не импортировано." in refused.text
        assert "Неизвестная категория: &#39;weather&#39;" in refused.text
        good = history_file(
            [
                (REGION, "land", f"{last_year:%Y-%m}", 3),
                (REGION, "family", f"{last_year:%Y-%m}", 12),
            ]
        )
        imported = await upload(web, good)
    assert imported.status_code == 200, imported.text
    assert "history.csv импортирован: строк — 2" in imported.text


async def test_an_imported_surge_is_listed_and_explained_with_its_series(system, national_analyst):
    this = this_month()
    rows = [
        ("KZ-79", "interethnic", f"{shift_month(this, -back):%Y-%m}", 8 + back % 2)
        for back in range(36, 0, -1)
    ]
    rows.append(("KZ-79", "interethnic", f"{this:%Y-%m}", 40))
    async with browser(system) as web:
        await sign_in(web, national_analyst, "en")
        assert (await upload(web, history_file(rows))).status_code == 200
        headers = await system.login(national_analyst, "user-password-1")
        raised = await system.client.post("/api/v1/analytics/alerts/assessments", headers=headers)
        assert raised.status_code == 200, raised.text
        listed = await web.get("/analytics/alerts")
        assert listed.status_code == 200, listed.text
        # the month's 40 is as the tables show it: shown, or hidden by secondary suppression
        explained = r"Observed (40|×), expected \d+(\.\d)?, upper bound \d+(\.\d)?, score "
        assert re.search(explained + r"[^,]+, method: Farrington", listed.text), listed.text
        # months in words, as the reader says them, not ISO "2023-12 – 2026-11"
        assert re.search(r"baseline [A-Z][a-z]+ \d{4} – [A-Z][a-z]+ \d{4} \(", listed.text)
        shymkent = await web.get("/analytics/alerts?region=KZ-79")
        link = re.search(r'href="(/analytics/alerts/[^"]+)"', shymkent.text)
        assert link, shymkent.text
        assert link.group(1) in listed.text
        almaty = await web.get(f"/analytics/alerts?region={REGION}")
        assert link.group(1) not in almaty.text
        detail = await web.get(link.group(1))
    assert detail.status_code == 200, detail.text
    assert 'class="threshold"' in detail.text
    # the flagged month is ringed where its count is shown
    assert ('<g class="highlight">' in detail.text) == ("Observed 40" in listed.text)
    assert "Upper bound of the flagged month" in detail.text
    assert not re.search(r">\d{4}-\d{2}<", detail.text)  # the chart's axis names its months


async def test_a_coordinator_sees_only_the_row_of_their_own_region(system):
    # The demo's coordinator serves two regions: one of a single region is made here.
    await system.create_user(
        "coordinator-almaty", roles=["coordinator"], regions=[REGION], password="demo-almaty-1"
    )
    async with browser(system) as web:
        await web_login(web, "coordinator-almaty", "demo-almaty-1")
        page = await web.get("/analytics")
        other = await web.get("/analytics/regions/KZ-71")
        history = await web.get("/analytics/history")
    assert page.status_code == 200, page.text
    assert TABLE_ROW.findall(page.text) == [REGION]
    assert TILE.findall(page.text) == [REGION]
    assert other.status_code == 403
    assert history.status_code == 403


async def test_a_mediator_is_shown_the_forbidden_page(system):
    async with browser(system) as web:
        await web_login(web, "mediator", "demo")
        page = await web.get("/analytics")
        home = await web.get("/")
    assert page.status_code == 403
    assert "Сіздің рөліңіз бұған рұқсат бермейді." in page.text
    assert 'href="/analytics"' not in home.text


async def test_an_old_or_edited_analytics_link_says_why_in_the_users_language(
    system, national_analyst
):
    async with browser(system) as web:
        await sign_in(web, national_analyst, "ru")
        stale = await web.get("/analytics/alerts?cursor=junk!")
        edited = await web.get("/analytics/exports/no-such-table.csv")
    assert stale.status_code == 400
    assert t("ru", "This page link is no longer valid; start from the first page.") in stale.text
    assert edited.status_code == 404
    assert t("ru", "There is no such measure.") in edited.text


@pytest.mark.parametrize("lang", LANGS)
async def test_every_analytics_page_speaks_only_the_chosen_language(system, national_analyst, lang):
    english = sorted(
        (m for m, t in catalog(lang).items() if t != m and " " in m and "%(" not in m),
        key=len,
        reverse=True,
    )
    # State bodies and council texts are people's words (the demo's are Russian).
    typed = [*SHOWN_AS_TYPED, *await typed_council_texts(system)]
    async with browser(system) as web:
        await sign_in(web, national_analyst, lang)
        this = this_month()
        for path in (p.format(year=this.year, month=this.month) for p in PAGES):
            page = await web.get(path)
            assert page.status_code == 200, f"{path}: {page.status_code}"
            shown = CODE_SAMPLE.sub(" ", page.text)
            leaks = foreign_words(lang, shown, english, typed)
            assert not leaks, f"{lang} {path}: {leaks}"


async def test_a_proposal_is_drafted_submitted_and_approved_by_a_second_analyst(
    system, national_analyst
):
    # The form drafts a proposal about the author's regions: a national one for this author.
    await system.create_user("second-analyst", roles=["analyst"], regions=sorted(REGIONS))
    year = this_month().year
    report = f"/analytics/report?year={year}"
    async with browser(system) as web:
        await sign_in(web, national_analyst, "kk")
        empty = await submit(web, report, "/analytics/proposals", year=str(year))
        assert empty.status_code == 422
        assert 'id="figures-error"' in empty.text and "Бұл өрісті толтыру міндетті." in empty.text
        form = {
            "year": str(year),
            "title_kk": "<script>alert(1)</script> Жер дауларын ерте шешу",
            "body_kk": "Ұсыныс мәтіні",
        }
        figure = f"/analytics/regions/{REGION}?year={year}"
        foreign = await submit(
            web, report, "/analytics/proposals", **form, figures=f"{figure}\njavascript:alert(1)"
        )
        assert foreign.status_code == 422, foreign.text
        assert 'id="figures-error"' in foreign.text
        assert "Ұсыныс сіздің өңірлеріңіздің талдау беттеріне" in foreign.text
        phoned = {**form, "body_kk": "Хабарласыңыз: +7 701 123 45 67"}
        personal = await submit(web, report, "/analytics/proposals", **phoned, figures=figure)
        assert personal.status_code == 422, personal.text
        assert 'id="body_kk-error"' in personal.text
        assert "Ұсыныс ел басшылығына жіберіледі" in personal.text
        drafted = await submit(web, report, "/analytics/proposals", **form, figures=figure)
        assert drafted.status_code == 303, drafted.text
        page = await web.get(report)
        assert "+7 701" not in page.text  # the refused draft was not kept
        assert "<script>alert(1)" not in page.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt; Жер дауларын ерте шешу" in page.text
        assert f'<a href="{figure}">' in page.text
        proposal = re.search(r'action="/analytics/proposals/(\w+)/submit"', page.text)
        assert proposal, page.text
        path = f"/analytics/proposals/{proposal.group(1)}"
        submitted = await submit(web, report, f"{path}/submit", year=str(year))
        assert submitted.status_code == 303, submitted.text
    async with browser(system) as web:
        await sign_in(web, "second-analyst", "en")
        no_remark = await submit(web, report, f"{path}/return", year=str(year))
        assert no_remark.status_code == 422 and 'id="remark-error"' in no_remark.text
        approved = await submit(web, report, f"{path}/approve", year=str(year))
        assert approved.status_code == 303, approved.text
        page = await web.get(report)
    assert "Approved" in page.text and "Reviewed by second-analyst" in page.text
    assert f'action="{path}/approve"' not in page.text


PICKED = re.compile(
    r'<input type="checkbox" name="regions" value="([A-Z0-9-]+)"[^>]*> ([^<]+)</label>'
)


async def test_a_proposal_is_about_the_regions_picked_among_the_analysts_own(
    system, national_analyst
):
    """The form had no regions: a national analyst's proposals from the web were national."""
    await system.create_user("two-regions-analyst", roles=["analyst"], regions=["KZ-75", "KZ-71"])
    year = this_month().year
    report = f"/analytics/report?year={year}"
    title = "Астана: медиация в школах"
    form = {"year": str(year), "title_ru": title, "body_ru": "Текст предложения"}
    async with browser(system) as web:
        await sign_in(web, "two-regions-analyst", "ru")
        page = await web.get(report)
        assert PICKED.findall(page.text) == [("KZ-71", "город Астана"), ("KZ-75", "город Алматы")]
        # A region outside the scope, posted by hand: said beside the field, nothing drafted.
        figure = f"/analytics/regions/KZ-71?year={year}"
        outside = await web.post(
            "/analytics/proposals",
            data={
                **form,
                "figures": figure,
                "regions": ["KZ-71", "KZ-10"],
                "csrf_token": csrf_of(page.text),
            },
        )
        assert outside.status_code == 422, outside.text
        assert 'id="regions-error"' in outside.text
        assert t("ru", "Choose among the regions in your scope.") in outside.text
        assert title not in (await web.get(report)).text
        drafted = await submit(
            web, report, "/analytics/proposals", **form, figures=figure, regions="KZ-71"
        )
        assert drafted.status_code == 303, drafted.text
        page = await web.get(report)
        assert '<h3 id="h-proposal-' in page.text and title in page.text
        assert "Касается: город Астана</p>" in page.text
    async with browser(system) as web:
        await sign_in(web, national_analyst, "kk")
        page = await web.get(report)
        picked = PICKED.findall(page.text)
        assert picked[0] == ("KZ", "Бүкіл республика")
        assert picked[1:] == [(code, region.kk) for code, region in REGIONS.items()]
        figure = f"/analytics/regions/{REGION}?year={year}"
        form = {"year": str(year), "title_kk": "Алматыдағы медиация", "body_kk": "Мәтін"}
        drafted = await submit(
            web, report, "/analytics/proposals", **form, figures=figure, regions=REGION
        )
        assert drafted.status_code == 303, drafted.text
        headers = await system.login(national_analyst, "user-password-1")
        answer = await system.client.get(
            f"/api/v1/analytics/proposals?year={year}", headers=headers
        )
    mine = [p for p in answer.json()["items"] if p["titles"].get("kk") == form["title_kk"]]
    assert [p["regions"] for p in mine] == [[REGION]]  # not the whole republic
