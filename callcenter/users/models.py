from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.db import Base
from callcenter.users.roles import Permission, Role, role_can


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(
            "role IN ('operator', 'manager', 'supervisor', 'admin', 'partner')", name="role"
        ),
        CheckConstraint("language IN ('ru', 'en')", name="language"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(2), default="ru")
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Moscow")
    extension: Mapped[str | None] = mapped_column(String(32), unique=True)
    sees_all_clients: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # bumped to end every session at once (sign out everywhere, a new password, a new role,
    # deactivation): a session counts only while it was started at the current version
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_login_at: Mapped[datetime | None]
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())

    @property
    def display_name(self) -> str:
        return self.full_name or self.login

    def can(self, permission: Permission) -> bool:
        return self.active and role_can(self.role, permission)

    @property
    def sees_every_client(self) -> bool:
        """Managers see their own clients unless given all; a partner sees the client base
        only through their own partnership (never here); every other role sees all."""
        if self.role == Role.PARTNER:
            return False
        return self.role != Role.MANAGER or self.sees_all_clients


class ApiToken(Base):
    """A key for the JSON API: the random token is shown once, this row keeps its SHA-256.
    ``read_only`` may only read (GET, HEAD); ``read_write`` does what its user's role may.
    Past ``expires_at`` (none: never) or once revoked it opens nothing."""

    __tablename__ = "api_tokens"
    __table_args__ = (CheckConstraint("scope IN ('read_only', 'read_write')", name="scope"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    scope: Mapped[str] = mapped_column(
        String(10), default="read_write", server_default="read_write"
    )
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    expires_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]  # kept to the minute: not written on every request
    revoked_at: Mapped[datetime | None]


class UserSession(Base):
    """A signed-in browser: the cookie carries a random token, this row its SHA-256, so signing
    out (or out everywhere) ends a copied cookie at once."""

    __tablename__ = "user_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 hex of the token
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    session_version: Mapped[int] = mapped_column(Integer)  # the user's, when it started
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    last_seen_at: Mapped[datetime] = mapped_column(server_default=func.now())
    address: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(300), default="")
    revoked_at: Mapped[datetime | None]


class LoginFailure(Base):
    """One wrong sign-in, by the login typed (existing or not) and the address it came from:
    what throttling counts, in the database so every web process sees the same."""

    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_login", "login", "failed_at"),
        Index("ix_login_failures_address", "address", "failed_at"),
        Index("ix_login_failures_failed_at", "failed_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    login: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64))
    failed_at: Mapped[datetime] = mapped_column(server_default=func.now())
    # a try being checked (its reservation); a wrong one is then confirmed, a right one deleted
    pending: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
