"""The gateway's own credentials: access tokens, personal API keys, web sessions and CSRF.

Access tokens are JWTs signed with the same Ed25519 key as service tokens but with the
audience `gateway`, so a service refuses them; they carry only the user id and the
account's token epoch, and the gateway reads roles and scopes from its database on every
request, so a role change, a deactivation or a password reset (which bumps the epoch)
takes effect at once although the token lives `access_token_minutes`. Service tokens,
by contrast, are minted per proxied call and live at most 60 s.

The web session cookie holds a token of the same kind (HttpOnly, SameSite=Lax, Secure
outside development) whose `jti` names a server-side `web_session` row, which signing
out revokes (gateway/identity/sessions.py); state-changing requests made with it need a
CSRF token derived from the session by HMAC (header `X-CSRF-Token`, or the `csrf_token` form field).
A language picked before logging in waits in a cookie of the login path until the next
login, which saves it on the account and clears it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
import uuid
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from fastapi import Response

from kelisim.auth import ALGORITHM, Principal, issue_token
from kelisim.problems import Problem
from kelisim.settings import Settings

AUDIENCE = "gateway"
SESSION_COOKIE = "kelisim_session"
LOGIN_CSRF_COOKIE = "kelisim_login_csrf"
LANG_PICK_COOKIE = "kelisim_lang_pick"
CSRF_HEADER = "X-CSRF-Token"
API_KEY_PREFIX = "kls_"


@dataclass(frozen=True)
class Keys:
    """The signing keys and the session secret of one gateway process."""

    private: Ed25519PrivateKey
    public: Ed25519PublicKey
    session_secret: bytes


def session_secret(settings: Settings, private: Ed25519PrivateKey) -> bytes:
    """KELISIM_SESSION_SECRET, else a secret derived from the signing key (same on replicas)."""
    if settings.session_secret:
        return settings.session_secret.encode()
    raw = private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return hashlib.sha256(b"kelisim-session-secret:" + raw).digest()


def issue_access_token(
    keys: Keys,
    settings: Settings,
    user_id: str,
    epoch: int,
    *,
    seconds: int,
    kind: str = "access",
    jti: str | None = None,
) -> str:
    """Sign an access (or session) token for one user."""
    now = int(time.time())
    claims = {
        "iss": settings.token_issuer,
        "aud": AUDIENCE,
        "sub": user_id,
        "ep": epoch,
        "typ": kind,
        "iat": now,
        "exp": now + seconds,
        "jti": jti or uuid.uuid4().hex,
    }
    return jwt.encode(claims, keys.private, algorithm=ALGORITHM)


def read_access_token(keys: Keys, settings: Settings, token: str, *, kind: str) -> dict[str, Any]:
    """The claims of a valid token of `kind`; 401 when expired, tampered or foreign."""
    try:
        claims = jwt.decode(
            token,
            keys.public,
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            issuer=settings.token_issuer,
            options={"require": ["exp", "iat", "sub", "aud", "iss"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise unauthenticated("token-expired", "The access token has expired.") from exc
    except jwt.PyJWTError as exc:
        raise unauthenticated("invalid-token", "The access token is not valid.") from exc
    if claims.get("typ") != kind:
        raise unauthenticated("invalid-token", "The access token is not valid here.")
    return claims


def unauthenticated(kind: str = "unauthenticated", detail: str = "Log in first.") -> Problem:
    return Problem(401, kind, detail, headers={"WWW-Authenticate": "Bearer"})


def service_token(keys: Keys, settings: Settings, principal: Principal, service: str) -> str:
    """The short-lived token the gateway signs for one proxied call to `service`."""
    return issue_token(
        keys.private,
        principal,
        audience=service,
        issuer=settings.token_issuer,
        ttl=min(settings.token_ttl_seconds, 60),
    )


def new_api_key() -> tuple[str, str, str]:
    """A fresh key: (the key, its displayable prefix, its SHA-256)."""
    key = API_KEY_PREFIX + secrets.token_urlsafe(32)
    return key, key[:10], hash_api_key(key)


def hash_api_key(key: str) -> str:
    # A 256-bit random key needs no slow hash: SHA-256 cannot be brute-forced back.
    return hashlib.sha256(key.encode()).hexdigest()


def safe_next(target: str | None) -> str:
    """Where to go after a login or a switch of language: a path of this site, else home.
    `//host` and `/\\host` would leave it (a browser reads a backslash as a slash)."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/"


def csrf_token(keys: Keys, session_id: str) -> str:
    """The CSRF token that goes with one web session."""
    return hmac.new(keys.session_secret, f"csrf:{session_id}".encode(), "sha256").hexdigest()


def csrf_matches(keys: Keys, session_id: str, presented: str | None) -> bool:
    return bool(presented) and hmac.compare_digest(csrf_token(keys, session_id), presented or "")


def set_login_csrf_cookie(response: Response, settings: Settings) -> str:
    """Give a login form its double-submit CSRF token (cookie + hidden field); returns it."""
    token = secrets.token_urlsafe(32)
    response.set_cookie(
        LOGIN_CSRF_COOKIE, token, max_age=3600, path="/login", **_cookie_flags(settings)
    )
    return token


def set_lang_pick_cookie(response: Response, settings: Settings, lang: str) -> None:
    """Remember a language picked before logging in, for the login to save on the account."""
    response.set_cookie(
        LANG_PICK_COOKIE, lang, max_age=365 * 86400, path="/login", **_cookie_flags(settings)
    )


def clear_lang_pick_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(LANG_PICK_COOKIE, path="/login", **_cookie_flags(settings))


def set_session_cookie(response: Response, settings: Settings, token: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.session_hours * 3600,
        path="/",
        **_cookie_flags(settings),
    )


def clear_session_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", **_cookie_flags(settings))


def _cookie_flags(settings: Settings) -> dict[str, Any]:
    return {"httponly": True, "samesite": "lax", "secure": settings.env != "development"}
