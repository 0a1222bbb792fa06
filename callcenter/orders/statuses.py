"""The admin keeps the pipeline: stages, their order, deadlines and status e-mails."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.audit.service import record_change
from callcenter.errors import Conflict, Forbidden, Invalid, NotFound
from callcenter.i18n import N_
from callcenter.orders.letters import unknown_placeholders
from callcenter.orders.models import STATUS_KINDS, Order, OrderStatus, OrderStatusChange
from callcenter.users.models import User
from callcenter.users.roles import Permission

# The default pipeline, as migration 0007 seeds it: (code, Russian name, English name, kind,
# deadline in days, notify the client, e-mail subject, e-mail text)
GREETING = "Здравствуйте, {client}!\n\n"
SIGNATURE = "\n\nВаш менеджер: {manager}"
DEFAULT_PIPELINE = [
    ("new", "Новый", "New", "open", 1, False, "", ""),
    (
        "accepted",
        "Принят",
        "Accepted",
        "open",
        2,
        True,
        "Заказ {number} принят",
        GREETING + "Ваш заказ {number} на сумму {total} принят в работу." + SIGNATURE,
    ),
    ("in_production", "В производстве", "In production", "open", 10, False, "", ""),
    ("done", "Готов", "Done", "open", 3, False, "", ""),
    (
        "shipped",
        "Отгружен",
        "Shipped",
        "open",
        7,
        True,
        "Заказ {number} отгружен",
        GREETING + "Ваш заказ {number} отгружен и уже в пути." + SIGNATURE,
    ),
    ("delivered", "Доставлен", "Delivered", "final", None, False, "", ""),
    (
        "cancelled",
        "Отменён",
        "Cancelled",
        "cancel",
        None,
        True,
        "Заказ {number} отменён",
        GREETING + "Ваш заказ {number} отменён. Причина: {reason}" + SIGNATURE,
    ),
    ("refused", "Отказ клиента", "Refused", "cancel", None, False, "", ""),
]


# what the default pipeline's notified stages text the client (off until the admin ticks it)
DEFAULT_SMS = {
    "accepted": "Заказ {number} на сумму {total} принят в работу.",
    "shipped": "Заказ {number} отгружен и уже в пути.",
    "cancelled": "Заказ {number} отменён. Причина: {reason}",
}


class StatusInvalid(Invalid):
    id = "status_invalid"


@dataclass
class StatusInput:
    code: str = ""
    name_ru: str = ""
    name_en: str = ""
    position: str = ""
    kind: str = "open"
    deadline_days: str = ""
    notify_client: bool = False
    email_subject: str = ""
    email_body: str = ""
    notify_sms: bool = False
    sms_text: str = ""


async def list_statuses(session: AsyncSession) -> list[OrderStatus]:
    return list(
        await session.scalars(select(OrderStatus).order_by(OrderStatus.position, OrderStatus.id))
    )


async def seed_default_pipeline(session: AsyncSession) -> list[OrderStatus]:
    """The default pipeline into an empty statuses table (the migration seeds the same)."""
    if await session.scalar(select(OrderStatus.id).limit(1)) is not None:
        return await list_statuses(session)
    for index, (code, ru, en, kind, days, notify, subject, body) in enumerate(DEFAULT_PIPELINE):
        session.add(
            OrderStatus(
                code=code,
                name_ru=ru,
                name_en=en,
                kind=kind,
                position=(index + 1) * 10,
                deadline_days=days,
                notify_client=notify,
                email_subject=subject,
                email_body=body,
                sms_text=DEFAULT_SMS.get(code, ""),
            )
        )
    await session.flush()
    return await list_statuses(session)


def _int(errors: dict[str, str], name: str, text: str, high: int) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not re.fullmatch(r"[0-9]{1,6}", text) or int(text) > high:
        errors[name] = N_("A whole number, 0 or more (and not that large)")
        return None
    return int(text)


def _validate(data: StatusInput) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,39}", data.code.strip()):
        errors["code"] = N_("Latin small letters, digits and _, starting with a letter")
    for name in ("name_ru", "name_en"):
        value = " ".join(getattr(data, name).split())
        if not value or len(value) > 100:
            errors[name] = N_("Name is required")
    if data.kind not in STATUS_KINDS:
        errors["kind"] = N_("Choose a kind from the list")
    for name in ("email_subject", "email_body", "sms_text"):
        if unknown_placeholders(getattr(data, name)):
            errors[name] = N_("Unknown placeholder: use only the names listed")
    if len(data.email_subject) > 300:
        errors["email_subject"] = N_("Too long")
    if data.notify_client and not (data.email_subject.strip() and data.email_body.strip()):
        errors["email_body"] = N_("A notified status needs a subject and a text")
    if data.notify_sms and not data.sms_text.strip():
        errors["sms_text"] = N_("A status that texts the client needs the text")
    if len(data.sms_text) > 1000:
        errors["sms_text"] = N_("Too long")
    return errors


async def save_status(
    session: AsyncSession, *, data: StatusInput, actor: User, status_id: int | None = None
) -> OrderStatus:
    if not actor.can(Permission.PIPELINE_MANAGE):
        raise Forbidden(N_("Only an admin changes the pipeline"))
    errors = _validate(data)
    position = _int(errors, "position", data.position, 1_000_000)
    days = _int(errors, "deadline_days", data.deadline_days, 3650)
    code = data.code.strip()
    clash = await session.scalar(select(OrderStatus.id).where(OrderStatus.code == code))
    if clash is not None and clash != status_id:
        errors["code"] = N_("This code is taken")
    if errors:
        raise StatusInvalid(N_("Please correct the marked fields"), fields=errors)
    status = OrderStatus() if status_id is None else await session.get(OrderStatus, status_id)
    if status is None:
        raise NotFound(N_("No such status"))
    if status_id is not None and status.kind != data.kind and await _in_use(session, status.id):
        raise StatusInvalid(
            N_("Please correct the marked fields"),
            fields={"kind": N_("Orders use this status: its kind cannot change")},
        )
    if position is None:
        last = await session.scalar(
            select(OrderStatus.position).order_by(OrderStatus.position.desc())
        )
        position = status.position if status_id is not None else (last or 0) + 10
    status.code, status.kind, status.position, status.deadline_days = (
        code,
        data.kind,
        position,
        days,
    )
    status.name_ru = " ".join(data.name_ru.split())
    status.name_en = " ".join(data.name_en.split())
    status.notify_client = data.notify_client
    status.email_subject, status.email_body = data.email_subject.strip(), data.email_body.strip()
    status.notify_sms, status.sms_text = data.notify_sms, data.sms_text.strip()
    if status_id is None:
        session.add(status)
    await session.flush()
    await record_change(
        session,
        actor=actor,
        entity="order_status",
        entity_id=status.id,
        action="created" if status_id is None else "updated",
        changes={"code": [None, code], "kind": [None, data.kind], "position": [None, position]},
    )
    return status


async def _in_use(session: AsyncSession, status_id: int) -> bool:
    used_by_order = select(Order.id).where(Order.status_id == status_id).limit(1)
    used_in_history = (
        select(OrderStatusChange.id)
        .where(
            or_(
                OrderStatusChange.to_status_id == status_id,
                OrderStatusChange.from_status_id == status_id,
            )
        )
        .limit(1)
    )
    return (await session.scalar(used_by_order)) is not None or (
        await session.scalar(used_in_history)
    ) is not None


async def delete_status(session: AsyncSession, *, status_id: int, actor: User) -> None:
    if not actor.can(Permission.PIPELINE_MANAGE):
        raise Forbidden(N_("Only an admin changes the pipeline"))
    status = await session.get(OrderStatus, status_id)
    if status is None:
        raise NotFound(N_("No such status"))
    if await _in_use(session, status_id):
        raise Conflict(N_("Orders have used this status: it stays in the pipeline"))
    await session.delete(status)
    await session.flush()
    await record_change(
        session,
        actor=actor,
        entity="order_status",
        entity_id=status_id,
        action="deleted",
        changes={"code": [status.code, None]},
    )
