"""Council members hear of their sessions in their language: which council and session, when
(in Kazakhstan's time), why it moved or was called off, and the page to open."""

from __future__ import annotations

from datetime import UTC, datetime

from kelisim import localtime
from kelisim.events.councils import (
    ProtocolPublished,
    SessionCancelled,
    SessionConvened,
    SessionRescheduled,
)
from services.notifications.messages import title_and_body
from tests.notifications.conftest import eventually
from tests.notifications.people_support import in_directory
from tests.support.services import running

COUNCIL = "council-e"
NAME = "Алматы қаласының қоғамдық келісім кеңесі"
TITLE = "Жыл қорытындысы"
MOVED_BECAUSE = "Залда жөндеу жұмыстары жүріп жатыр"
CANCELLED_BECAUSE = "Әкімдік отырысты өткізбеу туралы шешті"
SITS = datetime(2026, 12, 27, 6, tzinfo=UTC)  # 11:00 in Kazakhstan
MOVED_TO = datetime(2027, 1, 10, 5, tzinfo=UTC)  # 10:00 in Kazakhstan
BASE = "https://kelisim.example.kz"
SESSION_PAGE = f"{BASE}/councils/sessions/s-9"
MINUTES_PAGE = f"{BASE}/public/protocols/p-9"
READERS = {"kk": "member-kk", "ru": "member-ru", "en": "member-en"}
REASON_WORD = {"kk": "Себебі", "ru": "Причина", "en": "Reason"}
# What each notice's subject starts with, by language, before ": <council>".
SUBJECTS = {
    "convened": {
        "kk": "Кеңес отырысы шақырылды",
        "ru": "Созвано заседание совета",
        "en": "Council session convened",
    },
    "rescheduled": {
        "kk": "Кеңес отырысы ауыстырылды",
        "ru": "Заседание совета перенесено",
        "en": "Council session rescheduled",
    },
    "cancelled": {
        "kk": "Кеңес отырысы болдырылмады",
        "ru": "Заседание совета отменено",
        "en": "Council session cancelled",
    },
    "published": {
        "kk": "Отырыс хаттамасы жарияланды",
        "ru": "Опубликован протокол заседания",
        "en": "Session minutes published",
    },
}


def _four(mails: list) -> list | None:  # type: ignore[type-arg]
    return mails if len(mails) >= 4 else None


def _session(**fields):  # type: ignore[no-untyped-def]
    named = {"council_name": NAME, "session_title": TITLE}
    return {"council_id": COUNCIL, "session_id": "s-9", "region": "KZ-75", **named, **fields}


async def test_each_session_notice_names_the_council_the_session_when_why_and_links_it(
    settings, producer, smtp
):
    mailbox, port = smtp
    live = settings.model_copy(update={"smtp_port": port, "public_url": f"{BASE}/"})
    async with running("notifications", live):
        for lang, username in READERS.items():
            producer.user(username, lang=lang, roles=["council_member"], councils=[COUNCIL])
        for username in READERS.values():
            await eventually(lambda u=username: in_directory(live, u), what=f"{username} known")
        producer.emit(SessionConvened(**_session(starts_at=SITS, place="Достық үйі")))
        producer.emit(
            SessionRescheduled(
                **_session(
                    starts_at=MOVED_TO,
                    place="Достық үйі",
                    previous_starts_at=SITS,
                    sequence=1,
                    reason=MOVED_BECAUSE,
                )
            )
        )
        producer.emit(
            SessionCancelled(
                **_session(starts_at=MOVED_TO, sequence=2, reason=CANCELLED_BECAUSE + ".")
            )
        )
        producer.emit(
            ProtocolPublished(
                **_session(protocol_id="p-9", sha256="0" * 64, session_starts_at=SITS)
            )
        )

        for lang, username in READERS.items():
            address = f"{username}@example.kz"
            mails = await eventually(
                lambda a=address: _four(mailbox.to(a)), what=f"the four e-mails of {username}"
            )
            by_kind = {
                kind: next(m for m in mails if m["Subject"].startswith(texts[lang]))
                for kind, texts in SUBJECTS.items()
            }
            sits, moved_to = localtime.moment(SITS, lang), localtime.moment(MOVED_TO, lang)
            for kind, mail in by_kind.items():
                body = mail.get_content()
                assert mail["Subject"] == f"{SUBJECTS[kind][lang]}: {NAME}", mail["Subject"]
                assert f"«{TITLE}»" in body or f"“{TITLE}”" in body, body
                page = MINUTES_PAGE if kind == "published" else SESSION_PAGE
                assert page in body, body
            convened = by_kind["convened"].get_content()
            assert sits in convened and "Достық үйі" in convened
            moved = by_kind["rescheduled"].get_content()
            assert sits in moved and moved_to in moved
            assert f"{REASON_WORD[lang]}: {MOVED_BECAUSE}." in moved, moved
            cancelled = by_kind["cancelled"].get_content()
            assert moved_to in cancelled
            assert f"{REASON_WORD[lang]}: {CANCELLED_BECAUSE}." in cancelled, cancelled
            assert f"{CANCELLED_BECAUSE}.." not in cancelled
            assert sits in by_kind["published"].get_content()
        # Kazakhstan's time: the session sits at 11:00 there (06:00 UTC).
        kk = next(m for m in mailbox.to("member-kk@example.kz") if "шақырылды" in m["Subject"])
        assert "27 желтоқсан, 11:00" in kk.get_content()


def test_a_session_notice_stored_before_it_named_the_council_still_reads() -> None:
    stored = {
        "council_id": COUNCIL,
        "session_id": "s-1",
        "region": "KZ-75",
        "starts_at": "2026-12-27T06:00:00Z",
        "sequence": 2,
    }
    data = SessionCancelled.model_validate(stored)
    assert (data.council_name, data.session_title, data.reason) == ("", "", "")
    title, body = title_and_body("councils.session.cancelled", "ru", stored)  # the kept params
    assert title == "Заседание совета отменено"
    assert body == f"Заседание, назначенное на {localtime.moment(SITS, 'ru')}, отменено."
    protocol = {"council_id": COUNCIL, "session_id": "s-1", "protocol_id": "p", "sha256": "0"}
    title, body = title_and_body("councils.protocol.published", "kk", {**protocol, "region": None})
    assert title == "Отырыс хаттамасы жарияланды"
    assert body == "Кеңес отырысының хаттамасына қол қойылып, жарияланды."
