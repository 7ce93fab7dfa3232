"""Service tokens: Ed25519, short-lived, for one audience; anything else is refused."""

from __future__ import annotations

import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kelisim.auth import Principal, TokenError, issue_token, verify_token

pytestmark = pytest.mark.db_independent

ALICE = Principal(
    sub="alice", user_id="1", roles=frozenset({"mediator"}), regions=frozenset({"KZ-75"})
)


@pytest.fixture
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def test_a_valid_token_names_the_caller_and_scopes(key):
    token = issue_token(key, ALICE, audience="cases", issuer="gw")
    principal = verify_token(key.public_key(), token, audience="cases", issuer="gw")
    assert principal == ALICE


def test_a_token_for_another_service_is_refused(key):
    token = issue_token(key, ALICE, audience="councils", issuer="gw")
    with pytest.raises(TokenError):
        verify_token(key.public_key(), token, audience="cases", issuer="gw")


def test_a_token_signed_by_another_key_is_refused(key):
    token = issue_token(Ed25519PrivateKey.generate(), ALICE, audience="cases", issuer="gw")
    with pytest.raises(TokenError):
        verify_token(key.public_key(), token, audience="cases", issuer="gw")


def test_a_tampered_token_is_refused(key):
    token = issue_token(key, ALICE, audience="cases", issuer="gw")
    header, payload, signature = token.split(".")
    claims = jwt.decode(token, options={"verify_signature": False})
    claims["regions"] = ["KZ-11", "KZ-75"]
    forged_payload = jwt.utils.base64url_encode(jwt.api_jws.json.dumps(claims).encode()).decode()
    with pytest.raises(TokenError):
        verify_token(
            key.public_key(),
            f"{header}.{forged_payload}.{signature}",
            audience="cases",
            issuer="gw",
        )


def test_an_expired_token_is_refused(key):
    now = int(time.time())
    claims = {"iss": "gw", "aud": "cases", "sub": "alice", "iat": now - 120, "exp": now - 60}
    token = jwt.encode(claims, key, algorithm="EdDSA")
    with pytest.raises(TokenError):
        verify_token(key.public_key(), token, audience="cases", issuer="gw")


def test_a_long_lived_token_is_refused_even_when_signed(key):
    now = int(time.time())
    claims = {"iss": "gw", "aud": "cases", "sub": "alice", "iat": now, "exp": now + 3600}
    token = jwt.encode(claims, key, algorithm="EdDSA")
    with pytest.raises(TokenError, match="60 seconds"):
        verify_token(key.public_key(), token, audience="cases", issuer="gw")
