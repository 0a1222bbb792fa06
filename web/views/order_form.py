"""Order pages that take input: new (from the list or a client card) and edit.

The form's partner code attributes the order's *client* to that partner, as amoCRM users know
it from a deal's source: commissions follow the client, so every later order of theirs counts
too. It only ever adds: a client who came through a partner keeps them (the field shows who),
another code is refused on the field, and changing partner is done on the client card.
"""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.clients import lists
from callcenter.clients.models import Client
from callcenter.clients.search import ClientQuery, search_clients
from callcenter.clients.service import get_client
from callcenter.orders.input import LineInput, OrderInput, OrderInvalid
from callcenter.orders.models import Order
from callcenter.orders.service import create_order, get_order, update_order
from callcenter.partners.attribution import attribute_by_code, partner_codes_of
from callcenter.partners.exceptions import PartnerInvalid
from callcenter.products.models import VAT_RATES
from callcenter.products.service import list_products
from callcenter.products.units import UNITS, VAT_LABELS
from callcenter.users.models import User
from callcenter.users.roles import Permission, Role
from callcenter.users.service import list_users
from web.auth import current_user, requires
from web.forms import order_to_input
from web.keys import SESSIONMAKER, SETTINGS
from web.values import int_field, parse_int

LINE_FIELDS = ("description", "quantity", "price", "discount_percent", "unit_code", "vat_rate")


def order_input_from_form(form: Any) -> OrderInput:
    """Lines come as parallel ``line_<field>`` lists, one entry per row."""
    columns = {name: [str(v) for v in form.getall(f"line_{name}", [])] for name in LINE_FIELDS}
    products = [parse_int(v, "line_product_id") for v in form.getall("line_product_id", [])]
    rows = max([len(products), *(len(c) for c in columns.values())])
    lines = []
    for i in range(rows):
        values = {name: (col[i] if i < len(col) else "") for name, col in columns.items()}
        lines.append(LineInput(product_id=products[i] if i < len(products) else None, **values))
    return OrderInput(
        client_id=int_field(form, "client_id"),
        manager_id=int_field(form, "manager_id"),
        channel_id=int_field(form, "channel_id"),
        notes=str(form.get("notes", "")),
        stage_due=str(form.get("stage_due", "")),
        lines=lines,
    )


async def _choices(session: AsyncSession, actor: User) -> dict[str, Any]:
    users = [u for u in await list_users(session) if u.active]
    return {
        "managers": [u for u in users if u.role in (Role.MANAGER, Role.ADMIN)],
        "may_choose_manager": actor.sees_every_client,
        "channels": await lists.list_entries(session, "channel"),
        "products": await list_products(session, active_only=True),
        "units": UNITS,
        "vat_rates": [(rate, VAT_LABELS[rate]) for rate in VAT_RATES],
    }


async def _render(
    request: web.Request,
    form: OrderInput,
    *,
    order: Order | None,
    client: Client,
    errors: dict[str, str] | None = None,
    message: str = "",
    status: int = 200,
    partner_code: str | None = None,
) -> web.StreamResponse:
    async with request.app[SESSIONMAKER]() as session:
        choices = await _choices(session, current_user(request))
        current = (await partner_codes_of(session, [client.id])).get(client.id, "")
    while len(form.lines) < 3 or not form.lines[-1].is_blank:
        form.lines.append(LineInput(quantity="1"))
    context = {
        "form": form,
        "order": order,
        "client": client,
        "errors": errors or {},
        "message": message,
        "partner_code": current if partner_code is None else partner_code,
        "client_partner": current,
        **choices,
    }
    return aiohttp_jinja2.render_template("orders/form.html", request, context, status=status)


@requires(Permission.ORDERS_EDIT)
async def new_page(request: web.Request) -> web.StreamResponse:
    """With ``?client=`` the form; otherwise a search to pick the client first."""
    actor = current_user(request)
    client_id = int_field(request.query, "client")
    async with request.app[SESSIONMAKER]() as session:
        if client_id is None:
            found = []
            if q := request.query.get("q", "").strip():
                page = await search_clients(
                    session,
                    ClientQuery(q=q, per_page=20),
                    actor=actor,
                    region=request.app[SETTINGS].default_region,
                )
                found = page.items
            return aiohttp_jinja2.render_template(
                "orders/pick_client.html",
                request,
                {"q": request.query.get("q", ""), "found": found},
            )
        client = await get_client(session, client_id, actor=actor)
    form = OrderInput(client_id=client.id, manager_id=client.owner_id, channel_id=client.channel_id)
    return await _render(request, form, order=None, client=client)


def _partner_code(form: Any) -> str:
    return str(form.get("partner_code", ""))[:40]


@requires(Permission.ORDERS_EDIT)
async def create(request: web.Request) -> web.StreamResponse:
    actor = current_user(request)
    form = await request.post()
    data, code = order_input_from_form(form), _partner_code(form)
    try:
        async with request.app[SESSIONMAKER].begin() as session:
            order = await create_order(
                session, data=data, actor=actor, settings=request.app[SETTINGS]
            )
            await attribute_by_code(
                session, client_id=order.client_id, code=code, actor=actor, source="order"
            )
    except (OrderInvalid, PartnerInvalid) as exc:
        if data.client_id is None or "client_id" in exc.fields:
            raise
        async with request.app[SESSIONMAKER]() as session:
            client = await get_client(session, data.client_id, actor=actor)
        return await _render(
            request,
            data,
            order=None,
            client=client,
            errors=exc.fields,
            message=exc.message,
            status=422,
            partner_code=code,
        )
    raise web.HTTPFound(f"/orders/{order.id}")


@requires(Permission.ORDERS_EDIT)
async def edit_page(request: web.Request) -> web.StreamResponse:
    actor = current_user(request)
    async with request.app[SESSIONMAKER]() as session:
        order = await get_order(session, int(request.match_info["id"]), actor=actor)
    return await _render(
        request, order_to_input(order, actor.timezone), order=order, client=order.client
    )


@requires(Permission.ORDERS_EDIT)
async def update(request: web.Request) -> web.StreamResponse:
    actor = current_user(request)
    order_id = int(request.match_info["id"])
    form = await request.post()
    data, code = order_input_from_form(form), _partner_code(form)
    try:
        async with request.app[SESSIONMAKER].begin() as session:
            order = await update_order(session, order_id=order_id, data=data, actor=actor)
            await attribute_by_code(
                session, client_id=order.client_id, code=code, actor=actor, source="order"
            )
    except (OrderInvalid, PartnerInvalid) as exc:
        async with request.app[SESSIONMAKER]() as session:
            order = await get_order(session, order_id, actor=actor)
        return await _render(
            request,
            data,
            order=order,
            client=order.client,
            errors=exc.fields,
            message=exc.message,
            status=422,
            partner_code=code,
        )
    raise web.HTTPFound(f"/orders/{order_id}")
