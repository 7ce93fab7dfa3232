"""What `KELISIM_ENV=production` refuses: development defaults that must never serve the public.

Checked by the `kelisim` command before any work (every process starts through it), for the
owners that command touches, so a service is not asked for another's secrets.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from kelisim.settings import Settings

# The passwords of the demo and of the example secret in deploy/k8s.
DEVELOPMENT_PASSWORDS = frozenset({"demo", "CHANGE-ME", "admin", "secret"})
MIN_SESSION_SECRET = 32


class Refused(Exception):
    """A setting production does not accept; the message names it and says what to do."""


def _database(settings: Settings, owner: str) -> str | None:
    name = f"KELISIM_{owner.upper()}_DATABASE_URL"
    url: str | None = getattr(settings, f"{owner}_database_url")
    if not url:
        return f"{name} is not set (the SQLite fallback is for development); set a PostgreSQL URL"
    # Imported here: `kelisim up` (the supervisor) checks its settings and never needs it again.
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        backend = make_url(url).get_backend_name()
    except ArgumentError:
        return f"{name} is not a database URL"
    if backend == "sqlite":
        return f"{name} is SQLite; production runs on PostgreSQL"
    return None


def _secrets(settings: Settings, owners: Sequence[str]) -> list[str]:
    problems = []
    if not settings.token_public_key:
        problems.append(
            "KELISIM_TOKEN_PUBLIC_KEY is not set (keys generated in the data folder are for "
            "development); run `kelisim keys` once and store the keys as secrets"
        )
    if "gateway" in owners:
        if not settings.token_private_key:
            problems.append("KELISIM_TOKEN_PRIVATE_KEY is not set (generated keys are refused)")
        if settings.admin_password in DEVELOPMENT_PASSWORDS:
            problems.append("KELISIM_ADMIN_PASSWORD is a development password; choose a real one")
        if (
            settings.session_secret is not None
            and len(settings.session_secret) < MIN_SESSION_SECRET
        ):
            problems.append(
                f"KELISIM_SESSION_SECRET is shorter than {MIN_SESSION_SECRET} characters"
            )
    return problems


def _webhooks(settings: Settings) -> list[str]:
    loopback = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))
    for network in settings.webhook_allowed_networks:
        net = ipaddress.ip_network(str(network), strict=False)
        if net.is_loopback or any(
            net.version == lo.version and net.overlaps(lo) for lo in loopback
        ):
            return [
                f"KELISIM_WEBHOOK_ALLOWED_NETWORKS allows the loopback network {net}; "
                "webhooks in production go to other hosts"
            ]
    return []


def problems(
    settings: Settings, owners: Sequence[str], *, secrets: bool, embedded_nats: bool
) -> list[str]:
    """Every unsafe default for these owners, one line each; nothing outside production."""
    if settings.env != "production":
        return []
    found = [p for owner in owners if (p := _database(settings, owner))]
    if embedded_nats and settings.nats_embedded:
        found.append(
            "KELISIM_NATS_EMBEDDED is true (the embedded nats-server is for development); "
            "set it to false and KELISIM_NATS_URL to the cluster"
        )
    if secrets:
        found += _secrets(settings, owners)
    return found + _webhooks(settings)


def refuse_unsafe(
    settings: Settings, owners: Sequence[str], *, secrets: bool, embedded_nats: bool = False
) -> None:
    """Raise `Refused` naming every unsafe setting, one line each (production only)."""
    found = problems(settings, owners, secrets=secrets, embedded_nats=embedded_nats)
    if found:
        raise Refused("\n".join(f"KELISIM_ENV=production refuses: {line}" for line in found))
