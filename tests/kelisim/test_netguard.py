"""The SSRF guard's rules: which addresses are public, https in production, pinned targets."""

from __future__ import annotations

import ipaddress

import pytest

from kelisim.netguard import Guard, Refused, kind_of

pytestmark = pytest.mark.db_independent


@pytest.mark.parametrize(
    "address, kind",
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.5.4", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"),  # the cloud metadata service
        ("fe80::1", "link-local"),
        ("fd00::1", "unique-local"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("100.64.0.1", "not public"),  # carrier-grade NAT
        ("93.184.216.34", None),
        ("2a00:1450:4001:82b::200e", None),
    ],
)
def test_only_public_addresses_pass(address: str, kind: str | None):
    assert kind_of(ipaddress.ip_address(address)) == kind


def hosts(table: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    """A resolver hook answering from a table (what DNS would say)."""

    async def resolve(host: str, port: int) -> list[str]:
        if host not in table:
            raise OSError("no such host")
        return table[host]

    return resolve


async def test_production_calls_https_only():
    guard = Guard(https_only=True, resolver=hosts({"liaison.example.kz": ["93.184.216.34"]}))
    with pytest.raises(Refused, match="only https"):
        await guard.resolve("http://liaison.example.kz/hooks")
    target = await guard.resolve("https://liaison.example.kz/hooks?x=1")
    assert target.url == "https://93.184.216.34/hooks?x=1"
    assert target.headers == {"host": "liaison.example.kz"}
    assert target.sni == "liaison.example.kz"


async def test_a_name_resolving_to_a_private_address_is_refused_unless_allowed():
    table = {"liaison.example.kz": ["127.0.0.1"], "mixed.example.kz": ["93.184.216.34", "10.0.0.5"]}
    resolver = hosts(table)
    strict = Guard(https_only=False, resolver=resolver)
    with pytest.raises(Refused, match=r"liaison.example.kz \(127.0.0.1\) is a loopback"):
        await strict.resolve("http://liaison.example.kz:8201/hooks")
    with pytest.raises(Refused, match="10.0.0.5"):
        await strict.resolve("http://mixed.example.kz/hooks")  # every address must pass
    with pytest.raises(Refused, match="metadata|link-local"):
        await strict.resolve("http://169.254.169.254/latest/meta-data/")
    allowed = Guard(False, (ipaddress.ip_network("127.0.0.0/8"),), resolver)
    target = await allowed.resolve("http://liaison.example.kz:8201/hooks")
    assert target.url == "http://127.0.0.1:8201/hooks"
    assert target.headers == {"host": "liaison.example.kz:8201"}


async def test_ipv6_literals_and_unresolvable_names():
    guard = Guard(https_only=False, resolver=hosts({}))
    with pytest.raises(Refused, match="unique-local"):
        await guard.resolve("http://[fd00::1]:8080/x")
    with pytest.raises(Refused, match="does not resolve"):
        await guard.resolve("http://nowhere.invalid/x")
    with pytest.raises(Refused, match="no host"):
        await guard.resolve("http:///x")
