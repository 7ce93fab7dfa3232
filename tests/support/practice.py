"""Practice notes as the drafting side sends them, for the library's tests."""

from __future__ import annotations

from datetime import UTC, datetime

from kelisim.events import practice as pe
from kelisim.uow import Actor
from tests.support.gateway import Stack

PASTURE = {
    "kk": pe.NoteText(
        title="Жайылым дауы",
        conflict="Екі ауыл арасындағы жайылым шекарасы туралы дау.",
        tried="Ақсақалдар кеңесі, шекараны бірге жүріп шығу.",
        worked="Жайылымды кезекпен пайдалану кестесі.",
        did_not_work="Жазбаша талаптар алмасу.",
    ),
    "ru": pe.NoteText(
        title="Спор о пастбище",
        conflict="Спор двух сёл о границе пастбища.",
        tried="Совет старейшин, совместный обход границы.",
        worked="График поочерёдного выпаса на пастбище.",
        did_not_work="Обмен письменными претензиями.",
    ),
    "en": pe.NoteText(
        title="A pasture dispute",
        conflict="Two villages disputed the boundary of a pasture.",
        tried="A council of elders; walking the boundary together.",
        worked="A rota for grazing the pasture in turns.",
        did_not_work="Exchanging written claims.",
    ),
}
GRAZING = {
    "en": pe.NoteText(
        title="Grazing rota between neighbours",
        conflict="Neighbours quarrelled over grazing on a shared pasture.",
        tried="A rota for grazing, agreed at a meeting of elders.",
        worked="The rota held through the summer.",
    )
}
FAMILY = {
    "ru": pe.NoteText(
        title="Раздел дома после развода",
        conflict="Бывшие супруги спорили о доме.",
        tried="Раздельные встречи, затем общая.",
        worked="Продажа дома и раздел денег.",
    )
}

# What each drafting service sends: its event, a note's outcome there and its author's role.
SOURCES = {
    "cases": (pe.CasePracticeNoteSubmitted, "settled", "mediator"),
    "councils": (pe.CouncilPracticeNoteSubmitted, "implemented_on_time", "council_secretary"),
}


def submit_note(  # type: ignore[no-untyped-def]
    stack: Stack,
    note_id: str,
    region: str,
    category: str,
    texts,
    revision: int = 1,
    *,
    source: str = "cases",
) -> None:
    """Send a checked note as its source service does: through its outbox onto its stream."""
    ctx = stack.services[source].app.state.ctx  # type: ignore[attr-defined]
    language = next(iter(texts))
    event, outcome, author = SOURCES[source]
    with ctx.uow(Actor(f"drafting-{author}")) as uow:
        uow.emit(
            event(
                note_id=note_id,
                revision=revision,
                region=region,
                category=category,
                outcome=outcome,
                language=language,
                texts=texts,
                author_role=author,
                submitted_at=datetime.now(UTC),
            ),
            aggregate=f"practice_note:{note_id}",
        )
        uow.commit()
