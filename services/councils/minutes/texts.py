"""The words of the minutes document in Kazakh, Russian and English (facts come from data)."""

from __future__ import annotations

from services.councils.rendering import LABELS as BASE

EXTRA: dict[str, dict[str, str]] = {
    "kk": {
        "date": "Күні мен уақыты",
        "time_zone": "Қазақстан уақыты",
        "attendance": "Қатысу және кворум",
        "attendance_plain": "Кеңестің {members} мүшесінің {present} қатысты; кворумға {required} "
        "мүше қажет: кворум {verdict}.",
        "votes_plain": "Дауыс беруге құқылы {entitled} мүше: {for_} жақтады, {against} қарсы, "
        "{abstained} қалыс қалды.",
        "votes": "Атаулы дауыс беру",
        "recommendations": "Берілген ұсынымдар",
        "addressee": "Кімге",
        "due": "Орындау мерзімі",
        "remarks": "Мүшелердің ескертпелері",
        "corrections": "Түзетулер тарихы",
        "corrects": "Бұл құжат {sha} хэші бар жарияланған хаттаманы түзетеді.",
        "signatures": "Қол қойғандар",
        "signed_at": "қол қойылды",
        "published": "Жарияланды",
        "sha256": "Хаттаманың SHA-256 хэші",
        "verify": "Түпнұсқалығын тексеру",
        "qr": "Тексеру бетіне апаратын QR код",
        "chair": "Төраға",
        "deputy_chair": "Төрағаның орынбасары",
        "secretary": "Хатшы",
        "member": "Кеңес мүшесі",
        "none": "жоқ",
    },
    "ru": {
        "date": "Дата и время",
        "time_zone": "время Казахстана",
        "attendance": "Присутствие и кворум",
        "attendance_plain": "{were_present} {present} из {members} {of_members} совета; "
        "для кворума нужно {required}: кворум {verdict}.",
        "votes_plain": "Право голоса {had} {entitled}: за — {for_}, против — {against}, "
        "{abstained_word} — {abstained}.",
        "votes": "Поимённое голосование",
        "recommendations": "Выданные рекомендации",
        "addressee": "Адресат",
        "due": "Срок исполнения",
        "remarks": "Замечания членов совета",
        "corrections": "История исправлений",
        "corrects": "Этот документ исправляет опубликованный протокол с хэшем {sha}.",
        "signatures": "Подписали",
        "signed_at": "подписано",
        "published": "Опубликовано",
        "sha256": "SHA-256 протокола",
        "verify": "Проверка подлинности",
        "qr": "QR-код страницы проверки",
        "chair": "Председатель",
        "deputy_chair": "Заместитель председателя",
        "secretary": "Секретарь",
        "member": "Член совета",
        "none": "нет",
    },
    "en": {
        "date": "Date and time",
        "time_zone": "Kazakhstan time",
        "attendance": "Attendance and quorum",
        "attendance_plain": "{present} of the council's {members} {members_word} {were_present} "
        "present; {required} {were_required} needed for a quorum: quorum {verdict}.",
        "votes_plain": "{entitled} {entitled_word} {were_entitled} entitled to vote: {for_} for, "
        "{against} against, {abstained} abstained.",
        "votes": "Roll-call vote",
        "recommendations": "Recommendations issued",
        "addressee": "Addressed to",
        "due": "Due date",
        "remarks": "Members' remarks",
        "corrections": "Corrections history",
        "corrects": "This document corrects the published minutes with hash {sha}.",
        "signatures": "Signed by",
        "signed_at": "signed",
        "published": "Published",
        "sha256": "SHA-256 of the minutes",
        "verify": "Verify authenticity",
        "qr": "QR code of the verification page",
        "chair": "Chair",
        "deputy_chair": "Deputy chair",
        "secretary": "Secretary",
        "member": "Council member",
        "none": "none",
    },
}

LABELS: dict[str, dict[str, str]] = {lang: {**BASE[lang], **EXTRA[lang]} for lang in EXTRA}
