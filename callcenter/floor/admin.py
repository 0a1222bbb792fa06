"""What the admin keeps about the floor: queue settings the CRM adds, and the pause reasons.

Queues themselves come from the PBX (``store.save_queues_seen``); the admin gives each a name
for people, the service-level threshold, the CRM's wrap-up time and who may log in. A changed
wrap-up reaches the PBX listener as a ``queue_settings`` live notification, sent at commit.

Pause reasons are never deleted, only deactivated: agent history refers to them by name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.audit.service import diff, record_change
from callcenter.errors import Forbidden, Invalid, NotFound
from callcenter.floor.alerts import COLUMNS as ALERT_COLUMNS
from callcenter.floor.alerts import checked_thresholds
from callcenter.floor.models import PauseReason, QueueRow
from callcenter.floor.records import WRAPUP_REASON
from callcenter.i18n import LANGUAGE_NAMES, N_, translations
from callcenter.live import LiveKind, notify
from callcenter.users.models import User
from callcenter.users.roles import Permission

SERVICE_LEVEL_RANGE = (1, 600)
WRAPUP_RANGE = (0, 600)
TITLE_MAX = 120
REASON_MAX = 60
FIX_FIELDS = N_("Please correct the marked fields")


def _require(actor: User, permission: Permission) -> None:
    if not actor.can(permission):
        raise Forbidden(N_("Your role does not allow this"))


# -- queues ----------------------------------------------------------------------------------


@dataclass
class QueueSettingsInput:
    """The queue form as typed: numbers stay text until checked, so a bad one is shown back."""

    title: str = ""
    service_level_seconds: str = "20"
    wrapup_seconds: str = "0"
    allowed_user_ids: list[str] = field(default_factory=list)
    alerts: dict[str, str] = field(default_factory=dict)  # the wallboard's thresholds, by column

    @classmethod
    def of(cls, queue: QueueRow) -> QueueSettingsInput:
        return cls(
            title=queue.title,
            service_level_seconds=str(queue.service_level_seconds),
            wrapup_seconds=str(queue.wrapup_seconds),
            allowed_user_ids=[str(i) for i in queue.allowed_user_ids],
            alerts={
                c: "" if getattr(queue, c) is None else str(getattr(queue, c))
                for c in ALERT_COLUMNS
            },
        )


async def list_queues(session: AsyncSession) -> list[QueueRow]:
    """Queues on the PBX first, then those gone from it, each group by name."""
    rows = await session.scalars(select(QueueRow).order_by(QueueRow.on_pbx.desc(), QueueRow.name))
    return list(rows)


async def get_queue(session: AsyncSession, queue_id: int) -> QueueRow:
    queue = await session.get(QueueRow, queue_id)
    if queue is None:
        raise NotFound(N_("No such queue"))
    return queue


async def queue_agent_choices(session: AsyncSession, queue: QueueRow | None = None) -> list[User]:
    """Who may be allowed into a queue: active users with an extension, plus anyone already
    allowed (so saving the form never drops them unseen)."""
    already = list(queue.allowed_user_ids) if queue else []
    rows = await session.scalars(
        select(User)
        .where(
            (User.active & User.extension.is_not(None) & (User.extension != ""))
            | User.id.in_(already)
        )
        .order_by(User.extension, User.login)
    )
    return list(rows)


def _seconds(text: str, low: int, high: int) -> int | None:
    value = text.strip()
    if not (value.isascii() and value.isdigit()) or not low <= int(value) <= high:
        return None
    return int(value)


async def _allowed_users(
    session: AsyncSession, queue: QueueRow, typed: list[str]
) -> list[User] | None:
    if not all(t.strip().isascii() and t.strip().isdigit() for t in typed):
        return None
    ids = sorted({int(t) for t in typed})
    choices = {u.id: u for u in await queue_agent_choices(session, queue)}
    if any(i not in choices for i in ids):
        return None
    return [choices[i] for i in ids]


async def _checked_settings(
    session: AsyncSession, queue: QueueRow, data: QueueSettingsInput
) -> tuple[str, int, int, list[User], dict[str, int | None]]:
    """The form's values checked: title, service level, wrap-up, allowed users, the
    wallboard's thresholds; or Invalid."""
    title = " ".join(data.title.split())
    service_level = _seconds(data.service_level_seconds, *SERVICE_LEVEL_RANGE)
    wrapup = _seconds(data.wrapup_seconds, *WRAPUP_RANGE)
    allowed = await _allowed_users(session, queue, data.allowed_user_ids)
    alerts, errors = checked_thresholds(data.alerts)
    if len(title) > TITLE_MAX:
        errors["title"] = N_("At most 120 characters")
    if service_level is None:
        errors["service_level_seconds"] = N_("Whole seconds from 1 to 600")
    if wrapup is None:
        errors["wrapup_seconds"] = N_("Whole seconds from 0 to 600")
    if allowed is None:
        errors["allowed_user_ids"] = N_("Choose agents from the list")
    if errors or service_level is None or wrapup is None or allowed is None:
        raise Invalid(FIX_FIELDS, fields=errors)
    return title, service_level, wrapup, allowed, alerts


async def update_queue_settings(
    session: AsyncSession, *, queue_id: int, data: QueueSettingsInput, actor: User
) -> QueueRow:
    """Save the CRM's settings of a queue; a changed wrap-up is announced to the listener."""
    _require(actor, Permission.QUEUES_MANAGE)
    queue = await get_queue(session, queue_id)
    title, service_level, wrapup, allowed, alerts = await _checked_settings(session, queue, data)
    before = await _queue_snapshot(session, queue)
    queue.title, queue.service_level_seconds = title, service_level
    queue.wrapup_seconds, queue.allowed_user_ids = wrapup, [u.id for u in allowed]
    for column, value in alerts.items():
        setattr(queue, column, value)
    await session.flush()
    changes = diff(before, await _queue_snapshot(session, queue))
    if changes:
        await record_change(
            session,
            actor=actor,
            entity="queue",
            entity_id=queue.id,
            action="updated",
            changes=changes,
        )
    if "wrapup_seconds" in changes:
        # delivered at commit: the listener re-reads the queues' wrap-up times
        await notify(
            session, LiveKind.QUEUE_SETTINGS, pbx=queue.pbx, queue=queue.name, wrapup_seconds=wrapup
        )
    return queue


async def _queue_snapshot(session: AsyncSession, queue: QueueRow) -> dict[str, Any]:
    """The queue's settings as the audit trail shows them: who may log in, by login."""
    ids = list(queue.allowed_user_ids)
    logins = (
        sorted(await session.scalars(select(User.login).where(User.id.in_(ids)))) if ids else []
    )
    return {
        "title": queue.title,
        "service_level_seconds": queue.service_level_seconds,
        "wrapup_seconds": queue.wrapup_seconds,
        "allowed_users": logins,
        **{column: getattr(queue, column) for column in ALERT_COLUMNS},
    }


# -- pause reasons ---------------------------------------------------------------------------


def _spellings(name: str) -> set[str]:
    """A reason's name and every translation of it, folded: two reasons must not read alike."""
    return {name.casefold()} | {
        translations(language).gettext(name).casefold() for language in LANGUAGE_NAMES
    }


async def _checked_reason_name(session: AsyncSession, typed: str, reason_id: int | None) -> str:
    name = " ".join(typed.split())
    error = None
    if not name:
        error = N_("Name is required")
    elif len(name) > REASON_MAX:
        error = N_("At most 60 characters")
    elif _spellings(name) & _spellings(WRAPUP_REASON):
        error = N_("“Wrap-up” is set by the CRM itself after calls: choose another name")
    else:
        others = await session.scalars(select(PauseReason).where(PauseReason.id != reason_id))
        if any(_spellings(name) & _spellings(other.name) for other in others):
            error = N_("This name is taken")
    if error:
        raise Invalid(FIX_FIELDS, fields={"name": error})
    return name


async def get_pause_reason(session: AsyncSession, reason_id: int) -> PauseReason:
    reason = await session.get(PauseReason, reason_id)
    if reason is None:
        raise NotFound(N_("No such pause reason"))
    return reason


async def add_pause_reason(session: AsyncSession, *, name: str, actor: User) -> PauseReason:
    """A new active reason, at the end of the list."""
    _require(actor, Permission.QUEUES_MANAGE)
    name = await _checked_reason_name(session, name, None)
    last = await session.scalar(select(func.max(PauseReason.position)))
    reason = PauseReason(name=name, active=True, position=(last or 0) + 1)
    session.add(reason)
    await session.flush()
    await record_change(
        session,
        actor=actor,
        entity="pause_reason",
        entity_id=reason.id,
        action="created",
        changes={"name": [None, name]},
    )
    return reason


async def update_pause_reason(
    session: AsyncSession, *, reason_id: int, name: str, active: bool, actor: User
) -> PauseReason:
    """Rename or (de)activate. Past pauses keep the name they were taken with."""
    _require(actor, Permission.QUEUES_MANAGE)
    reason = await get_pause_reason(session, reason_id)
    name = await _checked_reason_name(session, name, reason.id)
    changes = diff({"name": reason.name, "active": reason.active}, {"name": name, "active": active})
    reason.name, reason.active = name, active
    await session.flush()
    if changes:
        await record_change(
            session,
            actor=actor,
            entity="pause_reason",
            entity_id=reason.id,
            action="updated",
            changes=changes,
        )
    return reason


async def move_pause_reason(
    session: AsyncSession, *, reason_id: int, step: int, actor: User
) -> None:
    """Move a reason up (step -1) or down (+1) the list agents choose from; positions are
    renumbered 1, 2, 3… so the order stays unambiguous."""
    _require(actor, Permission.QUEUES_MANAGE)
    reasons = list(
        await session.scalars(select(PauseReason).order_by(PauseReason.position, PauseReason.name))
    )
    index = next((i for i, r in enumerate(reasons) if r.id == reason_id), None)
    if index is None:
        raise NotFound(N_("No such pause reason"))
    target = min(max(index + step, 0), len(reasons) - 1)
    reasons.insert(target, reasons.pop(index))
    for position, reason in enumerate(reasons, start=1):
        reason.position = position
    await session.flush()
