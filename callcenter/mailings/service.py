"""Mailings: write and edit (a draft), schedule (the audience becomes recipient rows), pause,
resume, cancel; their figures and recipients; the unsubscribe a signed link asks for.

A mailing is seen by its author and by those who see every client; a manager kept to their
own clients sees only their own mailings, and their audience holds only their clients.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.db import utcnow
from callcenter.errors import Conflict, Forbidden, NotFound
from callcenter.i18n import N_
from callcenter.mailings.audience import write_recipients
from callcenter.mailings.input import MailingInput, validate_mailing
from callcenter.mailings.models import RECIPIENT_STATES, Mailing, MailingRecipient, Suppression
from callcenter.mailings.sources import check_sources
from callcenter.users.models import User
from callcenter.users.roles import Permission
from callcenter.webhooks.service import enqueue

ACTIONS = ("pause", "resume", "cancel")
MOVES: dict[str, tuple[tuple[str, ...], str]] = {
    "pause": (("scheduled", "sending"), "paused"),
    "resume": (("paused",), "scheduled"),
    "cancel": (("draft", "scheduled", "sending", "paused"), "cancelled"),
}


class AlreadyInState(Conflict):
    """A repeated click: the mailing is where the action would take it."""

    id = "mailing_already_in_state"


@dataclass
class MailingFigures:
    by_state: dict[str, int] = field(default_factory=dict)
    unsubscribed: int = 0

    @property
    def total(self) -> int:
        return sum(n for state, n in self.by_state.items() if state != "skipped")

    def of(self, state: str) -> int:
        return self.by_state.get(state, 0)

    def as_dict(self) -> dict[str, int]:
        return {
            **{state: self.of(state) for state in RECIPIENT_STATES},
            "unsubscribed": self.unsubscribed,
            "total": self.total,
        }


def _may_see(actor: User, mailing: Mailing) -> bool:
    return actor.sees_every_client or mailing.created_by_id == actor.id


def _check(actor: User, permission: Permission) -> None:
    if not actor.can(permission):
        raise Forbidden(N_("Your role does not allow this"))


async def get_mailing(
    session: AsyncSession, mailing_id: int, *, actor: User, for_update: bool = False
) -> Mailing:
    _check(actor, Permission.MAILINGS_VIEW)
    mailing = await session.get(Mailing, mailing_id, with_for_update=for_update or None)
    if mailing is None:
        raise NotFound(N_("No such mailing"))
    if not _may_see(actor, mailing):
        raise Forbidden(N_("This mailing belongs to another manager"))
    return mailing


async def list_mailings(
    session: AsyncSession, *, actor: User, state: str = "", limit: int = 200
) -> list[Mailing]:
    _check(actor, Permission.MAILINGS_VIEW)
    stmt = select(Mailing).order_by(Mailing.created_at.desc(), Mailing.id.desc()).limit(limit)
    if not actor.sees_every_client:
        stmt = stmt.where(Mailing.created_by_id == actor.id)
    if state:
        stmt = stmt.where(Mailing.state == state)
    return list(await session.scalars(stmt))


async def create_mailing(
    session: AsyncSession, *, data: MailingInput, actor: User, timezone: str, rate_cap: int
) -> Mailing:
    _check(actor, Permission.MAILINGS_MANAGE)
    clean = validate_mailing(data, timezone=timezone, rate_cap=rate_cap)
    await check_sources(session, clean.values["audience"], actor=actor, mailing_id=None)
    mailing = Mailing(**clean.values, state="draft", created_by_id=actor.id)
    session.add(mailing)
    await session.flush()
    return mailing


async def update_mailing(
    session: AsyncSession,
    *,
    mailing_id: int,
    data: MailingInput,
    actor: User,
    timezone: str,
    rate_cap: int,
) -> Mailing:
    _check(actor, Permission.MAILINGS_MANAGE)
    mailing = await get_mailing(session, mailing_id, actor=actor, for_update=True)
    if mailing.state != "draft":
        raise Conflict(N_("Only a draft mailing can be changed"))
    clean = validate_mailing(data, timezone=timezone, rate_cap=rate_cap)
    await check_sources(session, clean.values["audience"], actor=actor, mailing_id=mailing.id)
    if "file" in (mailing.audience or {}):  # the uploaded file stays until it is dropped
        clean.values["audience"]["file"] = mailing.audience["file"]
    for name, value in clean.values.items():
        setattr(mailing, name, value)
    await session.flush()
    return mailing


async def _author(session: AsyncSession, mailing: Mailing, actor: User) -> User:
    """Whose view of the clients the audience is: the mailing's author's."""
    if mailing.created_by_id is None or mailing.created_by_id == actor.id:
        return actor
    return await session.get(User, mailing.created_by_id) or actor


async def schedule_mailing(
    session: AsyncSession, *, mailing_id: int, actor: User, region: str, default_zone: str
) -> int:
    """Freeze the audience into recipients and queue the mailing for its start (now when
    none was set); returns how many will be sent to. Only a draft is scheduled, once: the
    mailing's row is locked, so two clicks make one set of recipients."""
    _check(actor, Permission.MAILINGS_MANAGE)
    mailing = await get_mailing(session, mailing_id, actor=actor, for_update=True)
    if mailing.state == "scheduled":
        raise AlreadyInState(N_("The mailing is scheduled already"))
    if mailing.state != "draft":
        raise Conflict(N_("Only a draft mailing can be scheduled"))
    author = await _author(session, mailing, actor)
    now = utcnow()
    starts_at = now if mailing.starts_at is None or mailing.starts_at < now else mailing.starts_at
    reached = await write_recipients(
        session, mailing, author=author, region=region, default_zone=default_zone,
        due_at=starts_at,
    )  # fmt: skip
    if not reached:
        raise Conflict(N_("Nobody in the audience can get this mailing"))
    mailing.state, mailing.scheduled_at, mailing.starts_at = "scheduled", now, starts_at
    await session.flush()
    return reached


async def change_state(
    session: AsyncSession, *, mailing_id: int, action: str, actor: User
) -> Mailing:
    """Pause, resume or cancel. A cancelled mailing's queued recipients become skipped (those
    at the wire right now finish); a paused one keeps them for its resume."""
    _check(actor, Permission.MAILINGS_MANAGE)
    if action not in MOVES:
        raise NotFound(N_("No such action"))
    mailing = await get_mailing(session, mailing_id, actor=actor, for_update=True)
    allowed, target = MOVES[action]
    if mailing.state == target:
        raise AlreadyInState(N_("The mailing is in that state already"))
    if mailing.state not in allowed:
        raise Conflict(N_("The mailing cannot do that in its state"))
    mailing.state = target
    if action == "cancel":
        mailing.finished_at = utcnow()
        await session.execute(
            update(MailingRecipient)
            .where(MailingRecipient.mailing_id == mailing.id, MailingRecipient.state == "queued")
            .values(state="skipped", reason="cancelled")
        )
    await session.flush()
    if action == "cancel":
        await enqueue(session, "mailing.finished", f"mailing:{mailing.id}", finished(mailing))
    return mailing


def finished(mailing: Mailing) -> dict[str, Any]:
    """What ``mailing.finished`` tells: the mailing and how it ended (done or cancelled)."""
    return {
        "id": mailing.id,
        "name": mailing.name,
        "channel": mailing.channel,
        "state": mailing.state,
        "finished_at": mailing.finished_at,
    }


async def mailing_figures(
    session: AsyncSession, mailing_ids: list[int]
) -> dict[int, MailingFigures]:
    found = {mailing_id: MailingFigures() for mailing_id in mailing_ids}
    rows = await session.execute(
        select(MailingRecipient.mailing_id, MailingRecipient.state, func.count())
        .where(MailingRecipient.mailing_id.in_(mailing_ids))
        .group_by(MailingRecipient.mailing_id, MailingRecipient.state)
    )
    for mailing_id, state, count in rows:
        found[mailing_id].by_state[state] = count
    unsubscribed = await session.execute(
        select(MailingRecipient.mailing_id, func.count())
        .where(
            MailingRecipient.mailing_id.in_(mailing_ids),
            MailingRecipient.unsubscribed_at.is_not(None),
        )
        .group_by(MailingRecipient.mailing_id)
    )
    for mailing_id, count in unsubscribed:
        found[mailing_id].unsubscribed = count
    return found


async def skipped_by_reason(session: AsyncSession, mailing_id: int) -> dict[str, int]:
    rows = await session.execute(
        select(MailingRecipient.reason, func.count())
        .where(MailingRecipient.mailing_id == mailing_id, MailingRecipient.state == "skipped")
        .group_by(MailingRecipient.reason)
    )
    return dict(rows.all())


async def list_recipients(
    session: AsyncSession, mailing: Mailing, *, state: str = "", limit: int = 50, offset: int = 0
) -> list[MailingRecipient]:
    stmt = (
        select(MailingRecipient)
        .where(MailingRecipient.mailing_id == mailing.id)
        .order_by(MailingRecipient.id)
        .limit(limit)
        .offset(offset)
    )
    if state in RECIPIENT_STATES:
        stmt = stmt.where(MailingRecipient.state == state)
    return list(await session.scalars(stmt))


async def recipient_of_link(session: AsyncSession, recipient_id: int) -> MailingRecipient:
    recipient = await session.get(MailingRecipient, recipient_id)
    if recipient is None or not recipient.address:
        raise NotFound(N_("Page not found"))
    return recipient


async def unsubscribe(session: AsyncSession, *, recipient_id: int, how: str) -> MailingRecipient:
    """The recipient's address gets no more mailings. Twice is once: the suppression is one
    row per address, the recipient's moment the first one."""
    recipient = await recipient_of_link(session, recipient_id)
    await session.execute(
        pg_insert(Suppression)
        .values(
            address=recipient.address.lower(),
            reason="unsubscribed",
            mailing_id=recipient.mailing_id,
            detail=how[:200],
        )
        .on_conflict_do_nothing()
    )
    await session.execute(
        update(MailingRecipient)
        .where(MailingRecipient.id == recipient.id, MailingRecipient.unsubscribed_at.is_(None))
        .values(unsubscribed_at=utcnow())
    )
    await session.flush()
    return recipient


async def is_unsubscribed(session: AsyncSession, address: str) -> bool:
    found = await session.scalar(
        select(Suppression.id).where(
            Suppression.address == address.lower(), Suppression.reason == "unsubscribed"
        )
    )
    return found is not None
