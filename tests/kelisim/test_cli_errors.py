"""The `kelisim` command's errors: one line naming the path or setting and what to do."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.support.cli import run_cli

pytestmark = pytest.mark.db_independent

REPO = Path(__file__).resolve().parents[2]


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_version(tmp_path: Path):
    result = run_cli(tmp_path, "--version")
    assert result.returncode == 0
    assert result.stdout.startswith("kelisim ")
    assert result.stdout.split()[1][0].isdigit()


def test_a_data_folder_that_is_a_file(tmp_path: Path):
    (tmp_path / "var").write_text("not a folder")
    line = one_line(run_cli(tmp_path, "migrate"))
    assert str(tmp_path / "var") in line
    assert "KELISIM_DATA_DIR" in line


def test_a_read_only_data_folder(tmp_path: Path):
    folder = tmp_path / "var"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        if os.access(folder, os.W_OK):  # root ignores the mode: nothing to check
            return
        line = one_line(run_cli(tmp_path, "migrate"))
        assert str(folder) in line and "writable" in line
    finally:
        folder.chmod(0o700)


def test_a_database_server_that_does_not_answer(tmp_path: Path):
    url = "postgresql://kelisim:hunter2@127.0.0.1:1/kelisim"
    env = {
        f"KELISIM_{o.upper()}_DATABASE_URL": url
        for o in ("gateway", "cases", "councils", "notifications", "analytics")
    }
    line = one_line(run_cli(tmp_path, "migrate", **env))
    assert "cannot open the database postgresql://kelisim:***@127.0.0.1:1/kelisim" in line
    assert "hunter2" not in line
    assert "_DATABASE_URL" in line


def test_a_sqlite_file_under_a_file(tmp_path: Path):
    (tmp_path / "afile").write_text("a file, not a folder")
    missing = tmp_path / "afile" / "gateway.db"
    line = one_line(
        run_cli(tmp_path, "migrate", KELISIM_GATEWAY_DATABASE_URL=f"sqlite:///{missing}")
    )
    assert str(missing) in line
    assert "KELISIM_GATEWAY_DATABASE_URL" in line


def test_serve_all_refuses_one_port_and_serve_one_refuses_prepare(tmp_path: Path):
    line = one_line(run_cli(tmp_path, "serve", "all", "--port", "9000"))
    assert "KELISIM_GATEWAY_PORT" in line and "--port" in line
    line = one_line(run_cli(tmp_path, "serve", "cases", "--prepare"))
    assert "migrate --only cases" in line
    assert not (tmp_path / "var").exists()


def test_a_malformed_setting(tmp_path: Path):
    line = one_line(run_cli(tmp_path, "migrate", KELISIM_GATEWAY_PORT="eighty"))
    assert line.startswith("kelisim: KELISIM_GATEWAY_PORT:")
