"""A client's one activity feed: calls, orders and their moves, tasks, feedback, e-mails,
mailing letters and the changes made to the client, newest first, a page at a time.

Paging is by keyset, never OFFSET: every item has the key ``(at, kind, id)`` and the feed is
that key descending. A page after a cursor asks each kind for at most ``per_page + 1`` items
whose key is below the cursor (one query per kind, each bounded by the page size), merges
them in Python and keeps the first ``per_page``; the last kept item's key is the next cursor.
Since ``kind`` is fixed within a query, "key below the cursor" is, for a kind ``k``:
``at <= c.at`` if ``k < c.kind``, ``(at, id) < (c.at, c.id)`` if ``k == c.kind``, and
``at < c.at`` if ``k > c.kind``. Items written later never shift a page already read.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, true, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from callcenter.audit.models import AuditEntry
from callcenter.audit.names import names_of, referenced_ids
from callcenter.calls.models import CallRow, CallWrapup
from callcenter.clients.exceptions import ClientInvalid
from callcenter.feedback.models import Feedback
from callcenter.i18n import N_
from callcenter.invoices.models import Invoice
from callcenter.mail.models import OutboxMessage
from callcenter.mailings.models import Mailing, MailingRecipient
from callcenter.orders.models import Order, OrderStatus, OrderStatusChange
from callcenter.tasks.models import Task
from callcenter.users.models import User
from callcenter.users.roles import Permission

# every kind of item, in the order the filter offers them, with its label
KIND_LABELS = {
    "call": N_("Calls"),
    "order": N_("Orders"),
    "status": N_("Order status changes"),
    "task": N_("Tasks"),
    "feedback": N_("Feedback"),
    "email": N_("E-mails"),
    "mailing": N_("Mailings"),
    "change": N_("Changes"),
}
KINDS = tuple(KIND_LABELS)
MAX_PER_PAGE = 100
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True, order=True)
class Cursor:
    """Where a page ends: the key of its last item, written into links as text."""

    at: datetime
    kind: str
    id: int

    def encode(self) -> str:
        return f"{(self.at - _EPOCH) // _MICROSECOND}.{self.kind}.{self.id}"

    @classmethod
    def decode(cls, text: str) -> Cursor:
        """The cursor a link carries; anything else is a clear error, never a guess."""
        parts = text.strip().split(".")
        try:
            micros, kind, item_id = int(parts[0]), parts[1], int(parts[2])
            at = _EPOCH + micros * _MICROSECOND
        except (IndexError, ValueError, OverflowError):
            raise ClientInvalid(N_("This link to more of the feed is damaged")) from None
        if len(parts) != 3 or kind not in KINDS or not 0 < item_id < 2**63:
            raise ClientInvalid(N_("This link to more of the feed is damaged"))
        return cls(at, kind, item_id)


@dataclass(frozen=True)
class Activity:
    """One item of the feed: when, what kind, its row, and what it shows beside the row."""

    at: datetime
    kind: str
    id: int
    row: Any
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> Cursor:
        return Cursor(self.at, self.kind, self.id)


@dataclass(frozen=True)
class ActivityPage:
    items: list[Activity]
    next_cursor: Cursor | None
    # names of what the page's rows refer to by id: users, statuses, channels, segments...
    names: dict[str, dict[int, str]]


def _below(at: Any, item_id: Any, kind: str, cursor: Cursor | None) -> ColumnElement[bool]:
    if cursor is None:
        return true()
    if kind < cursor.kind:
        return at <= cursor.at
    if kind == cursor.kind:
        return tuple_(at, item_id) < tuple_(cursor.at, cursor.id)
    return at < cursor.at


def allowed_kinds(actor: User) -> tuple[str, ...]:
    """The kinds ``actor`` may read on a card they see."""
    needs = {
        "call": Permission.CALLS_VIEW,
        "order": Permission.ORDERS_VIEW,
        "status": Permission.ORDERS_VIEW,
        "feedback": Permission.FEEDBACK_VIEW,
        "mailing": Permission.MAILINGS_VIEW,
    }
    return tuple(k for k in KINDS if k not in needs or actor.can(needs[k]))


async def client_activity(
    session: AsyncSession,
    *,
    client_ids: list[int],
    actor: User,
    kinds: Iterable[str] = (),
    before: Cursor | None = None,
    per_page: int = 30,
) -> ActivityPage:
    """A page of the feed of ``client_ids`` (a client and those merged into it), which the
    caller has checked ``actor`` may see; ``kinds`` empty means every kind they may read."""
    per_page = min(max(per_page, 1), MAX_PER_PAGE)
    wanted = set(kinds) & set(allowed_kinds(actor)) if kinds else set(allowed_kinds(actor))
    found: list[Activity] = []
    for kind in KINDS:
        if kind in wanted:
            found += await _FETCH[kind](session, client_ids, actor, before, per_page + 1)
    found.sort(key=lambda a: a.key, reverse=True)
    items = found[:per_page]
    next_cursor = items[-1].key if len(found) > per_page else None
    return ActivityPage(items, next_cursor, await _names(session, items))


async def _calls(
    session: AsyncSession, ids: list[int], actor: User, c: Cursor | None, limit: int
) -> list[Activity]:
    rows = list(
        await session.scalars(
            select(CallRow)
            .where(CallRow.client_id.in_(ids), _below(CallRow.started_at, CallRow.id, "call", c))
            .order_by(CallRow.started_at.desc(), CallRow.id.desc())
            .limit(limit)
            .options(selectinload(CallRow.legs))
        )
    )
    notes: dict[int, list[str]] = {}
    if rows:
        wrapups = await session.execute(
            select(CallWrapup.call_id, CallWrapup.note)
            .where(CallWrapup.call_id.in_([r.id for r in rows]), CallWrapup.note != "")
            .order_by(CallWrapup.id)
        )
        for call_id, note in wrapups:
            notes.setdefault(call_id, []).append(note)
    return [Activity(r.started_at, "call", r.id, r, {"notes": notes.get(r.id, [])}) for r in rows]


async def _orders(
    session: AsyncSession, ids: list[int], actor: User, c: Cursor | None, limit: int
) -> list[Activity]:
    rows = await session.scalars(
        select(Order)
        .where(Order.client_id.in_(ids), _below(Order.created_at, Order.id, "order", c))
        .order_by(Order.created_at.desc(), Order.id.desc())
        .limit(limit)
    )
    return [Activity(r.created_at, "order", r.id, r) for r in rows]


async def _moves(
    session: AsyncSession, ids: list[int], actor: User, c: Cursor | None, limit: int
) -> list[Activity]:
    """Status changes after the first (an order's creation is its own item)."""
    move = OrderStatusChange
    rows = await session.execute(
        select(move, Order.number)
        .join(Order, Order.id == move.order_id)
        .where(
            Order.client_id.in_(ids),
            move.from_status_id.is_not(None),
            _below(move.at, move.id, "status", c),
        )
        .order_by(move.at.desc(), move.id.desc())
        .limit(limit)
    )
    return [Activity(r.at, "status", r.id, r, {"number": number}) for r, number in rows]


async def _tasks(
    session: AsyncSession, ids: list[int], actor: User, c: Cursor | None, limit: int
) -> list[Activity]:
    rows = await session.scalars(
        select(Task)
        .where(Task.client_id.in_(ids), _below(Task.created_at, Task.id, "task", c))
        .order_by(Task.created_at.desc(), Task.id.desc())
        .limit(limit)
    )
    return [Activity(r.created_at, "task", r.id, r) for r in rows]


async def _feedback(
    session: AsyncSession, ids: list[int], actor: User, c: Cursor | None, limit: int
) -> list[Activity]:
    rows = await session.scalars(
        select(Feedback)
        .where(Feedback.client_id.in_(ids), _below(Feedback.created_at, Feedback.id, "feedback", c))
        .order_by(Feedback.created_at.desc(), Feedback.id.desc())
        .limit(limit)
    )
    return [Activity(r.created_at, "feedback", r.id, r) for r in rows]


async def _emails(
    session: AsyncSession, ids: list[int], actor: User, c: Cursor | None, limit: int
) -> list[Activity]:
    """E-mails about the client's orders and invoices, to those who may read those."""
    about: list[ColumnElement[bool]] = []
    if actor.can(Permission.ORDERS_VIEW):
        orders = select(Order.id).where(Order.client_id.in_(ids))
        about.append(and_(OutboxMessage.entity == "order", OutboxMessage.entity_id.in_(orders)))
    if actor.can(Permission.INVOICES_VIEW):
        invoices = select(Invoice.id).where(Invoice.client_id.in_(ids))
        about.append(and_(OutboxMessage.entity == "invoice", OutboxMessage.entity_id.in_(invoices)))
    if not about:
        return []
    message = OutboxMessage
    rows = await session.scalars(
        select(message)
        .where(or_(*about), _below(message.created_at, message.id, "email", c))
        .order_by(message.created_at.desc(), message.id.desc())
        .limit(limit)
    )
    return [Activity(r.created_at, "email", r.id, r) for r in rows]


async def _mailings(
    session: AsyncSession, ids: list[int], actor: User, c: Cursor | None, limit: int
) -> list[Activity]:
    """Mailing letters, at when they were sent (or are due, while they wait)."""
    letter = MailingRecipient
    at = func.coalesce(letter.sent_at, letter.next_try_at)
    rows = await session.execute(
        select(letter, Mailing.name, at)
        .join(Mailing, Mailing.id == letter.mailing_id)
        .where(
            letter.client_id.in_(ids),
            letter.state != "skipped",
            _below(at, letter.id, "mailing", c),
        )
        .order_by(at.desc(), letter.id.desc())
        .limit(limit)
    )
    return [Activity(when, "mailing", r.id, r, {"name": name}) for r, name, when in rows]


async def _changes(
    session: AsyncSession, ids: list[int], actor: User, c: Cursor | None, limit: int
) -> list[Activity]:
    """The audit trail of the client and, for those who read orders, of its orders."""
    about = [and_(AuditEntry.entity == "client", AuditEntry.entity_id.in_(ids))]
    if actor.can(Permission.ORDERS_VIEW):
        orders = select(Order.id).where(Order.client_id.in_(ids))
        about.append(and_(AuditEntry.entity == "order", AuditEntry.entity_id.in_(orders)))
    rows = list(
        await session.scalars(
            select(AuditEntry)
            .where(or_(*about), _below(AuditEntry.at, AuditEntry.id, "change", c))
            .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
            .limit(limit)
        )
    )
    numbers: dict[int, str] = {}
    if order_ids := {r.entity_id for r in rows if r.entity == "order"}:
        found = await session.execute(select(Order.id, Order.number).where(Order.id.in_(order_ids)))
        numbers = {order_id: number for order_id, number in found}
    return [Activity(r.at, "change", r.id, r, {"number": numbers.get(r.entity_id)}) for r in rows]


_FETCH = {
    "call": _calls,
    "order": _orders,
    "status": _moves,
    "task": _tasks,
    "feedback": _feedback,
    "email": _emails,
    "mailing": _mailings,
    "change": _changes,
}


def _referenced(items: list[Activity]) -> dict[str, set[int]]:
    """The ids the page's rows and changes name, by kind (``callcenter.audit.names``'s, and
    order statuses)."""
    changes = [item.row.changes for item in items if item.kind == "change"]
    wanted = referenced_ids(changes) | {"status": set()}
    for item in items:
        row = item.row
        if item.kind in ("change", "status"):
            wanted["user"].add(row.user_id)
        if item.kind == "status":
            wanted["status"].update((row.from_status_id, row.to_status_id))
        elif item.kind == "order":
            wanted["status"].add(row.status_id)
            wanted["user"].add(row.manager_id)
        elif item.kind == "task":
            wanted["user"].add(row.assignee_id)
    return {name: {i for i in ids if i is not None} for name, ids in wanted.items()}


async def _names(session: AsyncSession, items: list[Activity]) -> dict[str, dict[int, str]]:
    """One query per kind of reference the page holds, for the names shown instead of ids."""
    wanted = _referenced(items)
    names = await names_of(session, wanted)
    names["status_ru"], names["status_en"] = {}, {}
    if wanted["status"]:
        statuses = await session.scalars(
            select(OrderStatus).where(OrderStatus.id.in_(wanted["status"]))
        )
        for s in statuses:
            names["status_ru"][s.id], names["status_en"][s.id] = s.name_ru, s.name_en
    return names
