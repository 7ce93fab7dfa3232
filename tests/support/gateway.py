"""The whole system in-process behind the gateway, for tests that act as its users.

`async with gateway_stack(settings) as stack:` migrates and starts cases, councils and
notifications, then the gateway wired to them in-process; `await stack.login_as(...)`
creates a user with roles and scopes through the admin API and returns bearer headers.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from contextlib import AsyncExitStack, ExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlmodel import Session as DbSession

from kelisim.auth import generate_keypair
from kelisim.migrations import OWNERS
from kelisim.settings import Settings
from tests.support.checks import eventually
from tests.support.db import fresh_database, migrated
from tests.support.services import reset_streams, running, wait_ready

ADMIN = ("admin", "admin-password-1")
SERVICES = ("cases", "councils", "notifications", "analytics")


@dataclass
class Stack:
    """A gateway client, the services' direct clients, and the admin's headers."""

    settings: Settings
    client: httpx.AsyncClient
    services: dict[str, httpx.AsyncClient] = field(default_factory=dict)
    admin: dict[str, str] = field(default_factory=dict)

    def client_from(self, address: str) -> httpx.AsyncClient:
        """Another client of the same gateway, calling from `address` (close it after use)."""
        transport = httpx.ASGITransport(app=self.client.app, client=(address, 50000))  # type: ignore[attr-defined]
        return httpx.AsyncClient(transport=transport, base_url="http://gateway")

    async def login(self, username: str, password: str) -> dict[str, str]:
        """Bearer headers of a password login; fails the test when refused."""
        answer = await self.client.post(
            "/api/v1/auth/token", data={"username": username, "password": password}
        )
        assert answer.status_code == 200, answer.text
        return {"Authorization": f"Bearer {answer.json()['access_token']}"}

    async def create_user(
        self,
        username: str,
        *,
        roles: Iterable[str],
        regions: Iterable[str] = (),
        councils: Iterable[str] = (),
        password: str = "user-password-1",
        **profile: object,
    ) -> dict:
        """Create a user through the admin API; returns the account as the API shows it."""
        body = {
            "username": username,
            "password": password,
            "full_name": profile.pop("full_name", username.title()),
            "roles": list(roles),
            "regions": list(regions),
            "councils": list(councils),
            **profile,
        }
        answer = await self.client.post("/api/v1/users", json=body, headers=self.admin)
        assert answer.status_code == 201, answer.text
        if "mediator" in body["roles"] and "cases" in self.services:
            await self.known_to_cases(username)
        return answer.json()

    async def known_to_cases(self, username: str, *, active: bool = True) -> None:
        """Wait until the cases service's staff directory has the account as the gateway has it."""
        from services.cases.models import StaffMember

        ctx = self.services["cases"].app.state.ctx  # type: ignore[attr-defined]

        def known() -> bool:
            with DbSession(ctx.engine) as db:
                member = db.get(StaffMember, username)
                return member is not None and member.active == active

        await eventually(known, what=f"the cases service to know {username}")

    async def login_as(self, username: str, **kwargs: object) -> dict[str, str]:
        """Create a user with roles/scopes and log in; returns bearer headers."""
        password = str(kwargs.setdefault("password", "user-password-1"))
        await self.create_user(username, **kwargs)  # type: ignore[arg-type]
        return await self.login(username, password)


async def _ready(client: httpx.AsyncClient, timeout: float = 60) -> None:
    # 60 s: a CI rehearsal beside six other test suites once took over 30 s to connect to NATS.
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        answer = await client.get("/status")
        if answer.json()["ready"] and answer.json()["nats"]:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"gateway not ready: {answer.text}")
        await asyncio.sleep(0.05)


@asynccontextmanager
async def running_gateway(
    settings: Settings, transports: dict[str, httpx.AsyncBaseTransport] | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    """Migrate and start the gateway alone (its lifespan runs); yield a client bound to it."""
    from gateway.app import build_app

    await asyncio.to_thread(migrated, "gateway", settings.database_url("gateway"))
    app = build_app(settings, transports=transports)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
            client.app = app  # type: ignore[attr-defined]
            yield client


@asynccontextmanager
async def gateway_stack(settings: Settings) -> AsyncIterator[Stack]:
    """All three services and the gateway in-process, with the first admin logged in."""
    settings = settings.model_copy(update={"admin_username": ADMIN[0], "admin_password": ADMIN[1]})
    async with AsyncExitStack() as stack:
        services = {
            name: await stack.enter_async_context(running(name, settings)) for name in SERVICES
        }
        transports = {
            name: httpx.ASGITransport(app=client.app)  # type: ignore[attr-defined]
            for name, client in services.items()
        }
        client = await stack.enter_async_context(running_gateway(settings, transports))
        await _ready(client)
        result = Stack(settings, client, services)
        result.admin = await result.login(*ADMIN)
        yield result


__all__ = ["ADMIN", "Stack", "gateway_stack", "running_gateway", "system_stack", "wait_ready"]


@asynccontextmanager
async def system_stack(tmp: Path, nats_url: str) -> AsyncIterator[Stack]:
    """A whole system on fresh databases, keys and streams, for a module of tests."""
    with ExitStack() as databases:
        urls = {
            f"{owner}_database_url": databases.enter_context(fresh_database(tmp, owner))
            for owner in OWNERS
        }
        generate_keypair(tmp / "keys")
        await reset_streams(nats_url)
        settings = Settings(
            env="test",
            data_dir=tmp,
            nats_url=nats_url,
            # The relay's poll stays the product's (0.5 s): every commit in these systems wakes
            # its relay, and a 0.05 s poll in five services doubled an idle system's CPU.
            mail_sink_port=0,  # no `kelisim up`, no development mail sink
            **urls,
        )
        async with gateway_stack(settings) as stack:
            yield stack
