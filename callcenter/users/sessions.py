"""Signed-in browsers, kept server-side: the cookie carries a random token, ``user_sessions``
its SHA-256. A session counts while it is not revoked, younger than the maximum age, and
started at the user's current ``session_version``; so signing out ends a copied cookie at
once, and bumping the version (sign out everywhere, a new password or role, deactivation)
ends every session of the user in one update.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.db import utcnow
from callcenter.users.logins import plain_text
from callcenter.users.models import User, UserSession

TOUCH_EVERY = timedelta(seconds=60)  # last_seen_at is written at most this often


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def start_session(
    session: AsyncSession,
    *,
    user: User,
    address: str,
    user_agent: str,
    max_age_seconds: int,
) -> str:
    """A new session of ``user``; returns its token (for the cookie, never stored). The
    user's revoked and expired sessions are cleared on the way."""
    cutoff = utcnow() - timedelta(seconds=max_age_seconds)
    await session.execute(
        delete(UserSession).where(
            UserSession.user_id == user.id,
            or_(
                UserSession.revoked_at.is_not(None),
                UserSession.created_at < cutoff,
                UserSession.session_version != user.session_version,
            ),
        )
    )
    token = secrets.token_urlsafe(32)
    session.add(
        UserSession(
            id=_digest(token),
            user_id=user.id,
            session_version=user.session_version,
            address=plain_text(address[:64]),
            user_agent=plain_text(user_agent[:300]),
        )
    )
    await session.flush()
    return token


def _live(max_age_seconds: int, now: datetime) -> list:
    return [
        UserSession.revoked_at.is_(None),
        UserSession.created_at > now - timedelta(seconds=max_age_seconds),
        UserSession.session_version == User.session_version,
        User.active.is_(True),
    ]


async def user_for_session(
    session: AsyncSession, token: str, *, max_age_seconds: int
) -> User | None:
    """The user of a live session, or None: one lookup by primary key (joined to the user),
    and a write of ``last_seen_at`` at most once a minute."""
    now = utcnow()
    found = (
        await session.execute(
            select(User, UserSession.last_seen_at)
            .join(UserSession, UserSession.user_id == User.id)
            .where(UserSession.id == _digest(token), *_live(max_age_seconds, now))
        )
    ).first()
    if found is None:
        return None
    user, last_seen = found
    if now - last_seen > TOUCH_EVERY:
        await session.execute(
            update(UserSession).where(UserSession.id == _digest(token)).values(last_seen_at=now)
        )
    return user


async def end_session(session: AsyncSession, token: str) -> None:
    await session.execute(
        update(UserSession)
        .where(UserSession.id == _digest(token), UserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


async def end_all_sessions(session: AsyncSession, *, user_id: int) -> None:
    """Sign the user out everywhere: every session, this one included."""
    await session.execute(
        update(User).where(User.id == user_id).values(session_version=User.session_version + 1)
    )
    await session.execute(
        update(UserSession)
        .where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


async def list_sessions(
    session: AsyncSession, *, user_id: int, max_age_seconds: int
) -> list[UserSession]:
    """The user's live sessions, the latest seen first."""
    rows = await session.scalars(
        select(UserSession)
        .join(User, User.id == UserSession.user_id)
        .where(UserSession.user_id == user_id, *_live(max_age_seconds, utcnow()))
        .order_by(UserSession.last_seen_at.desc())
    )
    return list(rows)


def is_session(row: UserSession, token: str) -> bool:
    """Whether ``row`` is the session of this token (the page marks "this browser")."""
    return secrets.compare_digest(row.id, _digest(token))
