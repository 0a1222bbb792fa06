"""Manager bonuses: a period's pool entered and approved from the bonus report's page, the
admin's weights page, and the same in the JSON API."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from callcenter.bonuses.models import MEASURE_LABELS, MEASURES, BonusPool
from callcenter.bonuses.service import (
    approve_pool,
    bonus_weights,
    set_bonus_weights,
    set_pool,
)
from callcenter.db import utcnow
from callcenter.errors import Invalid
from callcenter.reports.filters import ReportFilters, parse_filters
from callcenter.reports.registry import report_spec
from callcenter.users.roles import Permission
from web import i18n
from web.apidoc.describe import (
    DAY,
    ID,
    MONEY,
    MONEY_IN,
    NO_BODY,
    TEXT,
    Schema,
    described,
    nullable,
    obj,
)
from web.auth import current_user, requires
from web.keys import SESSIONMAKER, SETTINGS
from web.reporting import report_page_response
from web.values import read_json_object


def _period(values: Mapping[str, Any]) -> ReportFilters:
    query = {k: str(values.get(k, "")) for k in ("period", "since", "until")}
    return parse_filters(query, timezone=i18n.TIMEZONE.get(), now=utcnow(), supported=())


def _back(pool: BonusPool) -> str:
    return f"/reports/bonuses?since={pool.first_day}&until={pool.last_day}"


@requires(Permission.BONUSES_APPROVE)
async def pool_save(request: web.Request) -> web.StreamResponse:
    """Enter or change the pool of the period the page shows; errors shown by the field."""
    form = await request.post()
    filters = _period(form)
    typed = {"amount": str(form.get("amount", "")), "note": str(form.get("note", ""))}
    try:
        async with request.app[SESSIONMAKER].begin() as session:
            pool = await set_pool(
                session,
                filters=filters,
                amount=typed["amount"],
                note=typed["note"],
                currency=request.app[SETTINGS].currency,
                actor=current_user(request),
            )
    except Invalid as exc:
        return await _page_with_errors(request, filters, typed, exc.fields)
    raise web.HTTPFound(_back(pool))


async def _page_with_errors(
    request: web.Request, filters: ReportFilters, typed: dict[str, str], errors: dict[str, str]
) -> web.StreamResponse:
    return await report_page_response(
        request,
        report_spec("bonuses"),
        filters,
        typed=filters.values(),
        errors={},
        status=422,
        pool_typed=typed,
        pool_errors=errors,
    )


@requires(Permission.BONUSES_APPROVE)
async def pool_approve(request: web.Request) -> web.StreamResponse:
    async with request.app[SESSIONMAKER].begin() as session:
        pool = await approve_pool(
            session, pool_id=int(request.match_info["id"]), actor=current_user(request)
        )
    raise web.HTTPFound(_back(pool))


@requires(Permission.BONUS_WEIGHTS)
@aiohttp_jinja2.template("admin/bonus_weights.html")
async def weights_page(request: web.Request) -> dict[str, Any]:
    async with request.app[SESSIONMAKER]() as session:
        weights = await bonus_weights(session)
    saved = request.query.get("saved") == "1"
    return {"form": weights, "errors": {}, "labels": MEASURE_LABELS, "saved": saved}


@requires(Permission.BONUS_WEIGHTS)
async def weights_save(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    try:
        async with request.app[SESSIONMAKER].begin() as session:
            await set_bonus_weights(
                session, form={k: str(v) for k, v in form.items()}, actor=current_user(request)
            )
    except Invalid as exc:
        context = {"form": dict(form), "errors": exc.fields, "labels": MEASURE_LABELS}
        return aiohttp_jinja2.render_template(
            "admin/bonus_weights.html", request, context, status=422
        )
    raise web.HTTPFound("/admin/bonus-weights?saved=1")


POOL_BODY = obj(
    ("amount",),
    period=TEXT,
    since=DAY,
    until=DAY,
    amount=MONEY_IN,
    note=TEXT,
)  # ``_period`` and the pool's own fields
POOL: Schema = obj(
    ("id", "first_day", "last_day", "amount", "currency"),
    id=ID,
    first_day=DAY,
    last_day=DAY,
    amount=MONEY,
    currency=TEXT,
    note=TEXT,
    approved_at=nullable({"type": "string", "format": "date-time"}),
    approved_by=nullable(TEXT),
    report=TEXT,
)
_WEIGHT: Schema = {"type": "integer", "minimum": 0, "maximum": 1000}
WEIGHTS = obj(("weights",), weights=obj(MEASURES, **{m: _WEIGHT for m in MEASURES}))
WEIGHTS_BODY = obj(MEASURES, **{m: {"anyOf": [_WEIGHT, TEXT]} for m in MEASURES})


def _pool_json(pool: BonusPool) -> dict[str, Any]:
    return {
        "id": pool.id,
        "first_day": pool.first_day.isoformat(),
        "last_day": pool.last_day.isoformat(),
        "amount": f"{pool.amount:f}",
        "currency": pool.currency,
        "note": pool.note,
        "approved_at": pool.approved_at.isoformat() if pool.approved_at else None,
        "approved_by": pool.approved_by_name or None,
        "report": f"/api/v1/reports/bonuses?since={pool.first_day}&until={pool.last_day}",
    }


@requires(Permission.BONUSES_APPROVE)
@described(body=POOL_BODY, response=POOL, tag="bonuses")
async def api_pool_save(request: web.Request) -> web.Response:
    """``{"since": "2026-03-01", "until": "2026-03-31", "amount": "100000"}`` (or ``period``)."""
    body = await read_json_object(request)
    async with request.app[SESSIONMAKER].begin() as session:
        pool = await set_pool(
            session,
            filters=_period(body),
            amount=str(body.get("amount", "")),
            note=str(body.get("note", "")),
            currency=request.app[SETTINGS].currency,
            actor=current_user(request),
        )
    return web.json_response(_pool_json(pool))


@requires(Permission.BONUSES_APPROVE)
@described(body=NO_BODY, response=POOL, tag="bonuses")
async def api_pool_approve(request: web.Request) -> web.Response:
    async with request.app[SESSIONMAKER].begin() as session:
        pool = await approve_pool(
            session, pool_id=int(request.match_info["id"]), actor=current_user(request)
        )
    return web.json_response(_pool_json(pool))


@requires(Permission.REPORTS_VIEW)
@described(response=WEIGHTS, tag="bonuses")
async def api_weights(request: web.Request) -> web.Response:
    async with request.app[SESSIONMAKER]() as session:
        return web.json_response({"weights": await bonus_weights(session)})


@requires(Permission.BONUS_WEIGHTS)
@described(body=WEIGHTS_BODY, response=WEIGHTS, tag="bonuses")
async def api_weights_save(request: web.Request) -> web.Response:
    body = await read_json_object(request)
    async with request.app[SESSIONMAKER].begin() as session:
        form = {k: str(v) for k, v in body.items()}
        weights = await set_bonus_weights(session, form=form, actor=current_user(request))
    return web.json_response({"weights": weights})
