"""Coarse authorisation at the gateway: which roles may reach which part of a service at all.

Fine authorisation (this region, this council, this assigned mediator) stays in the
services. Of the rules whose path prefix and method match a request, the most specific
decides: the request passes when it names one of the caller's roles. Rules are data; the
table below is the whole policy.

| path prefix                  | methods | roles                                                 |
|------------------------------|---------|-------------------------------------------------------|
| /api/v1/cases                | any     | admin, coordinator, mediator                          |
| /api/v1/councils/public      | GET     | every role, and `public` (the /public pages)          |
| /api/v1/councils             | any     | admin, council_secretary, council_member, analyst     |
| /api/v1/notifications/feed   | any     | liaison, coordinator, admin                           |
| /api/v1/notifications        | any     | every role but liaison                                |
| /api/v1/analytics            | any     | analyst, coordinator                                  |
| /api/v1/analytics/library    | any     | every role but liaison (the library of practice)      |
| /api/v1/analytics/library/review | any | coordinator (of another region: checked in analytics) |

The role `public` (no user has it: the gateway's public pages call with it) reaches only
the councils' public read API, which answers published data alone. A liaison reaches only
the escalation feed. An analyst never reaches the cases service,
which holds the parties' personal data; in councils it reads only what that service lets it
(published protocols, control lists). Analytics holds aggregates only: analysts read the
regions on their account, coordinators their own region; its library of practice holds
anonymised notes and is open to every staff role but a liaison. The cases service itself keeps
personal data from an admin, who reads case cards but no parties.
"""

from __future__ import annotations

from dataclasses import dataclass

from kelisim.auth import PUBLIC_ROLE, ROLES

ANY = frozenset({"GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"})
READ = frozenset({"GET", "HEAD"})
PROXIED_SERVICES = ("cases", "councils", "notifications", "analytics")


@dataclass(frozen=True)
class Rule:
    """Roles that may call paths under `prefix` with `methods`."""

    prefix: str
    methods: frozenset[str]
    roles: frozenset[str]

    def matches(self, path: str, method: str) -> bool:
        under = path == self.prefix or path.startswith(self.prefix + "/")
        return under and method in self.methods


RULES: tuple[Rule, ...] = (
    Rule("/api/v1/councils/public", READ, frozenset({*ROLES, PUBLIC_ROLE})),
    Rule("/api/v1/cases", ANY, frozenset({"admin", "coordinator", "mediator"})),
    Rule(
        "/api/v1/councils",
        ANY,
        frozenset({"admin", "council_secretary", "council_member", "analyst"}),
    ),
    Rule("/api/v1/notifications/feed", ANY, frozenset({"liaison", "coordinator", "admin"})),
    Rule("/api/v1/notifications", ANY, frozenset(ROLES) - {"liaison"}),
    Rule("/api/v1/analytics", ANY, frozenset({"analyst", "coordinator"})),
    Rule("/api/v1/analytics/library", ANY, frozenset(ROLES) - {"liaison"}),
    Rule("/api/v1/analytics/library/review", ANY, frozenset({"coordinator"})),
)


def allowed(roles: frozenset[str] | set[str], path: str, method: str) -> bool:
    """Whether `roles` may send `method` to `path`; the most specific matching rule decides."""
    matching = [r for r in RULES if r.matches(path, method)]
    if not matching:
        return False
    most_specific = max(len(r.prefix) for r in matching)
    return any(r.roles & roles for r in matching if len(r.prefix) == most_specific)
