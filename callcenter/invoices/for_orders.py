"""Invoices for orders: which order may be billed, and its lines as an invoice's lines.

An invoice for an order takes each line as the order has it: the name, quantity, unit,
price, discount and the VAT rate (the product's, as the order took it). VAT is charged the
company's usual way unless the invoice says otherwise.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.errors import Forbidden, NotFound
from callcenter.i18n import N_
from callcenter.invoices.input import InvoiceInvalid, LineInput
from callcenter.orders.models import Order
from callcenter.orders.service import get_order
from callcenter.users.models import User


def _refused(message: str) -> InvoiceInvalid:
    return InvoiceInvalid(N_("Please correct the marked fields"), fields={"order_id": message})


async def order_to_bill(
    session: AsyncSession, order_id: int, *, client_id: int | None, actor: User
) -> Order:
    """The order an invoice is issued for: one the actor sees, of that client, not cancelled.

    Anything else is a mistake in the form's order field, reported there.
    """
    try:
        order = await get_order(session, order_id, actor=actor)
    except NotFound:
        raise _refused(N_("No such order")) from None
    except Forbidden:
        raise _refused(N_("This order's client belongs to another manager")) from None
    if client_id is not None and order.client_id != client_id:
        raise _refused(N_("This order is another client's"))
    if order.status.kind == "cancel":
        raise _refused(N_("This order was cancelled"))
    return order


def invoice_lines_of(order: Order) -> list[LineInput]:
    """The order's lines, ready to be checked as an invoice's (needs ``order.lines``)."""
    return [
        LineInput(
            name=line.description,
            quantity=f"{line.quantity.normalize():f}",
            unit_code=line.unit_code,
            price=f"{line.price:f}",
            discount=f"{line.discount_percent.normalize():f}",
            vat_rate=line.vat_rate,
        )
        for line in order.lines
    ]
