"""Who may do what in notifications: a liaison reaches only the feed, an admin manages."""

from __future__ import annotations

import pytest

from kelisim.auth import Principal
from kelisim.problems import Problem
from services.notifications.permissions import feed_regions, may

pytestmark = pytest.mark.db_independent


def who(*roles: str, regions: tuple[str, ...] = ()) -> Principal:
    return Principal(sub="u", user_id="u", roles=frozenset(roles), regions=frozenset(regions))


@pytest.mark.parametrize(
    ("roles", "inbox", "manage", "feed", "acknowledge"),
    [
        (("liaison",), False, False, True, True),
        (("coordinator",), True, False, True, False),
        (("admin",), True, True, True, False),
        (("mediator",), True, False, False, False),
        (("analyst",), True, False, False, False),
        (("council_member",), True, False, False, False),
        (("liaison", "coordinator"), True, False, True, True),
        ((), False, False, False, False),
    ],
)
def test_each_role_reaches_what_it_needs(roles, inbox, manage, feed, acknowledge):
    caller = who(*roles)
    assert may(caller, "read_inbox") is inbox
    assert may(caller, "manage") is manage
    assert may(caller, "read_feed") is feed
    assert may(caller, "acknowledge") is acknowledge


@pytest.mark.parametrize(
    ("caller", "region", "regions"),
    [
        (who("admin"), None, None),
        (who("admin"), "KZ-71", ["KZ-71"]),
        (who("liaison", regions=("KZ-75", "KZ-11")), None, ["KZ-11", "KZ-75"]),
        (who("coordinator", regions=("KZ-75",)), "KZ-75", ["KZ-75"]),
    ],
)
def test_the_feed_shows_the_callers_regions(caller, region, regions):
    assert feed_regions(caller, region) == regions


def test_a_region_outside_the_scope_is_refused():
    with pytest.raises(Problem) as refused:
        feed_regions(who("liaison", regions=("KZ-75",)), "KZ-71")
    assert refused.value.status == 403
