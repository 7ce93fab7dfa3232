"""The page a notice is about, by the ids it carries: one table for the inbox (gateway) and
the links of e-mails (notifications)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from urllib.parse import quote

# By the ids a notice carries, in order: the first page the reader may open.
PAGES = (
    ("case_ref", "/cases/{}"),
    ("escalation_id", "/escalations"),
    ("session_id", "/councils/sessions/{}"),
    ("protocol_id", "/councils/protocols/{}"),
    ("alert_id", "/analytics/alerts/{}"),
    ("council_id", "/councils/{}"),
    # a practice note's page is under the service it was drafted in: the notice's domain
    ("note_id", "/practice-notes/{domain}/{}"),
)
PRACTICE_DOMAINS = frozenset({"cases", "councils"})
# Published minutes are public: their e-mail links the page anyone may open and forward.
PUBLIC_PAGES = {"councils.protocol.published": ("protocol_id", "/public/protocols/{}")}


def page_of(
    refs: Mapping[str, object], topic: str = "", may: Callable[[str], bool] = lambda _: True
) -> str | None:
    """The path of the first page of `refs` that `may` allows, or None."""
    domain = topic.split(".", 1)[0]
    for key, pattern in PAGES:
        if "{domain}" in pattern:
            if domain not in PRACTICE_DOMAINS:
                continue
            pattern = pattern.replace("{domain}", domain)
        value = refs.get(key)
        if isinstance(value, str):
            path = pattern.format(quote(value, safe=""))
            if may(path):
                return path
    return None


def public_page_of(refs: Mapping[str, object], topic: str) -> str | None:
    """The public page of a notice's subject (published minutes), else its staff page."""
    key, pattern = PUBLIC_PAGES.get(topic, ("", ""))
    value = refs.get(key)
    if isinstance(value, str):
        return pattern.format(quote(value, safe=""))
    return page_of(refs, topic)
