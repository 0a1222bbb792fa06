"""Signing in: the password checked under throttling by login and by address, never a lock.

Every wrong try is stored (``login_failures``, in the database so every web process counts
the same) by the login typed, existing or not, and the address it came from. Over the last
``window_seconds``:

- ``max_failures`` for one login from one address pause that login from that address: one
  attacker cannot guess on, yet its owner signs in from anywhere else (the admin included);
- ``address_max_failures`` from one address, whatever the logins, pause the address (spraying
  one password over many logins);
- as many for one login from all addresses together make each next try of that login wait
  after its last failure, 1 s doubling up to ``ACCOUNT_DELAY_CAP`` (a spread-out attack gets
  a guess per 30 s at most; the owner waits no longer than that).

A try is counted before the password is checked (a reservation, turned back on success and
confirmed on failure), so tries of one login sent together cannot slip past its count; the
address's count is of confirmed wrong tries only, so many people signing in at once behind
one address (an office's NAT) are not refused for each other. A paused try, a wrong
password, an unknown login and a disabled account all get the same answer after the same
work (the hash runs against a dummy when there is no user), so nothing tells whether a login
exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.db import utcnow
from callcenter.i18n import N_
from callcenter.users.exceptions import LoginFailed
from callcenter.users.models import LoginFailure, User
from callcenter.users.passwords import hash_password_async, needs_rehash, verify_password_async

ACCOUNT_DELAY_CAP = 30.0  # seconds
REFUSED = N_("Wrong login or password. After repeated failures, wait a few minutes and retry.")
# advisory lock classes (two-int keys), apart from leadership's (7301) and invoices' (7303)
_LOCK_LOGIN, _LOCK_ADDRESS = 7311, 7312


@dataclass(frozen=True)
class LoginPolicy:
    max_failures: int = 5  # one login from one address
    window_seconds: int = 900
    address_max_failures: int = 20  # one address, any login; one login, any address


@dataclass(frozen=True)
class Attempt:
    """A counted try: its reserved failure row, or none when it was paused."""

    login: str
    address: str
    failure_id: int | None


def plain_text(value: str) -> str:
    """Printable characters only: a NUL cannot even be stored, and no login has others."""
    return "".join(ch for ch in value if ch.isprintable())


def _login_key(login: str) -> str:
    return plain_text(login[:256]).strip().lower()[:64]


async def begin_attempt(
    session: AsyncSession,
    *,
    login: str,
    address: str,
    policy: LoginPolicy,
    now: datetime | None = None,
) -> Attempt:
    """Count a sign-in try before its password is checked; the caller commits at once (the
    advisory locks taken here end with the transaction) and then calls ``finish_attempt``."""
    name, address = _login_key(login), plain_text(address[:64])
    now = now or utcnow()
    for lock_class, key in ((_LOCK_LOGIN, name), (_LOCK_ADDRESS, address)):  # always this order
        await session.execute(
            text("SELECT pg_advisory_xact_lock(:c, hashtext(:k))"), {"c": lock_class, "k": key}
        )
    since = now - timedelta(seconds=policy.window_seconds)
    await session.execute(delete(LoginFailure).where(LoginFailure.failed_at < since))
    if await _paused(session, name, address, since, now, policy):
        return Attempt(name, address, None)
    failure = LoginFailure(login=name, address=address, failed_at=now, pending=True)
    session.add(failure)
    await session.flush()
    return Attempt(name, address, failure.id)


async def _paused(
    session: AsyncSession,
    name: str,
    address: str,
    since: datetime,
    now: datetime,
    policy: LoginPolicy,
) -> bool:
    of_login = LoginFailure.login == name
    row = (
        await session.execute(
            select(
                func.count().filter(LoginFailure.address == address),
                func.count(),
                func.max(LoginFailure.failed_at),
            ).where(of_login, LoginFailure.failed_at >= since)
        )
    ).one()
    from_here, from_anywhere, last = row
    if from_here >= policy.max_failures:
        return True
    by_address = await session.scalar(  # wrong tries only: a shift signing in behind one
        # office address at once are many tries being checked, none of them wrong
        select(func.count()).where(
            LoginFailure.address == address,
            LoginFailure.failed_at >= since,
            LoginFailure.pending.is_(False),
        )
    )
    if (by_address or 0) >= policy.address_max_failures:
        return True
    over = from_anywhere - policy.address_max_failures
    if over >= 0 and last is not None:
        wait = min(2.0**over, ACCOUNT_DELAY_CAP)
        return (now - last).total_seconds() < wait
    return False


async def confirm_failure(session: AsyncSession, *, attempt: Attempt) -> None:
    """A refused try's reservation becomes a wrong try (in a transaction of its own: the
    refusal rolled back the one that checked the password)."""
    if attempt.failure_id is not None:
        await session.execute(
            update(LoginFailure).where(LoginFailure.id == attempt.failure_id).values(pending=False)
        )


async def finish_attempt(
    session: AsyncSession, *, attempt: Attempt, password: str, now: datetime | None = None
) -> User:
    """Check the password of a counted try: the user, with the try's failure turned back,
    or LoginFailed, the same for every reason. The caller commits either way."""
    user = None
    if attempt.failure_id is not None:
        user = await session.scalar(select(User).where(User.login == attempt.login))
    # the hash runs whatever happens (against a dummy with no user): the same time for all
    matches = await verify_password_async(user.password_hash if user else None, password)
    if user is None or not matches or not user.active:
        raise LoginFailed(REFUSED)
    await session.execute(
        delete(LoginFailure).where(
            LoginFailure.login == attempt.login, LoginFailure.address == attempt.address
        )
    )
    user.last_login_at = now or utcnow()
    if needs_rehash(user.password_hash):
        user.password_hash = await hash_password_async(password)
    return user
