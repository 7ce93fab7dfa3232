"""The gateway's public pages on their own: the per-address limit and an oversized upload."""

from __future__ import annotations

from gateway.web.pages.public.common import WINDOW, AddressLimit
from tests.support.gateway import running_gateway


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
