"""The `kelisim` command run as a user runs it: a subprocess with only the settings given."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run_cli(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`kelisim *args` in tmp_path, its data folder there, no KELISIM_ setting but `env`."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("KELISIM_")}
    clean.update({"KELISIM_DATA_DIR": str(tmp_path / "var"), **env})
    return subprocess.run(
        [sys.executable, "-m", "kelisim.cli", *args],
        env=clean,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
