"""Partner pages: the list, a partner's card (downline, own clients' orders, referral link),
the add and edit forms, statements with payouts and their XLSX and PDF, commission plans, and the
attribution form of the client card.

Staff (``PARTNERS_VIEW``) see every partner; a user in the partner role sees their own card,
their downline's cards and their own statements, never another partner's clients. Each
handler is ``@signed_in`` or ``@requires``; the partners' services check the rest.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncGenerator
from datetime import date
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from multidict import MultiDictProxy
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.clients.models import Client
from callcenter.exports.xlsx import XlsxWriter
from callcenter.i18n import N_
from callcenter.partners.attribution import attribute_client
from callcenter.partners.downline import downline, partner_client_orders
from callcenter.partners.exceptions import PartnerInvalid
from callcenter.partners.models import PARTNER_STATUSES, Partner
from callcenter.partners.periods import parse_month
from callcenter.partners.plans import (
    PlanInput,
    get_plan,
    list_groups,
    list_plans,
    save_group,
    save_plan,
)
from callcenter.partners.service import (
    PartnerInput,
    check_own_statements,
    create_partner,
    get_partner,
    list_partners,
    own_partner,
    update_partner,
)
from callcenter.partners.statement_pdf import PDF_MAX_LINES, Texts, statement_pdf
from callcenter.partners.statements import (
    LineKey,
    record_payout,
    statement,
    statement_lines,
    statement_rows,
)
from callcenter.products.models import Product
from callcenter.users.models import User
from callcenter.users.roles import Permission, Role
from web import i18n
from web.auth import current_user, requires, signed_in
from web.downloads import stream_file
from web.keys import SESSIONMAKER, SETTINGS
from web.values import int_field, page_field

PER_PAGE = 50
STATEMENT_HEADERS = (
    N_("Date"), N_("Order"), N_("Level"), N_("Product group"), N_("Kind"), N_("Base"),
    N_("Rate (per cent)"), N_("Amount"), N_("State"), N_("Arithmetic"),
)  # fmt: skip


def _id(request: web.Request) -> int:
    return int(request.match_info["id"])


@signed_in
async def my_partnership(request: web.Request) -> web.StreamResponse:
    """A partner's home: their own card."""
    async with request.app[SESSIONMAKER]() as session:
        partner = await own_partner(session, current_user(request))
    raise web.HTTPFound(f"/partners/{partner.id}")


@signed_in
@aiohttp_jinja2.template("partners/list.html")
async def partner_list(request: web.Request) -> dict[str, Any]:
    page = page_field(request.query)
    q = request.query.get("q", "")
    async with request.app[SESSIONMAKER]() as session:
        partners, total = await list_partners(
            session, actor=current_user(request), q=q, limit=PER_PAGE, offset=(page - 1) * PER_PAGE
        )
    return {"partners": partners, "total": total, "q": q, "page": page, "per_page": PER_PAGE}


@signed_in
@aiohttp_jinja2.template("partners/card.html")
async def card(request: web.Request) -> dict[str, Any]:
    actor = current_user(request)
    first, last = parse_month(request.query.get("month"), i18n.today())
    async with request.app[SESSIONMAKER]() as session:
        partner = await get_partner(session, _id(request), actor=actor)
        tree = await downline(session, partner.id, first, last)
        own = actor.can(Permission.PARTNERS_VIEW) or (
            (await own_partner(session, actor)).id == partner.id
        )
        orders = await partner_client_orders(session, partner.id) if own else []
        sponsor = await session.get(Partner, partner.sponsor_id) if partner.sponsor_id else None
        sponsor_code = sponsor.code if sponsor else ""
    base = request.app[SETTINGS].public_url.rstrip("/") or f"{request.scheme}://{request.host}"
    link = f"{base}/r/{partner.code}"
    return {
        "partner": partner,
        "tree": tree,
        "orders": orders,
        "own": own,
        "sponsor_code": sponsor_code,
        "month": f"{first:%Y-%m}",
        "referral_link": link,
    }


async def _form_choices(session: AsyncSession) -> dict[str, Any]:
    managers = await session.scalars(
        select(User)
        .where(User.active.is_(True), User.role.in_([Role.MANAGER, Role.ADMIN]))
        .order_by(User.login)
    )
    partner_users = await session.scalars(
        select(User).where(User.role == Role.PARTNER).order_by(User.login)
    )
    return {
        "plans": await list_plans(session),
        "managers": list(managers),
        "partner_users": list(partner_users),
        "statuses": PARTNER_STATUSES,
    }


def _partner_input(form: MultiDictProxy[Any]) -> PartnerInput:
    return PartnerInput(
        client_id=int_field(form, "client_id"),
        code=str(form.get("code", "")),
        plan_id=int_field(form, "plan_id"),
        status=str(form.get("status", "active")),
        sponsor=str(form.get("sponsor", ""))[:40],
        manager_id=int_field(form, "manager_id"),
        user_id=int_field(form, "user_id"),
    )


async def _form_page(
    request: web.Request, data: PartnerInput, errors: dict[str, str], partner_id: int | None
) -> web.StreamResponse:
    async with request.app[SESSIONMAKER]() as session:
        context = {"form": data, "errors": errors, "partner_id": partner_id}
        context |= await _form_choices(session)
        if data.client_id is not None:
            context["client"] = await session.get(Client, data.client_id)
    status = 422 if errors else 200
    return aiohttp_jinja2.render_template("partners/form.html", request, context, status=status)


@requires(Permission.PARTNERS_MANAGE)
async def new_page(request: web.Request) -> web.StreamResponse:
    data = PartnerInput(client_id=int_field(request.query, "client_id"))
    return await _form_page(request, data, {}, None)


@requires(Permission.PARTNERS_MANAGE)
async def create(request: web.Request) -> web.StreamResponse:
    data = _partner_input(await request.post())
    try:
        async with request.app[SESSIONMAKER].begin() as session:
            partner = await create_partner(session, data=data, actor=current_user(request))
    except PartnerInvalid as exc:
        return await _form_page(request, data, exc.fields, None)
    raise web.HTTPFound(f"/partners/{partner.id}")


@requires(Permission.PARTNERS_MANAGE)
async def edit_page(request: web.Request) -> web.StreamResponse:
    async with request.app[SESSIONMAKER]() as session:
        partner = await get_partner(session, _id(request), actor=current_user(request))
        sponsor = await session.get(Partner, partner.sponsor_id) if partner.sponsor_id else None
    data = PartnerInput(
        client_id=partner.client_id,
        code=partner.code,
        plan_id=partner.plan_id,
        status=partner.status,
        sponsor=sponsor.code if sponsor else "",
        manager_id=partner.manager_id,
        user_id=partner.user_id,
    )
    return await _form_page(request, data, {}, partner.id)


@requires(Permission.PARTNERS_MANAGE)
async def update(request: web.Request) -> web.StreamResponse:
    data = _partner_input(await request.post())
    try:
        async with request.app[SESSIONMAKER].begin() as session:
            partner = await update_partner(
                session, partner_id=_id(request), data=data, actor=current_user(request)
            )
    except PartnerInvalid as exc:
        return await _form_page(request, data, exc.fields, _id(request))
    raise web.HTTPFound(f"/partners/{partner.id}")


async def _statement_partner(request: web.Request) -> tuple[Partner, date, date]:
    """The partner whose statement is asked for, if the reader may see it, and the month."""
    actor = current_user(request)
    first, last = parse_month(request.query.get("month"), i18n.today())
    async with request.app[SESSIONMAKER]() as session:
        partner = await get_partner(session, _id(request), actor=actor)
        await check_own_statements(session, partner, actor)
    return partner, first, last


@signed_in
@aiohttp_jinja2.template("partners/statement.html")
async def statement_page(request: web.Request) -> dict[str, Any]:
    """The figures over all the month's lines, and one page of lines (``?after=``)."""
    after = LineKey.parse(request.query.get("after"))
    partner, first, last = await _statement_partner(request)
    async with request.app[SESSIONMAKER]() as session:
        view = await statement(session, partner.id, first, last, after=after)
    return {
        "partner": partner,
        "view": view,
        "month": f"{view.first_day:%Y-%m}",
        "request_key": uuid.uuid4().hex,  # the payout form sent twice records one payout
    }


async def _xlsx_pieces(
    request: web.Request, partner: Partner, first: date, last: date
) -> AsyncGenerator[bytes, None]:
    """The statement's every line as XLSX, made and sent a batch of lines at a time."""
    headers = [i18n.gettext(h) for h in STATEMENT_HEADERS]
    writer = XlsxWriter(
        headers,
        [max(12, min(60, len(h) + 4)) for h in headers],
        sheet=partner.code,
        timezone=i18n.TIMEZONE.get(),
    )
    yield writer.start()
    async with request.app[SESSIONMAKER]() as session:
        async for batch in statement_lines(session, partner.id, first, last):
            yield writer.rows(
                (*row[:4], i18n.gettext(row[4]), *row[5:8], i18n.gettext(row[8]), row[9])
                for row in statement_rows(batch)
            )
    yield writer.finish()


@signed_in
async def statement_xlsx(request: web.Request) -> web.StreamResponse:
    partner, first, last = await _statement_partner(request)
    name = f"{partner.code}-{first:%Y-%m}.xlsx"
    pieces = _xlsx_pieces(request, partner, first, last)
    return await stream_file(request, pieces, filename=name, file_format="xlsx")


@signed_in
async def statement_pdf_download(request: web.Request) -> web.StreamResponse:
    """The statement as a PDF: the page's figures and its lines (the first ``PDF_MAX_LINES``;
    the XLSX streams them all), in the reader's language. The lines are read a batch at a
    time; each batch is a table of its own in the PDF."""
    partner, first, last = await _statement_partner(request)
    async with request.app[SESSIONMAKER]() as session:
        view = await statement(session, partner.id, first, last, per_page=0)
        lines = statement_lines(session, partner.id, first, last, limit=PDF_MAX_LINES)
        batches = [batch async for batch in lines]
    texts = Texts(gettext=i18n.gettext, money=i18n.money_text, day=i18n.day_text)
    body = await asyncio.to_thread(  # drawing takes a while: off the loop
        statement_pdf, view, batches, code=partner.code, name=partner.client.name, texts=texts
    )
    name = f"{partner.code}-{first:%Y-%m}.pdf"
    return web.Response(
        body=body,
        content_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@requires(Permission.PARTNER_PAYOUTS)
async def payout(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    first, last = parse_month(form.get("month"), i18n.today())
    async with request.app[SESSIONMAKER].begin() as session:
        await record_payout(
            session,
            partner_id=_id(request),
            first=first,
            last=last,
            paid_on=form.get("paid_on"),
            note=str(form.get("note", "")),
            request_key=form.get("request_key"),
            by=current_user(request),
        )
    raise web.HTTPFound(f"/partners/{_id(request)}/statements?month={first:%Y-%m}")


@requires(Permission.PARTNERS_MANAGE)
async def attribute(request: web.Request) -> web.StreamResponse:
    """The client card's attribution form: a partner's code, or empty for none."""
    form = await request.post()
    client_id = _id(request)
    async with request.app[SESSIONMAKER].begin() as session:
        await attribute_client(
            session,
            client_id=client_id,
            code=str(form.get("partner_code", "")),
            actor=current_user(request),
        )
    raise web.HTTPFound(f"/clients/{client_id}")


async def _plans_context(session: AsyncSession) -> dict[str, Any]:
    products = await session.scalars(
        select(Product).where(Product.active.is_(True)).order_by(Product.name).limit(500)
    )
    return {
        "plans": await list_plans(session),
        "groups": await list_groups(session),
        "products": list(products),
    }


def _plan_input(form: MultiDictProxy[Any], group_ids: list[int]) -> PlanInput:
    return PlanInput(
        name=str(form.get("name", "")),
        base=str(form.get("base", "net")),
        rates=str(form.get("rates", ""))[:400],
        group_rates={
            g: str(form.get(f"group_{g}", ""))[:400]
            for g in group_ids
            if str(form.get(f"group_{g}", "")).strip()
        },
        qualify_from_level=str(form.get("qualify_from_level", ""))[:10],
        qualify_min_sales=str(form.get("qualify_min_sales", ""))[:40],
    )


@requires(Permission.COMMISSION_PLANS)
@aiohttp_jinja2.template("partners/plans.html")
async def plans_page(request: web.Request) -> dict[str, Any]:
    async with request.app[SESSIONMAKER]() as session:
        context = await _plans_context(session)
        plan_id = int_field(request.query, "plan")
        plan = await get_plan(session, plan_id) if plan_id else None
    return {**context, "plan": plan, "form": None, "errors": {}, "group_errors": {}}


@requires(Permission.COMMISSION_PLANS)
async def plan_save(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    plan_id = int_field(form, "plan_id")
    async with request.app[SESSIONMAKER]() as session:
        group_ids = [group.id for group, _ in await list_groups(session)]
    data = _plan_input(form, group_ids)
    try:
        async with request.app[SESSIONMAKER].begin() as session:
            await save_plan(session, data=data, actor=current_user(request), plan_id=plan_id)
    except PartnerInvalid as exc:
        async with request.app[SESSIONMAKER]() as session:
            context = await _plans_context(session)
            plan = await get_plan(session, plan_id) if plan_id else None
        context |= {"plan": plan, "form": data, "errors": exc.fields, "group_errors": {}}
        return aiohttp_jinja2.render_template("partners/plans.html", request, context, status=422)
    raise web.HTTPFound("/admin/commission-plans")


@requires(Permission.COMMISSION_PLANS)
async def group_save(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    ids = [
        int(str(v)) for v in form.getall("product_id", []) if str(v).isdigit() and len(str(v)) < 10
    ]
    try:
        async with request.app[SESSIONMAKER].begin() as session:
            await save_group(
                session, name=str(form.get("group_name", "")), product_ids=ids,
                actor=current_user(request),
            )  # fmt: skip
    except PartnerInvalid as exc:
        async with request.app[SESSIONMAKER]() as session:
            context = await _plans_context(session)
        context |= {"plan": None, "form": None, "errors": {}, "group_errors": exc.fields}
        return aiohttp_jinja2.render_template("partners/plans.html", request, context, status=422)
    raise web.HTTPFound("/admin/commission-plans")
