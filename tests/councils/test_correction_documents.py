"""A published correction of the minutes says why it was made, in each language's words."""

from __future__ import annotations

import io

from pypdf import PdfReader

from services.councils.rendering import LABELS
from tests.councils.support import held_and_decided, make_council, publish, published
from tests.support.services import running

REASON = "Күн тәртібінің 1-мәселесіндегі қате / Опечатка в вопросе 1"


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


async def test_the_published_correction_prints_its_reason_in_every_language(settings):
    """The reason was asked for and kept, and no document of the correction showed it."""
    async with running("councils", settings) as client:
        council = await make_council(client, settings)
        session_id, _ = await held_and_decided(council)
        original = await published(council, session_id)
        correction = await council.ok(
            "POST", f"/protocols/{original['id']}/corrections", json={"reason": f"  {REASON} "}
        )
        cid = correction["id"]
        await publish(council, cid)

        for lang in ("kk", "ru", "en"):
            printed = f"{LABELS[lang]['correction_reason']}: {REASON}"
            pdf = await council.get(f"/public/protocols/{cid}/pdf?lang={lang}")
            assert pdf.status_code == 200, pdf.text
            assert printed in " ".join(pdf_text(pdf.content).split()), lang
            page = await council.ok("GET", f"/public/protocols/{cid}?lang={lang}")
            document = page["document"]
            assert document["correction_reason"] == REASON
            assert document["labels"]["correction_reason"] == LABELS[lang]["correction_reason"]
            minutes = await council.ok("GET", f"/protocols/{cid}?lang={lang}", who="m3")
            assert printed in minutes["text"], lang

        # the minutes it corrects state no reason
        pdf = await council.get(f"/public/protocols/{original['id']}/pdf?lang=ru")
        assert pdf.status_code == 200, pdf.text
        assert LABELS["ru"]["correction_reason"] not in pdf_text(pdf.content)
    assert LABELS["kk"]["correction_reason"] == "Түзетудің себебі"
    assert LABELS["ru"]["correction_reason"] == "Причина исправления"
