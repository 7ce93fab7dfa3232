"""The shipped alert rules and Grafana dashboard name only metrics the code exports."""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path

import pytest
import yaml
from prometheus_client import REGISTRY

pytestmark = pytest.mark.db_independent

ROOT = Path(__file__).resolve().parents[2] / "deploy" / "observability"
# Every module that registers metrics at import.
MODULES = (
    "kelisim.web",
    "kelisim.observe",
    "kelisim.workers",
    "kelisim.bus.relay",
    "kelisim.bus.consumer",
    "kelisim.supervision.supervisor",
    "services.notifications.metrics",
    "services.notifications.workers",
    "services.analytics.metrics",
)


def exported() -> set[str]:
    for module in MODULES:
        importlib.import_module(module)
    # Every sample name (`_total`, `_bucket`…) of every registered metric, children or not.
    return set(REGISTRY._names_to_collectors)  # noqa: SLF001 - no public listing exists


def used(text: str) -> set[str]:
    return set(re.findall(r"\bkelisim_[a-z_]+", text))


def test_alert_rules_are_well_formed_and_name_exported_metrics():
    rules = yaml.safe_load((ROOT / "alerts.yml").read_text())["groups"][0]["rules"]
    assert len(rules) >= 10
    for rule in rules:
        assert {"alert", "expr", "labels", "annotations"} <= rule.keys(), rule
        assert rule["labels"]["severity"] in {"info", "warning", "critical"}
    names = exported()
    expressions = "\n".join(rule["expr"] for rule in rules)
    unknown = {n for n in used(expressions) if n not in names and n + "_total" not in names}
    assert not unknown, unknown


def test_the_dashboard_names_exported_metrics_and_covers_the_gauges():
    dashboard = json.loads((ROOT / "grafana-dashboard.json").read_text())
    expressions = "\n".join(t["expr"] for p in dashboard["panels"] for t in p["targets"])
    names = exported()
    assert not {n for n in used(expressions) if n not in names}
    for gauge in (
        "kelisim_outbox_backlog",
        "kelisim_outbox_oldest_age_seconds",
        "kelisim_consumer_pending",
        "kelisim_consumer_ack_pending",
        "kelisim_dead_letters",
        "kelisim_webhook_deliveries_pending",
        "kelisim_webhook_deliveries_failing",
        "kelisim_webhook_endpoints_disabled",
        "kelisim_alerts_open",
        "kelisim_http_request_seconds_bucket",
    ):
        assert gauge in expressions, gauge
