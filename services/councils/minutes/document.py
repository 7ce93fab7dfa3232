"""Minutes as a readable document: one view in a language, laid out as HTML or a PDF/A file.

`view` turns the protocol's structured content and the facts around it (signatures,
remarks, recommendations) into headings, plain sentences and tables in one language, with
times in Kazakhstan's time. The web page and the PDF lay out the same view, so they say the
same thing. The same content, facts and language always give the same PDF bytes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import segno
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from kelisim import pdf
from kelisim.localtime import day, local_date, moment
from services.councils.minutes.texts import LABELS
from services.councils.rendering import agree, correction_reason, decision, pick, with_reason

TEMPLATES = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class Signature:
    role: str
    full_name: str
    signed_at: datetime | None


@dataclass(frozen=True)
class Remark:
    full_name: str
    text: str
    made_at: datetime


@dataclass(frozen=True)
class Issued:
    """A recommendation issued on an agenda item."""

    item_id: str
    addressee: str
    text: str
    due_date: date
    id: str = ""  # the recommendation's (what publishing checks the documents printed)


@dataclass(frozen=True)
class Facts:
    """What the minutes print besides their content: identity, signatures, remarks, follow-up."""

    protocol_id: str
    sha256: str
    published_at: datetime | None
    signatures: tuple[Signature, ...] = ()
    remarks: tuple[Remark, ...] = ()
    recommendations: tuple[Issued, ...] = ()


def _person(person: dict[str, Any], t: dict[str, str]) -> str:
    role = t.get(person.get("role") or "", "")
    return f"{person['full_name']} ({role})" if role else str(person["full_name"])


def verify_url(base: str, sha256: str) -> str:
    """The public verification page of a protocol's hash."""
    return f"{base}/public/verify?sha256={quote(sha256)}"


def view(content: dict[str, Any], facts: Facts, lang: str) -> dict[str, Any]:
    """The minutes in `lang` as headings, sentences and rows (JSON-ready)."""
    t = LABELS.get(lang, LABELS["kk"])
    council, session, attendance = content["council"], content["session"], content["attendance"]
    quorum = content["quorum"]
    by_item: dict[str, list[Issued]] = {}
    for issued in facts.recommendations:
        by_item.setdefault(issued.item_id, []).append(issued)
    items = []
    for item in content["items"]:
        entry: dict[str, Any] = {
            "heading": f"{t['item']} {item['position']}. {pick(item['titles'], lang)}",
            "rapporteur": item["rapporteur"],
            "recused": [with_reason(_person(p, t), p, t) for p in item["recused"]],
            "rule": t[item["rule"]],
            "voted": item["adopted"] is not None,
            "votes_plain": "",
            "votes": [],
            "did_not_vote": [],
            "did_not_vote_label": t["did_not_vote"],
            "decision": decision(item, lang),
            "proposal": pick(item.get("proposal") or {}, lang),
            "recommendations": [
                {
                    "addressee": r.addressee,
                    "text": r.text,
                    "due": day(r.due_date, lang),
                }
                for r in by_item.get(item["id"], [])
            ],
        }
        if item["adopted"] is not None:
            entitled = len(item.get("entitled") or [])
            silent = item.get("did_not_vote") or []
            entry["votes_plain"] = t["votes_plain"].format(
                entitled=entitled,
                entitled_word=agree(lang, "members", entitled),
                were_entitled=agree(lang, "were", entitled),
                had=agree(lang, "had", entitled),
                for_=item["for"],
                against=item["against"],
                abstained=item["abstained"],
                abstained_word=agree(lang, "abstained", item["abstained"]),
            )
            entry["votes"] = [
                {"name": _person(v, t), "choice": t[v["choice"]]} for v in item["votes"]
            ]
            entry["did_not_vote"] = [_person(p, t) for p in silent]
            entry["did_not_vote_label"] = agree(
                lang, "did_not_vote", len(silent), t["did_not_vote"]
            )
        items.append(entry)
    verdict = t["reached"] if quorum["reached"] else t["not_reached"]
    corrects = content.get("corrects")
    return {
        "lang": lang,
        "title": t["correction"] if corrects else t["protocol"],
        "corrects": t["corrects"].format(sha=corrects["sha256"]) if corrects else "",
        "correction_reason": correction_reason(content),
        "facts": [
            [t["council"], council["name"]],
            [t["session"], session["title"]],
            [t["date"], f"{moment(session['starts_at'], lang)} ({t['time_zone']})"],
            [t["place"], session["place"] or session.get("online_link") or "—"],
        ],
        "attendance": {
            "plain": t["attendance_plain"].format(
                present=quorum["present"],
                were_present=agree(lang, "were_present", quorum["present"]),
                members=attendance["members"],
                members_word=agree(lang, "members", attendance["members"]),
                of_members=agree(lang, "of_members", attendance["members"]),
                required=quorum["required"],
                were_required=agree(lang, "were", quorum["required"]),
                verdict=verdict,
            ),
            "present": [_person(p, t) for p in attendance["present"]],
            "absent": [_person(p, t) for p in attendance["absent"]],
        },
        "items": items,
        "notes": pick(content.get("notes") or {}, lang),
        "remarks": [
            {"name": r.full_name, "text": r.text, "at": moment(r.made_at, lang)}
            for r in facts.remarks
        ],
        "signatures": [
            {
                "role": t.get(s.role, s.role),
                "name": s.full_name,
                "at": moment(s.signed_at, lang) if s.signed_at else "—",
            }
            for s in facts.signatures
        ],
        "published": moment(facts.published_at, lang) if facts.published_at else "",
        "sha256": facts.sha256,
        "labels": {key: t[key] for key in LABEL_KEYS},
    }


LABEL_KEYS = (
    "attendance",
    "present",
    "absent",
    "rapporteur",
    "recused",
    "rule",
    "votes",
    "decision",
    "recommendations",
    "addressee",
    "due",
    "notes",
    "remarks",
    "corrections",
    "correction_reason",
    "signatures",
    "signed_at",
    "published",
    "sha256",
    "verify",
    "qr",
    "none",
)


@cache
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"], default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def html(minutes: dict[str, Any], verify: str) -> str:
    """The HTML WeasyPrint lays out: the view, its hash and a QR code of `verify`."""
    qr = segno.make(verify, error="m").svg_inline(scale=2, border=2, title=minutes["labels"]["qr"])
    return (
        _environment().get_template("minutes.html").render(m=minutes, verify=verify, qr=Markup(qr))  # noqa: S704 - segno escapes its text
    )


def render(content: dict[str, Any], facts: Facts, lang: str, public_base: str) -> bytes:
    """The unsigned minutes as PDF/A-3b; the same inputs give byte-identical files."""
    minutes = view(content, facts, lang)
    made = facts.published_at or datetime.fromisoformat(content["session"]["starts_at"])
    created = local_date(made)
    identifier = hashlib.sha256(f"{facts.protocol_id}:{lang}:{facts.sha256}".encode()).hexdigest()
    return pdf.render_pdf(
        html(minutes, verify_url(public_base, facts.sha256)),
        base_url=TEMPLATES.as_uri() + "/",
        created_on=created,
        identifier=identifier[:32],
    )
