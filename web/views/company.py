"""The admin's page for the company's own requisites, printed on every invoice as the seller."""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web

from callcenter.company.input import TEXT_FIELDS, CompanyInput, CompanyInvalid
from callcenter.company.service import get_company, save_company, to_input
from callcenter.invoices.terms import VAT_MODE_LABELS
from callcenter.users.roles import Permission
from web.auth import current_user, requires
from web.keys import SESSIONMAKER, SETTINGS


def _context(form: CompanyInput, errors: dict[str, str], message: str = "") -> dict[str, Any]:
    return {"form": form, "errors": errors, "message": message, "vat_modes": VAT_MODE_LABELS}


@requires(Permission.COMPANY_MANAGE)
async def company_page(request: web.Request) -> web.StreamResponse:
    async with request.app[SESSIONMAKER]() as session:
        company = await get_company(session)
    context = _context(to_input(company), {})
    context["saved"] = request.query.get("saved") == "1"
    context["missing"] = company is None
    return aiohttp_jinja2.render_template("admin/company.html", request, context)


@requires(Permission.COMPANY_MANAGE)
async def company_save(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    data = CompanyInput(**{name: str(form.get(name, "")) for name in TEXT_FIELDS})
    try:
        async with request.app[SESSIONMAKER].begin() as session:
            await save_company(
                session,
                data=data,
                actor=current_user(request),
                region=request.app[SETTINGS].default_region,
            )
    except CompanyInvalid as exc:
        context = _context(data, exc.fields, exc.message)
        return aiohttp_jinja2.render_template("admin/company.html", request, context, status=422)
    raise web.HTTPFound("/admin/company?saved=1")
