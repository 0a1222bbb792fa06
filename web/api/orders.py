"""JSON API for orders: ``/api/v1/orders``. Money and quantities are decimal strings.

``partner_code`` is the partner the order's client came through (commissions follow the
client). Sent on POST, PUT or PATCH it attributes the client as the order form does: only a
client with no partner yet; another partner's client is refused (422 on ``partner_code``).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.db import utcnow
from callcenter.errors import BadRequest
from callcenter.i18n import N_
from callcenter.orders.input import LineInput, OrderInput
from callcenter.orders.models import Order
from callcenter.orders.moves import change_status, order_history
from callcenter.orders.search import ORDER_PAYMENTS, payments_of, search_orders
from callcenter.orders.service import create_order, get_order, update_order
from callcenter.orders.statuses import list_statuses
from callcenter.partners.attribution import attribute_by_code, partner_codes_of
from callcenter.users.models import User
from callcenter.users.roles import Permission
from web import i18n
from web.api.clients import partner_code_in
from web.api.lists import list_response
from web.apidoc.describe import (
    BOOL,
    ID,
    MOMENT,
    MONEY,
    MONEY_IN,
    PAGING,
    SEARCH,
    TEXT,
    Schema,
    array,
    described,
    fields,
    listing,
    nullable,
    obj,
    param,
)
from web.apidoc.describe import (
    ref as link,
)
from web.auth import current_user, requires
from web.forms import BadJson, order_to_input
from web.keys import SESSIONMAKER, SETTINGS
from web.queries import order_query
from web.values import read_json, ref

LINE_KEYS = ("description", "quantity", "price", "discount_percent", "unit_code", "vat_rate")
REFS = ("client", "manager", "channel")
_VALUE: Schema = {"anyOf": [MONEY_IN, TEXT, {"type": "null"}]}  # what ``_text`` reads
LINE_IN = obj(
    product_id=nullable(ID),
    **{key: nullable(TEXT) if key in ("description", "unit_code") else _VALUE
       for key in LINE_KEYS},
)  # fmt: skip
ORDER_BODY = fields(
    ("notes",),
    tuple(f"{name}_id" for name in REFS),
    stage_due=nullable(TEXT),
    lines=array(LINE_IN),
    partner_code=nullable(TEXT),
)
MOVE_BODY = obj(
    ("status",), status={"anyOf": [TEXT, ID], "description": "a code or an id"}, reason=TEXT
)
_WHEN = nullable(MOMENT)
ORDER: Schema = obj(
    ("id", "number", "client", "status", "total", "lines", "currency"),
    id=ID,
    number=TEXT,
    client=link(),
    manager=link("login"),
    channel=link(),
    status=obj(("id", "code", "name", "kind"), id=ID, code=TEXT, name=TEXT, kind=TEXT),
    status_changed_at=_WHEN,
    stage_due_at=_WHEN,
    overdue=BOOL,
    currency=TEXT,
    total=MONEY,
    notes=TEXT,
    partner_code=nullable(TEXT),
    lines=array(
        obj(
            ("description", "quantity", "price", "amount"),
            product_id=nullable(ID),
            description=TEXT,
            quantity=MONEY,
            unit_code=nullable(TEXT),
            price=MONEY,
            discount_percent=MONEY,
            vat_rate=nullable(TEXT),
            amount=MONEY,
        )
    ),
    created_at=_WHEN,
    updated_at=_WHEN,
    payment_status=TEXT,
)
HISTORY = array(
    obj(
        ("at", "from", "to"),
        at=_WHEN,
        **{"from": nullable(TEXT)},
        to=TEXT,
        user=nullable(TEXT),
        reason=nullable(TEXT),
        due_at=_WHEN,
    )
)


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def order_json(
    order: Order, payment: str | None = None, partner_code: str | None = None
) -> dict[str, Any]:
    """``payment``: how its invoices are paid, for those who see invoices (else left out)."""
    language = i18n.LANGUAGE.get()
    body = {
        "id": order.id,
        "number": order.number,
        "client": {"id": order.client.id, "name": order.client.name},
        "manager": {"id": order.manager.id, "login": order.manager.login}
        if order.manager
        else None,
        "channel": {"id": order.channel.id, "name": order.channel.name} if order.channel else None,
        "status": {
            "id": order.status.id,
            "code": order.status.code,
            "name": order.status.name(language),
            "kind": order.status.kind,
        },
        "status_changed_at": _iso(order.status_changed_at),
        "stage_due_at": _iso(order.stage_due_at),
        "overdue": order.stage_due_at is not None and order.stage_due_at < utcnow(),
        "currency": order.currency,
        "total": f"{order.total:f}",
        "notes": order.notes,
        "partner_code": partner_code,
        "lines": [
            {
                "product_id": line.product_id,
                "description": line.description,
                "quantity": f"{line.quantity.normalize():f}",
                "unit_code": line.unit_code,
                "price": f"{line.price:f}",
                "discount_percent": f"{line.discount_percent.normalize():f}",
                "vat_rate": line.vat_rate,
                "amount": f"{line.amount:f}",
            }
            for line in order.lines
        ],
        "created_at": _iso(order.created_at),
        "updated_at": _iso(order.updated_at),
    }
    if payment is not None:
        body["payment_status"] = payment
    return body


def _text(value: Any) -> str:
    if isinstance(value, dict | list | bool):
        raise BadJson(N_("Line values are numbers or strings"))
    return "" if value is None else str(value)


def _line(value: Any) -> LineInput:
    if not isinstance(value, dict):
        raise BadJson(N_("A line is a JSON object"))
    line = LineInput(product_id=ref(value.get("product_id", value.get("product")), "product_id"))
    for key in LINE_KEYS:
        if key in value:
            setattr(line, key, _text(value[key]))
    return line


def order_input_from_json(body: Any, base: OrderInput | None = None) -> OrderInput:
    """Absent keys keep ``base``'s values (PATCH); ``lines`` given replaces every line."""
    if not isinstance(body, dict):
        raise BadJson(N_("The body must be a JSON object"))
    data = base or OrderInput()
    for name in REFS:
        value = body.get(f"{name}_id", body.get(name, ...))
        if value is not ...:
            setattr(data, f"{name}_id", ref(value, f"{name}_id"))
    if "notes" in body:
        data.notes = _text(body["notes"])
    if "stage_due" in body:
        data.stage_due = _text(body["stage_due"])
    if "lines" in body:
        if not isinstance(body["lines"], list):
            raise BadJson(N_("lines must be a list"))
        data.lines = [_line(v) for v in body["lines"]]
    return data


@requires(Permission.ORDERS_VIEW)
@described(
    response=listing(ORDER),
    query=(
        SEARCH,
        *PAGING,
        param("status", TEXT, "a status code or id"),
        param("payment", {"enum": ["", *ORDER_PAYMENTS]}),
    ),
)
async def list_orders(request: web.Request) -> web.Response:
    query = order_query(request)
    raw_status = request.query.get("status", "")
    if request.query.get("payment", "") not in ("", *ORDER_PAYMENTS):
        raise BadRequest(N_("payment is one of unpaid, partly_paid, paid or none"))
    async with request.app[SESSIONMAKER]() as session:
        if raw_status and query.status_id is None:  # a status code
            codes = {s.code: s.id for s in await list_statuses(session)}
            if raw_status not in codes:
                raise BadRequest(N_("No such status"))
            query.status_id = codes[raw_status]
        page = await search_orders(session, query, actor=current_user(request))
        partners = await partner_codes_of(session, [o.client_id for o in page.items])
    items = [order_json(o, page.payments.get(o.id), partners.get(o.client_id)) for o in page.items]
    return list_response(items, page)


@requires(Permission.ORDERS_VIEW)
@described(response={**ORDER, "properties": {**ORDER["properties"], "history": HISTORY}})
async def get_one(request: web.Request) -> web.Response:
    order_id = int(request.match_info["id"])
    async with request.app[SESSIONMAKER]() as session:
        actor = current_user(request)
        order = await get_order(session, order_id, actor=actor)
        history = await order_history(session, order_id)
        sees_invoices = actor.can(Permission.INVOICES_VIEW)
        payments = await payments_of(session, [order_id]) if sees_invoices else {}
        code = await _partner_code(session, order)
    body = order_json(order, payments.get(order_id), code)
    body["history"] = [
        {
            "at": _iso(row.at),
            "from": row.from_status.code if row.from_status else None,
            "to": row.to_status.code,
            "user": row.user.login if row.user else None,
            "reason": row.reason,
            "due_at": _iso(row.due_at),
        }
        for row in history
    ]
    return web.json_response(body)


@requires(Permission.ORDERS_EDIT)
@described(ok=201, body=ORDER_BODY, response=ORDER)
async def create(request: web.Request) -> web.Response:
    body = await read_json(request)
    try:
        data = order_input_from_json(body)
    except BadJson as exc:
        raise BadRequest(str(exc)) from None
    code, actor = partner_code_in(body), current_user(request)
    async with request.app[SESSIONMAKER].begin() as session:
        order = await create_order(session, data=data, actor=actor, settings=request.app[SETTINGS])
        partner_code = await _attribute(session, order, code, actor)
    return web.json_response(
        order_json(order, partner_code=partner_code),
        status=201,
        headers={"Location": f"/api/v1/orders/{order.id}"},
    )


async def _partner_code(session: AsyncSession, order: Order) -> str | None:
    return (await partner_codes_of(session, [order.client_id])).get(order.client_id)


async def _attribute(
    session: AsyncSession, order: Order, code: str | None, actor: User
) -> str | None:
    """The order form's attribution when the body gives a code; the client's code after it."""
    if code:
        await attribute_by_code(
            session, client_id=order.client_id, code=code, actor=actor, source="api"
        )
    return await _partner_code(session, order)


@requires(Permission.ORDERS_EDIT)
@described(body=ORDER_BODY, response=ORDER)
async def update(request: web.Request) -> web.Response:
    """PUT replaces the order's editable fields; PATCH changes only the keys given."""
    order_id = int(request.match_info["id"])
    body = await read_json(request)
    actor = current_user(request)
    async with request.app[SESSIONMAKER].begin() as session:
        current = await get_order(session, order_id, actor=actor)
        base = order_to_input(current, actor.timezone) if request.method == "PATCH" else None
        if base is not None:
            base.stage_due = None  # keep the deadline unless the body gives one
        try:
            data = order_input_from_json(body, base)
        except BadJson as exc:
            raise BadRequest(str(exc)) from None
        order = await update_order(session, order_id=order_id, data=data, actor=actor)
        partner_code = await _attribute(session, order, partner_code_in(body), actor)
    return web.json_response(order_json(order, partner_code=partner_code))


@requires(Permission.ORDERS_EDIT)
@described(body=MOVE_BODY, response=ORDER)
async def move(request: web.Request) -> web.Response:
    """``{"status": "shipped" | <id>, "reason": "..."}``; cancelling needs the reason."""
    body = await read_json(request)
    status = body.get("status") if isinstance(body, dict) else None
    if not isinstance(status, str | int) or isinstance(status, bool):
        raise BadRequest(N_('Give the new status as {"status": code or id}'))
    reason = body.get("reason") or ""
    if not isinstance(reason, str):
        raise BadRequest(N_("The reason is a string"))
    async with request.app[SESSIONMAKER].begin() as session:
        order = await change_status(
            session,
            order_id=int(request.match_info["id"]),
            status=status,
            reason=reason,
            actor=current_user(request),
            settings=request.app[SETTINGS],
        )
        partner_code = await _partner_code(session, order)
    return web.json_response(order_json(order, partner_code=partner_code))
