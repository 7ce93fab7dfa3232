"""Password hashing with Argon2id (argon2-cffi's defaults follow RFC 9106's recommendation)."""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from kelisim.problems import Problem
from kelisim.settings import Settings


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    return PasswordHasher()


def hash_password(password: str) -> str:
    """The Argon2id hash of a password."""
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether `password` matches the stored hash."""
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)


def burn_time(password: str) -> None:
    """Spend a verification's time on an unknown username, so timing does not reveal it."""
    verify_password(_dummy_hash(), password)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return hash_password("not a password of anyone")


def min_length(settings: Settings) -> int:
    """The shortest password accepted: 12 in production, 4 elsewhere (the demo uses `demo`)."""
    if settings.password_min_length is not None:
        return settings.password_min_length
    return 12 if settings.env == "production" else 4


def check_policy(password: str, settings: Settings) -> None:
    """Refuse a password that is too short (422 weak-password)."""
    shortest = min_length(settings)
    if len(password) < shortest:
        raise Problem(
            422,
            "weak-password",
            f"A password needs at least {shortest} characters.",
            min_length=shortest,
        )
