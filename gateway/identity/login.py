"""Password login with throttling per account and per client address.

An account locks for `login_lock_minutes` after `login_max_failures` wrong passwords in a
row (423, `account-locked`); an address that fails `login_address_max_failures` times
within that many minutes is refused (429, `too-many-login-attempts`). Both carry
Retry-After. The counters live in the gateway database, so every replica sees them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from gateway.identity.passwords import burn_time, hash_password, needs_rehash, verify_password
from gateway.identity.users import by_username
from gateway.models import LoginThrottle, User
from kelisim.db import new_session
from kelisim.problems import Problem
from kelisim.settings import Settings
from kelisim.uow import UnitOfWork


def _retry_after(until: datetime, now: datetime) -> str:
    return str(max(1, math.ceil((until - now).total_seconds())))


def _account_locked(until: datetime, now: datetime) -> Problem:
    return Problem(
        423,
        "account-locked",
        "The account is locked after too many wrong passwords; try again later.",
        headers={"Retry-After": _retry_after(until, now)},
        locked_until=until.isoformat(),
    )


def _address_locked(until: datetime, now: datetime) -> Problem:
    return Problem(
        429,
        "too-many-login-attempts",
        "Too many failed logins from your address; try again later.",
        headers={"Retry-After": _retry_after(until, now)},
    )


INVALID = Problem(
    401,
    "invalid-credentials",
    "Wrong username or password.",
    headers={"WWW-Authenticate": "Bearer"},
)


def login(
    engine: Engine,
    uow_factory: Callable[[], UnitOfWork],
    username: str,
    password: str,
    address: str,
    settings: Settings,
) -> User:
    """The account that `username`/`password` name; a Problem when refused."""
    now = datetime.now(UTC)
    with new_session(engine) as session:
        throttle = session.get(LoginThrottle, address)
        address_until = throttle.locked_until if throttle else None
        user = by_username(session, username)
    if address_until and address_until > now:
        raise _address_locked(address_until, now)
    locked_until = user.locked_until if user else None
    if user is not None and locked_until and locked_until > now:
        raise _account_locked(locked_until, now)

    if user is None:
        burn_time(password)
        ok = False
    else:
        ok = verify_password(user.password_hash, password)

    if ok:
        assert user is not None
        if user.failed_logins or user.locked_until or needs_rehash(user.password_hash):
            with uow_factory() as uow:
                fresh = uow.session.get(User, user.id)
                assert fresh is not None
                if needs_rehash(fresh.password_hash):
                    fresh.password_hash = hash_password(password)
                fresh.failed_logins = 0
                fresh.locked_until = None
                uow.session.add(fresh)
                uow.commit()
                user = fresh
        if not user.active:
            raise Problem(403, "account-inactive", "The account is deactivated.")
        return user
    try:
        refusal = _record_failure(uow_factory, user, address, now, settings)
    except IntegrityError:
        # Another replica inserted this address's first failure at the same moment.
        refusal = _record_failure(uow_factory, user, address, now, settings)
    raise refusal


def _record_failure(
    uow_factory: Callable[[], UnitOfWork],
    user: User | None,
    address: str,
    now: datetime,
    settings: Settings,
) -> Problem:
    """Count one failure against the address and the account; lock either at its limit."""
    with uow_factory() as uow:
        refusal = _count_failure(uow, user, address, now, settings)
        uow.commit()
    return refusal


def _count_failure(
    uow: UnitOfWork, user: User | None, address: str, now: datetime, settings: Settings
) -> Problem:
    window = timedelta(minutes=settings.login_lock_minutes)
    refusal = INVALID
    throttle = uow.session.get(LoginThrottle, address, with_for_update=True)
    if throttle is None:
        throttle = LoginThrottle(address=address, failures=0, window_started=now)
    if throttle.window_started + window < now:
        throttle.failures, throttle.window_started, throttle.locked_until = 0, now, None
    throttle.failures += 1
    if throttle.failures >= settings.login_address_max_failures:
        throttle.locked_until = now + window
        refusal = _address_locked(throttle.locked_until, now)
    uow.session.add(throttle)

    if user is not None:
        fresh = uow.session.get(User, user.id, with_for_update=True)
        assert fresh is not None
        fresh.failed_logins += 1
        if fresh.failed_logins >= settings.login_max_failures:
            fresh.failed_logins = 0
            fresh.locked_until = now + window
            uow.audit("user.locked", "user", fresh.id, after={"locked_until": fresh.locked_until})
            refusal = _account_locked(fresh.locked_until, now)
        uow.session.add(fresh)
    return refusal
