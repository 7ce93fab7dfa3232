"""A notice names a staff member by the full name the directory gave it when it was written,
and by login where the directory had none (a notice stored before names were kept)."""

from __future__ import annotations

import pytest

from services.notifications.messages import title_and_body

pytestmark = pytest.mark.db_independent

TOPIC = "cases.case.conflict_declared"
EVENT = {"case_ref": "c1", "number": "KZ-75-2026-00012", "region": "KZ-75", "mediator": "med-a"}


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("kk", "Айгерим Сапарова медиаторы"),
        ("ru", "Медиатор Айгерим Сапарова заявил"),
        ("en", "Mediator Айгерим Сапарова declared"),
    ],
)
def test_the_mediator_is_named_by_full_name(lang: str, said: str) -> None:
    _, body = title_and_body(TOPIC, lang, {**EVENT, "mediator_name": "Айгерим Сапарова"})
    assert said in body
    assert "med-a" not in body


def test_a_notice_without_a_full_name_names_the_login() -> None:
    _, body = title_and_body(TOPIC, "en", EVENT)
    assert "Mediator med-a declared" in body
