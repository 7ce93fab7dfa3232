"""The bare baseline of bench/api_reads: a Starlette app with the same SQL, the same JSON.

No token check, no framework validation, no ORM: sqlite3 on the service's own database files,
rows turned into the services' JSON shapes by hand. Run as
`python -m bench.bare_reads PORT CASES_DB COUNCILS_DB` (uvicorn, like the services).
"""

from __future__ import annotations

import json
import sqlite3
import sys
from datetime import date
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

LIST = (
    "id, number, region, category, channel, status, registered_at, registered_by, mediator, "
    "declared, refusal_reasons, agreement_signed_on, deadline, extended, outcome, escalated, "
    "version, description"
)
SESSION = (
    "id, council_id, title, status, starts_at, place, online_link, convened_at, held_at, closed_at"
)
ITEM = (
    "id, session_id, position, titles, proposal, rapporteur, decision_rule, vote_status, "
    "entitled, members_count, votes_for, votes_against, votes_abstained, adopted"
)
DOCUMENT = "id, item_id, filename, media_type, size, sha256, uploaded_by, uploaded_at"


def iso(value: str | None) -> str | None:
    return None if value is None else value.replace(" ", "T") + "Z"


def dump(body: Any) -> Response:
    return Response(json.dumps(body, separators=(",", ":")), media_type="application/json")


def case_of(row: sqlite3.Row, personal: bool) -> dict[str, Any]:
    case = dict(row)
    case.pop("description")
    case.update(
        registered_at=iso(row["registered_at"]),
        declared=bool(row["declared"]),
        extended=bool(row["extended"]),
        escalated=bool(row["escalated"]),
        refusal_reasons=row["refusal_reasons"].split(",") if row["refusal_reasons"] else [],
        personal_data=personal,
        description=row["description"] if personal else None,
    )
    return case


def build(cases_db: str, councils_db: str) -> Starlette:
    cases = sqlite3.connect(cases_db, check_same_thread=False)
    councils = sqlite3.connect(councils_db, check_same_thread=False)
    cases.row_factory = councils.row_factory = sqlite3.Row

    async def case_list(request: Request) -> Response:
        limit = int(request.query_params.get("limit", 20))
        rows = cases.execute(
            f'SELECT {LIST} FROM "case" WHERE region IN (?) '
            "ORDER BY registered_at DESC, id DESC LIMIT ?",
            ("KZ-75", limit + 1),
        ).fetchall()
        items = [case_of(r, True) for r in rows[:limit]]
        more = len(rows) > limit
        return dump({"items": items, "next_cursor": items[-1]["id"] if more else None})

    async def case_detail(request: Request) -> Response:
        case_id = request.path_params["case_id"]
        row = cases.execute('SELECT * FROM "case" WHERE id = ?', (case_id,)).fetchone()
        parties = cases.execute(
            "SELECT * FROM party WHERE case_id = ? ORDER BY position", (case_id,)
        ).fetchall()
        consented = {
            r["party_id"]
            for r in cases.execute(
                "SELECT * FROM consent WHERE case_id = ? AND purpose = 'mediation' "
                "AND withdrawn_at IS NULL",
                (case_id,),
            )
        }
        case = case_of(row, True)
        for name in ("closed_at", "extension_reason", "outcome_reason", "liaison_ref"):
            case.pop(name, None)
        case["parties"] = [
            {
                **{k: v for k, v in dict(p).items() if k not in ("case_id", "position")},
                "state_body": bool(p["state_body"]),
                "found_incapable": bool(p["found_incapable"]),
                "consented": p["id"] in consented,
            }
            for p in parties
        ]
        case["party_count"] = len(parties)
        return dump(case)

    async def session_page(request: Request) -> Response:
        session_id = request.path_params["session_id"]
        session = councils.execute(
            f"SELECT {SESSION} FROM council_session WHERE id = ?", (session_id,)
        ).fetchone()
        council = councils.execute(
            "SELECT * FROM council WHERE id = ?", (session["council_id"],)
        ).fetchone()
        today = date.today().isoformat()
        members = [
            m["username"]
            for m in councils.execute("SELECT * FROM member WHERE council_id = ?", (council["id"],))
            if m["term_start"] <= today and (m["term_end"] is None or today <= m["term_end"])
        ]
        present = sorted(
            r["username"]
            for r in councils.execute(
                "SELECT * FROM attendance WHERE session_id = ? AND present = 1", (session_id,)
            )
            if r["username"] in members
        )
        items = [
            dict(r)
            for r in councils.execute(
                f"SELECT {ITEM} FROM agenda_item WHERE session_id = ? ORDER BY position",
                (session_id,),
            )
        ]
        ids = [i["id"] for i in items]
        marks = ",".join("?" * len(ids))
        recused: dict[str, list[str]] = {}
        documents: dict[str, list[dict[str, Any]]] = {}
        if ids:
            for r in councils.execute(
                f"SELECT item_id, username FROM recusal WHERE item_id IN ({marks})", ids
            ):
                recused.setdefault(r["item_id"], []).append(r["username"])
            for r in councils.execute(
                f"SELECT {DOCUMENT} FROM document WHERE item_id IN ({marks})", ids
            ):
                documents.setdefault(r["item_id"], []).append(
                    {**dict(r), "uploaded_at": iso(r["uploaded_at"])}
                )
        for item in items:
            item.update(
                titles=json.loads(item["titles"]),
                proposal=json.loads(item["proposal"]),
                entitled=json.loads(item["entitled"]) if item["entitled"] else None,
                recused=sorted(recused.get(item["id"], [])),
                materials=documents.get(item["id"], []),
            )
        percent = council["quorum_percent"]
        required = (
            len(members) // 2 + 1 if percent is None else max(1, -(-len(members) * percent // 100))
        )
        body = {
            **dict(session),
            "starts_at": iso(session["starts_at"]),
            "items": items,
            "present": present,
            "absent": sorted(set(members) - set(present)),
            "quorum": {
                "members": len(members),
                "present": len(present),
                "required": required,
                "reached": len(present) >= required,
            },
        }
        return dump(body)

    return Starlette(
        routes=[
            Route("/api/v1/cases", case_list),
            Route("/api/v1/cases/{case_id}", case_detail),
            Route("/api/v1/councils/sessions/{session_id}", session_page),
        ]
    )


if __name__ == "__main__":
    port, cases_db, councils_db = sys.argv[1:4]
    uvicorn.run(
        build(cases_db, councils_db),
        host="127.0.0.1",
        port=int(port),
        log_config=None,
        access_log=False,
    )
