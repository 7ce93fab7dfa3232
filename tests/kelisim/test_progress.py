"""Long commands show progress on a terminal (counts, time left) and a summary everywhere."""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from kelisim.progress import Progress, duration
from tests.support.cli import bare_env, run_cli

pytestmark = pytest.mark.db_independent

REPO = Path(__file__).resolve().parents[2]


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_progress_counts_estimates_the_time_left_and_sums_up():
    clock, out = Clock(), io.StringIO()
    progress = Progress("migrating", 4, "databases", stream=out, clock=clock, live=True)
    clock.now += 2
    progress.advance(note="cases")
    assert progress.line() == "migrating: 1/4 databases (25%), about 6.0 s left · cases"
    clock.now += 90
    progress.advance(2)
    assert "3/4 databases (75%), about 31 s left" in out.getvalue().split("\r")[-1]
    clock.now += 100
    progress.advance()
    assert progress.finish("migrated 4 databases") == "migrated 4 databases in 3 min 12 s"
    assert out.getvalue().endswith("\rmigrated 4 databases in 3 min 12 s\n")


def test_progress_is_quiet_off_a_terminal_but_for_the_summary():
    out = io.StringIO()
    progress = Progress("replaying", 3, "outboxes", stream=out, live=False)
    for _ in range(3):
        progress.advance()
    progress.finish("9 events queued again")
    assert out.getvalue().startswith("9 events queued again in ")
    assert "\r" not in out.getvalue() and out.getvalue().count("\n") == 1
    assert [duration(s) for s in (0.42, 59.6, 3725)] == ["0.4 s", "1 min 00 s", "1 h 02 min"]


def _on_a_terminal(tmp_path: Path, *args: str) -> str:
    """`kelisim *args` with its stdout on a pseudo-terminal; what the terminal received."""
    controller, terminal = pty.openpty()
    env = bare_env()
    env["KELISIM_DATA_DIR"] = str(tmp_path / "var")
    proc = subprocess.Popen(
        [sys.executable, "-m", "kelisim.cli", *args],
        env=env,
        cwd=REPO,
        stdout=terminal,
        stderr=subprocess.DEVNULL,
    )
    os.close(terminal)
    received = b""
    while True:
        try:
            chunk = os.read(controller, 4096)
        except OSError:  # the terminal closed: the command has exited
            break
        if not chunk:
            break
        received += chunk
    proc.wait(120)
    os.close(controller)
    assert proc.returncode == 0, received
    return received.decode()


def test_migrate_shows_its_progress_on_a_terminal_and_only_the_summary_in_a_pipe(
    tmp_path: Path,
):
    shown = _on_a_terminal(tmp_path, "migrate")
    assert "\rmigrating: 1/5 databases (20%), about " in shown
    assert "\rmigrating: 5/5 databases (100%)" in shown
    assert "migrated 5 databases: gateway, cases, councils, notifications, analytics in " in shown

    piped = run_cli(tmp_path, "migrate")
    assert piped.returncode == 0, piped.stderr
    assert "\r" not in piped.stdout
    assert piped.stdout.startswith("migrated 5 databases: ")
