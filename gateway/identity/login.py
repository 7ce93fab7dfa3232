"""Password login with progressive delays, never a lockout of the rightful user.

Every evaluated failure counts against three keys: the (account, address) pair, the
client address, and the account name. Past a few free attempts each key's next attempt
waits twice as long as the last (1 s, 2 s, 4 s … capped at `login_delay_max_seconds`); a
key forgets after `login_quiet_minutes` without failures. An attempt that comes before
its wait is over is answered 429 `too-many-login-attempts` with Retry-After, without
looking at the password: a refusal costs the server nothing and holds no worker, which a
response made to wait would (and a held worker is itself a denial of service).

The account key only slows addresses that never logged into that account: an attacker
spraying from many addresses cannot keep the rightful user out of a known device, and an
attacker on one address only slows that address. Keys are the typed name, so an unknown
user and a wrong password take the same path: the same answers, the same work (an Argon2
verification either way), the same audit entry. A burst of failures on one name is
announced as `identity.login.burst`, which the notifications service routes to admins.
Counters are rows (`login_throttle`), so every replica sees them.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from gateway.identity.passwords import burn_time, hash_password, needs_rehash, verify_password
from gateway.identity.users import by_username
from gateway.models import LoginThrottle, User
from kelisim.db import new_session
from kelisim.events.identity import LoginBurst
from kelisim.problems import Problem
from kelisim.settings import Settings
from kelisim.uow import UnitOfWork

INVALID = Problem(
    401,
    "invalid-credentials",
    "Wrong username or password.",
    headers={"WWW-Authenticate": "Bearer"},
)


def _slow_down(until: datetime, now: datetime) -> Problem:
    seconds = max(1, math.ceil((until - now).total_seconds()))
    return Problem(
        429,
        "too-many-login-attempts",
        "Too many failed logins; wait before trying again.",
        headers={"Retry-After": str(seconds)},
    )


def key(kind: str, *parts: str) -> str:
    """A throttle row's key: the kind and a digest of what it counts (names can be long)."""
    return f"{kind}:" + hashlib.sha256("\n".join(parts).encode()).hexdigest()[:48]


def delay(failures: int, free: int, settings: Settings) -> float:
    """Seconds before the next attempt after `failures` failures; the first `free` - 1 cost none."""
    over = failures - free
    if over < 0:
        return 0.0
    return min(settings.login_delay_max_seconds, settings.login_delay_base_seconds * 2**over)


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
        wait = _wait_until(session, username, address, now, settings)
        user = by_username(session, username)
    if wait is not None:
        raise _slow_down(wait, now)
    if user is None:
        burn_time(password)
        ok = False
    else:
        ok = verify_password(user.password_hash, password)
    if not ok:
        try:
            _record_failure(uow_factory, username, address, now, settings)
        except IntegrityError:
            # Another replica inserted one of these keys' first failure at the same moment.
            _record_failure(uow_factory, username, address, now, settings)
        raise INVALID
    assert user is not None
    try:
        _record_success(uow_factory, user, username, password, address, now)
    except IntegrityError:
        pass  # another replica marked this address known at the same moment
    if not user.active:
        raise Problem(403, "account-inactive", "The account is deactivated.")
    return user


def _record_success(
    uow_factory: Callable[[], UnitOfWork],
    user: User,
    username: str,
    password: str,
    address: str,
    now: datetime,
) -> None:
    """Forget the name's failures, remember the address, upgrade an old password hash."""
    with uow_factory() as uow:
        fresh = uow.session.get(User, user.id)
        if fresh is not None and needs_rehash(fresh.password_hash):
            fresh.password_hash = hash_password(password)
            uow.session.add(fresh)
        _forget(uow.session, key("pair", username, address), key("account", username))
        _mark_known(uow.session, key("known", username, address), now)
        uow.commit()


def _wait_until(
    session: Session, username: str, address: str, now: datetime, settings: Settings
) -> datetime | None:
    """The latest 'not before' of the keys this attempt falls under, if still ahead."""
    keys = [key("pair", username, address), key("address", address)]
    known = session.get(LoginThrottle, key("known", username, address))
    recently = now - timedelta(days=settings.login_known_address_days)
    if known is None or known.window_started < recently:
        keys.append(key("account", username))
    waits = [
        row.locked_until
        for row in (session.get(LoginThrottle, k) for k in keys)
        if row is not None and row.locked_until is not None and row.locked_until > now
    ]
    return max(waits, default=None)


def _record_failure(
    uow_factory: Callable[[], UnitOfWork],
    username: str,
    address: str,
    now: datetime,
    settings: Settings,
) -> None:
    """Count one failure on each key, audit it, and announce a burst on the name."""
    with uow_factory() as uow:
        bump = partial(_count, uow.session, now=now, settings=settings)
        pair = bump(key("pair", username, address), free=settings.login_free_attempts)
        bump(key("address", address), free=settings.login_address_free_attempts)
        account = bump(key("account", username), free=settings.login_account_free_attempts)
        name = username[:150]
        uow.audit(
            "login.failed",
            "login",
            name,
            after={"address": address, "failures": account, "from_address": pair},
        )
        if account == settings.login_account_free_attempts:  # from now on the name is slowed
            uow.audit("login.burst", "login", name, after={"failures": account})
            uow.emit(
                LoginBurst(
                    username=name,
                    failures=account,
                    address=address,
                    quiet_minutes=settings.login_quiet_minutes,
                ),
                aggregate=f"login:{key('account', username)}",
            )
        uow.commit()


def _count(session: Session, row_key: str, *, now: datetime, free: int, settings: Settings) -> int:
    """One more failure on a key (forgotten after the quiet time); its new count."""
    row = session.get(LoginThrottle, row_key, with_for_update=True)
    if row is None:
        row = LoginThrottle(address=row_key, failures=0, window_started=now)
    if row.window_started + timedelta(minutes=settings.login_quiet_minutes) < now:
        row.failures = 0
    row.failures += 1
    row.window_started = now
    wait = delay(row.failures, free, settings)
    row.locked_until = now + timedelta(seconds=wait) if wait else None
    session.add(row)
    return row.failures


def _forget(session: Session, *keys: str) -> None:
    for row_key in keys:
        row = session.get(LoginThrottle, row_key)
        if row is not None:
            session.delete(row)


def _mark_known(session: Session, row_key: str, now: datetime) -> None:
    """Remember that this address logged into this account (its account key won't slow it)."""
    row = session.get(LoginThrottle, row_key) or LoginThrottle(address=row_key, failures=0)
    row.window_started = now
    row.locked_until = None
    session.add(row)
