"""Every page a role reaches has each element id once, and each label names a field that is
there: a case page with several steps' forms gave four fields the id `f-reason`, so every
"Reason" label pointed at the first form's field (a screen reader read the wrong one, and a
click on the label filled another form)."""

from __future__ import annotations

import re
from collections import Counter
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from tests.web.conftest import browser_client
from tests.web.support import web_login

# Pages not followed: downloads, feeds and leaving.
SKIP = re.compile(r"\.(csv|pdf|xlsx|atom|ics|json)$|^/logout|^/ui/|^/static/|/download")
PAGES_PER_ROLE = 45


class _Ids(HTMLParser):
    """The ids, the labels' targets and the links of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.targets: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.append(str(found["id"]))
        if tag == "label" and found.get("for"):
            self.targets.append(str(found["for"]))
        if tag == "a" and found.get("href"):
            self.links.append(str(found["href"]))


async def _assigned_case(system) -> None:  # type: ignore[no-untyped-def]
    """A case in the demo mediator's hands, so that their case page offers every step's form."""
    await system.create_user("c-ids", roles=["coordinator"], regions=["KZ-75"])
    coord = await system.login("c-ids", "user-password-1")
    body = {
        "region": "KZ-75",
        "category": "land",
        "parties": [
            {"kind": "person", "name": "Айгүл Серікқызы"},
            {"kind": "person", "name": "Ерболат Нұрұлы"},
        ],
    }
    case = await system.client.post("/api/v1/cases", json=body, headers=coord)
    assert case.status_code == 201, case.text
    base = f"/api/v1/cases/{case.json()['id']}"
    assigned = await system.client.post(
        f"{base}/assignment", json={"mediator": "mediator"}, headers=coord
    )
    assert assigned.status_code == 200, assigned.text
    mediator = await system.login("mediator", "demo")
    declared = await system.client.post(
        f"{base}/declaration", json={"conflict": False}, headers=mediator
    )
    assert declared.status_code == 200, declared.text


@pytest.mark.parametrize(
    "username", ["mediator", "coordinator", "council_secretary", "liaison", "analyst"]
)
async def test_every_page_has_each_id_once_and_labels_name_their_fields(system, username):
    if username == "mediator":
        await _assigned_case(system)
    async with browser_client(system) as web:
        signed = await web_login(web, username, "demo")
        assert signed.status_code == 303, signed.text
        queue, seen, faults = ["/"], set(), []
        while queue and len(seen) < PAGES_PER_ROLE:
            path = queue.pop(0)
            if path in seen:
                continue
            seen.add(path)
            page = await web.get(path)
            if page.status_code != 200 or "text/html" not in page.headers["content-type"]:
                continue
            parsed = _Ids()
            parsed.feed(page.text)
            twice = sorted(i for i, n in Counter(parsed.ids).items() if n > 1)
            dangling = sorted(set(parsed.targets) - set(parsed.ids))
            if twice or dangling:
                faults.append(f"{path}: ids more than once {twice}, labels of nothing {dangling}")
            for link in parsed.links:
                target = urlsplit(link)
                if (
                    not target.netloc
                    and target.path.startswith("/")
                    and not SKIP.search(target.path)
                ):
                    queue.append(target.path + (f"?{target.query}" if target.query else ""))
    assert len(seen) >= 3, seen
    assert faults == [], "\n".join(faults)
