"""kelisim.preconditions.conditional: ETag and Last-Modified on a cacheable answer, 304 when
the client's copy is current (If-None-Match by weak comparison first, else If-Modified-Since)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from starlette.requests import Request

from kelisim.preconditions import conditional

pytestmark = pytest.mark.db_independent

MODIFIED = datetime(2026, 3, 5, 4, 30, 15, 123456, tzinfo=UTC)


def request(**headers: str) -> Request:
    raw = [(k.replace("_", "-").lower().encode(), v.encode()) for k, v in headers.items()]
    return Request({"type": "http", "method": "GET", "path": "/", "headers": raw})


def test_a_fresh_answer_carries_its_tag_and_time():
    answer = conditional(request(), "body", "text/plain", last_modified=MODIFIED)
    assert answer.status_code == 200 and answer.body == b"body"
    assert answer.headers["etag"].startswith('"') and answer.headers["etag"].endswith('"')
    assert answer.headers["last-modified"] == "Thu, 05 Mar 2026 04:30:15 GMT"


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"if_none_match": "{tag}"}, 304),
        ({"if_none_match": "W/{tag}"}, 304),  # weak comparison for GET revalidation
        ({"if_none_match": '"other", {tag}'}, 304),
        ({"if_none_match": "*"}, 304),
        ({"if_none_match": '"other"'}, 200),
        ({"if_modified_since": "Thu, 05 Mar 2026 04:30:15 GMT"}, 304),
        ({"if_modified_since": "Thu, 05 Mar 2026 04:30:14 GMT"}, 200),
        ({"if_modified_since": "not a date"}, 200),
        # If-None-Match wins over If-Modified-Since when both are sent.
        ({"if_none_match": '"other"', "if_modified_since": "Fri, 06 Mar 2026 00:00:00 GMT"}, 200),
    ],
)
def test_a_revalidation_is_answered_304_only_when_the_copy_is_current(headers, status):
    tag = conditional(request(), "body", "text/plain").headers["etag"]
    sent = {k: v.replace("{tag}", tag) for k, v in headers.items()}
    answer = conditional(request(**sent), "body", "text/plain", last_modified=MODIFIED)
    assert answer.status_code == status
    assert answer.headers["etag"] == tag
    if status == 304:
        assert answer.body == b""
