"""What the order page shows of what hangs on the order: its invoices and how they are paid,
its open tasks and its feedback, each as far as the reader may see them."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.feedback.service import FeedbackQuery, list_feedback
from callcenter.invoices.lists import InvoiceQuery, list_invoices
from callcenter.invoices.terms import ORDER_PAYMENT_LABELS, STATUS_LABELS
from callcenter.orders.models import Order
from callcenter.orders.search import payments_of
from callcenter.tasks.service import TaskQuery, list_tasks
from callcenter.users.models import User
from callcenter.users.roles import Permission

SHOWN = 50


async def order_links(session: AsyncSession, order: Order, actor: User) -> dict[str, Any]:
    context: dict[str, Any] = {
        "invoices": None,  # None: the reader does not see invoices
        "payment": None,
        "order_tasks": [],
        "order_feedback": [],
        "invoice_labels": STATUS_LABELS,
        "payment_labels": ORDER_PAYMENT_LABELS,
    }
    if actor.can(Permission.INVOICES_VIEW):
        query = InvoiceQuery(order_id=order.id, per_page=SHOWN)
        context["invoices"] = (await list_invoices(session, query, actor=actor)).items
        context["payment"] = (await payments_of(session, [order.id]))[order.id]
    if actor.can(Permission.TASKS_VIEW):
        tasks = TaskQuery(assignee="", status="open", order_id=order.id, per_page=SHOWN)
        context["order_tasks"] = (await list_tasks(session, tasks, actor=actor)).items
    if actor.can(Permission.FEEDBACK_VIEW):
        feedback = FeedbackQuery(order_id=order.id, per_page=SHOWN)
        context["order_feedback"] = (await list_feedback(session, feedback, actor=actor)).items
    return context
