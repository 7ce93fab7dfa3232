"""Feeds for the public and the press: Atom (published protocols and overdue
recommendations), iCalendar (upcoming sessions) and open data (recommendations, CSV/JSON).

Open-data fields (CSV header = JSON keys, one row per recommendation of a published decision):
id, council_id, council_name, region (ISO 3166-2:KZ, empty for the republic), protocol_id,
addressee (the state body), text, decided_on (the day in Kazakhstan the council sat and
decided, YYYY-MM-DD), issued_at (when it was recorded in Kelisim, UTC, ISO 8601: a session
may be recorded after it sat), due_date (YYYY-MM-DD), status
(issued | answered | implemented | implemented_late | partially_implemented |
not_implemented | overdue), implemented_on (the day in Kazakhstan it was reported carried
out, in full or in part, or empty), response_status, response_text and response_at (the
latest response, or empty), protocol_url.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, time, timedelta
from typing import Any
from xml.etree import ElementTree as ET

from fastapi import APIRouter
from fastapi.responses import Response

from gateway.web.pages.public.common import PublicView, cached, fetch_all, newest
from gateway.web.view import View
from kelisim import spreadsheets
from kelisim.localtime import KAZAKHSTAN
from kelisim.regions import REGIONS

router = APIRouter(prefix="/public", include_in_schema=False)
ATOM = "http://www.w3.org/2005/Atom"
# The length of a session in the calendar feed (DURATION), as sessions have no planned end.
SESSION_LENGTH = timedelta(hours=2)
FIELDS = [
    "id",
    "council_id",
    "council_name",
    "region",
    "protocol_id",
    "addressee",
    "text",
    "decided_on",
    "issued_at",
    "due_date",
    "status",
    "implemented_on",
    "response_status",
    "response_text",
    "response_at",
    "protocol_url",
]


def _scope(region: str | None, council: str | None) -> dict[str, str | None]:
    return {"region": region if region in REGIONS else None, "council_id": council or None}


def _base(view: View) -> str:
    return view.request.app.state.ctx.settings.public_base_url()


def _text(parent: ET.Element, tag: str, text: str, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    element.text = text
    return element


def _entry(
    feed: ET.Element, entry_id: str, title: str, updated: datetime, link: str, summary: str
) -> None:
    entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
    _text(entry, "id", entry_id)
    _text(entry, "title", title)
    _text(entry, "updated", updated.isoformat())
    ET.SubElement(entry, f"{{{ATOM}}}link", {"rel": "alternate", "href": link})
    _text(entry, "summary", summary)


@router.get("/feed.atom")
async def atom(view: PublicView, region: str | None = None, council: str | None = None) -> Response:
    """Published protocols and overdue recommendations, of a region or a council, newest first."""
    scope = _scope(region, council)
    protocols, overdue = await asyncio.gather(
        fetch_all(view, "/protocols", most=100, **scope),
        fetch_all(view, "/recommendations", status="overdue", **scope),
    )
    base, lang = _base(view), view.lang
    entries: list[tuple[datetime, str, str, str, str]] = []
    for p in protocols:
        # A published correction says so: it replaces a protocol already in the feed.
        said = (
            view.translate("Correction published")
            if p["corrects_id"]
            else view.translate("Protocol published")
        )
        entries.append(
            (
                datetime.fromisoformat(p["published_at"]),
                f"urn:kelisim:protocol:{p['id']}",
                f"{said}: {p['council_name']} — {p['session_title']}",
                f"{base}/public/protocols/{p['id']}?lang={lang}",
                f"SHA-256 {p['sha256']}",
            )
        )
    for r in overdue:
        # It became overdue when its due day ended in Kazakhstan.
        since = datetime.combine(
            datetime.fromisoformat(r["due_date"]).date() + timedelta(days=1), time(), KAZAKHSTAN
        )
        entries.append(
            (
                since.astimezone(UTC),
                f"urn:kelisim:recommendation:{r['id']}:overdue",
                f"{view.translate('Recommendation overdue')}: {r['addressee']}",
                f"{base}/public/councils/{r['council_id']}?lang={lang}#rec-{r['id']}",
                f"{r['text']} ({view.translate('Due date')}: {view.fmt.date(r['due_date'])})",
            )
        )
    entries.sort(key=lambda e: (e[0], e[1]), reverse=True)
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed", {"xml:lang": lang})
    query = "&".join(
        f"{k}={v}" for k, v in (("region", scope["region"]), ("council", council)) if v
    )
    self_url = f"{base}/public/feed.atom?lang={lang}" + (f"&{query}" if query else "")
    _text(feed, "id", f"urn:kelisim:feed:{scope['region'] or ''}:{council or ''}")
    _text(
        feed,
        "title",
        view.translate("Public Accord councils: protocols and overdue recommendations"),
    )
    updated = entries[0][0] if entries else datetime(2024, 1, 1, tzinfo=UTC)
    _text(feed, "updated", updated.isoformat())
    ET.SubElement(feed, f"{{{ATOM}}}link", {"rel": "self", "href": self_url})
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    _text(author, "name", view.translate("Kelisim"))
    for entry in entries:
        _entry(feed, entry[1], entry[2], entry[0], entry[3], entry[4])
    body = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return cached(view, body, "application/atom+xml; charset=utf-8", last_modified=updated)


@router.get("/sessions.ics")
async def calendar(
    view: PublicView, region: str | None = None, council: str | None = None
) -> Response:
    """Upcoming council sessions as an iCalendar feed; a session called off stays in it as
    STATUS:CANCELLED until its time, and every change raises its SEQUENCE (same UID), so
    calendars update or strike out the event they already hold (RFC 5545 §3.8.7.4)."""
    from icalendar import Calendar, Event  # at the first feed asked for, not at every start

    sessions = await fetch_all(view, "/sessions", cancelled="true", **_scope(region, council))
    base = _base(view)
    cal = Calendar()
    cal.add("prodid", f"-//Kelisim//Public Accord councils//{view.lang.upper()}")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", view.translate("Public Accord council sessions"))
    for s in sessions:
        event = Event()
        event.add("uid", f"session-{s['id']}@kelisim")
        # When the session last changed (RFC 5545 §3.8.7.2): the same at every fetch until it
        # changes, so calendars and caches see an unchanged event as unchanged.
        event.add("dtstamp", datetime.fromisoformat(s["updated_at"]).astimezone(UTC))
        event.add("sequence", s.get("sequence", 0))
        if s["status"] == "cancelled":
            event.add("status", "CANCELLED")
        event.add("dtstart", datetime.fromisoformat(s["starts_at"]).astimezone(UTC))
        # A session has no planned length: a calendar gets the usual sitting's (an event
        # without an end is a point in time, which calendars show as nothing or as all day).
        event.add("duration", SESSION_LENGTH)
        event.add("summary", f"{s['council_name']}: {s['title']}")
        if s["place"]:
            event.add("location", s["place"])
        change = _change(view, s)
        if change:
            event.add("description", change)
        event.add("url", f"{base}/public/councils/{s['council_id']}?lang={view.lang}")
        cal.add_component(event)
    return cached(view, cal.to_ical(), "text/calendar; charset=utf-8")


def _change(view: View, session: dict[str, Any]) -> str:
    """Why a session was called off, or from when it moved and why, as its public entry says
    (only a reason published with the change: `PublicSession.reason`)."""
    reason = session.get("reason")
    if not reason:
        return ""
    if session["status"] == "cancelled":
        return view.translate("Cancelled: %(reason)s") % {"reason": reason}
    if session.get("moved_from"):
        return view.translate("Moved from %(before)s to %(after)s: %(reason)s") % {
            "before": view.fmt.datetime(session["moved_from"]),
            "after": view.fmt.datetime(session["starts_at"]),
            "reason": reason,
        }
    return ""


def _rows(view: View, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    base = _base(view)
    rows = []
    for r in items:
        last = r["responses"][-1] if r["responses"] else {}
        rows.append(
            {
                **{k: r[k] for k in FIELDS if k in r},
                "region": r["region"] or "",
                "implemented_on": r["implemented_on"] or "",
                "response_status": last.get("status", ""),
                "response_text": last.get("text", ""),
                "response_at": last.get("recorded_at", ""),
                "protocol_url": f"{base}/public/protocols/{r['protocol_id']}",
            }
        )
    return rows


@router.get("/data/recommendations.csv")
async def recommendations_csv(
    view: PublicView, region: str | None = None, council: str | None = None
) -> Response:
    """Open data: recommendations and their execution, one CSV row each (UTF-8 with BOM)."""
    items = await fetch_all(view, "/recommendations", **_scope(region, council))
    rows = [[row.get(field, "") for field in FIELDS] for row in _rows(view, items)]
    return cached(
        view,
        spreadsheets.csv_text([FIELDS, *rows], bom=True),
        "text/csv; charset=utf-8",
        last_modified=newest(*(r["issued_at"] for r in items)),
        headers={"Content-Disposition": 'attachment; filename="recommendations.csv"'},
    )


@router.get("/data/recommendations.json")
async def recommendations_json(
    view: PublicView, region: str | None = None, council: str | None = None
) -> Response:
    """Open data: the same rows as the CSV, as a JSON document with its field list."""
    items = await fetch_all(view, "/recommendations", **_scope(region, council))
    body = json.dumps(
        {"fields": FIELDS, "items": _rows(view, items)}, ensure_ascii=False, sort_keys=True
    )
    return cached(
        view, body, "application/json", last_modified=newest(*(r["issued_at"] for r in items))
    )
