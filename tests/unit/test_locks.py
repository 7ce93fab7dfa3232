"""The hashed lock files agree with the pins of pyproject.toml (the one place for pins)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

pytestmark = pytest.mark.db_independent

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?==([^\s;\\]+)", re.M)


def pins(text: str) -> dict[str, str]:
    return {name.lower().replace("_", "-"): version for name, version in PIN.findall(text)}


def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def test_every_pin_is_in_its_lock_with_its_version_and_hashes() -> None:
    extras = project()["optional-dependencies"]
    wanted = {
        "main.lock": project()["dependencies"],
        "test.lock": project()["dependencies"] + extras["test"],
        "deploy-check.lock": extras["deploy-check"],
    }
    for lock, requirements in wanted.items():
        text = (ROOT / "requirements" / lock).read_text()
        locked = pins(text)
        for name, version in pins("\n".join(requirements)).items():
            assert locked.get(name) == version, f"{lock}: {name}=={version}; run `make lock`"
        entries = re.findall(
            r"^[A-Za-z0-9_.\-]+==\S+ \\\n(?:\s+--hash=sha256:[0-9a-f]{64}.*\n)+", text, re.M
        )
        assert len(entries) == len(locked), f"{lock}: a requirement without hashes"


def test_the_runtime_lock_is_the_test_lock_s_subset() -> None:
    main = pins((ROOT / "requirements" / "main.lock").read_text())
    test = pins((ROOT / "requirements" / "test.lock").read_text())
    assert {name: test.get(name) for name in main} == main
