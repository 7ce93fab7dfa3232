"""Settings for every Kelisim process, read from `KELISIM_*` environment variables."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, IPvAnyNetwork, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SecretsSettingsSource,
    SettingsConfigDict,
)

# Docker/Compose secrets: a folder of files named like the variables (KELISIM_TOKEN_PUBLIC_KEY,
# ...), each holding its value; read below the environment, only when this names a folder.
SECRETS_DIR_VARIABLE = "KELISIM_SECRETS_DIR"

SERVICES = ("cases", "councils", "notifications", "analytics")


class Settings(BaseSettings):
    """One settings object, the same names in every process and deployment."""

    model_config = SettingsConfigDict(env_prefix="KELISIM_", env_file=".env", extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    data_dir: Path = Path("./var")
    log_level: str = "INFO"
    log_json: bool = False

    # Messaging
    nats_url: str = "nats://127.0.0.1:4222"
    nats_embedded: bool = True
    stream_replicas: int = Field(default=1, ge=1, le=5)
    stream_max_age_days: int = Field(default=90, ge=1)
    # The domain streams keep their events for years: the statistics are rebuilt from them
    # (they carry no personal data). Per stream, e.g. '{"CASES": 3650}'; others: the default.
    stream_max_age_by_stream: dict[str, int] = Field(
        default_factory=lambda: {
            "CASES": 3650,
            "COUNCILS": 3650,
            "NOTIFICATIONS": 3650,
            "ANALYTICS": 3650,
            "AUDIT": 3650,
        }
    )
    stream_duplicate_window_seconds: int = Field(default=300, ge=120)
    # Sent outbox events are kept this long so a restore can publish again what a stream
    # backup missed: at least the interval between backups (checked below).
    outbox_retention_days: int = Field(default=7, ge=1)
    backup_interval_hours: float = Field(default=24.0, gt=0)
    relay_batch_size: int = Field(default=500, ge=1)
    relay_poll_seconds: float = Field(default=0.5, gt=0)
    # `kelisim up --demo` sets it for its children: the gateway is ready once the demo is made.
    demo: bool = False
    # Development only: `kelisim up` keeps every e-mail in a Maildir under data_dir/mail through
    # an SMTP sink on 127.0.0.1 at this port (0: none), unless SMTP is configured.
    mail_sink_port: int = Field(default=8025, ge=0, le=65535)
    # How long `kelisim up` waits for every process to be ready (a loaded host needs more).
    ready_timeout_seconds: float = Field(default=60.0, gt=0)
    consumer_max_deliver: int = Field(default=8, ge=2)
    consumer_ack_wait_seconds: float = Field(default=30.0, gt=0)
    consumer_batch_size: int = Field(default=50, ge=1)

    # Databases: each service owns one; unset means a SQLite file under data_dir.
    gateway_database_url: str | None = None
    cases_database_url: str | None = None
    councils_database_url: str | None = None
    notifications_database_url: str | None = None
    analytics_database_url: str | None = None

    # Processes
    # `kelisim up`: every app in one process ("one": the common stack loaded once, one start)
    # or one process per app ("per-service": a crash or a hang stops one app, and the apps
    # use more than one core). Kubernetes runs one app per pod either way.
    processes: Literal["one", "per-service"] = "one"
    # Per service: the analytics process (counting, cubes, early warning, the yearly report:
    # none of it on an escalation's path) runs this much nicer than the others, so when the
    # CPU is short the processes an escalation goes through get it first (0: the same).
    background_nice: int = Field(default=10, ge=0, le=19)
    host: str = "127.0.0.1"
    # While a process is busy its event loop wakes this often (kelisim/awake.py); 0: never.
    loop_awake_ms: float = Field(default=10.0, ge=0)
    gateway_port: int = 8000
    cases_port: int = 8001
    councils_port: int = 8002
    notifications_port: int = 8003
    analytics_port: int = 8004
    # The gateway's /metrics is not on its public port but here (0: not served); the
    # services' ports are internal and serve /metrics themselves (kelisim/observe.py).
    gateway_metrics_port: int = Field(default=8010, ge=0)
    # `kelisim up` supervision: restarts with backoff (doubling, capped) up to a limit in a
    # row, reset once a child has stayed healthy; a child failing its health check
    # `supervisor_health_failures` times in a row is killed and restarted.
    supervisor_metrics_port: int = Field(default=8009, ge=0)  # 0: no metrics endpoint
    supervisor_restart_limit: int = Field(default=5, ge=0)
    supervisor_backoff_seconds: float = Field(default=0.5, gt=0)
    supervisor_backoff_max_seconds: float = Field(default=30.0, gt=0)
    supervisor_stable_seconds: float = Field(default=60.0, gt=0)
    supervisor_health_interval_seconds: float = Field(default=2.0, gt=0)
    supervisor_health_timeout_seconds: float = Field(default=3.0, gt=0)
    supervisor_health_failures: int = Field(default=3, ge=1)
    supervisor_start_seconds: float = Field(default=60.0, gt=0)
    cases_url: str | None = None
    councils_url: str | None = None
    notifications_url: str | None = None
    analytics_url: str | None = None

    # Service tokens (Ed25519): PEM text, else files under data_dir/keys.
    token_private_key: str | None = None
    token_public_key: str | None = None
    token_issuer: str = "kelisim-gateway"
    token_ttl_seconds: int = Field(default=60, ge=5, le=60)
    # Document signing (PAdES): PEM key and certificate chain, else a self-signed pair that
    # `kelisim up` creates under data_dir/keys (refused in production).
    document_signing_key: str | None = None
    document_signing_certificate: str | None = None
    # Where the public reaches the gateway: printed in documents (verification QR codes).
    public_url: str | None = None

    # Audit anchors (kelisim/anchors.py): the chain heads are signed with this Ed25519 key
    # (PEM text, else files under data_dir/keys) and published every so many seconds.
    audit_private_key: str | None = None
    audit_public_key: str | None = None
    audit_anchor_seconds: float = Field(default=10.0, gt=0)

    # Gateway
    admin_username: str | None = None
    admin_password: str | None = None
    session_secret: str | None = None
    # Login: progressive delays (gateway/identity/login.py). Failures without a wait per
    # (account, address) pair, per address and per account name; then 1 s, 2 s, 4 s … up to
    # the cap. The account name's limit also announces a burst to the admins.
    login_free_attempts: int = Field(default=3, ge=1)
    login_address_free_attempts: int = Field(default=10, ge=1)
    login_account_free_attempts: int = Field(default=10, ge=1)
    login_delay_base_seconds: float = Field(default=1.0, gt=0)
    login_delay_max_seconds: float = Field(default=900.0, gt=0)
    login_quiet_minutes: int = Field(default=60, ge=1)
    login_known_address_days: int = Field(default=90, ge=1)
    # Proxies whose X-Forwarded-For / -Proto the gateway believes (comma-separated addresses
    # or networks, "*" for any); unset: none, the client address is the connection's peer.
    forwarded_allow_ips: str | None = None

    # Gateway: access tokens, sessions, login throttling per address, proxy (issue 4)
    access_token_minutes: int = Field(default=30, ge=1, le=720)
    session_hours: int = Field(default=8, ge=1, le=24)
    password_min_length: int | None = None
    proxy_timeout_seconds: float = Field(default=15.0, gt=0)
    openapi_cache_seconds: float = Field(default=60.0, ge=0)

    # Cases domain
    cases_term_days: int = 30
    cases_extension_days: int = 30
    cases_business_days: bool = False
    cases_warn_days: int = 5
    cases_timezone: str = "Asia/Almaty"
    # The deadline and recommendation watchers divide their items into this many shards, each
    # a lease of its own (kelisim.workers.run_per_key), shared out among the replicas.
    watch_shards: int = Field(default=4, ge=1, le=64)
    cases_watch_seconds: float = Field(default=60.0, gt=0)
    cases_watch_lease_seconds: float = Field(default=120.0, gt=0)

    # Public pages (gateway): requests per address and minute
    public_rate_per_minute: int = Field(default=120, ge=1)

    # Councils domain
    councils_reminder_days: int = Field(default=7, ge=0)
    councils_watch_seconds: float = Field(default=300.0, gt=0)

    # Notifications domain (owner: notifications service). Unset SMTP host and port: in
    # production 127.0.0.1:25; elsewhere the mail sink of `kelisim up` (below), and with no
    # sink either, e-mail is off (written, then recorded as not sent: `smtp_server()`).
    smtp_host: str | None = None
    smtp_port: int | None = None
    smtp_from: str = "kelisim@localhost"
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    smtp_timeout_seconds: float = Field(default=30.0, gt=0)
    notifications_poll_seconds: float = Field(default=1.0, gt=0)
    notifications_digest_minutes: float = Field(default=60.0, gt=0)
    notifications_email_max_attempts: int = Field(default=10, ge=1)
    webhook_timeout_seconds: float = Field(default=15.0, gt=0)
    # An endpoint's lease: a replica that dies hands its endpoints on within this time.
    webhook_lease_seconds: float = Field(default=20.0, gt=0)
    webhook_retry_scale: float = Field(default=1.0, gt=0)
    webhook_disable_after_hours: float = Field(default=120.0, gt=0)
    webhook_max_retry_after_seconds: float = Field(default=86400.0, gt=0)
    escalation_ack_alert_hours: float = Field(default=4.0, gt=0)
    # The SSRF guard (kelisim/netguard.py) calls public addresses only; these networks
    # (CIDR or single addresses, e.g. '["10.20.0.0/16"]') are allowed anyway.
    webhook_allowed_networks: list[IPvAnyNetwork] = Field(default_factory=list)

    # Analytics domain (owner: analytics service)
    analytics_detect_seconds: float = Field(default=300.0, gt=0)
    analytics_min_count: int = Field(default=5, ge=1)
    analytics_alpha: float = Field(default=0.01, gt=0, lt=0.5)
    analytics_timezone: str = "Asia/Almaty"
    analytics_suppress_below: int = Field(default=5, ge=1)  # counts 1..this-1 are hidden
    analytics_cube_debounce_seconds: float = Field(default=2.0, gt=0)

    # Request bodies (kelisim.limits): JSON and forms, and the routes that take documents.
    max_json_bytes: int = Field(default=1024 * 1024, ge=1024)
    max_document_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        folder = os.environ.get(SECRETS_DIR_VARIABLE)
        if folder:
            file_secret_settings = SecretsSettingsSource(settings_cls, secrets_dir=folder)
        return init_settings, env_settings, dotenv_settings, file_secret_settings

    @model_validator(mode="after")
    def _outbox_outlives_backups(self) -> Settings:
        if self.outbox_retention_days * 24 < self.backup_interval_hours:
            raise ValueError(
                "KELISIM_OUTBOX_RETENTION_DAYS must cover KELISIM_BACKUP_INTERVAL_HOURS "
                "(a restore publishes again the outbox events sent since its backup)"
            )
        return self

    def stream_max_age(self, stream: str) -> int:
        """How many days a stream keeps its events."""
        return self.stream_max_age_by_stream.get(stream, self.stream_max_age_days)

    def database_url(self, owner: str) -> str:
        """The database URL of a service or the gateway."""
        url: str | None = getattr(self, f"{owner}_database_url")
        if url:
            return url
        return f"sqlite:///{(self.data_dir / f'{owner}.db').resolve()}"

    def service_url(self, service: str) -> str:
        """The base URL the gateway uses to reach a service."""
        url = getattr(self, f"{service}_url")
        return url or f"http://{self.host}:{getattr(self, f'{service}_port')}"

    def public_base_url(self) -> str:
        """The gateway's address as the public knows it (no trailing slash)."""
        return (self.public_url or f"http://{self.host}:{self.gateway_port}").rstrip("/")

    @property
    def smtp_configured(self) -> bool:
        """Whether an SMTP server is named (its host, its port or both)."""
        return self.smtp_host is not None or self.smtp_port is not None

    @property
    def mail_sink(self) -> bool:
        """Whether e-mail goes to the development mail sink: never in production."""
        return self.env != "production" and self.mail_sink_port > 0 and not self.smtp_configured

    def smtp_server(self) -> tuple[str, int] | None:
        """Where the notifications service sends e-mail: the sink, else the SMTP server.

        None (e-mail is off) outside production when neither is configured: there is no
        server to try, and 127.0.0.1:25 would be refused, or a stranger's, forever.
        """
        if self.mail_sink:
            return "127.0.0.1", self.mail_sink_port
        if not self.smtp_configured and self.env != "production":
            return None
        return self.smtp_host or "127.0.0.1", self.smtp_port or 25

    @property
    def mail_dir(self) -> Path:
        """The development mail sink's Maildir."""
        return self.data_dir / "mail"

    @property
    def demo_marker(self) -> Path:
        """Written by `kelisim demo-data` once the demo is made; read by the gateway's /readyz."""
        return self.data_dir / "demo-ready"

    @property
    def keys_dir(self) -> Path:
        return self.data_dir / "keys"
