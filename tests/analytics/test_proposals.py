"""A regional analyst's proposals and report: what they rest on, who reviews them, what prints."""

from __future__ import annotations

import io

import pytest

from kelisim.regions import REGIONS
from tests.cases.support import today
from tests.public.support import pdf_text
from tests.support.checks import assert_problem
from tests.support.gateway import Stack

ANALYTICS = "/api/v1/analytics"
REPUBLIC = {
    "kk": "Қазақстан Республикасы",
    "ru": "Республика Казахстан",
    "en": "Republic of Kazakhstan",
}


def proposal(title: str, figures: list[str], **extra: object) -> dict:
    year = today().year
    return {
        "year": year,
        "titles": {"en": title},
        "bodies": {"en": f"{title}: the text."},
        "figures": figures,
        **extra,
    }


async def login(stack: Stack, name: str, regions: list[str]) -> dict[str, str]:
    return await stack.login_as(name, roles=["analyst"], regions=regions)


async def submitted(stack: Stack, author: dict[str, str], body: dict) -> dict:
    created = await stack.client.post(f"{ANALYTICS}/proposals", json=body, headers=author)
    assert created.status_code == 201, created.text
    pid = created.json()["id"]
    done = await stack.client.post(f"{ANALYTICS}/proposals/{pid}/submit", headers=author)
    assert done.status_code == 200, done.text
    return done.json()


async def review(stack: Stack, reviewer: dict[str, str], pid: str):
    return await stack.client.post(
        f"{ANALYTICS}/proposals/{pid}/review", json={"decision": "approve"}, headers=reviewer
    )


@pytest.fixture(scope="module")
async def analyst75(stack: Stack) -> dict[str, str]:
    """An analyst of KZ-75 (Almaty city) only."""
    return await login(stack, "analyst-75", ["KZ-75"])


@pytest.mark.parametrize(
    "figure, reason",
    [
        ("https://evil.example/x", "not-analytics-page"),
        ("//evil.example/analytics", "not-analytics-page"),
        ("/cases/0123456789abcdef", "not-analytics-page"),
        ("/analytics/../cases/1", "not-analytics-page"),
        ("javascript:alert(1)", "not-analytics-page"),
        ("/analytics/regions/KZ-71?year={year}", "outside-regions"),
        ("/analytics/exports/cases.registered.csv?year={year}&region=kz-71", "outside-regions"),
    ],
)
async def test_a_proposal_rests_only_on_analytics_pages_of_its_authors_regions(
    stack, analyst75, figure, reason
):
    year = today().year
    author = analyst75
    fine = f"/analytics/regions/KZ-75?year={year}"
    figure = figure.format(year=year)  # a page of this year's (asked when the test runs)
    refused = await stack.client.post(
        f"{ANALYTICS}/proposals", json=proposal("Refused", [fine, figure]), headers=author
    )
    body = assert_problem(refused, 422, "invalid-figures")
    assert [(e["loc"], e["type"]) for e in body["errors"]] == [(["body", "figures", 1], reason)]
    mine = await stack.client.get(f"{ANALYTICS}/proposals", headers=author)
    assert not [p for p in mine.json()["items"] if p["author"] == "analyst-75"]


async def test_a_regional_analyst_writes_about_their_regions_only(stack):
    year = today().year
    author = await login(stack, "analyst-75-scope", ["KZ-75"])
    outside = proposal("Astana", [f"/analytics?year={year}"], regions=["KZ-71"])
    got = await stack.client.post(f"{ANALYTICS}/proposals", json=outside, headers=author)
    assert_problem(got, 403, "out-of-scope")
    national = proposal("Republic", [f"/analytics?year={year}"], regions=["KZ"])
    got = await stack.client.post(f"{ANALYTICS}/proposals", json=national, headers=author)
    assert_problem(got, 403, "out-of-scope")
    own = proposal("Almaty", [f"/analytics/regions/KZ-75?year={year}"])
    got = await stack.client.post(f"{ANALYTICS}/proposals", json=own, headers=author)
    assert got.status_code == 201, got.text
    assert got.json()["regions"] == ["KZ-75"]  # the author's regions when none are named
    pid = got.json()["id"]
    tag = (await stack.client.get(f"{ANALYTICS}/proposals/{pid}", headers=author)).headers["etag"]
    widened = await stack.client.patch(
        f"{ANALYTICS}/proposals/{pid}",
        json={"figures": [f"/analytics/regions/KZ-71?year={year}"]},
        headers={**author, "If-Match": tag},
    )
    assert_problem(widened, 422, "invalid-figures")
    kept = (await stack.client.get(f"{ANALYTICS}/proposals/{pid}", headers=author)).json()
    assert (kept["figures"], kept["version"]) == (own["figures"], 1)


async def test_a_reviewer_approves_only_proposals_within_their_scope_and_each_report_prints_its_own(
    stack, analyst
):
    year = today().year
    author = await login(stack, "analyst-75-author", ["KZ-75"])
    almaty = await submitted(
        stack, author, proposal("Almaty mediation desks", [f"/analytics/regions/KZ-75?year={year}"])
    )
    republic = await submitted(
        stack, analyst, proposal("Republic hotline", [f"/analytics?year={year}"])
    )
    assert "KZ" in republic["regions"]
    astana = await login(stack, "analyst-71-reviewer", ["KZ-71"])
    for pid in (almaty["id"], republic["id"]):
        refused = await review(stack, astana, pid)
        assert_problem(refused, 403, "out-of-scope")
        still = await stack.client.get(f"{ANALYTICS}/proposals/{pid}", headers=analyst)
        assert (still.json()["status"], still.json()["reviewer"]) == ("submitted", None)
    second = await login(stack, "analyst-75-reviewer", ["KZ-75"])
    assert_problem(await review(stack, second, republic["id"]), 403, "out-of-scope")
    assert (await review(stack, second, almaty["id"])).json()["status"] == "approved"
    national_reviewer = await login(stack, "analyst-kz-reviewer", sorted(REGIONS))
    assert (await review(stack, national_reviewer, republic["id"])).json()["status"] == "approved"

    async def report(headers: dict[str, str]) -> str:
        got = await stack.client.get(f"{ANALYTICS}/reports/{year}.pdf?lang=en", headers=headers)
        assert got.status_code == 200, got.text
        return " ".join(pdf_text(got.content).split())

    national, regional, other = [await report(h) for h in (analyst, author, astana)]
    assert "Almaty mediation desks" in national and "Republic hotline" in national
    assert "Almaty mediation desks" in regional and "Republic hotline" not in regional
    assert "Almaty mediation desks" not in other and "Republic hotline" not in other


async def test_an_analyst_reads_only_the_proposals_of_their_regions(stack, analyst):
    """A KZ-71 analyst listed and opened Almaty's and the republic's proposals."""
    year = today().year
    author = await login(stack, "analyst-75-reader", ["KZ-75"])
    figures = [f"/analytics/regions/KZ-75?year={year}"]
    almaty = await submitted(stack, author, proposal("Almaty reading rooms", figures))
    republic = await submitted(
        stack, analyst, proposal("Republic reading rooms", [f"/analytics?year={year}"])
    )
    astana = await login(stack, "analyst-71-reader", ["KZ-71"])

    async def listed(headers: dict[str, str]) -> set[str]:
        got = await stack.client.get(
            f"{ANALYTICS}/proposals", params={"year": year, "limit": 100}, headers=headers
        )
        assert got.status_code == 200, got.text
        return {p["id"] for p in got.json()["items"]}

    both = {almaty["id"], republic["id"]}
    assert both <= await listed(analyst)
    assert both & await listed(author) == {almaty["id"]}
    assert both & await listed(astana) == set()
    for pid in both:
        hidden = await stack.client.get(f"{ANALYTICS}/proposals/{pid}", headers=astana)
        assert_problem(hidden, 404, "not-found")
    opened = await stack.client.get(f"{ANALYTICS}/proposals/{almaty['id']}", headers=author)
    assert opened.status_code == 200 and opened.json()["titles"]["en"] == "Almaty reading rooms"
    refused = await stack.client.get(f"{ANALYTICS}/proposals/{republic['id']}", headers=author)
    assert_problem(refused, 404, "not-found")


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
async def test_a_regional_report_names_its_regions_on_the_cover_and_in_its_title(
    stack, analyst, analyst75, lang
):
    year = today().year
    from pypdf import PdfReader

    async def cover(headers: dict[str, str]) -> tuple[str, str]:
        got = await stack.client.get(f"{ANALYTICS}/reports/{year}.pdf?lang={lang}", headers=headers)
        assert got.status_code == 200, got.text
        reader = PdfReader(io.BytesIO(got.content))
        first = " ".join(reader.pages[0].extract_text().split())
        return first, str(reader.metadata.title)

    almaty = REGIONS["KZ-75"].name(lang)
    republic = REPUBLIC[lang]
    first, title = await cover(analyst75)
    assert almaty in first and almaty in title
    assert republic not in first and republic not in title
    first, title = await cover(analyst)
    assert republic in first and republic in title
    assert almaty not in first


async def test_a_proposal_that_identifies_anyone_is_refused_and_nothing_is_kept(stack, analyst75):
    """QA drafted, submitted and had approved a proposal with a phone number, and the national
    report printed it to the leadership."""
    year = today().year
    author, fine = analyst75, f"/analytics/regions/KZ-75?year={year}"
    texts = {
        "bodies": {"ru": "См. Асель Нурланова, тел. +7 701 123 45 67", "en": "Train mediators."},
        "titles": {"ru": "Поручить Смагулову Е.К.", "en": "IBAN KZ86125KZT5004100100"},
    }
    before = (await stack.client.get(f"{ANALYTICS}/proposals", headers=author)).json()["items"]
    refused = await stack.client.post(
        f"{ANALYTICS}/proposals", json={**proposal("x", [fine]), **texts}, headers=author
    )
    body = assert_problem(refused, 422, "personal-data-in-proposal")
    assert {(*f["loc"], f["kind"]) for f in body["findings"]} == {
        ("body", "bodies", "ru", "name"),  # a given name and a surname, bare: a person's
        ("body", "bodies", "ru", "phone"),
        ("body", "titles", "ru", "name"),  # a name written with initials: a person's
        ("body", "titles", "en", "iban"),
    }
    assert "701" not in refused.text and "Нурланова" not in refused.text  # never the words
    assert "Смагулов" not in refused.text
    # A bare "Иван Петров", with nothing else that identifies anyone, is refused too.
    bare = {"bodies": {"ru": "Опыт Иван Петров распространить."}, "titles": {"ru": "Опыт"}}
    named = await stack.client.post(
        f"{ANALYTICS}/proposals", json={**proposal("x", [fine]), **bare}, headers=author
    )
    body = assert_problem(named, 422, "personal-data-in-proposal")
    assert [(*f["loc"], f["kind"], f["start"], f["end"]) for f in body["findings"]] == [
        ("body", "bodies", "ru", "name", 5, 16)
    ]
    assert "Петров" not in named.text
    after = (await stack.client.get(f"{ANALYTICS}/proposals", headers=author)).json()["items"]
    assert after == before
    # An edit is checked the same way, and the draft stays as it was.
    made = await stack.client.post(
        f"{ANALYTICS}/proposals", json=proposal("Train mediators", [fine]), headers=author
    )
    pid = made.json()["id"]
    tag = (await stack.client.get(f"{ANALYTICS}/proposals/{pid}", headers=author)).headers["etag"]
    edited = await stack.client.patch(
        f"{ANALYTICS}/proposals/{pid}",
        json={"bodies": {"en": "Write to olga@mail.kz"}, "titles": {"en": "Train mediators"}},
        headers={**author, "If-Match": tag},
    )
    assert_problem(edited, 422, "personal-data-in-proposal")
    edited = await stack.client.patch(
        f"{ANALYTICS}/proposals/{pid}",
        json={"bodies": {"en": "Ask Petrov Ivan to train them."}, "titles": {"en": "Train"}},
        headers={**author, "If-Match": tag},
    )
    assert_problem(edited, 422, "personal-data-in-proposal")
    kept = (await stack.client.get(f"{ANALYTICS}/proposals/{pid}", headers=author)).json()
    assert (kept["bodies"], kept["version"]) == ({"en": "Train mediators: the text."}, 1)
    # Ordinary prose with sums, years, counts and months passes.
    prose = (
        "In 2026, 14 of 20 regions settled 85% of cases; by March 2027 train 40 mediators at "
        "Nazarbayev University and on Abai Kunanbayev Street, as in Magzhan Zhumabayev district."
    )
    ok = await stack.client.patch(
        f"{ANALYTICS}/proposals/{pid}",
        json={"bodies": {"en": prose}, "titles": {"en": "Train mediators"}},
        headers={**author, "If-Match": tag},
    )
    assert ok.status_code == 200, ok.text
