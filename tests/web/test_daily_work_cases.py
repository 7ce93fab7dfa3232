"""Cases in the web UI (issue 17): escalations, consent, sessions, settlements, notices."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest

from kelisim.localtime import KAZAKHSTAN
from tests.support.browser import fragment, t
from tests.support.checks import eventually, items_of
from tests.web.daily_work_support import _csrf, signed_in_as


async def test_an_escalation_has_one_short_reference_for_the_liaison_and_the_coordinator(system):
    from tests.web.test_catalogs import _seed_work

    ids = await _seed_work(system)
    coordinator = await system.login("coordinator", "demo")
    case = (await system.client.get(f"/api/v1/cases/{ids['case']}", headers=coordinator)).json()
    on_case = await system.client.get(
        f"/api/v1/cases/{ids['case']}/escalations", headers=coordinator
    )
    reference = items_of(on_case)[0]["reference"]
    assert re.fullmatch(r"\d{4}-\d{4}", reference)
    assert case["number"].rsplit("-", 1)[1] not in reference.replace("-", "")
    liaison = await system.login("liaison", "demo")

    async def in_feed() -> list[dict]:
        feed = await system.client.get("/api/v1/notifications/feed", headers=liaison)
        return [i for i in feed.json()["items"] if i["reference"] == reference]

    (item,) = await eventually(in_feed, what="the escalation in the liaison's feed")
    assert item["escalation_id"] == items_of(on_case)[0]["id"]
    async with signed_in_as(system, "liaison", "kk") as web:
        page = await web.get("/escalations")
        assert reference in page.text and item["case_ref"] not in page.text
        assert case["number"] not in page.text
        # Which accord is at risk, in the liaison's language.
        assert item["risk_of"] == "interethnic"
        row = page.text.split(f'id="esc-{item["escalation_id"]}"', 1)[1].split("</tr>", 1)[0]
        risk_to = t("kk", "Risk to")
        assert f'data-label="{risk_to}" class="key">{t("kk", "Interethnic accord")}<' in row
    async with signed_in_as(system, "coordinator", "ru") as web:
        page = await web.get(f"/cases/{ids['case']}")
        assert f"Номер информирования {reference}" in page.text


async def test_a_mediator_records_a_withdrawal_of_consent_on_the_case_page(system):
    from tests.web.test_catalogs import _seed_work

    ids = await _seed_work(system)
    mediator = await system.login("mediator", "demo")
    case = (await system.client.get(f"/api/v1/cases/{ids['case']}", headers=mediator)).json()
    party = case["parties"][0]["id"]
    async with signed_in_as(system, "mediator", "kk") as web:
        page = await web.get(f"/cases/{ids['case']}")
        assert t("kk", "Record a withdrawal of consent") in page.text
        answer = await web.post(
            f"/cases/{ids['case']}/do/withdraw",
            data={"csrf_token": _csrf(page.text), "party_id": party, "reason": "Тарап бас тартты"},
        )
        assert answer.status_code == 303, answer.text
    after = (await system.client.get(f"/api/v1/cases/{ids['case']}", headers=mediator)).json()
    assert after["status"] == "withdrawn"


async def test_a_mediator_records_a_session_held_postponed_or_cancelled_on_the_case_page(system):
    """A scheduled session stayed "Scheduled" for ever: the page had no way to record it."""
    from tests.web.test_catalogs import _seed_work

    ids = await _seed_work(system)
    mediator = await system.login("mediator", "demo")
    base = f"/api/v1/cases/{ids['case']}"
    planned = []
    for day in ("2026-12-01", "2026-12-02", "2026-12-03"):
        answer = await system.client.post(
            f"{base}/sessions",
            json={"scheduled_at": f"{day}T05:00:00+00:00", "place": "Friendship House"},
            headers=mediator,
        )
        assert answer.status_code == 201, answer.text
        planned.append(answer.json()["id"])
    party = (await system.client.get(base, headers=mediator)).json()["parties"][0]
    page_path = f"/cases/{ids['case']}"
    async with signed_in_as(system, "mediator", "ru") as web:
        page = await web.get(page_path)
        assert t("ru", "Record the session") in page.text

        async def record(session_id: str, **fields: str | list[str]):  # type: ignore[no-untyped-def]
            page = await web.get(page_path)
            return await web.post(
                f"{page_path}/sessions/{session_id}/record",
                data={"csrf_token": _csrf(page.text), **fields},
            )

        missing_date = await record(planned[1], outcome="postponed")
        assert missing_date.status_code == 422
        assert 'id="date-error"' in missing_date.text
        held = await record(
            planned[0], outcome="held", attendance=[party["id"]], notes="Тараптар келісті."
        )
        assert held.status_code == 303, held.text
        assert (await record(planned[1], outcome="postponed", date="2026-12-20")).status_code == 303
        cancelled = await record(planned[2], outcome="cancelled", reason="Тарап ауырып қалды")
        assert cancelled.status_code == 303
        shown = (await web.get(page_path)).text
        assert t("ru", "Attended: %(names)s").replace("%(names)s", party["name"]) in shown
        assert "Тараптар келісті." in shown and "Тарап ауырып қалды" in shown
    sessions = {
        s["id"]: s for s in items_of(await system.client.get(f"{base}/sessions", headers=mediator))
    }
    assert [sessions[i]["status"] for i in planned] == ["held", "postponed", "cancelled"]
    assert sessions[planned[0]]["attendance"] == [party["id"]]
    assert sessions[planned[1]]["scheduled_at"].startswith("2026-12-20")


async def test_a_notice_links_to_what_it_is_about_on_a_page_its_reader_may_open(system):
    from tests.web.test_catalogs import _seed_work

    ids = await _seed_work(system)  # a case in mediation, escalated
    case_link = f'href="/cases/{ids["case"]}"'

    async def inbox_with(web, link: str) -> str:  # type: ignore[no-untyped-def]
        async def page() -> str | None:
            text = (await web.get("/notifications")).text
            return text if link in text else None

        return await eventually(page, what=link)

    async with signed_in_as(system, "coordinator", "ru") as web:
        assert case_link in await inbox_with(web, case_link)
    async with signed_in_as(system, "liaison", "ru") as web:
        inbox = await inbox_with(web, 'href="/escalations"')
        assert "/cases/" not in inbox  # a liaison never opens a case


async def test_a_settled_case_shows_its_agreement_and_the_parties_contacts(system):
    """The settlement's terms and the parties' language were never shown on the case page."""
    from datetime import UTC, datetime

    from tests.web.test_catalogs import _seed_work

    ids = await _seed_work(system)
    mediator = await system.login("mediator", "demo")
    base = f"/api/v1/cases/{ids['case']}"
    parties = (await system.client.get(base, headers=mediator)).json()["parties"]
    today = datetime.now(UTC).date().isoformat()
    terms = "Стороны ставят забор по межевой линии до весны."
    settled = await system.client.post(
        f"{base}/settlement",
        json={
            "terms": terms,
            "signed_on": today,
            "signatures": [{"party_id": p["id"], "signed_on": today} for p in parties],
            "document_text": terms,
            "obligations": [],
        },
        headers=mediator,
    )
    assert settled.status_code == 200, settled.text
    async with signed_in_as(system, "mediator", "ru") as web:
        page = (await web.get(f"/cases/{ids['case']}")).text
    assert t("ru", "Settlement agreement") in page and terms in page
    assert f'href="{base}/settlement/document"' in page
    assert page.count(f"{t('ru', 'Language')}: ") >= len(parties)


@pytest.mark.parametrize("lang", ["kk", "ru"])
async def test_an_escalation_summary_naming_a_party_is_refused_beside_the_field(system, lang):
    from tests.web.test_catalogs import _seed_work

    ids = await _seed_work(system)  # its parties are "Party Alpha" and "Party Beta"
    mediator = await system.login("mediator", "demo")
    url = f"/api/v1/cases/{ids['case']}/escalations"
    before = items_of(await system.client.get(url, headers=mediator))
    page_path = f"/cases/{ids['case']}"
    law = "https://adilet.zan.kz/rus/docs/Z1100000401"  # an official source of law may stay
    typed = f"Party Alpha threatens the neighbours ({law}), call +7 701 555 12 34"
    async with signed_in_as(system, "mediator", lang) as web:
        page = await web.get(page_path)
        refused = await web.post(
            f"{page_path}/do/escalate",
            data={
                "csrf_token": _csrf(page.text),
                "risk_of": "interfaith",
                "risk_level": "high",
                "summary": typed,
                "reason": "Threats",
            },
        )
    assert refused.status_code == 422
    assert 'id="action-escalate" open' in refused.text
    assert 'id="summary-error"' in refused.text
    remove = (
        "Remove the names, phones, e-mails, addresses, exact dates, case numbers, IINs, "
        "bank account numbers, document numbers and links; a link to an official source of law "
        "(adilet.zan.kz, gov.kz) may stay."
    )
    assert t(lang, remove) in refused.text
    # Each piece found is quoted with its kind, as on the practice-note form; the link is not.
    found = refused.text.split('id="summary-findings"', 1)[1].split("</ul>", 1)[0]
    assert re.findall(r"<li><strong>«(.*?)»</strong> — (.*?)</li>", found) == [
        ("Party", t(lang, "a name")),  # each word of the name, as the check finds them
        ("Alpha", t(lang, "a name")),
        ("+7 701 555 12 34", t(lang, "a phone number")),
    ]
    assert f'value="{typed}"' in refused.text  # what was typed is kept
    assert items_of(await system.client.get(url, headers=mediator)) == before


async def test_an_agreement_dated_before_the_consents_is_refused_beside_its_date(system):
    """The form took a signing a month before the consents: the term had ended at once."""
    from tests.web.test_catalogs import REGION, _api

    coord, medi = await _api(system, "coordinator"), await _api(system, "mediator")
    body = {
        "region": REGION,
        "category": "neighbour",
        "parties": [{"kind": "person", "name": "Party Gamma"}, {"kind": "person", "name": "Delta"}],
    }
    created = await system.client.post("/api/v1/cases", json=body, headers=coord)
    assert created.status_code == 201, created.text
    base = f"/api/v1/cases/{created.json()['id']}"
    for headers, path, step in (
        (coord, "assignment", {"mediator": "mediator"}),
        (medi, "declaration", {"conflict": False}),
    ):
        assert (await system.client.post(f"{base}/{path}", json=step, headers=headers)).is_success
    today = datetime.now(KAZAKHSTAN).date()
    case = (await system.client.get(base, headers=medi)).json()
    for party in case["parties"]:
        consent = {"party_id": party["id"], "given_on": today.isoformat()}
        assert (await system.client.post(f"{base}/consents", json=consent, headers=medi)).is_success
    before = (await system.client.get(base, headers=medi)).json()
    page_path = f"/cases/{case['id']}"
    async with signed_in_as(system, "mediator", "ru") as web:
        page = await web.get(page_path)
        early = (today - timedelta(days=36)).isoformat()
        refused = await web.post(
            f"{page_path}/do/agreement",
            data={"csrf_token": _csrf(page.text), "signed_on": early},
        )
    assert refused.status_code == 422
    assert 'id="action-agreement" open' in refused.text
    message = t("ru", "The mediation agreement cannot be signed before the last party's consent.")
    assert f'<p class="field-error" id="signed_on-error">{message}</p>' in refused.text
    assert f'value="{early}"' in refused.text  # what was typed is kept
    after = (await system.client.get(base, headers=medi)).json()
    assert (after["version"], after["deadline"]) == (before["version"], None)


async def test_a_consent_to_extend_dated_before_the_agreement_is_refused_beside_its_date(system):
    """The extension's consents were typed a day before the agreement they extend."""
    from tests.web.test_catalogs import _seed_work

    ids = await _seed_work(system)  # the agreement is signed today
    medi = await system.login("mediator", "demo")
    base = f"/api/v1/cases/{ids['case']}"
    before = (await system.client.get(base, headers=medi)).json()
    page_path = f"/cases/{ids['case']}"
    early = (datetime.fromisoformat(before["agreement_signed_on"]) - timedelta(days=1)).date()
    async with signed_in_as(system, "mediator", "kk") as web:
        page = await web.get(page_path)
        refused = await web.post(
            f"{page_path}/do/extend",
            data={
                "csrf_token": _csrf(page.text),
                "reason": "Тараптарға жер учаскесін өлшеуге уақыт керек",
                "given_on": early.isoformat(),
            },
        )
    assert refused.status_code == 422
    assert 'id="action-extend" open' in refused.text
    message = t(
        "kk",
        "A consent to extend the term cannot be dated before the mediation agreement was signed.",
    )
    assert f'<p class="field-error" id="given_on-error">{message}</p>' in refused.text
    assert f'value="{early.isoformat()}"' in refused.text  # what was typed is kept
    after = (await system.client.get(base, headers=medi)).json()
    assert (after["version"], after["deadline"], after["extended"]) == (
        before["version"],
        before["deadline"],
        False,
    )


@pytest.mark.parametrize("lang", ["ru", "en"])
async def test_the_same_escalation_sent_again_is_refused_with_a_link_to_the_first(system, lang):
    """A second form with the same risk and summary would have alerted the police twice."""
    from tests.web.test_catalogs import _seed_work

    ids = await _seed_work(system)
    medi = await system.login("mediator", "demo")
    url = f"/api/v1/cases/{ids['case']}/escalations"
    (first,) = items_of(await system.client.get(url, headers=medi))
    page_path = f"/cases/{ids['case']}"
    async with signed_in_as(system, "mediator", lang) as web:
        page = await web.get(page_path)
        assert f'id="esc-{first["id"]}"' in page.text  # where the link leads
        refused = await web.post(
            f"{page_path}/do/escalate",
            data={
                "csrf_token": _csrf(page.text),
                "risk_of": first["risk_of"],
                "risk_level": first["risk_level"],
                "summary": f"  {first['summary']} ",
                "reason": "The same threats again",
            },
        )
    assert refused.status_code == 409
    assert 'id="action-escalate" open' in refused.text
    message = t(
        lang,
        "This case was already escalated with the same risk and summary; nothing was sent again.",
    )
    assert f'<p class="field-error" id="summary-error">{message}</p>' in refused.text
    raised = refused.text.split('id="summary-raised">', 1)[1].split("</p>", 1)[0]
    said = fragment(lang, "Raised %(time)s, reference %(reference)s.")
    assert said in raised and first["reference"] in raised
    link = f'<a href="{page_path}#esc-{first["id"]}">{t(lang, "See it on the case page")}</a>'
    assert link in raised
    assert items_of(await system.client.get(url, headers=medi)) == [first]
