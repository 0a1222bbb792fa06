"""API tokens: several per user, named, with a scope and an expiry, revocable.

Only a token's SHA-256 is stored; the token itself is returned once, when it is made. A token
opens the API while it is neither revoked nor past its expiry and its user is active; its last
use is written at most once a minute (``LAST_USE_GRAIN``), so a busy script costs no write per
request.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.db import utcnow
from callcenter.errors import Invalid, NotFound
from callcenter.i18n import N_
from callcenter.users.models import ApiToken, User

LAST_USE_GRAIN = timedelta(minutes=1)
MAX_NAME = 100
MAX_LIFETIME = timedelta(days=3660)  # ten years: past it, "never" says it better


class Scope(StrEnum):
    READ_ONLY = "read_only"  # GET and HEAD only
    READ_WRITE = "read_write"  # whatever the user's role may


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Bearer:
    """Who a token speaks for, and how far."""

    user: User
    scope: Scope

    def may(self, method: str) -> bool:
        return self.scope == Scope.READ_WRITE or method.upper() in SAFE_METHODS


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _check(name: str, scope: str, expires_at: datetime | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    if len(name) > MAX_NAME or "\x00" in name:
        errors["name"] = N_("A token's name is up to 100 characters")
    if scope not in tuple(Scope):
        errors["scope"] = N_("A token is read-only or read-write")
    now = utcnow()
    if expires_at is not None and (
        expires_at.tzinfo is None or not now < expires_at <= now + MAX_LIFETIME
    ):
        errors["expires_at"] = N_("A token expires in the future, within ten years")
    return errors


async def create_token(
    session: AsyncSession,
    *,
    user: User,
    name: str = "",
    scope: str = Scope.READ_WRITE,
    expires_at: datetime | None = None,
) -> str:
    """Create an API token; only its hash is stored, the token itself is returned once."""
    name = name.strip()
    errors = _check(name, scope, expires_at)
    if errors:
        raise Invalid(N_("Please correct the marked fields"), fields=errors)
    token = "cc_" + secrets.token_urlsafe(32)
    session.add(
        ApiToken(
            user_id=user.id,
            token_hash=_token_hash(token),
            name=name,
            scope=str(scope),
            expires_at=expires_at,
        )
    )
    await session.flush()
    return token


async def bearer_of(session: AsyncSession, token: str) -> Bearer | None:
    """The user and scope of a live token (None: unknown, revoked, expired, user inactive)."""
    now = utcnow()
    row = await session.execute(
        select(User, ApiToken)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(
            ApiToken.token_hash == _token_hash(token),
            ApiToken.revoked_at.is_(None),
            or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > now),
        )
    )
    found = row.first()
    if found is None or not found[0].active:
        return None
    user, api_token = found
    if api_token.last_used_at is None or api_token.last_used_at <= now - LAST_USE_GRAIN:
        stale = or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at <= now - LAST_USE_GRAIN)
        await session.execute(
            update(ApiToken)
            .where(ApiToken.id == api_token.id, stale)  # two requests at once: one writes
            .values(last_used_at=now)
            .execution_options(synchronize_session=False)
        )
    return Bearer(user=user, scope=Scope(api_token.scope))


async def user_for_token(session: AsyncSession, token: str) -> User | None:
    bearer = await bearer_of(session, token)
    return bearer.user if bearer else None


async def list_tokens(session: AsyncSession, *, user_id: int) -> list[ApiToken]:
    """A user's tokens, live ones first, newest first."""
    return list(
        await session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user_id)
            .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(), ApiToken.id)
        )
    )


async def revoke_token(session: AsyncSession, *, user_id: int, token_id: int) -> ApiToken:
    """Revoke one of the user's own tokens (another's is "not found"); revoking twice keeps
    the first time."""
    api_token = await session.scalar(
        select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user_id)
    )
    if api_token is None:
        raise NotFound(N_("No such token"))
    if api_token.revoked_at is None:
        api_token.revoked_at = utcnow()
        await session.flush()
    return api_token


def token_state(api_token: ApiToken, now: datetime | None = None) -> str:
    """``live``, ``expired`` or ``revoked``: what the profile page shows."""
    if api_token.revoked_at is not None:
        return "revoked"
    if api_token.expires_at is not None and api_token.expires_at <= (now or utcnow()):
        return "expired"
    return "live"
