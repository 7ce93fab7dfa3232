"""Rule audience resolution: which audience columns a rule gives an event, or nobody."""

from __future__ import annotations

import pytest

from services.notifications.handlers.notify import audience_of
from services.notifications.models import Rule

pytestmark = pytest.mark.db_independent

EVENT = {"region": "KZ-75", "council_id": "council-a", "mediator": "aigerim"}


@pytest.mark.parametrize(
    ("rule", "params", "audience"),
    [
        (
            Rule(subject="s", audience="role", role="coordinator", scope="region"),
            EVENT,
            {"audience_role": "coordinator", "region": "KZ-75", "council_id": None},
        ),
        (
            Rule(subject="s", audience="role", role="council_member", scope="council"),
            EVENT,
            {"audience_role": "council_member", "region": None, "council_id": "council-a"},
        ),
        (
            Rule(subject="s", audience="role", role="analyst", scope="all"),
            EVENT,
            {"audience_role": "analyst", "region": None, "council_id": None},
        ),
        (
            Rule(subject="s", audience="role", role="analyst", scope="all"),
            {},
            {"audience_role": "analyst", "region": None, "council_id": None},
        ),
        (
            Rule(subject="s", audience="mediator", scope="region"),
            EVENT,
            {"audience_user": "aigerim"},
        ),
        # Nobody: the event lacks what the scope or the audience needs.
        (Rule(subject="s", audience="role", role="coordinator", scope="region"), {}, None),
        (
            Rule(subject="s", audience="role", role="coordinator", scope="region"),
            {"region": None},
            None,
        ),
        (
            Rule(subject="s", audience="role", role="coordinator", scope="council"),
            {"region": "KZ-75"},
            None,
        ),
        (Rule(subject="s", audience="mediator", scope="region"), {"region": "KZ-75"}, None),
        (Rule(subject="s", audience="mediator", scope="region"), {"mediator": None}, None),
        (Rule(subject="s", audience="mediator", scope="region"), {"mediator": ""}, None),
    ],
)
def test_a_rule_applied_to_an_event_names_its_audience(rule, params, audience):
    assert audience_of(rule, params) == audience


@pytest.mark.parametrize(("role", "scope"), [("analyst", "region"), ("coordinator", "region")])
def test_early_warning_alerts_reach_the_regions_analysts_and_coordinators(role, scope):
    rule = Rule(subject="analytics.alert.raised", audience="role", role=role, scope=scope)
    alert = {"alert_id": "a1", "region": "KZ-75", "category": "family"}
    assert audience_of(rule, alert) == {
        "audience_role": role,
        "region": "KZ-75",
        "council_id": None,
    }
