"""Service tokens: the gateway signs short-lived Ed25519 JWTs, every service verifies them."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from kelisim.settings import Settings

ALGORITHM = "EdDSA"
ROLES = (
    "admin",
    "coordinator",
    "mediator",
    "council_secretary",
    "council_member",
    "liaison",
    "analyst",
)

# Roles whose work lies in regions: their scope is the regions on the account, and an account
# holding one has at least one (gateway/identity/users.py), so "no region" is never read as
# "every region". An analyst reads the figures of the regions on the account (a national one
# has all twenty, one with none reads nothing); admins and council roles are not regional.
REGIONAL_ROLES = frozenset({"coordinator", "mediator", "liaison"})

# The mission's separation of roles on one account (gateway/identity/users.py). Roles that see
# people: a case's parties (mediator, coordinator), the members and the private persons of a
# council's items (council_secretary, council_member), staff accounts and council members
# (admin). An analyst never sees a person, so holds none of them; a liaison sees only the
# reviewed escalations of its region, so holds no other role.
PERSON_ROLES = frozenset(
    {"admin", "coordinator", "mediator", "council_secretary", "council_member"}
)
ROLES_ALONE = frozenset({"liaison"})


# The role of the gateway's public pages when they call a service: never a user's role.
PUBLIC_ROLE = "public"


@dataclass(frozen=True)
class Principal:
    """The verified caller of a service: who, with which roles and scopes."""

    sub: str
    user_id: str
    roles: frozenset[str] = field(default_factory=frozenset)
    regions: frozenset[str] = field(default_factory=frozenset)
    councils: frozenset[str] = field(default_factory=frozenset)
    name: str = ""
    lang: str = "kk"

    def has(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    def in_region(self, region: str | None) -> bool:
        return region is not None and region in self.regions

    def in_council(self, council_id: str | None) -> bool:
        return council_id is not None and council_id in self.councils


PUBLIC = Principal(sub="public", user_id="public", roles=frozenset({PUBLIC_ROLE}))


class TokenError(Exception):
    """A service token is missing, expired, tampered with or meant for another audience."""


def generate_keypair(keys_dir: Path) -> None:
    """Write a new Ed25519 key pair (PEM) into keys_dir, private key readable by owner only."""
    keys_dir.mkdir(parents=True, exist_ok=True)
    private = Ed25519PrivateKey.generate()
    priv_path = keys_dir / "token_ed25519.pem"
    pub_path = keys_dir / "token_ed25519.pub.pem"
    priv_path.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    priv_path.chmod(0o600)
    pub_path.write_bytes(
        private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )


def ensure_keypair(settings: Settings) -> None:
    """In the embedded mode, generate the key pair at first start."""
    if settings.token_private_key:
        return
    if not (settings.keys_dir / "token_ed25519.pem").exists():
        generate_keypair(settings.keys_dir)


def load_private_key(settings: Settings) -> Ed25519PrivateKey:
    pem = settings.token_private_key
    data = pem.encode() if pem else (settings.keys_dir / "token_ed25519.pem").read_bytes()
    key = serialization.load_pem_private_key(data, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise TypeError("the token private key must be Ed25519")
    return key


def load_public_key(settings: Settings) -> Ed25519PublicKey:
    pem = settings.token_public_key
    data = pem.encode() if pem else (settings.keys_dir / "token_ed25519.pub.pem").read_bytes()
    key = serialization.load_pem_public_key(data)
    if not isinstance(key, Ed25519PublicKey):
        raise TypeError("the token public key must be Ed25519")
    return key


def issue_token(
    key: Ed25519PrivateKey,
    principal: Principal,
    *,
    audience: str,
    issuer: str,
    ttl: int = 60,
) -> str:
    """Sign a token for one service (audience) that expires within `ttl` seconds."""
    now = int(time.time())
    claims = {
        "iss": issuer,
        "aud": audience,
        "sub": principal.sub,
        "uid": principal.user_id,
        "name": principal.name,
        "lang": principal.lang,
        "roles": sorted(principal.roles),
        "regions": sorted(principal.regions),
        "councils": sorted(principal.councils),
        "iat": now,
        "nbf": now - 5,
        "exp": now + min(ttl, 60),
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, key, algorithm=ALGORITHM)


def verify_token(key: Ed25519PublicKey, token: str, *, audience: str, issuer: str) -> Principal:
    """Check signature, audience, issuer and expiry; return the caller."""
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            audience=audience,
            issuer=issuer,
            options={"require": ["exp", "iat", "aud", "iss", "sub"]},
            leeway=5,
        )
    except jwt.PyJWTError as exc:
        raise TokenError(str(exc)) from exc
    if claims["exp"] - claims["iat"] > 65:
        raise TokenError("token lifetime exceeds 60 seconds")
    return Principal(
        sub=claims["sub"],
        user_id=str(claims.get("uid", claims["sub"])),
        roles=frozenset(claims.get("roles", [])),
        regions=frozenset(claims.get("regions", [])),
        councils=frozenset(claims.get("councils", [])),
        name=claims.get("name", ""),
        lang=claims.get("lang", "kk"),
    )
