"""Putting messages in the outbox, reading it, and sending a failed one again."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.db import utcnow
from callcenter.errors import Conflict, Forbidden, NotFound
from callcenter.i18n import N_
from callcenter.mail.models import OutboxAttachment, OutboxMessage
from callcenter.users.models import User
from callcenter.users.roles import Permission


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    content_type: str = "application/octet-stream"


def one_line(text: str) -> str:
    """A header value: no line breaks (they would let a template inject headers)."""
    return " ".join(text.split())


async def queue_message(
    session: AsyncSession,
    *,
    to: str,
    subject: str,
    body: str,
    entity: str = "",
    entity_id: int | None = None,
    attachments: Sequence[Attachment] = (),
) -> OutboxMessage:
    """Queue an e-mail in the caller's transaction: it is sent only if that commits.

    A message with no address is stored as failed straight away, so it shows up instead of
    disappearing.
    """
    message = OutboxMessage(
        to_address=one_line(to),
        subject=one_line(subject)[:998],
        body=body,
        entity=entity,
        entity_id=entity_id,
        attachments=[
            OutboxAttachment(filename=a.filename, content=a.content, content_type=a.content_type)
            for a in attachments
        ],
    )
    if not message.to_address:
        message.state = "failed"
        message.last_error = N_("The client has no e-mail address")
    session.add(message)
    await session.flush()
    return message


async def messages_about(session: AsyncSession, entity: str, entity_id: int) -> list[OutboxMessage]:
    rows = await session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.entity == entity, OutboxMessage.entity_id == entity_id)
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
    )
    return list(rows)


async def list_outbox(
    session: AsyncSession, *, state: str = "failed", limit: int = 200
) -> list[OutboxMessage]:
    rows = await session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.state == state)
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
        .limit(limit)
    )
    return list(rows)


async def count_by_state(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(
        select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)
    )
    return {state: count for state, count in rows.all()}


async def resend_message(session: AsyncSession, *, message_id: int, actor: User) -> OutboxMessage:
    """Put a failed message back in the queue with a fresh count of attempts."""
    if not actor.can(Permission.MAIL_MANAGE):
        raise Forbidden(N_("Only an admin resends messages"))
    message = await session.get(OutboxMessage, message_id, with_for_update=True)
    if message is None:
        raise NotFound(N_("No such message"))
    if message.state != "failed":
        raise Conflict(N_("Only a failed message can be sent again"))
    if not message.to_address:
        raise Conflict(N_("The client has no e-mail address"))
    message.state, message.attempts, message.next_attempt_at = "queued", 0, utcnow()
    await session.flush()
    return message
