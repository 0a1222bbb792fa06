"""Website form keys: made by the admin per site, shown once, stored as a SHA-256 hash.

A key says which queue's pool its leads' call-back tasks go to, how soon they are due and
which origin (scheme://host[:port]) a browser may post from (CORS). A revoked key answers
as an unknown one.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.db import utcnow
from callcenter.errors import DomainError, Invalid, NotFound
from callcenter.i18n import N_
from callcenter.marketing.models import LeadFormKey

KEY_PREFIX = "lf_"
MAX_DUE_MINUTES = 7 * 24 * 60


class LeadKeyInvalid(DomainError):
    """No active form key of that value: the same answer for unknown and revoked keys."""

    id = "lead_key_invalid"
    status = 401


@dataclass
class FormKeyInput:
    name: str = ""
    queue: str = ""
    due_minutes: str = "15"
    allowed_origin: str = ""


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()


def clean_origin(text: str) -> str | None:
    """``https://shop.example`` as a browser sends it in ``Origin``; None when not one."""
    text = text.strip().rstrip("/")
    if not text:
        return ""
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    if parts.path or parts.query or parts.fragment or parts.username or parts.password:
        return None
    return f"{parts.scheme}://{parts.netloc.lower()}"


def _validate(data: FormKeyInput) -> tuple[str, str, int, str]:
    errors: dict[str, str] = {}
    name = " ".join(data.name.split())
    if not name or len(name) > 120 or "\x00" in name:
        errors["name"] = N_("A name of up to 120 characters is required")
    queue = data.queue.strip()
    if len(queue) > 80 or "\x00" in queue:
        errors["queue"] = N_("No such queue")
    due = data.due_minutes.strip()
    minutes = int(due) if due.isascii() and due.isdigit() and len(due) < 7 else -1
    if not 0 <= minutes <= MAX_DUE_MINUTES:
        errors["due_minutes"] = N_("Minutes from 0 to 10080 (a week)")
    origin = clean_origin(data.allowed_origin[:200])
    if origin is None:
        errors["allowed_origin"] = N_("An origin such as https://shop.example, or nothing")
    if errors:
        raise Invalid(N_("Please correct the marked fields"), fields=errors)
    return name, queue, minutes, origin or ""


async def create_form_key(session: AsyncSession, *, data: FormKeyInput) -> tuple[LeadFormKey, str]:
    """A new key for a website form; the key itself is returned this once."""
    name, queue, minutes, origin = _validate(data)
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    row = LeadFormKey(
        name=name,
        key_hash=key_hash(key),
        queue=queue,
        due_minutes=minutes,
        allowed_origin=origin,
    )
    session.add(row)
    await session.flush()
    return row, key


async def revoke_form_key(session: AsyncSession, key_id: int) -> None:
    done = await session.scalar(
        update(LeadFormKey)
        .where(LeadFormKey.id == key_id, LeadFormKey.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .returning(LeadFormKey.id)
    )
    if done is None:
        raise NotFound(N_("No such key"))


async def list_form_keys(session: AsyncSession) -> list[LeadFormKey]:
    return list(
        await session.scalars(
            select(LeadFormKey).order_by(LeadFormKey.revoked_at.is_not(None), LeadFormKey.name)
        )
    )


async def form_key_for(session: AsyncSession, key: str) -> LeadFormKey:
    """The active key of this value, else LeadKeyInvalid."""
    key = key.strip()
    found = None
    if key.startswith(KEY_PREFIX) and len(key) <= 100:
        found = await session.scalar(
            select(LeadFormKey).where(
                LeadFormKey.key_hash == key_hash(key), LeadFormKey.revoked_at.is_(None)
            )
        )
    if found is None:
        raise LeadKeyInvalid(N_("This form key is not valid"))
    return found


async def origin_has_key(session: AsyncSession, origin: str) -> bool:
    """Whether some active key allows this origin. A CORS preflight carries no key (only
    the names of the headers to come), so it is answered for the origins keys allow."""
    wanted = clean_origin(origin[:200])
    if not wanted:
        return False
    found = await session.scalar(
        select(LeadFormKey.id)
        .where(LeadFormKey.allowed_origin == wanted, LeadFormKey.revoked_at.is_(None))
        .limit(1)
    )
    return found is not None
