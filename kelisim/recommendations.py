"""The words about recommendations and minutes that the councils service and the gateway's
pages share (a service and the gateway never import each other; both import `kelisim`)."""

from __future__ import annotations

from typing import Literal, get_args

# A recommendation's public status (services/councils/public.py), in the public filter's order.
PublicStatus = Literal[
    "issued",
    "answered",
    "implemented",
    "implemented_late",
    "partially_implemented",
    "not_implemented",
    "overdue",
]
PUBLIC_STATUSES: tuple[str, ...] = get_args(PublicStatus)

# Minutes whose text is settled: a recommendation issued now would be missing from them, so
# it waits for a correction of the published minutes (which prints it).
SETTLED_MINUTES = frozenset({"approved", "signed", "published"})
