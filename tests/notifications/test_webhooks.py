"""Law-enforcement webhooks: signed, scoped, retried until delivered, every attempt recorded."""

from __future__ import annotations

import base64
import json

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from standardwebhooks.webhooks import Webhook

from kelisim import webhooks
from tests.notifications.conftest import admin, eventually
from tests.support.events import read_stream
from tests.support.services import running

# The reviewed liaison subset, written out: a field added to what leaves must be added here.
LIAISON_FIELDS = {
    "escalation_id",
    "case_ref",
    "region",
    "category",
    "risk_level",
    "summary",
    "escalated_at",
    "risk_of",
    "reference",
}


def verified_ids(receiver, secrets=(), public_keys=()) -> dict[str, dict]:
    """The receiver's own dedup: verified deliveries by webhook-id (first body kept)."""
    seen: dict[str, dict] = {}
    for call in receiver.snapshot():
        try:
            msg_id = webhooks.verify(
                call.headers, call.body, secrets=secrets, public_keys=public_keys, now=call.at
            )
        except webhooks.WebhookVerificationError:
            continue
        seen.setdefault(msg_id, json.loads(call.body))
    return seen


def v1a_verifies(public_key: str, headers: dict[str, str], body: bytes) -> bool:
    """An independent Ed25519 check of the v1a signatures (cryptography only)."""
    raw = base64.b64decode(public_key.removeprefix("whpk_"))
    key = Ed25519PublicKey.from_public_bytes(raw)
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    for part in headers["webhook-signature"].split(" "):
        version, _, sig = part.partition(",")
        if version == "v1a":
            key.verify(base64.b64decode(sig), signed)  # raises InvalidSignature
            return True
    return False


async def test_a_receiver_failing_half_its_calls_still_gets_every_escalation_once(
    settings, producer, receivers
):
    # Half the calls fail: 500, ok, timeout (arrives, but too late), ok, ...
    flaky = receivers(lambda n: ("500", "ok", "timeout", "ok")[n % 4])
    other = receivers()
    old_secret, new_secret = webhooks.generate_secret(), webhooks.generate_secret()
    async with running("notifications", settings) as client:
        created = await client.post(
            "/api/v1/notifications/endpoints",
            json={
                "region": "KZ-75",
                "url": flaky.url,
                "secrets": [old_secret, new_secret],
                "generate_signing_key": True,
            },
            headers=admin(settings),
        )
        assert created.status_code == 201, created.text
        public_key = created.json()["generated_public_key"]
        assert public_key.startswith("whpk_")
        assert created.json()["secret_hints"][0].endswith("…")
        other_secret = webhooks.generate_secret()
        created_b = await client.post(
            "/api/v1/notifications/endpoints",
            json={"region": "KZ-71", "url": other.url, "secrets": [other_secret]},
            headers=admin(settings),
        )
        assert created_b.status_code == 201, created_b.text

        almaty = [producer.escalate("KZ-75") for _ in range(12)]
        astana = [producer.escalate("KZ-71") for _ in range(4)]

        got = await eventually(
            lambda: (
                len(verified_ids(flaky, secrets=[new_secret])) >= 12
                and len(verified_ids(other, secrets=[other_secret])) >= 4
            ),
            timeout=150,
            what="every escalation at its region's receiver",
        )
        assert got

        deliveries = await eventually(
            lambda: _all_succeeded(client, settings, 16), what="every delivery recorded"
        )
        # Announced on the service's own stream: its relay publishes after the commit, so
        # the last announcement may come a moment after the last delivery is recorded.
        events = await eventually(
            lambda: _announced(settings, 16), timeout=60, what="every delivery announced"
        )

    a_seen = verified_ids(flaky, secrets=[new_secret])
    b_seen = verified_ids(other, secrets=[other_secret])
    # Every escalation exactly once after dedup, and a region never sees another's.
    assert sorted(b["data"]["escalation_id"] for b in a_seen.values()) == sorted(
        e.escalation_id for e in almaty
    )
    assert sorted(b["data"]["escalation_id"] for b in b_seen.values()) == sorted(
        e.escalation_id for e in astana
    )
    assert all(b["data"]["region"] == "KZ-75" for b in a_seen.values())
    # Retries happened, and they kept their webhook-id.
    calls = flaky.snapshot()
    assert len(calls) > 12
    ids_per_escalation: dict[str, set[str]] = {}
    for call in calls:
        escalation_id = json.loads(call.body)["data"]["escalation_id"]
        ids_per_escalation.setdefault(escalation_id, set()).add(call.headers["webhook-id"])
    assert all(len(ids) == 1 for ids in ids_per_escalation.values())
    # The body is the reviewed liaison subset, nothing more.
    for body in a_seen.values():
        assert set(body) == {"type", "timestamp", "data"}
        assert set(body["data"]) == LIAISON_FIELDS
        assert body["type"] == "cases.case.escalated"
    # v1 verifies with the reference library under either rotating secret; v1a independently.
    for call in calls:
        headers = {k.lower(): v for k, v in call.headers.items()}
        assert abs(int(headers["webhook-timestamp"]) - call.at) < 5
        Webhook(old_secret).verify(call.body, headers, json_parse=False)
        Webhook(new_secret).verify(call.body, headers, json_parse=False)
        assert v1a_verifies(public_key, headers, call.body)
        assert len(headers["webhook-signature"].split(" ")) == 3
    # Every attempt is recorded: failed ones with their code or error, and a latency.
    detail = deliveries[0]
    assert detail["status"] == "succeeded"
    history = [a for d in deliveries for a in d["history"]]
    assert len(history) >= len(calls) + len(other.snapshot())
    for one in deliveries:
        assert [a["attempt"] for a in one["history"]] == list(range(1, one["attempts"] + 1))
        assert [a["outcome"] for a in one["history"]].count("succeeded") == 1
    assert any(a["outcome"] == "failed" and a["status_code"] == 500 for a in history)
    assert any(a["outcome"] == "failed" and a["status_code"] is None for a in history)
    assert all(a["latency_ms"] >= 0 for a in history)
    # The service announced its deliveries on its own stream, each success once.
    succeeded = [e.data["delivery_id"] for e in events if e.type.endswith("delivery.succeeded.v1")]
    assert len(succeeded) == len(set(succeeded)) == 16
    assert any(e.type.endswith("delivery.failed.v1") for e in events)


async def _announced(settings, expected: int):  # type: ignore[no-untyped-def]
    """The NOTIFICATIONS stream once it holds `expected` delivery successes, else None."""
    events = await read_stream(settings.nats_url, "NOTIFICATIONS", expected, timeout=10)
    done = [e for e in events if e.type.endswith("delivery.succeeded.v1")]
    return events if len(done) >= expected else None


async def _all_succeeded(client, settings, expected: int):  # type: ignore[no-untyped-def]
    page = await client.get(
        "/api/v1/notifications/deliveries",
        params={"status": "succeeded", "limit": 100},
        headers=admin(settings),
    )
    items = page.json()["items"]
    if len(items) < expected:
        return None
    details = []
    for item in items:
        one = await client.get(
            f"/api/v1/notifications/deliveries/{item['id']}", headers=admin(settings)
        )
        details.append(one.json())
    return details
