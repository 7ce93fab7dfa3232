"""Importing past statistics: a CSV of monthly counts per region x category, all or nothing.

Columns (header required, in any order): `region` (ISO 3166-2:KZ code, e.g. KZ-75),
`category` (interethnic, interfaith, community, family, labour, land, neighbour, other),
`month` (YYYY-MM, not in the future), `count` (a whole number, 0 or more). One row per
region, category and month, and only of the uploader's regions (a national analyst's are
all). Every bad row is reported with its line number and nothing is imported; a re-upload
of the same figures changes nothing.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from datetime import date

from sqlmodel import select

from kelisim.clock import now
from kelisim.commands import Command
from kelisim.problems import Problem
from kelisim.uow import UnitOfWork
from services.analytics.cube import IMPORTED
from services.analytics.cube_schedule import mark_changed
from services.analytics.measures import ALL_REGIONS, CATEGORIES, month_key, month_start
from services.analytics.models import HistoryCount, HistoryImport

COLUMNS = ("region", "category", "month", "count")
MAX_ROWS = 100_000
MAX_ERRORS = 50


@dataclass(frozen=True, kw_only=True)
class ImportHistory(Command):
    """An analyst's upload of past monthly counts."""

    content: bytes
    today: date
    regions: frozenset[str]  # the uploader's regions: a row of another region is refused


@dataclass(frozen=True)
class Imported:
    import_id: str
    rows: int
    replaced: int
    unchanged: bool


def parse(content: bytes, today: date, regions: frozenset[str]) -> dict[tuple[str, str, date], int]:
    """The counts of a CSV, or a 422 problem listing every bad row."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Problem(422, "invalid-csv", "The file is not UTF-8 text.") from exc
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise Problem(
            422, "invalid-csv", f"Missing columns: {', '.join(missing)}.", columns=list(COLUMNS)
        )
    reader.fieldnames = header
    counts: dict[tuple[str, str, date], int] = {}
    errors: list[dict[str, object]] = []
    for line, row in enumerate(reader, start=2):
        if line - 1 > MAX_ROWS:
            raise Problem(422, "invalid-csv", f"At most {MAX_ROWS} rows per file.")
        problem = _row_problem(row, today, regions)
        if problem is None:
            key = (
                row["region"].strip(),
                row["category"].strip(),
                month_start(row["month"].strip()),
            )
            if key in counts:
                problem = RowError(
                    "duplicate-row", "", "the same region, category and month appear twice"
                )
            else:
                counts[key] = int(row["count"].strip())
        if problem is not None:
            errors.append(
                {"line": line, "code": problem.code, "value": problem.value, "error": problem.text}
            )
    if errors:
        raise Problem(
            422,
            "invalid-rows",
            f"{len(errors)} row(s) are not valid; nothing was imported.",
            errors=errors[:MAX_ERRORS],
        )
    if not counts:
        raise Problem(422, "invalid-csv", "The file holds no rows.")
    return counts


@dataclass(frozen=True)
class RowError:
    """Why a row was refused: a stable code, the value at fault, and the reason in words."""

    code: str
    value: str
    text: str


def _row_problem(
    row: dict[str, str | None], today: date, regions: frozenset[str]
) -> RowError | None:
    region = (row.get("region") or "").strip()
    category = (row.get("category") or "").strip()
    month = (row.get("month") or "").strip()
    count = (row.get("count") or "").strip()
    if region not in ALL_REGIONS:
        return RowError("unknown-region", region[:20], f"unknown region {region[:20]!r}")
    if region not in regions:
        return RowError("out-of-scope", region, f"region {region} is outside your scope")
    if category not in CATEGORIES:
        return RowError("unknown-category", category[:30], f"unknown category {category[:30]!r}")
    try:
        if len(month) != 7 or month[4] != "-":
            raise ValueError(month)
        first = month_start(month)
    except ValueError:
        return RowError("bad-month", month[:20], f"month {month[:20]!r} is not YYYY-MM")
    if first.year < 1991 or first > today:
        return RowError("month-out-of-range", month, f"month {month} is outside 1991 to this month")
    if not (count.isascii() and count.isdigit()) or len(count) > 7:
        return RowError(
            "bad-count", count[:20], f"count {count[:20]!r} is not a whole number 0 to 9999999"
        )
    return None


def import_history(cmd: ImportHistory, uow: UnitOfWork) -> Imported:
    """Replace the counts of the months a file covers with its figures, in one transaction."""
    counts = parse(cmd.content, cmd.today, cmd.regions)
    digest = hashlib.sha256(cmd.content).hexdigest()
    session = uow.session
    existing = {
        (h.region, h.category, h.month): h
        for h in session.exec(
            select(HistoryCount).where(
                HistoryCount.month >= min(m for _, _, m in counts),
                HistoryCount.month <= max(m for _, _, m in counts),
            )
        ).all()
    }
    changed = {k: v for k, v in counts.items() if k not in existing or existing[k].count != v}
    if not changed:
        prior = session.exec(select(HistoryImport).where(HistoryImport.sha256 == digest)).first()
        return Imported(prior.id if prior else "", len(counts), 0, True)
    record = HistoryImport(sha256=digest, rows=len(counts), imported_by=cmd.principal.sub)
    session.add(record)
    replaced = 0
    for (region, category, month), value in changed.items():
        row = existing.get((region, category, month))
        if row is None:
            session.add(
                HistoryCount(
                    region=region, category=category, month=month, count=value, import_id=record.id
                )
            )
        else:
            replaced += 1
            row.count = value
            row.import_id = record.id
            session.add(row)
    mark_changed(uow.conn, IMPORTED, {month_key(m) for _, _, m in changed}, now())
    uow.audit(
        "history.imported",
        "history_import",
        record.id,
        after={
            "sha256": digest,
            "rows": len(counts),
            "changed": len(changed),
            "replaced": replaced,
        },
    )
    return Imported(record.id, len(counts), replaced, False)
