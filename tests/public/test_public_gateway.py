"""The gateway's public pages on their own: the per-address limit, an oversized upload and
the visitor's language."""

from __future__ import annotations

from gateway.web.i18n import LANG_COOKIE
from gateway.web.pages.public.common import WINDOW, AddressLimit
from tests.support.gateway import gateway_stack, running_gateway


def test_each_address_has_its_own_window_of_requests():
    limits = AddressLimit()
    assert [limits.take("a", 3, 100.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limits.take("a", 3, 110.0) == WINDOW - 10.0
    assert limits.take("b", 3, 110.0) == 0.0
    assert limits.take("a", 3, 100.0 + WINDOW) == 0.0  # a new window


async def test_an_oversized_upload_is_refused_before_it_is_read(settings):
    async with running_gateway(settings) as client:
        answer = await client.post(
            "/public/verify?lang=en",
            content=b"x",
            headers={
                "Content-Type": "multipart/form-data; boundary=x",
                "Content-Length": str(50 * 1024 * 1024),
            },
        )
        assert answer.status_code == 413
        assert "Enter the 64 characters" in answer.text


async def test_the_public_pages_speak_the_language_the_visitor_chose(make_settings, clean_nats):
    """English chosen on the login page (remembered in a cookie): /public is in English and
    its links keep it. `?lang=` comes first, then the cookie, then Accept-Language, then kk."""
    async with gateway_stack(make_settings()) as stack:
        visitor = stack.client_from("198.51.100.40")
        try:
            await visitor.get("/login", params={"lang": "en"})
            assert visitor.cookies.get(LANG_COOKIE) == "en"
            page = await visitor.get("/public", headers={"Accept-Language": "ru"})
            assert page.status_code == 200
            assert '<html lang="en"' in page.text and "Public Accord councils" in page.text
            assert "?lang=en" in page.text and "?lang=kk&" not in page.text
            assert page.headers["content-language"] == "en"
            # The answer depends on the cookie and the header: a cache must know it.
            assert {"cookie", "accept-language"} <= {
                v.strip().lower() for v in page.headers["vary"].split(",")
            }
            asked = await visitor.get("/public", params={"lang": "ru"})
            assert '<html lang="ru"' in asked.text and "?lang=ru" in asked.text
            assert "cookie" not in asked.headers.get("vary", "").lower()
        finally:
            await visitor.aclose()
        for headers, lang in (({"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"}, "ru"), ({}, "kk")):
            stranger = stack.client_from("198.51.100.41")
            try:
                page = await stranger.get("/public", headers=headers)
            finally:
                await stranger.aclose()
            assert f'<html lang="{lang}"' in page.text and f"?lang={lang}" in page.text
