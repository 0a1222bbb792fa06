"""Password hashing with Argon2id (a slow, memory-hard hash)."""

from __future__ import annotations

import asyncio
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# a real hash to verify against when the login is unknown, so timing does not tell it apart
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))

MIN_LENGTH = 8


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


async def hash_password_async(password: str) -> str:
    """Hash in a worker thread: Argon2 takes tens of milliseconds of CPU (it releases the GIL),
    and a burst of sign-ins at shift start must not stall every other request and pop."""
    return await asyncio.to_thread(hash_password, password)


async def verify_password_async(password_hash: str | None, password: str) -> bool:
    return await asyncio.to_thread(verify_password, password_hash, password)


def generate_password() -> str:
    return secrets.token_urlsafe(12)
