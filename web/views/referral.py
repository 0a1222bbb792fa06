"""A partner's referral link, ``/r/{code}``: a small page in the company's name where a
visitor asks to be called back (no sign-in; the form carries the session's CSRF token).

Whatever became of the request (a new client, one the base knew, another partner's client),
the visitor sees the same thanks: nothing tells them what the CRM holds. An unknown or
suspended partner's code is a 404; too many requests from an address, a 429 page.
"""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web

from callcenter.clients.exceptions import ClientInvalid
from callcenter.company.service import get_company
from callcenter.partners.referral import (
    ReferralInput,
    ReferralLimited,
    referral_partner,
    submit_referral,
)
from web.auth import public
from web.keys import SESSIONMAKER, SETTINGS
from web.proxy import client_address

TEMPLATE = "partners/referral.html"


async def _page(
    request: web.Request, context: dict[str, Any], status: int = 200
) -> web.StreamResponse:
    async with request.app[SESSIONMAKER]() as session:
        await referral_partner(session, request.match_info["code"])
        company = await get_company(session)
    name = company.display_name if company else ""
    context = {"company": name, "code": request.match_info["code"]} | context
    return aiohttp_jinja2.render_template(TEMPLATE, request, context, status=status)


@public
async def referral_page(request: web.Request) -> web.StreamResponse:
    return await _page(request, {"form": ReferralInput(), "errors": {}})


@public
async def referral_submit(request: web.Request) -> web.StreamResponse:
    post = await request.post()
    data = ReferralInput(
        **{name: str(post.get(name, ""))[:4000] for name in ("name", "phone", "email", "comment")}
    )
    try:
        async with request.app[SESSIONMAKER].begin() as session:
            await submit_referral(
                session,
                code=request.match_info["code"],
                data=data,
                address=client_address(request),
                region=request.app[SETTINGS].default_region,
            )
    except ClientInvalid as exc:
        return await _page(request, {"form": data, "errors": exc.fields}, status=422)
    except ReferralLimited as exc:
        return await _page(request, {"form": data, "errors": {}, "limited": exc.message}, 429)
    return await _page(request, {"done": True})
