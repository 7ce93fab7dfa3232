"""An early warning leaves analytics with its published figures only: the event, the notice in
the inbox and the e-mail show a hidden month's count as hidden, never the number."""

from __future__ import annotations

import json
import re
from datetime import date
from types import SimpleNamespace

from sqlalchemy import select

from kelisim import localtime
from kelisim.clock import now
from kelisim.db import new_session
from services.analytics.measures import shift_month
from services.analytics.workers import early_warning_round
from tests.analytics.test_early_warning import ANALYTICS, history_csv, upload
from tests.cases.support import this_month
from tests.support.checks import eventually

SMALL = ("KZ-63", "family")  # nothing for three years, then 3 cases: an alarm on a hidden count
LARGE = ("KZ-55", "labour")  # about 3 a month, then 16: an alarm on a published count
LANGS = {"kk": "coord-small-kk", "ru": "coord-small-ru", "en": "coord-small-en"}
HIDDEN_WORDS = {
    "kk": "жарияланбайды",
    "ru": "не публикуется",
    "en": "not published",
}


def baseline(this: date) -> list[tuple[str, str, object, int]]:
    rows = []
    for back in range(36, 0, -1):
        month = shift_month(this, -back)
        rows.append((*SMALL, month, 0))
        rows.append((*LARGE, month, 3 + back % 2))
    return [*rows, (*SMALL, this, 3), (*LARGE, this, 16)]


def without_figures(text: str, data: dict, lang: str, this: date) -> str:
    """The text less the month's date and the expected and upper figures it may show."""
    figures = [localtime.number(data[k], lang) for k in ("expected", "upper")]
    for shown in (localtime.month(this, lang), *figures):  # the month first: "2026"
        text = text.replace(shown, "")
    return text


async def test_an_alert_on_a_hidden_count_carries_no_number_out_of_analytics(stack, analyst):
    this = this_month()  # asked when the test runs: a run may pass a month's last midnight
    coordinators = {
        lang: await stack.login_as(
            name,
            roles=["coordinator"],
            regions=[SMALL[0]],
            email=f"{name}@kelisim.example",
            lang=lang,
        )
        for lang, name in LANGS.items()
    }
    other = await stack.login_as(
        "coord-large",
        roles=["coordinator"],
        regions=[LARGE[0]],
        email="cl@kelisim.example",
        lang="en",
    )
    answer = await upload(stack, analyst, history_csv(baseline(this)))  # type: ignore[arg-type]
    assert answer.status_code == 200, answer.text

    # A minimum count of 3 lets a month of 3 cases alarm (the default 5 never alarms on a
    # primary-suppressed count, but a secondary suppression hides larger ones just the same).
    ctx = stack.services["analytics"].app.state.ctx  # type: ignore[attr-defined]
    low = SimpleNamespace(
        settings=ctx.settings.model_copy(update={"analytics_min_count": 3}),
        uow=ctx.uow,
        engine=ctx.engine,
    )
    assert early_warning_round(low, now()) >= 2  # type: ignore[arg-type]

    outbox = ctx.tables.outbox
    with new_session(ctx.engine) as db:
        rows = db.execute(
            select(outbox.c.envelope).where(outbox.c.subject == "analytics.alert.raised")
        ).all()
    events = {
        (e["data"]["region"], e["data"]["category"]): e
        for e in (json.loads(row.envelope) for row in rows)
    }
    small, large = events[SMALL], events[LARGE]
    assert small["type"].endswith(".v3") and large["type"].endswith(".v3")
    hidden = small["data"]
    assert hidden["observed"] is None and hidden["observed_suppressed"] is True
    assert hidden["score"] is None  # with expected and upper it would give the count back
    assert "p_value" not in hidden
    assert hidden["expected"] == round(hidden["expected"], 1)
    assert hidden["upper"] == round(hidden["upper"], 1)
    shown = large["data"]
    assert (shown["observed"], shown["observed_suppressed"]) == (16, False)
    # Farrington fits too: LARGE's hidden 3s and 4s would be refitted back from its figures.
    assert shown["method"] == hidden["method"] == "farrington"
    assert hidden["baseline_suppressed"] is False  # SMALL's zeros are published
    assert shown["baseline_suppressed"] is True
    assert shown["expected"] is shown["upper"] is shown["score"] is None

    alerts = (await stack.client.get(f"{ANALYTICS}/alerts", headers=analyst)).json()["items"]
    by_series = {(a["region"], a["category"]): a for a in alerts}
    assert by_series[SMALL]["observed"] is None and by_series[SMALL]["score"] is None
    assert by_series[SMALL]["p_value"] is None
    assert by_series[LARGE]["observed"] == shown["observed"]  # the event's figure is the API's
    assert by_series[LARGE]["expected"] == shown["expected"]
    # As AlertPublic says: an alert shows its expected count and threshold where its observed
    # count is hidden (SMALL), not where a month of its baseline is (LARGE's 3s and 4s).
    for series, withheld in ((SMALL, False), (LARGE, True)):
        api, event = by_series[series], events[series]["data"]
        assert (api["expected"] is None, api["upper"] is None) == (withheld, withheld)
        assert (api["expected"], api["upper"]) == (event["expected"], event["upper"])
        assert api["baseline_suppressed"] is withheld
    detail = await stack.client.get(f"{ANALYTICS}/alerts/{by_series[LARGE]['id']}", headers=analyst)
    assert None in [point["count"] for point in detail.json()["series"][:-1]]

    for lang, headers in coordinators.items():

        async def notice(headers: dict = headers) -> dict | None:
            inbox = await stack.client.get("/api/v1/notifications/inbox", headers=headers)
            items = [i for i in inbox.json()["items"] if i["topic"] == "analytics.alert.raised"]
            return items[0] if items else None

        item = await eventually(notice, what=f"the {lang} coordinator's notice")
        assert HIDDEN_WORDS[lang] in item["body"], item["body"]
        assert not re.search(r"\d", without_figures(item["body"], hidden, lang, this)), item["body"]

        async def mail(lang: str = lang) -> list[dict]:
            to = f"{LANGS[lang]}@kelisim.example"
            page = await stack.client.get(
                "/api/v1/notifications/emails", params={"to": to}, headers=stack.admin
            )
            return page.json()["items"]

        [email] = await eventually(mail, what=f"the {lang} coordinator's e-mail")
        assert HIDDEN_WORDS[lang] in email["body"], email["body"]
        body = email["body"].split("\n\n")[0]  # less the footer
        assert not re.search(r"\d", without_figures(body, hidden, lang, this)), email["body"]

    # The coordinator of the published one reads its number, in the inbox and the e-mail.
    async def told() -> list[dict]:
        inbox = await stack.client.get("/api/v1/notifications/inbox", headers=other)
        return [i for i in inbox.json()["items"] if i["topic"] == "analytics.alert.raised"]

    [item] = await eventually(told, what="the notice of the published count")
    assert item["body"].startswith("16 cases registered"), item["body"]

    async def mail_of_large() -> list[dict]:
        page = await stack.client.get(
            "/api/v1/notifications/emails", params={"to": "cl@kelisim.example"}, headers=stack.admin
        )
        return page.json()["items"]

    [email] = await eventually(mail_of_large, what="the e-mail of the published count")
    assert email["body"].startswith("16 cases registered"), email["body"]
