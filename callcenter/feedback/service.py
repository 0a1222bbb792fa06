"""Feedback: read with the client's visibility, record and handle it with an audit trail.

Whoever may see a client sees its feedback; a manager restricted to their own clients also
sees the feedback they own. Supervisors read everything and change nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from callcenter.audit.service import diff, record_change
from callcenter.calls.models import CallRow
from callcenter.clients.models import Client
from callcenter.clients.service import get_client
from callcenter.db import utcnow
from callcenter.errors import Forbidden, NotFound
from callcenter.feedback.input import (
    CleanFeedback,
    FeedbackInput,
    FeedbackInvalid,
    validate_feedback,
)
from callcenter.feedback.models import Feedback
from callcenter.i18n import N_
from callcenter.limits import id_in
from callcenter.orders.links import check_order_link
from callcenter.users.models import User
from callcenter.users.roles import Permission, Role
from callcenter.webhooks.service import enqueue

FIELDS = ("kind", "client_id", "call_id", "order_id", "owner_id", "text", "status", "resolution")
OWNER_ROLES = (Role.OPERATOR.value, Role.MANAGER.value, Role.ADMIN.value)


@dataclass
class FeedbackQuery:
    kind: str = ""
    status: str = ""  # "", "open" (not resolved), or one status
    client_id: int | None = None
    order_id: int | None = None
    owner: str = ""  # "", "me" or a user id
    page: int = 1
    per_page: int = 50


@dataclass
class FeedbackPage:
    items: list[Feedback]
    total: int
    page: int
    per_page: int
    pages: int = field(init=False)

    def __post_init__(self) -> None:
        self.pages = max(1, -(-self.total // self.per_page))


def visible_feedback(actor: User) -> ColumnElement[bool]:
    if actor.sees_every_client:
        return true()
    own = select(Client.id).where(Client.owner_id == actor.id)
    return or_(Feedback.client_id.in_(own), Feedback.owner_id == actor.id)


def _loading() -> list[Any]:
    return [
        selectinload(Feedback.client),
        selectinload(Feedback.owner),
        selectinload(Feedback.order),
    ]


async def get_feedback(session: AsyncSession, feedback_id: int, *, actor: User) -> Feedback:
    if not actor.can(Permission.FEEDBACK_VIEW):
        raise Forbidden(N_("You may not see feedback"))
    item = await session.scalar(
        select(Feedback)
        .where(Feedback.id == feedback_id)
        .options(*_loading())
        .execution_options(populate_existing=True)
    )
    if item is None:
        raise NotFound(N_("No such feedback"))
    mine = actor.id in (item.owner_id, item.client.owner_id)
    if not actor.sees_every_client and not mine:
        raise Forbidden(N_("This client belongs to another manager"))
    return item


def _conditions(query: FeedbackQuery, actor: User) -> list[ColumnElement[bool]]:
    conds = [visible_feedback(actor)]
    if query.kind:
        conds.append(Feedback.kind == query.kind)
    if query.status == "open":
        conds.append(Feedback.status != "resolved")
    elif query.status:
        conds.append(Feedback.status == query.status)
    if query.client_id is not None:
        conds.append(Feedback.client_id == query.client_id)
    if query.order_id is not None:
        conds.append(Feedback.order_id == query.order_id)
    if query.owner == "me":
        conds.append(Feedback.owner_id == actor.id)
    elif (owner_id := id_in(query.owner, "owner")) is not None:
        conds.append(Feedback.owner_id == owner_id)
    return conds


async def list_feedback(
    session: AsyncSession, query: FeedbackQuery, *, actor: User
) -> FeedbackPage:
    """Newest first."""
    if not actor.can(Permission.FEEDBACK_VIEW):
        raise Forbidden(N_("You may not see feedback"))
    conds = _conditions(query, actor)
    total = await session.scalar(select(func.count()).select_from(Feedback).where(*conds)) or 0
    per_page, page = min(max(query.per_page, 1), 200), max(query.page, 1)
    rows = await session.scalars(
        select(Feedback)
        .where(*conds)
        .order_by(Feedback.created_at.desc(), Feedback.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
        .options(*_loading())
    )
    return FeedbackPage(list(rows), total, page, per_page)


async def open_complaints(session: AsyncSession, client_ids: Iterable[int]) -> dict[int, int]:
    """How many unresolved complaints each of these clients has (only those with some)."""
    ids = list(client_ids)
    if not ids:
        return {}
    rows = await session.execute(
        select(Feedback.client_id, func.count())
        .where(
            Feedback.client_id.in_(ids),
            Feedback.kind == "complaint",
            Feedback.status != "resolved",
        )
        .group_by(Feedback.client_id)
    )
    return {client_id: count for client_id, count in rows.all()}


async def owners(session: AsyncSession) -> list[User]:
    """Who may own (handle) feedback."""
    rows = await session.scalars(
        select(User)
        .where(User.active.is_(True), User.role.in_(OWNER_ROLES))
        .order_by(User.full_name, User.login)
    )
    return list(rows)


async def _client_of(
    session: AsyncSession, client_id: int | None, actor: User, kept_client: int | None
) -> tuple[Client | None, str]:
    """The feedback's client, or why it cannot be linked."""
    if client_id is None:
        return None, N_("Choose the client")
    if client_id == kept_client:
        return await session.get(Client, client_id), ""
    try:
        client = await get_client(session, client_id, actor=actor)
    except NotFound:
        return None, N_("No such client")
    if client.merged_into_id:
        return client, N_("This client was merged into another one")
    return client, ""


async def _check_links(
    session: AsyncSession,
    clean: CleanFeedback,
    actor: User,
    *,
    kept_client: int | None = None,
    kept_order: int | None = None,
) -> Client:
    """The client, call, order and owner must exist; a newly linked client must be one the
    actor sees (feedback they own keeps its client even if they cannot open that card)."""
    errors: dict[str, str] = {}
    link = await check_order_link(
        session, order_id=clean.order_id, client_id=clean.client_id, actor=actor,
        kept_order=kept_order,
    )  # fmt: skip
    if link.error:
        errors["order_id"] = link.error
    clean.client_id = link.client_id
    client, error = await _client_of(session, clean.client_id, actor, kept_client)
    if error:
        errors["client_id"] = error
    if clean.call_id is not None and await session.get(CallRow, clean.call_id) is None:
        errors["call_id"] = N_("No such call")
    if clean.owner_id is not None:
        owner = await session.get(User, clean.owner_id)
        if owner is None or not owner.active or owner.role not in OWNER_ROLES:
            errors["owner_id"] = N_("No such user")
    if errors or client is None:
        raise FeedbackInvalid(N_("Please correct the marked fields"), fields=errors)
    return client


def _snapshot(item: Feedback) -> dict[str, Any]:
    values = {name: getattr(item, name) for name in FIELDS}
    values["score"] = f"{item.score} ({item.score_scale})" if item.score_scale else None
    return values


def _apply(item: Feedback, clean: CleanFeedback) -> None:
    was_resolved = item.status == "resolved"
    for name in (*FIELDS, "score_scale", "score"):
        setattr(item, name, getattr(clean, name))
    if clean.status == "resolved" and not was_resolved:
        item.resolved_at = utcnow()
    elif clean.status != "resolved":
        item.resolved_at = None


async def create_feedback(session: AsyncSession, *, data: FeedbackInput, actor: User) -> Feedback:
    """Record feedback; its owner is the client's owner unless someone else is named."""
    if not actor.can(Permission.FEEDBACK_EDIT):
        raise Forbidden(N_("Your role does not allow recording feedback"))
    clean = validate_feedback(data)
    client = await _check_links(session, clean, actor)
    if clean.owner_id is None:
        clean.owner_id = client.owner_id or actor.id
    item = Feedback(created_by_id=actor.id)
    _apply(item, clean)
    session.add(item)
    await session.flush()
    after = {k: v for k, v in _snapshot(item).items() if v not in (None, "")}
    await record_change(
        session, actor=actor, entity="feedback", entity_id=item.id, action="created",
        changes=diff({}, after),
    )  # fmt: skip
    event = {"id": item.id, **_snapshot(item)}
    await enqueue(session, "feedback.created", f"feedback:{item.id}", event)
    return await get_feedback(session, item.id, actor=actor)


async def update_feedback(
    session: AsyncSession, *, feedback_id: int, data: FeedbackInput, actor: User
) -> Feedback:
    """Change status, owner, resolution, score...; resolving needs a resolution."""
    if not actor.can(Permission.FEEDBACK_EDIT):
        raise Forbidden(N_("Your role does not allow handling feedback"))
    item = await get_feedback(session, feedback_id, actor=actor)
    clean = validate_feedback(data)
    await _check_links(session, clean, actor, kept_client=item.client_id, kept_order=item.order_id)
    before = _snapshot(item)
    _apply(item, clean)
    await session.flush()
    if changes := diff(before, _snapshot(item)):
        await record_change(
            session, actor=actor, entity="feedback", entity_id=item.id, action="updated",
            changes=changes,
        )  # fmt: skip
    return item


def to_input(item: Feedback) -> FeedbackInput:
    return FeedbackInput(
        kind=item.kind,
        client_id=item.client_id,
        call_id=item.call_id,
        order_id=item.order_id,
        owner_id=item.owner_id,
        text=item.text,
        status=item.status,
        resolution=item.resolution,
        score_scale=item.score_scale or "",
        score="" if item.score is None else str(item.score),
    )
