"""The do-not-call list as people keep it: find a number typed any way, add, remove.

Numbers are stored in E.164 (``service.add_dnc`` parses them); every addition and removal is
recorded in the audit trail, since a removal lets the number be dialed again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.audit.service import record_change
from callcenter.errors import Conflict, Forbidden, Invalid, NotFound
from callcenter.floor.models import DoNotCall
from callcenter.floor.service import add_dnc, dnc_entry
from callcenter.i18n import N_
from callcenter.phones import PhoneError, parse_phone, try_e164
from callcenter.users.models import User
from callcenter.users.roles import Permission

REASON_MAX = 200
PER_PAGE = 50


@dataclass(frozen=True)
class ListedNumber:
    """An entry as plain values: it outlives the transaction that the refusal rolls back."""

    id: int
    e164: str
    reason: str
    created_at: datetime


class AlreadyOnList(Conflict):
    """The number is on the list already; ``existing`` is its entry."""

    id = "already_on_list"

    def __init__(self, existing: DoNotCall) -> None:
        message = N_("This number is already on the do-not-call list")
        super().__init__(message, fields={"number": message})
        self.existing = ListedNumber(
            existing.id, existing.e164, existing.reason, existing.created_at
        )


@dataclass
class DncPage:
    entries: list[tuple[DoNotCall, User | None]]
    total: int
    page: int
    per_page: int
    pages: int = field(init=False)

    def __post_init__(self) -> None:
        self.pages = max(1, -(-self.total // self.per_page))


def _matching(q: str, region: str) -> list[ColumnElement[bool]]:
    """A whole number in any format finds its entry; a fragment of digits finds every number
    containing it; words search the reasons."""
    text = q.strip()
    if not text:
        return []
    e164 = try_e164(text, region)
    if e164:
        return [DoNotCall.e164 == e164]
    digits = re.sub(r"\D", "", text)
    if digits:
        return [DoNotCall.e164.contains(digits, autoescape=True)]
    return [DoNotCall.reason.icontains(text, autoescape=True)]


async def search_dnc(
    session: AsyncSession, *, q: str = "", region: str, page: int = 1, per_page: int = PER_PAGE
) -> DncPage:
    """Newest first, with who added each number."""
    where = _matching(q, region)
    total = await session.scalar(select(func.count()).select_from(DoNotCall).where(*where))
    page = max(1, page)
    rows = await session.execute(
        select(DoNotCall, User)
        .outerjoin(User, User.id == DoNotCall.added_by_id)
        .where(*where)
        .order_by(DoNotCall.created_at.desc(), DoNotCall.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return DncPage([(entry, user) for entry, user in rows.all()], total or 0, page, per_page)


async def get_dnc(session: AsyncSession, entry_id: int) -> tuple[DoNotCall, User | None]:
    row = (
        await session.execute(
            select(DoNotCall, User)
            .outerjoin(User, User.id == DoNotCall.added_by_id)
            .where(DoNotCall.id == entry_id)
        )
    ).first()
    if row is None:
        raise NotFound(N_("This number is not on the do-not-call list"))
    return row[0], row[1]


async def add_to_dnc(
    session: AsyncSession, *, number: str, reason: str, actor: User, region: str
) -> DoNotCall:
    """Put a number on the list; a number already there is refused with its entry."""
    if not actor.can(Permission.DNC_MANAGE):
        raise Forbidden(N_("Your role does not allow this"))
    reason = " ".join(reason.split())
    if len(reason) > REASON_MAX:
        raise Invalid(
            N_("Please correct the marked fields"),
            fields={"reason": N_("At most 200 characters")},
        )
    try:
        e164 = parse_phone(number, region).e164
    except PhoneError as exc:
        raise Invalid(str(exc), fields={"number": str(exc)}) from None
    existing = await dnc_entry(session, e164)
    if existing is not None:
        raise AlreadyOnList(existing)
    try:
        async with session.begin_nested():  # two people adding one number at once
            entry = await add_dnc(session, number=e164, reason=reason, by=actor, region=region)
    except IntegrityError:
        found = await dnc_entry(session, e164)
        if found is None:
            raise
        raise AlreadyOnList(found) from None
    await session.refresh(entry, ["created_at"])
    await record_change(
        session,
        actor=actor,
        entity="do_not_call",
        entity_id=entry.id,
        action="created",
        changes={"number": [None, e164], "reason": [None, reason]},
    )
    return entry


async def remove_from_dnc(session: AsyncSession, *, entry_id: int, actor: User) -> DoNotCall:
    """Take a number off the list: it may be dialed again. The audit trail keeps it."""
    if not actor.can(Permission.DNC_MANAGE):
        raise Forbidden(N_("Your role does not allow this"))
    entry, _added_by = await get_dnc(session, entry_id)
    await record_change(
        session,
        actor=actor,
        entity="do_not_call",
        entity_id=entry.id,
        action="removed",
        changes={"number": [entry.e164, None], "reason": [entry.reason, None]},
    )
    await session.delete(entry)
    await session.flush()
    return entry
