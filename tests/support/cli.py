"""The `kelisim` command run as a user runs it: a subprocess with only the settings given."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

# The metrics doors have fixed default ports (8009, 8010) that every process with default
# settings shares: two systems of one run, or two runs side by side, would race for them.
CLOSED_METRICS = {"KELISIM_GATEWAY_METRICS_PORT": "0", "KELISIM_SUPERVISOR_METRICS_PORT": "0"}


def bare_env(**settings: str) -> dict[str, str]:
    """The environment of a Kelisim process a test starts: no KELISIM_ setting of the run's
    own, the metrics doors closed, then `settings` (which may open them on a free port)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KELISIM_")}
    return {**env, **CLOSED_METRICS, **settings}


def run_cli(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`kelisim *args` in tmp_path, its data folder there, no KELISIM_ setting but `env`."""
    clean = bare_env(KELISIM_DATA_DIR=str(tmp_path / "var"), **env)
    return subprocess.run(
        [sys.executable, "-m", "kelisim.cli", *args],
        env=clean,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
