"""kelisim.webhooks agrees with the reference library and refuses replays and forgeries."""

from __future__ import annotations

import base64
import time

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from standardwebhooks.webhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError as ReferenceError

from kelisim import webhooks

pytestmark = pytest.mark.db_independent

BODY = b'{"type":"cases.case.escalated","data":{"region":"KZ-75"}}'


def test_a_v1_signature_verifies_with_the_standardwebhooks_reference_library():
    secret = webhooks.generate_secret()
    headers = webhooks.signed_headers("msg_1", BODY, secrets=[secret])
    assert Webhook(secret).verify(BODY, headers) == {
        "type": "cases.case.escalated",
        "data": {"region": "KZ-75"},
    }
    assert webhooks.verify(headers, BODY, secrets=[secret]) == "msg_1"


def test_a_v1a_signature_verifies_with_a_plain_ed25519_check():
    key = webhooks.generate_signing_key()
    public = webhooks.public_key_of(key)
    headers = webhooks.signed_headers("msg_2", BODY, signing_keys=[key])
    version, _, sig = headers["webhook-signature"].partition(",")
    assert version == "v1a"
    signed = f"msg_2.{headers['webhook-timestamp']}.".encode() + BODY
    raw = base64.b64decode(public.removeprefix("whpk_"))
    Ed25519PublicKey.from_public_bytes(raw).verify(base64.b64decode(sig), signed)
    assert webhooks.verify(headers, BODY, public_keys=[public]) == "msg_2"


def test_during_a_rotation_either_secret_verifies_one_header():
    old, new, key = webhooks.generate_secret(), webhooks.generate_secret(), None
    key = webhooks.generate_signing_key()
    headers = webhooks.signed_headers("msg_3", BODY, secrets=[old, new], signing_keys=[key])
    assert len(headers["webhook-signature"].split(" ")) == 3
    Webhook(old).verify(BODY, headers)
    Webhook(new).verify(BODY, headers)
    assert webhooks.verify(headers, BODY, secrets=[new]) == "msg_3"
    assert webhooks.verify(headers, BODY, public_keys=[webhooks.public_key_of(key)]) == "msg_3"


def test_a_replay_with_a_timestamp_outside_five_minutes_is_rejected():
    secret = webhooks.generate_secret()
    key = webhooks.generate_signing_key()
    stale = time.time() - 301
    headers = webhooks.signed_headers(
        "msg_4", BODY, secrets=[secret], signing_keys=[key], now=stale
    )
    with pytest.raises(webhooks.WebhookVerificationError, match="tolerance"):
        webhooks.verify(headers, BODY, secrets=[secret])
    with pytest.raises(webhooks.WebhookVerificationError, match="tolerance"):
        webhooks.verify(headers, BODY, public_keys=[webhooks.public_key_of(key)])
    with pytest.raises(ReferenceError):
        Webhook(secret).verify(BODY, headers)
    future = webhooks.signed_headers("msg_4", BODY, secrets=[secret], now=time.time() + 301)
    with pytest.raises(webhooks.WebhookVerificationError):
        webhooks.verify(future, BODY, secrets=[secret])
    # Just inside the window, the same message is accepted.
    recent = webhooks.signed_headers("msg_4", BODY, secrets=[secret], now=time.time() - 290)
    assert webhooks.verify(recent, BODY, secrets=[secret]) == "msg_4"


def test_a_tampered_body_or_a_foreign_secret_is_rejected():
    secret = webhooks.generate_secret()
    key = webhooks.generate_signing_key()
    headers = webhooks.signed_headers("msg_5", BODY, secrets=[secret], signing_keys=[key])
    with pytest.raises(webhooks.WebhookVerificationError):
        webhooks.verify(headers, BODY + b" ", secrets=[secret])
    with pytest.raises(webhooks.WebhookVerificationError):
        webhooks.verify(headers, BODY, secrets=[webhooks.generate_secret()])
    other_key = webhooks.public_key_of(webhooks.generate_signing_key())
    with pytest.raises(webhooks.WebhookVerificationError):
        webhooks.verify(headers, BODY, public_keys=[other_key])
    forged = {**headers, "webhook-id": "msg_other"}
    with pytest.raises(webhooks.WebhookVerificationError):
        webhooks.verify(forged, BODY, secrets=[secret])
    with pytest.raises(webhooks.WebhookVerificationError, match="missing"):
        webhooks.verify({}, BODY, secrets=[secret])
