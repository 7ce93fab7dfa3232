"""The original of corrected minutes says, on its public page, when and why it was corrected."""

from __future__ import annotations

import html

from gateway.web.i18n import Formatter
from tests.councils.support import publish
from tests.public.support import publish_a_session, seated_council
from tests.public.test_public_control import visible_text
from tests.support.gateway import gateway_stack

REASON = 'Item 1 misprinted the vote count <script>alert("x")</script> & more'
CORRECTED_ON = {"kk": "{day} түзетілді: {reason}", "ru": "Исправлено {day}: {reason}"}
CORRECTED_ON["en"] = "Corrected on {day}: {reason}"
READ_IT = {"kk": "Түзетуді оқу", "ru": "Читать исправление", "en": "Read the correction"}


async def test_the_original_protocol_page_states_each_corrections_day_and_reason(
    make_settings, clean_nats
):
    """Its page linked the correction without saying why; its signed PDFs cannot say it."""
    async with gateway_stack(make_settings()) as stack:
        council = await seated_council(stack)
        pid, original, _ = await publish_a_session(council)
        correction = await council.ok(
            "POST", f"/protocols/{pid}/corrections", json={"reason": f" {REASON} "}
        )
        corrected = await publish(council, correction["id"])
        public = stack.client_from("198.51.100.31")
        try:
            for lang, sentence in CORRECTED_ON.items():
                page = await public.get(f"/public/protocols/{pid}", params={"lang": lang})
                assert page.status_code == 200, page.text
                day = Formatter(lang).date(corrected["published_at"])
                stated = " ".join(sentence.format(day=day, reason=REASON).split())
                shown = " ".join(html.unescape(visible_text(page.text)).split())
                assert f"{stated} {READ_IT[lang]}" in shown, lang
                # The reason is text, never markup.
                assert "<script>alert" not in page.text
                assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; more" in page.text
                link = f'href="/public/protocols/{correction["id"]}?lang={lang}"'
                assert link in page.text
            # Verifying the original's hash says the same: corrected since, when and why.
            verified = await public.get(
                "/public/verify", params={"sha256": original["sha256"], "lang": "ru"}
            )
            assert verified.status_code == 200, verified.text
            day = Formatter("ru").date(corrected["published_at"])
            stated = " ".join(CORRECTED_ON["ru"].format(day=day, reason=REASON).split())
            shown = " ".join(html.unescape(visible_text(verified.text)).split())
            assert f"{stated} {READ_IT['ru']}" in shown
            assert "<script>alert" not in verified.text
        finally:
            await public.aclose()
