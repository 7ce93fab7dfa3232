"""The gateway's public pages on their own: the per-address limit, an oversized upload and
the visitor's language."""

from __future__ import annotations

import html

from gateway.web.i18n import LANG_COOKIE
from gateway.web.pages.public.common import WINDOW, AddressLimit
from tests.support.browser import t
from tests.support.gateway import gateway_stack, running_gateway


def test_each_address_has_its_own_window_of_requests():
    limits = AddressLimit()
    assert [limits.take("a", 3, 100.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limits.take("a", 3, 110.0) == WINDOW - 10.0
    assert limits.take("b", 3, 110.0) == 0.0
    assert limits.take("a", 3, 100.0 + WINDOW) == 0.0  # a new window


def _in_public_layout(page: str, lang: str) -> None:
    """The citizen's header and menu, not the staff's (their language switch, their brand)."""
    assert f'<html lang="{lang}"' in page
    assert f'<a class="brand" href="/public?lang={lang}">' in page
    assert f'href="/public/verify?lang={lang}" aria-current="page"' in page
    assert (
        'action="/ui/lang"' not in page and t(lang, "Assembly of People of Kazakhstan") not in page
    )


async def test_an_oversized_upload_to_verify_names_the_limit_on_a_public_page(make_settings):
    """The staff error page (their header, their language switch) answered a citizen whose
    PDF was too large, and the form's own refusal did not say why."""
    settings = make_settings(max_document_bytes=2**20)
    kind = {"Content-Type": "multipart/form-data; boundary=x"}
    head = b'--x\r\nContent-Disposition: form-data; name="document"; filename="p.pdf"\r\n\r\n'
    body = [head, b"%" * 2**20, b"%" * 1024, b"\r\n--x--\r\n"]

    async def streamed():  # no Content-Length: counted by the gateway as it arrives
        for piece in body:
            yield piece

    async with running_gateway(settings) as client:
        elsewhere = await client.post(
            "/public/verify?lang=en",
            content=streamed(),
            headers={**kind, "Referer": "http://gateway//evil.example/public/verify"},
        )
        assert elsewhere.status_code == 413
        assert "evil.example" not in elsewhere.text
        # Declared beyond the limit: refused before it is read, on the form itself.
        declared = await client.post(
            "/public/verify?lang=ru",
            content=b"x",
            headers={**kind, "Content-Length": str(50 * 1024 * 1024)},
        )
        counted = await client.post("/public/verify?lang=en", content=streamed(), headers=kind)
        assert "content-length" not in counted.request.headers
        referred = await client.post(
            "/public/verify",
            content=streamed(),
            headers={**kind, "Referer": "http://gateway/public/verify?lang=kk&sha256=ab"},
        )
    message = "The file is too large: this form accepts up to %(size)s MB."
    for answer, lang in ((declared, "ru"), (counted, "en"), (referred, "kk")):
        assert answer.status_code == 413, answer.text
        assert answer.headers["content-type"].startswith("text/html")
        _in_public_layout(answer.text, lang)
        assert html.escape(t(lang, message) % {"size": "1"}) in answer.text, lang
    assert 'id="f-document"' in declared.text  # the form, to choose a smaller file
    back = t("en", "Back to the form")
    assert f'<a href="/public/verify?lang=en">{back}</a>' in counted.text
    back = t("kk", "Back to the form")
    assert f'<a href="/public/verify?lang=kk&amp;sha256=ab">{back}</a>' in referred.text


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


async def test_a_wrong_or_stale_address_in_a_browser_gets_a_page_in_the_visitors_language(
    make_settings,
):
    """A mistyped address answered a browser with raw JSON, and a withdrawn protocol's link
    gave a citizen the staff layout, whose start page is the staff login."""
    from tests.support.gateway import gateway_stack

    html_accept = {"Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"}
    async with gateway_stack(make_settings()) as stack:
        client = stack.client
        for path, lang in (
            ("/public/protocols/01a0000000000000000000000000dead", "kk"),
            ("/public/no-such-page", "ru"),
        ):
            page = await client.get(f"{path}?lang={lang}", headers=html_accept)
            assert page.status_code == 404, page.text
            assert page.headers["content-type"].startswith("text/html")
            assert f'<a class="brand" href="/public?lang={lang}">' in page.text
            assert 'action="/ui/lang"' not in page.text  # not the staff header
            assert html.escape(t(lang, "Not found.")) in page.text
        staff = await client.get("/no-such-page?lang=en", headers=html_accept)
        assert staff.status_code == 404
        assert t("en", "Something went wrong") in staff.text and 'action="/ui/lang"' in staff.text
        # Programs keep their problem details: the API, and any caller not asking for a page.
        for path, headers in (("/api/v1/no-such", html_accept), ("/public/no-such-page", {})):
            answer = await client.get(path, headers=headers)
            assert answer.status_code == 404
            assert answer.headers["content-type"] == "application/problem+json"
            assert answer.json()["type"].endswith(":not-found")
