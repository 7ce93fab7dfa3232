"""The minutes' own pages: the secretary edits the notes of a draft, confirmations name what
they confirm."""

from __future__ import annotations

import html
import re

from gateway.demo import SEATS
from gateway.web.i18n import Formatter
from gateway.web.pages.council_minutes import NOTES_CHANGED
from kelisim import audit
from tests.support.browser import t
from tests.web.daily_work_support import _csrf, signed_in_as
from tests.web.test_council_sitting import _caller, _sitting

NOTES = {"kk": "Ескертпелер ескерілді", "ru": "Замечания учтены", "en": "Remarks taken in"}


def _notes_form(pid: str) -> str:
    return f'action="/councils/protocols/{pid}/notes"'


def _hidden(page: str) -> dict[str, str]:
    """The notes form's version and nonce, as a browser sends them back."""
    form = page[page.index('/notes" class="stack"') :]
    return {
        name: html.unescape(value)
        for name, value in re.findall(r'name="(etag|form_nonce)" value="([^"]*)"', form)[:2]
    }


async def test_the_secretary_edits_the_notes_of_a_draft_and_of_a_correction_draft(system):
    """A correction of published minutes could change nothing from the web: no notes field."""
    secretary, sid, _, _ = await _sitting(system, "Minutes with notes")
    await secretary("POST", f"/sessions/{sid}/close")
    pid = (await secretary("POST", f"/sessions/{sid}/protocol"))["id"]
    async with signed_in_as(system, "council_member", "ru") as web:
        assert _notes_form(pid) not in (await web.get(f"/councils/protocols/{pid}")).text
    async with signed_in_as(system, "council_secretary", "ru") as web:
        page = await web.get(f"/councils/protocols/{pid}")
        assert _notes_form(pid) in page.text
        for lang in ("kk", "ru", "en"):
            assert f'name="notes_{lang}"' in page.text
        assert html.escape(t("ru", "Notes in Kazakh")) in page.text
        saved = await web.post(
            f"/councils/protocols/{pid}/notes",
            data={"csrf_token": _csrf(page.text), **{f"notes_{k}": v for k, v in NOTES.items()}},
        )
        assert saved.status_code == 303, saved.text
        assert saved.headers["location"] == f"/councils/protocols/{pid}?done=notes"
        after = await web.get(saved.headers["location"])
        assert html.escape(t("ru", "The notes are saved.")) in after.text
        assert NOTES["ru"] in after.text and NOTES["kk"] in after.text  # shown and prefilled
    assert (await secretary("GET", f"/protocols/{pid}"))["content"]["notes"] == NOTES

    # Circulated, the secretary still takes the members' remarks in; approved, no more.
    await secretary("POST", f"/protocols/{pid}/circulate")
    async with signed_in_as(system, "council_secretary", "kk") as web:
        stale = await web.get(f"/councils/protocols/{pid}")
        assert _notes_form(pid) in stale.text
        await secretary("POST", f"/protocols/{pid}/approve")
        assert _notes_form(pid) not in (await web.get(f"/councils/protocols/{pid}")).text
        refused = await web.post(
            f"/councils/protocols/{pid}/notes",
            data={"csrf_token": _csrf(stale.text), "notes_kk": "Кеш"},
        )
        assert refused.status_code == 409, refused.text
        assert (
            html.escape(t("kk", "This action is not possible in the current state."))
            in refused.text
        )
    assert (await secretary("GET", f"/protocols/{pid}"))["content"]["notes"] == NOTES

    chair = await _caller(system, "council_chair")
    await chair("POST", f"/protocols/{pid}/sign")
    await secretary("POST", f"/protocols/{pid}/sign")
    await secretary("POST", f"/protocols/{pid}/publish")
    reason = {"reason": "Опечатка в примечаниях"}
    correction = (await secretary("POST", f"/protocols/{pid}/corrections", json=reason))["id"]
    async with signed_in_as(system, "council_secretary", "en") as web:
        assert _notes_form(pid) not in (await web.get(f"/councils/protocols/{pid}")).text
        page = await web.get(f"/councils/protocols/{correction}")
        assert _notes_form(correction) in page.text
        assert NOTES["en"] in page.text  # prefilled with the corrected minutes' notes
        saved = await web.post(
            f"/councils/protocols/{correction}/notes",
            data={"csrf_token": _csrf(page.text), "notes_ru": "Замечания учтены полностью"},
        )
        assert saved.status_code == 303, saved.text
    corrected = await secretary("GET", f"/protocols/{correction}")
    assert corrected["content"]["notes"] == {"ru": "Замечания учтены полностью"}


async def test_the_publish_confirmation_names_the_session_and_its_date(system):
    """It read "Хаттама: Хаттама": nothing said which minutes were about to become public."""
    secretary, sid, _, _ = await _sitting(
        system, "Отырыс жарияланар алдында", starts_at="2026-01-12T05:00:00+00:00"
    )
    await secretary("POST", f"/sessions/{sid}/close")
    pid = (await secretary("POST", f"/sessions/{sid}/protocol"))["id"]
    await secretary("POST", f"/protocols/{pid}/circulate")
    await secretary("POST", f"/protocols/{pid}/approve")
    await (await _caller(system, "council_chair"))("POST", f"/protocols/{pid}/sign")
    await secretary("POST", f"/protocols/{pid}/sign")
    async with signed_in_as(system, "council_secretary", "kk") as web:
        page = (await web.get(f"/councils/protocols/{pid}/publish")).text
    title = "Отырыс жарияланар алдында"
    question = t("kk", "Publish the minutes of the session %(title)s?") % {"title": title}
    assert html.escape(question) in page
    assert html.escape(Formatter("kk").datetime("2026-01-12T05:00:00+00:00")) in page
    protocol = html.escape(t("kk", "Protocol"))
    assert f'<dd><a href="/councils/protocols/{pid}">{protocol}</a></dd>' not in page


async def test_confirming_steps_of_an_untitled_session_name_it_by_its_date(system):
    """An untitled session's close read "Close the session Session?" ("Отырыс отырысын...")."""
    secretary, sid, _, _ = await _sitting(system, "", starts_at="2026-01-14T05:00:00+00:00")
    when = Formatter("ru").datetime("2026-01-14T05:00:00+00:00")
    async with signed_in_as(system, "council_secretary", "ru") as web:
        closing = (await web.get(f"/councils/sessions/{sid}/close")).text
        closed = t("ru", "Close the session of %(date)s?") % {"date": when}
        assert html.escape(closed) in closing
        assert "«" + t("ru", "Session") + "»" not in closing
        cancelling = (await web.get(f"/councils/sessions/{sid}/cancel")).text
        cancel = t("ru", "Cancel the session of %(date)s?") % {"date": when}
        assert html.escape(cancel) in cancelling


async def test_the_minutes_page_names_a_rejected_draft_as_a_draft_not_adopted(system):
    """It read "Решение: не принято. Рекомендовать…", like a recommendation the council made."""
    draft = {"ru": "Рекомендовать управлению образования провести тренинги"}
    item = {"titles": {"ru": "Тренинги"}, "proposal": draft, "rapporteur": "Докладчик"}
    secretary, sid, item_id, present = await _sitting(
        system, "A draft turned down", "2026-01-16T05:00:00+00:00", item
    )
    await secretary("POST", f"/items/{item_id}/vote/open")
    # Other tests of this shared system seat members with other passwords, or none: the
    # demo's members vote; against, all of them, so nothing is adopted whoever else abstains.
    for username in sorted(set(present) & set(SEATS)):
        voter = await _caller(system, username)
        await voter("POST", f"/items/{item_id}/votes", json={"choice": "against"})
    await secretary("POST", f"/items/{item_id}/vote/close")
    await secretary("POST", f"/sessions/{sid}/close")
    pid = (await secretary("POST", f"/sessions/{sid}/protocol"))["id"]
    async with signed_in_as(system, "council_member", "ru") as web:
        page = (await web.get(f"/councils/protocols/{pid}")).text
    said = f"проект решения «{draft['ru']}» не принят."
    assert html.escape(said) in page
    assert html.escape(f"не принято. {draft['ru']}") not in page


def _notes_edits(system, pid: str) -> list[dict]:  # type: ignore[no-untyped-def]
    ctx = system.services["councils"].app.state.ctx
    with ctx.engine.connect() as conn:
        entries = audit.history(conn, ctx.tables, "protocol", pid)
    return [e for e in entries if e["action"] == "protocol.edited"]


async def test_two_secretaries_saving_the_same_draft_lose_no_notes(system):
    """Both read the draft, both saved: the second save silently replaced the first's notes."""
    secretary, sid, _, _ = await _sitting(system, "Minutes edited by two at once")
    await secretary("POST", f"/sessions/{sid}/close")
    pid = (await secretary("POST", f"/sessions/{sid}/protocol"))["id"]
    first_notes = {"notes_kk": "Бірінші хатшының ескертпесі", "notes_ru": "", "notes_en": ""}
    second_notes = {"notes_kk": "", "notes_ru": "Заметка второго секретаря", "notes_en": ""}
    async with (
        signed_in_as(system, "council_secretary", "ru") as first,
        signed_in_as(system, "council_secretary", "ru") as second,
    ):
        read_by_first = (await first.get(f"/councils/protocols/{pid}")).text
        read_by_second = (await second.get(f"/councils/protocols/{pid}")).text
        assert 'name="etag"' in read_by_first
        saved = await first.post(
            f"/councils/protocols/{pid}/notes",
            data={"csrf_token": _csrf(read_by_first), **_hidden(read_by_first), **first_notes},
        )
        assert saved.status_code == 303, saved.text
        refused = await second.post(
            f"/councils/protocols/{pid}/notes",
            data={"csrf_token": _csrf(read_by_second), **_hidden(read_by_second), **second_notes},
        )
        assert refused.status_code == 412, refused.text
        page = refused.text
        said = html.escape(t("ru", NOTES_CHANGED))
        assert said in page
        # The notes saved meanwhile are shown, and the second secretary's own text is kept.
        assert html.escape(t("ru", "The notes as they are saved now")) in page
        assert "Бірінші хатшының ескертпесі" in page
        assert ">Заметка второго секретаря</textarea>" in page
        saved_notes = (await secretary("GET", f"/protocols/{pid}"))["content"]["notes"]
        assert saved_notes == {"kk": "Бірінші хатшының ескертпесі"}
        assert len(_notes_edits(system, pid)) == 1
        # Saving again from this page, knowing of the other's notes, is accepted.
        again = await second.post(
            f"/councils/protocols/{pid}/notes",
            data={
                "csrf_token": _csrf(page),
                **_hidden(page),
                **second_notes,
                "notes_kk": "Бірінші хатшының ескертпесі",
            },
        )
        assert again.status_code == 303, again.text
    notes = (await secretary("GET", f"/protocols/{pid}"))["content"]["notes"]
    assert notes == {"kk": "Бірінші хатшының ескертпесі", "ru": "Заметка второго секретаря"}
    assert len(_notes_edits(system, pid)) == 2


async def test_a_stale_save_of_the_notes_changes_nothing_in_any_language(system):
    secretary, sid, _, _ = await _sitting(system, "Minutes saved from a stale page")
    await secretary("POST", f"/sessions/{sid}/close")
    pid = (await secretary("POST", f"/sessions/{sid}/protocol"))["id"]
    for lang in ("kk", "ru", "en"):
        async with signed_in_as(system, "council_secretary", lang) as web:
            stale = (await web.get(f"/councils/protocols/{pid}")).text
            await secretary("PATCH", f"/protocols/{pid}", json={"notes": {"en": f"By {lang}"}})
            before = _notes_edits(system, pid)
            refused = await web.post(
                f"/councils/protocols/{pid}/notes",
                data={"csrf_token": _csrf(stale), **_hidden(stale), "notes_en": "Mine"},
            )
            assert refused.status_code == 412, (lang, refused.text)
            assert html.escape(t(lang, NOTES_CHANGED)) in refused.text, lang
            assert f"By {lang}" in refused.text and ">Mine</textarea>" in refused.text
            assert _notes_edits(system, pid) == before
        current = await secretary("GET", f"/protocols/{pid}")
        assert current["content"]["notes"] == {"en": f"By {lang}"}
