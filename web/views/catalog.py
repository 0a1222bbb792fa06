"""Admin pages for selling: the order pipeline (statuses and their e-mails) and products."""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web

from callcenter.errors import NotFound
from callcenter.orders.letters import PLACEHOLDERS
from callcenter.orders.models import STATUS_KINDS, OrderStatus
from callcenter.orders.statuses import (
    StatusInput,
    StatusInvalid,
    delete_status,
    list_statuses,
    save_status,
)
from callcenter.products.models import VAT_RATES
from callcenter.products.service import (
    ProductInput,
    ProductInvalid,
    get_product,
    list_products,
    save_product,
)
from callcenter.products.units import UNITS, VAT_LABELS
from callcenter.users.roles import Permission
from web.auth import current_user, requires
from web.forms import form_bool
from web.keys import SESSIONMAKER

STATUS_TEXT = (
    "code",
    "name_ru",
    "name_en",
    "position",
    "kind",
    "deadline_days",
    "email_subject",
    "email_body",
    "sms_text",
)
PRODUCT_TEXT = ("name", "sku", "unit_code", "price", "vat_rate", "cost")


def _status_id(request: web.Request) -> int | None:
    raw = request.match_info.get("id")
    return int(raw) if raw else None


@requires(Permission.PIPELINE_MANAGE)
@aiohttp_jinja2.template("admin/pipeline.html")
async def pipeline_page(request: web.Request) -> dict[str, Any]:
    async with request.app[SESSIONMAKER]() as session:
        return {"statuses": await list_statuses(session)}


def _status_context(
    form: StatusInput, status_id: int | None, errors: dict[str, str], message: str = ""
) -> dict[str, Any]:
    return {
        "form": form,
        "status_id": status_id,
        "errors": errors,
        "message": message,
        "kinds": STATUS_KINDS,
        "placeholders": PLACEHOLDERS,
    }


def _status_form(status: OrderStatus) -> StatusInput:
    return StatusInput(
        code=status.code,
        name_ru=status.name_ru,
        name_en=status.name_en,
        position=str(status.position),
        kind=status.kind,
        deadline_days="" if status.deadline_days is None else str(status.deadline_days),
        notify_client=status.notify_client,
        email_subject=status.email_subject,
        email_body=status.email_body,
        notify_sms=status.notify_sms,
        sms_text=status.sms_text,
    )


@requires(Permission.PIPELINE_MANAGE)
async def status_page(request: web.Request) -> web.StreamResponse:
    status_id = _status_id(request)
    form = StatusInput()
    if status_id is not None:
        async with request.app[SESSIONMAKER]() as session:
            status = await session.get(OrderStatus, status_id)
        if status is None:
            raise NotFound("No such status")
        form = _status_form(status)
    return aiohttp_jinja2.render_template(
        "admin/status_form.html", request, _status_context(form, status_id, {})
    )


@requires(Permission.PIPELINE_MANAGE)
async def status_save(request: web.Request) -> web.StreamResponse:
    status_id = _status_id(request)
    form = await request.post()
    data = StatusInput(
        **{f: str(form.get(f, "")) for f in STATUS_TEXT},
        notify_client=form_bool(form, "notify_client"),
        notify_sms=form_bool(form, "notify_sms"),
    )
    try:
        async with request.app[SESSIONMAKER].begin() as session:
            await save_status(session, data=data, actor=current_user(request), status_id=status_id)
    except StatusInvalid as exc:
        return aiohttp_jinja2.render_template(
            "admin/status_form.html",
            request,
            _status_context(data, status_id, exc.fields, exc.message),
            status=422,
        )
    raise web.HTTPFound("/admin/pipeline")


@requires(Permission.PIPELINE_MANAGE)
async def status_delete(request: web.Request) -> web.StreamResponse:
    async with request.app[SESSIONMAKER].begin() as session:
        await delete_status(
            session, status_id=int(request.match_info["id"]), actor=current_user(request)
        )
    raise web.HTTPFound("/admin/pipeline")


def _product_context(
    form: ProductInput, product_id: int | None, errors: dict[str, str], message: str = ""
) -> dict[str, Any]:
    return {
        "form": form,
        "product_id": product_id,
        "errors": errors,
        "message": message,
        "units": UNITS,
        "vat_rates": [(r, VAT_LABELS[r]) for r in VAT_RATES],
    }


@requires(Permission.PRODUCTS_MANAGE)
@aiohttp_jinja2.template("admin/products.html")
async def products_page(request: web.Request) -> dict[str, Any]:
    q = request.query.get("q", "")
    async with request.app[SESSIONMAKER]() as session:
        products = await list_products(session, q=q)
    return {"products": products, "q": q, "units": UNITS, "vat_labels": VAT_LABELS}


@requires(Permission.PRODUCTS_MANAGE)
async def product_page(request: web.Request) -> web.StreamResponse:
    product_id = _status_id(request)
    form = ProductInput()
    if product_id is not None:
        async with request.app[SESSIONMAKER]() as session:
            product = await get_product(session, product_id)
        form = ProductInput(
            name=product.name,
            sku=product.sku,
            unit_code=product.unit_code,
            price=f"{product.price:f}",
            vat_rate=product.vat_rate,
            active=product.active,
            cost="" if product.cost is None else f"{product.cost:f}",
        )
    return aiohttp_jinja2.render_template(
        "admin/product_form.html", request, _product_context(form, product_id, {})
    )


@requires(Permission.PRODUCTS_MANAGE)
async def product_save(request: web.Request) -> web.StreamResponse:
    product_id = _status_id(request)
    form = await request.post()
    data = ProductInput(
        **{f: str(form.get(f, "")) for f in PRODUCT_TEXT}, active=form_bool(form, "active")
    )
    try:
        async with request.app[SESSIONMAKER].begin() as session:
            await save_product(
                session, data=data, actor=current_user(request), product_id=product_id
            )
    except ProductInvalid as exc:
        return aiohttp_jinja2.render_template(
            "admin/product_form.html",
            request,
            _product_context(data, product_id, exc.fields, exc.message),
            status=422,
        )
    raise web.HTTPFound("/admin/products")
