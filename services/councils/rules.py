"""The councils' pure rules: membership terms, quorum, majorities, overdue recommendations.

Plain functions of plain values (no database), so handlers, the read side and the unit tests
all ask the same question the same way.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, datetime

from kelisim.recommendations import PublicStatus
from services.councils.lifecycle import FINAL_RECOMMENDATION
from services.councils.schemas import Quorum


def term_covers(term_start: date, term_end: date | None, day: date) -> bool:
    """Whether a membership term covers `day` (an open end runs forever)."""
    return term_start <= day and (term_end is None or day <= term_end)


def term_in_order(term_start: date, term_end: date | None) -> bool:
    """Whether a term ends (if it ends at all) no earlier than it starts."""
    return term_end is None or term_start <= term_end


def terms_overlap(start: date, end: date | None, other_start: date, other_end: date | None) -> bool:
    """Whether two membership terms share a day (an open end runs forever)."""
    starts_before_end = other_end is None or start <= other_end
    ends_after_start = end is None or other_start <= end
    return starts_before_end and ends_after_start


def quorum_required(quorum_percent: int | None, members: int) -> int:
    """Members needed present: the council's percentage, or more than half by default."""
    if quorum_percent is None:
        return members // 2 + 1
    return max(1, math.ceil(members * quorum_percent / 100))


def quorum(quorum_percent: int | None, members: int, counted: int) -> Quorum:
    """The quorum over the members counted (present, and for an item not recused)."""
    required = quorum_required(quorum_percent, members)
    return Quorum(members=members, present=counted, required=required, reached=counted >= required)


def decide(rule: str, votes_for: int, entitled: int, members: int) -> bool:
    """Whether a decision is adopted: the rule's majority of `for` votes.

    simple: more than half of those present and entitled (abstentions and silence count
    as not for); absolute: more than half of all current members; two_thirds: at least
    two thirds of those present and entitled. A tie never adopts.
    """
    if rule == "simple":
        return 2 * votes_for > entitled
    if rule == "absolute":
        return 2 * votes_for > members
    if rule == "two_thirds":
        return 3 * votes_for >= 2 * entitled and votes_for > 0
    raise ValueError(f"unknown decision rule {rule!r}")


def rule_of(item_rule: str | None, council_rule: str) -> str:
    """The decision rule of an item: its own, else the council's default."""
    return item_rule or council_rule


def is_overdue(status: str, due_date: date, today: date) -> bool:
    """Past its due date and not yet carried out (a final status ends the control)."""
    return status not in FINAL_RECOMMENDATION and due_date < today


def sat_at(starts_at: datetime, held_at: datetime | None) -> datetime:
    """When a session sat: the planned time, or the moment it was opened if that was earlier
    (it met ahead of plan); a session recorded as held after it met sat at its planned time."""
    return min(starts_at, held_at or starts_at)


def follow_up(
    due_date: date, answers: Sequence[tuple[str, date]], today: date
) -> tuple[PublicStatus, date | None]:
    """What came of a recommendation on `today`, from its answers `(status, day reported)`
    oldest first: carried out on time or late (by the day the addressee reported), not at all,
    in part so far (follow-up goes on), or overdue without any of these; and the day it was
    carried out (in full, or the latest part).

    The secretary's pages, the internal API and the public side all ask this one function.
    """
    final = next((a for a in answers if a[0] in FINAL_RECOMMENDATION), None)
    if final is not None:
        status, day = final
        if status == "implemented":
            return ("implemented" if day <= due_date else "implemented_late"), day
        return "not_implemented", None
    partly = [day for status, day in answers if status == "partially_implemented"]
    if partly:
        return "partially_implemented", partly[-1]
    if due_date < today:
        return "overdue", None
    return ("answered" if answers else "issued"), None
