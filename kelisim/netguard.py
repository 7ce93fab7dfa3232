"""An SSRF guard for URLs the system calls on someone's say-so (liaison webhook endpoints).

A URL is refused when it is not https in production, or when its host is, or resolves
to, an address that is not public: loopback, private (RFC 1918), carrier-grade NAT,
link-local (169.254.0.0/16, the cloud metadata address among them), unique-local IPv6,
multicast, unspecified or reserved. `KELISIM_WEBHOOK_ALLOWED_NETWORKS` names the networks
that are allowed anyway (e.g. a liaison system inside the ministry's network).
The check runs at registration and again before each call, after DNS resolution; the call
then goes to the very address that was checked (`Target`), so a name that resolves to a
public address for the check and to 127.0.0.1 for the call (DNS rebinding) gets nowhere.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from kelisim.settings import Settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], Awaitable[list[str]]]


class Refused(Exception):
    """The URL may not be called; the message says why."""


class Unresolvable(Refused):
    """The URL's host name does not resolve (now)."""


def kind_of(address: IPAddress) -> str | None:
    """What makes an address non-public ('loopback', 'private', …), or None if it is public."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    checks = (
        ("unspecified", address.is_unspecified),
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("unique-local" if address.version == 6 else "private", address.is_private),
        ("reserved", address.is_reserved),
        ("not public", not address.is_global),
    )
    return next((name for name, hit in checks if hit), None)


async def system_resolver(host: str, port: int) -> list[str]:
    """The addresses a host name resolves to, through the system resolver."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


@dataclass(frozen=True)
class Target:
    """Where to send a checked call: the URL with the checked address, and its Host/SNI."""

    url: str
    headers: dict[str, str] = field(default_factory=dict)
    sni: str | None = None  # the name to ask the TLS server for (https), not the address


@dataclass(frozen=True)
class Guard:
    """The rules for outgoing calls: https only or not, and the networks allowed anyway."""

    https_only: bool = True
    allowed: tuple[IPNetwork, ...] = ()
    resolver: Resolver = system_resolver

    @classmethod
    def from_settings(cls, settings: Settings, resolver: Resolver | None = None) -> Guard:
        networks = tuple(
            ipaddress.ip_network(str(net), strict=False)
            for net in settings.webhook_allowed_networks
        )
        return cls(settings.env == "production", networks, resolver or system_resolver)

    def allows(self, address: IPAddress) -> bool:
        return any(address in net for net in self.allowed if net.version == address.version)

    def check_address(self, text: str, host: str) -> IPAddress:
        """The address, or Refused when it is not public and not allowed."""
        address = ipaddress.ip_address(text.split("%", 1)[0])
        kind = kind_of(address)
        if kind is not None and not self.allows(address):
            shown = host if host == str(address) else f"{host} ({address})"
            raise Refused(f"{shown} is a {kind} address; only public addresses are called")
        return address

    def check_form(self, url: str) -> tuple[str, str, int]:
        """Scheme and host of a URL (scheme, host, port), or Refused."""
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        allowed = ("https",) if self.https_only else ("http", "https")
        if scheme not in allowed:
            raise Refused(f"only {' or '.join(allowed)} URLs are called, not {scheme or 'none'}")
        host = (parts.hostname or "").rstrip(".")
        if not host:
            raise Refused("the URL names no host")
        try:
            port = parts.port or (443 if scheme == "https" else 80)
        except ValueError as exc:
            raise Refused(f"bad port: {exc}") from exc
        return scheme, host, port

    async def resolve(self, url: str) -> Target:
        """Check a URL and every address its host resolves to; the target to call."""
        _scheme, host, port = self.check_form(url)
        try:
            return self._target(url, host, self.check_address(host, host))
        except ValueError:
            pass  # a host name, not an address literal
        try:
            found = await self.resolver(host, port)
        except OSError as exc:
            raise Unresolvable(f"{host} does not resolve: {exc}") from exc
        if not found:
            raise Unresolvable(f"{host} does not resolve")
        # Every address must pass: otherwise a name with one public and one private address
        # would be called on whichever the connection picked.
        checked = [self.check_address(text, host) for text in found]
        return self._target(url, host, checked[0])

    @staticmethod
    def _target(url: str, host: str, address: IPAddress) -> Target:
        parts = urlsplit(url)
        literal = f"[{address}]" if address.version == 6 else str(address)
        netloc = literal if parts.port is None else f"{literal}:{parts.port}"
        pinned = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
        host_header = host if parts.port is None else f"{host}:{parts.port}"
        sni = host if parts.scheme.lower() == "https" else None
        return Target(pinned, {"host": host_header}, sni)


def check_registration(url: str, guard: Guard) -> None:
    """The check at registration (no event loop running): form, addresses, resolution.

    A name that does not resolve yet is accepted: each call checks it again. A user name or
    password in the URL is refused here (a secret in the address is shown wherever the
    address is: lists, logs, the audit trail; a receiver authenticates Kelisim by the webhook
    signature); calls never sent it, so an endpoint registered with one is still called.
    """
    parts = urlsplit(url)
    if parts.username is not None or parts.password is not None:
        raise Refused("the URL carries a user name or password")
    try:
        asyncio.run(guard.resolve(url))
    except Unresolvable:
        pass
