"""Which roles may open which pages: one table, used by the menu and by every page alike.

Of the entries whose path prefix matches a page, the most specific decides; a page under
no entry (the start page, login, the public pages) is open to anyone it is otherwise open
to. A page outside the user's roles answers 403 with an error page in their language,
instead of an empty list: the menu shows exactly the pages that would not refuse.
"""

from __future__ import annotations

from dataclasses import dataclass

from gateway.web.labels import N_
from kelisim.auth import ROLES

CASE_ROLES = frozenset({"mediator", "coordinator", "admin"})
# Only they register cases (services/cases/permissions.py REGISTER_ROLES says the same).
REGISTER_ROLES = frozenset({"mediator", "coordinator"})
COUNCIL_ROLES = frozenset({"council_secretary", "council_member", "admin", "analyst"})
# Who drafts practice notes: from a closed case, or from an implemented recommendation.
NOTE_AUTHORS = frozenset({"mediator", "coordinator", "council_secretary"})


@dataclass(frozen=True)
class Page:
    """Pages under `prefix` open to `roles`; `label` puts it in the main menu."""

    prefix: str
    roles: frozenset[str]
    label: str | None = None

    def covers(self, path: str) -> bool:
        return path == self.prefix or path.startswith(self.prefix + "/")


PAGES: tuple[Page, ...] = (
    Page("/cases", CASE_ROLES, N_("Cases")),
    Page("/cases/new", REGISTER_ROLES),
    Page("/caseload", frozenset({"coordinator"}), N_("Caseload")),
    Page("/practice-notes", NOTE_AUTHORS, N_("My practice notes")),
    Page("/escalations", frozenset({"liaison", "coordinator", "admin"}), N_("Escalations")),
    Page("/councils", COUNCIL_ROLES, N_("Councils")),
    Page("/analytics", frozenset({"analyst", "coordinator"}), N_("Analytics")),
    Page("/library", frozenset(ROLES) - {"liaison"}, N_("Library")),
    Page("/library/review", frozenset({"coordinator"})),
    Page("/notifications", frozenset(ROLES) - {"liaison"}, N_("Notifications")),
    Page("/admin/users", frozenset({"admin"}), N_("Users")),
    Page("/admin/webhooks", frozenset({"admin"}), N_("Webhooks")),
    Page("/admin/api-keys", frozenset({"admin"}), N_("API keys")),
    Page("/admin/rules", frozenset({"admin"}), N_("Notification rules")),
    Page("/admin/mail", frozenset({"admin"}), N_("Outgoing mail")),
    Page("/admin", frozenset({"admin"})),
)


def may_open(roles: set[str] | frozenset[str], path: str) -> bool:
    """Whether a user with `roles` may open the page at `path`."""
    matching = [p for p in PAGES if p.covers(path)]
    if not matching:
        return True
    best = max(matching, key=lambda p: len(p.prefix))
    return bool(best.roles & roles)


def menu(roles: set[str] | frozenset[str]) -> list[Page]:
    """The main menu's entries for a user with `roles`, in the table's order."""
    return [p for p in PAGES if p.label and p.roles & roles]
