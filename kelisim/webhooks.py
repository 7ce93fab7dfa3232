"""Standard Webhooks: signing (sender) and verification (receiver), one implementation for both.

The signed content is `<webhook-id>.<webhook-timestamp>.<body>`. Symmetric signatures are
`v1,<base64 HMAC-SHA256>` with a `whsec_<base64>` secret; asymmetric ones are
`v1a,<base64 Ed25519>` with a `whsk_<base64 seed>` signing key whose public half is
`whpk_<base64>`. During a rotation several signatures travel space-separated in one header.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import math
import secrets as _secrets
import time
from collections.abc import Iterable, Mapping

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

SECRET_PREFIX = "whsec_"
SIGNING_KEY_PREFIX = "whsk_"
PUBLIC_KEY_PREFIX = "whpk_"
TOLERANCE_SECONDS = 300
HEADER_ID = "webhook-id"
HEADER_TIMESTAMP = "webhook-timestamp"
HEADER_SIGNATURE = "webhook-signature"


class WebhookVerificationError(Exception):
    """A webhook failed verification: missing headers, stale timestamp or no valid signature."""


def _b64decode(value: str, prefix: str) -> bytes:
    raw = value[len(prefix) :] if value.startswith(prefix) else value
    try:
        return base64.b64decode(raw + "=" * (-len(raw) % 4), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"not base64 after {prefix!r}") from exc


def generate_secret() -> str:
    """A new symmetric `whsec_` secret (24 random bytes)."""
    return SECRET_PREFIX + base64.b64encode(_secrets.token_bytes(24)).decode()


def generate_signing_key() -> str:
    """A new Ed25519 `whsk_` signing key."""
    seed = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return SIGNING_KEY_PREFIX + base64.b64encode(seed).decode()


def _private_key(signing_key: str) -> Ed25519PrivateKey:
    seed = _b64decode(signing_key, SIGNING_KEY_PREFIX)
    if len(seed) != 32:
        raise ValueError("an Ed25519 signing key is 32 bytes")
    return Ed25519PrivateKey.from_private_bytes(seed)


def public_key_of(signing_key: str) -> str:
    """The `whpk_` public key a receiver uses to verify `v1a` signatures of `signing_key`."""
    raw = (
        _private_key(signing_key)
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )
    return PUBLIC_KEY_PREFIX + base64.b64encode(raw).decode()


def validate_secret(secret: str) -> str:
    """Check a `whsec_` secret; returns it unchanged."""
    if not secret.startswith(SECRET_PREFIX) or len(_b64decode(secret, SECRET_PREFIX)) < 16:
        raise ValueError("a secret is whsec_ followed by at least 16 base64-encoded bytes")
    return secret


def validate_signing_key(signing_key: str) -> str:
    """Check a `whsk_` Ed25519 signing key; returns it unchanged."""
    if not signing_key.startswith(SIGNING_KEY_PREFIX):
        raise ValueError("a signing key starts with whsk_")
    _private_key(signing_key)
    return signing_key


def _content(msg_id: str, timestamp: int, body: bytes) -> bytes:
    return f"{msg_id}.{timestamp}.".encode() + body


def sign(
    msg_id: str,
    timestamp: int,
    body: bytes,
    *,
    secrets: Iterable[str] = (),
    signing_keys: Iterable[str] = (),
) -> str:
    """The `webhook-signature` header: one `v1` per secret, one `v1a` per signing key."""
    content = _content(msg_id, timestamp, body)
    parts = [
        "v1,"
        + base64.b64encode(
            hmac.new(_b64decode(s, SECRET_PREFIX), content, hashlib.sha256).digest()
        ).decode()
        for s in secrets
    ]
    parts += [
        "v1a," + base64.b64encode(_private_key(k).sign(content)).decode() for k in signing_keys
    ]
    if not parts:
        raise ValueError("a webhook needs at least one secret or signing key")
    return " ".join(parts)


def signed_headers(
    msg_id: str,
    body: bytes,
    *,
    secrets: Iterable[str] = (),
    signing_keys: Iterable[str] = (),
    now: float | None = None,
) -> dict[str, str]:
    """The three Standard Webhooks headers for one delivery attempt."""
    timestamp = math.floor(time.time() if now is None else now)
    return {
        HEADER_ID: msg_id,
        HEADER_TIMESTAMP: str(timestamp),
        HEADER_SIGNATURE: sign(msg_id, timestamp, body, secrets=secrets, signing_keys=signing_keys),
    }


def verify(
    headers: Mapping[str, str],
    body: bytes,
    *,
    secrets: Iterable[str] = (),
    public_keys: Iterable[str] = (),
    tolerance: int = TOLERANCE_SECONDS,
    now: float | None = None,
) -> str:
    """Receiver side: check timestamp and any one signature; returns the `webhook-id`."""
    lowered = {k.lower(): v for k, v in headers.items()}
    msg_id = lowered.get(HEADER_ID)
    stamp = lowered.get(HEADER_TIMESTAMP)
    signature = lowered.get(HEADER_SIGNATURE)
    if not (msg_id and stamp and signature):
        raise WebhookVerificationError("missing webhook headers")
    try:
        timestamp = int(stamp)
    except ValueError:
        raise WebhookVerificationError("the timestamp is not an integer") from None
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        raise WebhookVerificationError("the timestamp is outside the tolerance (replay?)")
    content = _content(msg_id, timestamp, body)
    macs = [
        hmac.new(_b64decode(s, SECRET_PREFIX), content, hashlib.sha256).digest() for s in secrets
    ]
    keys = [
        Ed25519PublicKey.from_public_bytes(_b64decode(k, PUBLIC_KEY_PREFIX)) for k in public_keys
    ]
    for part in signature.split(" "):
        version, _, value = part.partition(",")
        try:
            sig = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            continue
        if version == "v1" and any(hmac.compare_digest(mac, sig) for mac in macs):
            return msg_id
        if version == "v1a":
            for key in keys:
                try:
                    key.verify(sig, content)
                    return msg_id
                except InvalidSignature:
                    continue
    raise WebhookVerificationError("no matching signature")
