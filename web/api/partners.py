"""The partners' JSON API: partners, a partner's downline and statements, payouts, and the
commission plans. Each route is ``@signed_in`` or ``@requires``; the partners' services
decide the rest (a user in the partner role reaches only their own downline and statements).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from aiohttp import web

from callcenter.errors import BadRequest
from callcenter.i18n import N_
from callcenter.partners.downline import Downline, downline
from callcenter.partners.models import CommissionPlan, Partner
from callcenter.partners.periods import parse_month
from callcenter.partners.plans import PlanInput, list_plans, save_plan
from callcenter.partners.service import (
    PartnerInput,
    check_own_statements,
    create_partner,
    get_partner,
    list_partners,
    update_partner,
)
from callcenter.partners.statements import LineKey, StatementView, record_payout, statement
from callcenter.users.roles import Permission
from web import i18n
from web.apidoc.describe import (
    BOOL,
    COUNT,
    DAY,
    ID,
    MOMENT,
    MONEY,
    MONEY_IN,
    MONTH,
    SEARCH,
    Schema,
    array,
    described,
    items,
    nullable,
    obj,
    param,
)
from web.apidoc.describe import TEXT as STRING
from web.auth import current_user, requires, signed_in
from web.keys import SESSIONMAKER
from web.values import int_field, read_json_object, ref

TEXT = N_("Give text")


PARTNER_BODY = obj(
    **{name: nullable(ID) for name in ("client_id", "plan_id", "manager_id", "user_id")},
    code=nullable(STRING),
    status=nullable(STRING),
    sponsor=nullable({**STRING, "description": "the sponsor's code"}),
)  # ``_partner_input``
PARTNER: Schema = obj(
    ("id", "code", "name", "client_id", "plan", "status"),
    id=ID,
    code=STRING,
    name=STRING,
    client_id=ID,
    plan=obj(("id", "name"), id=ID, name=STRING),
    status=STRING,
    sponsor_id=nullable(ID),
    manager_id=nullable(ID),
    created_at=MOMENT,
)
DOWNLINE: Schema = obj(
    ("partner_id", "first_day", "last_day", "own_sales", "partners", "levels", "branches"),
    partner_id=ID,
    first_day=DAY,
    last_day=DAY,
    own_sales=MONEY,
    partners=COUNT,
    levels=array(obj(("level", "partners"), level={"type": "integer"}, partners=COUNT)),
    branches=array(
        obj(
            ("partner_id", "code", "sales"),
            partner_id=ID,
            code=STRING,
            name=STRING,
            status=STRING,
            partners=COUNT,
            sales=MONEY,
        )
    ),
)
_PAYOUT = obj(("id", "amount", "paid_on"), id=ID, amount=MONEY, paid_on=DAY)
STATEMENT: Schema = obj(
    ("partner_id", "first_day", "last_day", "accrued", "payable", "paid", "lines", "payouts"),
    partner_id=ID,
    first_day=DAY,
    last_day=DAY,
    statement_id=nullable(ID),
    **{name: MONEY for name in ("accrued", "reversed", "held", "payable", "paid")},
    line_count=COUNT,
    after=nullable(STRING),
    next_after=nullable(STRING),
    rounding=STRING,
    lines=array(
        obj(
            ("id", "booked_on", "order_id", "level", "base", "rate", "amount", "state"),
            id=ID,
            booked_on=DAY,
            order_id=ID,
            order_number=STRING,
            level={"type": "integer"},
            product_group=nullable(STRING),
            kind={"enum": ["accrual", "reversal"]},
            base=MONEY,
            rate=MONEY,
            amount=MONEY,
            state=STRING,
            reverses_id=nullable(ID),
            brought_forward=BOOL,
            arithmetic=STRING,
        )
    ),
    payouts=array(_PAYOUT),
)
PAYOUT_BODY = obj(("month",), month=MONTH, paid_on=DAY, note=STRING)
PAYOUT: Schema = obj(
    ("id", "statement_id", "amount", "paid_on"), **_PAYOUT["properties"], statement_id=ID
)
_RATES: Schema = {"anyOf": [array(MONEY_IN), STRING, {"type": "null"}]}  # ``_rates_text``
PLAN_BODY = obj(
    ("name",),
    name=STRING,
    base={"enum": ["net", "margin"]},
    rates=_RATES,
    group_rates={"type": "object", "additionalProperties": _RATES},
    qualify_from_level=nullable({"type": "integer", "minimum": 1, "maximum": 100}),
    qualify_min_sales=nullable(MONEY_IN),
)
PLAN: Schema = obj(
    ("id", "name", "base", "rates"),
    id=ID,
    name=STRING,
    base=STRING,
    rates=array(
        obj(
            ("level", "rate"),
            level={"type": "integer"},
            product_group_id=nullable(ID),
            rate=MONEY,
        )
    ),
    qualify_from_level=nullable({"type": "integer"}),
    qualify_min_sales=nullable(MONEY),
)
_MONTH = param("month", MONTH, "this month unless given")


def _money(value: Decimal) -> str:
    return f"{value:f}"


def partner_json(partner: Partner) -> dict[str, Any]:
    return {
        "id": partner.id,
        "code": partner.code,
        "name": partner.client.name,
        "client_id": partner.client_id,
        "plan": {"id": partner.plan_id, "name": partner.plan.name},
        "status": partner.status,
        "sponsor_id": partner.sponsor_id,
        "manager_id": partner.manager_id,
        "created_at": partner.created_at.isoformat(),
    }


def _text(body: dict[str, Any], name: str, default: str = "") -> str:
    value = body.get(name, default)
    if value is None:
        return default
    if not isinstance(value, str):
        raise BadRequest(TEXT, fields={name: TEXT})
    return value[:400]


def _partner_input(body: dict[str, Any]) -> PartnerInput:
    return PartnerInput(
        client_id=ref(body.get("client_id"), "client_id"),
        code=_text(body, "code"),
        plan_id=ref(body.get("plan_id"), "plan_id"),
        status=_text(body, "status", "active"),
        sponsor=_text(body, "sponsor"),
        manager_id=ref(body.get("manager_id"), "manager_id"),
        user_id=ref(body.get("user_id"), "user_id"),
    )


def _id(request: web.Request) -> int:
    return int(request.match_info["id"])


@signed_in
@described(
    response=items(PARTNER, total=COUNT),
    query=(
        SEARCH,
        param("limit", {"type": "integer", "minimum": 1, "maximum": 200}),
        param("offset", {"type": "integer", "minimum": 0}),
    ),
)
async def list_all(request: web.Request) -> web.Response:
    limit = min(int_field(request.query, "limit") or 50, 200)
    offset = int_field(request.query, "offset") or 0
    async with request.app[SESSIONMAKER]() as session:
        partners, total = await list_partners(
            session,
            actor=current_user(request),
            q=request.query.get("q", ""),
            limit=limit,
            offset=offset,
        )
    return web.json_response({"items": [partner_json(p) for p in partners], "total": total})


@requires(Permission.PARTNERS_MANAGE)
@described(ok=201, errors=(409,), body=PARTNER_BODY, response=PARTNER)
async def create(request: web.Request) -> web.Response:
    data = _partner_input(await read_json_object(request))
    async with request.app[SESSIONMAKER].begin() as session:
        partner = await create_partner(session, data=data, actor=current_user(request))
        body = partner_json(partner)
    return web.json_response(body, status=201)


@signed_in
@described(response=PARTNER)
async def get_one(request: web.Request) -> web.Response:
    async with request.app[SESSIONMAKER]() as session:
        partner = await get_partner(session, _id(request), actor=current_user(request))
        return web.json_response(partner_json(partner))


@requires(Permission.PARTNERS_MANAGE)
@described(body=PARTNER_BODY, response=PARTNER)
async def update(request: web.Request) -> web.Response:
    """The whole partner as ``POST /api/v1/partners`` takes it; a new ``sponsor`` (a code)
    moves them with their downline."""
    data = _partner_input(await read_json_object(request))
    async with request.app[SESSIONMAKER].begin() as session:
        partner = await update_partner(
            session, partner_id=_id(request), data=data, actor=current_user(request)
        )
        body = partner_json(partner)
    return web.json_response(body)


def downline_json(tree: Downline) -> dict[str, Any]:
    return {
        "first_day": tree.first_day.isoformat(),
        "last_day": tree.last_day.isoformat(),
        "own_sales": _money(tree.own_sales),
        "partners": tree.total,
        "levels": [{"level": level, "partners": count} for level, count in tree.levels],
        "branches": [
            {
                "partner_id": b.partner_id,
                "code": b.code,
                "name": b.name,
                "status": b.status,
                "partners": b.partners,
                "sales": _money(b.sales),
            }
            for b in tree.branches
        ],
    }


@signed_in
@described(response=DOWNLINE, query=(_MONTH,))
async def partner_downline(request: web.Request) -> web.Response:
    """``?month=YYYY-MM`` (this month by default): levels, branches and their sales."""
    first, last = parse_month(request.query.get("month"), i18n.today())
    async with request.app[SESSIONMAKER]() as session:
        partner = await get_partner(session, _id(request), actor=current_user(request))
        tree = await downline(session, partner.id, first, last)
    return web.json_response({"partner_id": partner.id, **downline_json(tree)})


def statement_json(view: StatementView) -> dict[str, Any]:
    return {
        "partner_id": view.partner_id,
        "first_day": view.first_day.isoformat(),
        "last_day": view.last_day.isoformat(),
        "statement_id": view.statement_id,
        "accrued": _money(view.accrued),
        "reversed": _money(view.reversed),
        "held": _money(view.held),
        "payable": _money(view.payable),
        "paid": _money(view.paid),
        "line_count": view.line_count,
        "after": None if view.after is None else str(view.after),
        "next_after": None if view.next_after is None else str(view.next_after),
        "rounding": "base × rate / 100, ROUND_HALF_UP to the kopeck, per line",
        "lines": [
            {
                "id": line.id,
                "booked_on": line.booked_on.isoformat(),
                "order_id": line.order_id,
                "order_number": line.order_number,
                "level": line.level,
                "product_group": line.group or None,
                "kind": line.kind,
                "base": _money(line.base),
                "rate": f"{line.rate.normalize():f}",
                "amount": _money(line.amount),
                "state": line.state,
                "reverses_id": line.reverses_id,
                "brought_forward": line.brought_forward,
                "arithmetic": line.arithmetic,
            }
            for line in view.lines
        ],
        "payouts": [
            {"id": p.id, "amount": _money(p.amount), "paid_on": p.paid_on.isoformat()}
            for p in view.payouts
        ],
    }


@signed_in
@described(response=STATEMENT, query=(_MONTH, param("after", STRING)))
async def partner_statements(request: web.Request) -> web.Response:
    """``?month=YYYY-MM``: the statement of that month (this month by default), its figures
    over all its lines and one page of the lines; ``?after=`` the previous page's
    ``next_after`` gives the next page (``next_after`` is null on the last)."""
    actor = current_user(request)
    first, last = parse_month(request.query.get("month"), i18n.today())
    after = LineKey.parse(request.query.get("after"))
    async with request.app[SESSIONMAKER]() as session:
        partner = await get_partner(session, _id(request), actor=actor)
        await check_own_statements(session, partner, actor)
        view = await statement(session, partner.id, first, last, after=after)
    return web.json_response(statement_json(view))


@requires(Permission.PARTNER_PAYOUTS)
@described(ok=201, body=PAYOUT_BODY, response=PAYOUT)
async def payout(request: web.Request) -> web.Response:
    """``{"month": "2026-03", "paid_on": "2026-04-05", "note": ""}``; the ``Idempotency-Key``
    header makes a resent request record one payout."""
    body = await read_json_object(request)
    first, last = parse_month(_text(body, "month"), i18n.today())
    async with request.app[SESSIONMAKER].begin() as session:
        paid = await record_payout(
            session,
            partner_id=_id(request),
            first=first,
            last=last,
            paid_on=_text(body, "paid_on"),
            note=_text(body, "note"),
            request_key=request.headers.get("Idempotency-Key"),
            by=current_user(request),
        )
        answer = {
            "id": paid.id,
            "statement_id": paid.statement_id,
            "amount": _money(paid.amount),
            "paid_on": paid.paid_on.isoformat(),
        }
    return web.json_response(answer, status=201)


def plan_json(plan: CommissionPlan) -> dict[str, Any]:
    return {
        "id": plan.id,
        "name": plan.name,
        "base": plan.base,
        "rates": [
            {"level": r.level, "product_group_id": r.group_id, "rate": f"{r.rate.normalize():f}"}
            for r in plan.rates
        ],
        "qualify_from_level": plan.qualify_from_level,
        "qualify_min_sales": _money(plan.qualify_min_sales)
        if plan.qualify_min_sales is not None
        else None,
    }


@requires(Permission.PARTNERS_VIEW)
@described(response=items(PLAN))
async def plans(request: web.Request) -> web.Response:
    async with request.app[SESSIONMAKER]() as session:
        return web.json_response({"items": [plan_json(p) for p in await list_plans(session)]})


def _rates_text(value: Any, name: str) -> str:
    """Rates as a list (``["10", "5"]``) or as the form's text (``"10; 5"``)."""
    if isinstance(value, list) and all(isinstance(v, str | int) for v in value):
        return "; ".join(str(v) for v in value)[:400]
    if value is None or isinstance(value, str):
        return (value or "")[:400]
    raise BadRequest(TEXT, fields={name: TEXT})


@requires(Permission.COMMISSION_PLANS)
@described(ok=201, body=PLAN_BODY, response=PLAN)
async def plan_create(request: web.Request) -> web.Response:
    """``{"name", "base": "net"|"margin", "rates": ["10", "5", "2"], "group_rates":
    {"<group id>": ["15", "7"]}, "qualify_from_level": 3, "qualify_min_sales": "10000"}``."""
    body = await read_json_object(request)
    groups = body.get("group_rates") or {}
    if not isinstance(groups, dict):
        raise BadRequest(TEXT, fields={"group_rates": TEXT})
    data = PlanInput(
        name=_text(body, "name"),
        base=_text(body, "base", "net"),
        rates=_rates_text(body.get("rates"), "rates"),
        group_rates={
            ref(key, "group_rates") or 0: _rates_text(value, "group_rates")
            for key, value in groups.items()
        },
        qualify_from_level=str(body.get("qualify_from_level") or "")[:10],
        qualify_min_sales=str(body.get("qualify_min_sales") or "")[:40],
    )
    async with request.app[SESSIONMAKER].begin() as session:
        plan = await save_plan(session, data=data, actor=current_user(request))
        answer = plan_json(plan)
    return web.json_response(answer, status=201)
