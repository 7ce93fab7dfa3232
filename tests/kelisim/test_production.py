"""KELISIM_ENV=production refuses development defaults, one line per setting, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from kelisim import production
from kelisim.auth import generate_keypair
from kelisim.settings import Settings
from tests.support.cli import run_cli

pytestmark = pytest.mark.db_independent

REPO = Path(__file__).resolve().parents[2]
PG = "postgresql://kelisim:secret@127.0.0.1:1/kelisim"
OWNERS = ("gateway", "cases", "councils", "notifications", "analytics")


def safe(tmp_path: Path, **changes: object) -> Settings:
    """A production configuration that passes, changed by `changes`."""
    generate_keypair(tmp_path)
    values: dict[str, object] = {
        "env": "production",
        "data_dir": tmp_path,
        "nats_embedded": False,
        "token_private_key": (tmp_path / "token_ed25519.pem").read_text(),
        "token_public_key": (tmp_path / "token_ed25519.pub.pem").read_text(),
        "admin_password": "a-long-real-password",
        **{f"{owner}_database_url": PG for owner in OWNERS},
    }
    values.update(changes)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def found(settings: Settings) -> list[str]:
    return production.problems(settings, OWNERS, secrets=True, embedded_nats=True)


def test_a_safe_production_configuration_passes(tmp_path: Path):
    assert found(safe(tmp_path)) == []


def test_development_refuses_nothing(tmp_path: Path):
    assert found(Settings(_env_file=None, data_dir=tmp_path)) == []  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("changes", "setting", "words"),
    [
        ({"cases_database_url": None}, "KELISIM_CASES_DATABASE_URL", "not set"),
        ({"gateway_database_url": "sqlite:////tmp/g.db"}, "KELISIM_GATEWAY_DATABASE_URL", "SQLite"),
        ({"nats_embedded": True}, "KELISIM_NATS_EMBEDDED", "embedded"),
        ({"token_public_key": None}, "KELISIM_TOKEN_PUBLIC_KEY", "generated"),
        ({"token_private_key": None}, "KELISIM_TOKEN_PRIVATE_KEY", "generated"),
        ({"admin_password": "demo"}, "KELISIM_ADMIN_PASSWORD", "development password"),
        ({"session_secret": "short"}, "KELISIM_SESSION_SECRET", "shorter"),
        (
            {"webhook_allowed_networks": ["127.0.0.1/32"]},
            "KELISIM_WEBHOOK_ALLOWED_NETWORKS",
            "loopback",
        ),
        (
            {"webhook_allowed_networks": ["10.20.0.0/16", "::1"]},
            "KELISIM_WEBHOOK_ALLOWED_NETWORKS",
            "loopback",
        ),
        (
            {"webhook_allowed_networks": ["0.0.0.0/0"]},
            "KELISIM_WEBHOOK_ALLOWED_NETWORKS",
            "loopback",
        ),
    ],
)
def test_each_unsafe_default_is_named(tmp_path: Path, changes, setting, words):
    problems = found(safe(tmp_path, **changes))
    assert len(problems) == 1, problems
    assert problems[0].startswith(setting)
    assert words in problems[0]


def test_a_service_is_not_asked_for_the_gateway_secrets(tmp_path: Path):
    settings = safe(tmp_path, token_private_key=None, gateway_database_url=None)
    assert production.problems(settings, ["cases"], secrets=True, embedded_nats=False) == []


def test_the_ssrf_guard_still_refuses_loopback_webhooks_in_production(tmp_path: Path):
    """The guard built from production settings refuses a loopback endpoint (no exemption)."""
    import asyncio

    from kelisim.netguard import Guard, Refused

    guard = Guard.from_settings(safe(tmp_path))
    with pytest.raises(Refused):
        asyncio.run(guard.resolve("https://127.0.0.1/hook"))


def test_serve_in_production_on_sqlite_is_one_line_naming_the_setting(tmp_path: Path):
    result = run_cli(tmp_path, "serve", "cases", KELISIM_ENV="production")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("KELISIM_ENV=production refuses: KELISIM_CASES_DATABASE_URL")
    assert any("KELISIM_TOKEN_PUBLIC_KEY" in line for line in lines)
    assert "Traceback" not in result.stderr + result.stdout


def test_serve_all_in_production_names_every_app_s_database(tmp_path: Path):
    result = run_cli(tmp_path, "serve", "all", KELISIM_ENV="production")
    assert result.returncode == 2
    for owner in OWNERS:
        assert f"KELISIM_{owner.upper()}_DATABASE_URL" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert not (tmp_path / "var").exists()


def test_up_in_production_refuses_the_embedded_nats(tmp_path: Path):
    env = {f"KELISIM_{owner.upper()}_DATABASE_URL": PG for owner in OWNERS}
    result = run_cli(tmp_path, "up", KELISIM_ENV="production", **env)
    assert result.returncode == 2
    assert "KELISIM_NATS_EMBEDDED" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "var" / "nats").exists()


def test_migrate_in_production_refuses_the_sqlite_fallback(tmp_path: Path):
    result = run_cli(tmp_path, "migrate", KELISIM_ENV="production")
    assert result.returncode == 2
    assert "KELISIM_GATEWAY_DATABASE_URL is not set" in result.stderr
    assert not (tmp_path / "var").exists()
