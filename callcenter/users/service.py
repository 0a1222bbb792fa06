"""Users: create and update. (Signing in: ``logins``; sessions: ``sessions``; API tokens:
``tokens``.)"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.audit.service import diff, record_change
from callcenter.errors import NotFound
from callcenter.i18n import N_
from callcenter.settings import LANGUAGES
from callcenter.users.exceptions import UserInvalid
from callcenter.users.models import User
from callcenter.users.passwords import MIN_LENGTH, hash_password_async
from callcenter.users.roles import Role

AUDITED = (
    "login",
    "full_name",
    "role",
    "language",
    "timezone",
    "extension",
    "sees_all_clients",
    "active",
)


@dataclass
class UserInput:
    login: str = ""
    full_name: str = ""
    role: str = Role.OPERATOR
    language: str = "ru"
    timezone: str = "Europe/Moscow"
    extension: str = ""
    sees_all_clients: bool = False
    active: bool = True
    password: str = ""  # empty on update means: keep the current password


def _validate(data: UserInput, *, creating: bool) -> dict[str, str]:
    errors: dict[str, str] = {}
    login = data.login.strip().lower()
    if not login or not all(c.isalnum() or c in "._-" for c in login) or len(login) > 64:
        errors["login"] = N_("Login: letters, digits, dot, dash or underscore, up to 64")
    if data.role not in tuple(Role):
        errors["role"] = N_("Unknown role")
    if data.language not in LANGUAGES:
        errors["language"] = N_("Language must be ru or en")
    try:
        ZoneInfo(data.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        errors["timezone"] = N_("Unknown time zone")
    ext = data.extension.strip()
    if ext and (not ext.isascii() or not ext.replace("*", "").replace("#", "").isalnum()):
        errors["extension"] = N_("Extension: digits and letters only")
    if (creating or data.password) and len(data.password) < MIN_LENGTH:
        errors["password"] = N_("Password must be at least 8 characters")
    return errors


async def _check_unique(session: AsyncSession, data: UserInput, user_id: int | None) -> None:
    errors: dict[str, str] = {}
    login = data.login.strip().lower()
    taken = await session.scalar(select(User.id).where(User.login == login))
    if taken and taken != user_id:
        errors["login"] = N_("This login is taken")
    if data.extension.strip():
        owner = await session.scalar(
            select(User.id).where(User.extension == data.extension.strip())
        )
        if owner and owner != user_id:
            errors["extension"] = N_("This extension belongs to another user")
    if errors:
        raise UserInvalid(N_("Please correct the marked fields"), fields=errors)


async def _flush_unique(session: AsyncSession) -> None:
    """Store the user; two admins giving one login or extension at once pass the check
    above together, and the database's unique constraint decides: the loser gets the same
    clear error (the caller's transaction is rolled back, the form keeps what was typed)."""
    try:
        await session.flush()
    except IntegrityError as exc:
        constraint = getattr(exc.orig, "constraint_name", None) or str(exc.orig)
        if "extension" in constraint:
            field, message = "extension", N_("This extension belongs to another user")
        elif "login" in constraint:
            field, message = "login", N_("This login is taken")
        else:
            raise
        raise UserInvalid(N_("Please correct the marked fields"), fields={field: message}) from None


def _snapshot(user: User) -> dict[str, object]:
    return {name: getattr(user, name) for name in AUDITED}


async def create_user(session: AsyncSession, *, data: UserInput, actor: User | None = None) -> User:
    errors = _validate(data, creating=True)
    if errors:
        raise UserInvalid(N_("Please correct the marked fields"), fields=errors)
    await _check_unique(session, data, None)
    user = User(password_hash=await hash_password_async(data.password))
    _apply(user, data)
    session.add(user)
    await _flush_unique(session)
    await record_change(
        session,
        actor=actor,
        entity="user",
        entity_id=user.id,
        action="created",
        changes={k: [None, v] for k, v in _snapshot(user).items()},
    )
    return user


def _apply(user: User, data: UserInput) -> None:
    user.login = data.login.strip().lower()
    user.full_name = data.full_name.strip()
    user.role = data.role
    user.language = data.language
    user.timezone = data.timezone
    user.extension = data.extension.strip() or None
    user.sees_all_clients = data.sees_all_clients
    user.active = data.active


async def update_user(
    session: AsyncSession, *, user_id: int, data: UserInput, actor: User | None
) -> User:
    user = await get_user(session, user_id)
    errors = _validate(data, creating=False)
    if errors:
        raise UserInvalid(N_("Please correct the marked fields"), fields=errors)
    await _check_unique(session, data, user.id)
    before = _snapshot(user)
    _apply(user, data)
    changes: dict[str, object] = dict(diff(before, _snapshot(user)))
    if data.password:
        user.password_hash = await hash_password_async(data.password)
        changes["password"] = ["***", "***"]
    if data.password or "role" in changes or "active" in changes:
        user.session_version += 1  # every session of theirs ends (the caller may start one)
    await _flush_unique(session)
    if changes:
        await record_change(
            session,
            actor=actor,
            entity="user",
            entity_id=user.id,
            action="updated",
            changes=changes,
        )
    return user


async def get_user(session: AsyncSession, user_id: int) -> User:
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound(N_("No such user"))
    return user


async def get_user_by_login(session: AsyncSession, login: str) -> User:
    user = await session.scalar(select(User).where(User.login == login.strip().lower()))
    if user is None:
        raise NotFound(N_("No such user"))
    return user


async def list_users(session: AsyncSession) -> list[User]:
    return list(await session.scalars(select(User).order_by(User.active.desc(), User.login)))


async def count_users(session: AsyncSession) -> int:
    return await session.scalar(select(func.count(User.id))) or 0
