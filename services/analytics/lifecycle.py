"""The states of an analysts' proposal and who may move it, as data.

A proposal is drafted by an analyst, submitted, and reviewed by a second analyst, who
approves it (frozen: it goes into the yearly report as written) or returns it with a remark.
"""

from __future__ import annotations

from dataclasses import dataclass

from kelisim.problems import Problem


@dataclass(frozen=True)
class Step:
    sources: frozenset[str]
    target: str
    by: str  # "author" or "reviewer" (an analyst other than the author)


PROPOSAL: dict[str, Step] = {
    "edit": Step(frozenset({"draft", "returned"}), "draft", "author"),
    "submit": Step(frozenset({"draft", "returned"}), "submitted", "author"),
    "approve": Step(frozenset({"submitted"}), "approved", "reviewer"),
    "return": Step(frozenset({"submitted"}), "returned", "reviewer"),
}
FROZEN = frozenset({"approved"})


def check(action: str, status: str, *, is_author: bool) -> Step:
    """The step, or a 409 (wrong state) / 403 (wrong person) problem."""
    step = PROPOSAL[action]
    if status not in step.sources:
        raise Problem(409, "invalid-state", f"Cannot {action} a proposal that is {status}.")
    if step.by == "author" and not is_author:
        raise Problem(403, "not-the-author", "Only its author changes or submits a proposal.")
    if step.by == "reviewer" and is_author:
        raise Problem(403, "second-analyst", "A second analyst, not the author, reviews it.")
    return step
