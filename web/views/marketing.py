"""The marketing admin page: website form keys, UTM sources and tracked numbers mapped to
channels, and each channel's spend per month (typed, or imported from XLSX/CSV)."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from callcenter.clients import lists
from callcenter.errors import Invalid
from callcenter.i18n import N_
from callcenter.imports.exceptions import ImportInvalid
from callcenter.marketing.keys import FormKeyInput, create_form_key, list_form_keys, revoke_form_key
from callcenter.marketing.maps import all_maps, map_number, map_utm_source, unmap
from callcenter.marketing.spend import (
    SpendInvalid,
    import_spend,
    read_spend_file,
    set_spend,
    spend_table,
)
from callcenter.users.roles import Permission
from web.auth import requires
from web.i18n import gettext
from web.imports import read_upload
from web.keys import SESSIONMAKER, SETTINGS
from web.values import int_field

TEMPLATE = "admin/marketing.html"


async def _render(request: web.Request, status: int = 200, **extra: Any) -> web.StreamResponse:
    today = date.today()
    year_ago = date(today.year - 1, today.month, 1)
    async with request.app[SESSIONMAKER]() as session:
        utms, numbers = await all_maps(session)
        channels = await lists.list_entries(session, "channel")
        context = {
            "keys": await list_form_keys(session),
            "utms": utms,
            "numbers": numbers,
            "channels": channels,
            "channel_names": {c.id: c.name for c in channels},
            "spend": await spend_table(session, since=year_ago, until=today),
            "errors": {},
            "failed": "",
            "typed": {},
            "bad_rows": [],
            "new_key": None,
            **extra,
        }
    return aiohttp_jinja2.render_template(TEMPLATE, request, context, status=status)


@requires(Permission.LISTS_MANAGE)
async def marketing_page(request: web.Request) -> web.StreamResponse:
    return await _render(request)


def _fields(form: Any, *names: str) -> dict[str, str]:
    return {n: str(form.get(n, ""))[:4000] for n in names}


@requires(Permission.LISTS_MANAGE)
async def key_create(request: web.Request) -> web.StreamResponse:
    typed = _fields(await request.post(), "name", "queue", "due_minutes", "allowed_origin")
    try:
        async with request.app[SESSIONMAKER].begin() as session:
            _row, key = await create_form_key(session, data=FormKeyInput(**typed))
    except Invalid as exc:
        return await _render(request, 422, errors=exc.fields, failed="key", typed=typed)
    return await _render(request, new_key=key)  # shown this once


@requires(Permission.LISTS_MANAGE)
async def key_revoke(request: web.Request) -> web.StreamResponse:
    async with request.app[SESSIONMAKER].begin() as session:
        await revoke_form_key(session, int(request.match_info["id"]))
    raise web.HTTPFound("/admin/marketing")


@requires(Permission.LISTS_MANAGE)
async def map_save(request: web.Request) -> web.StreamResponse:
    kind = request.match_info["kind"]
    form = await request.post()
    typed = _fields(form, "utm_source", "number")
    channel_id = int_field(form, "channel_id")
    try:
        async with request.app[SESSIONMAKER].begin() as session:
            if kind == "utm":
                await map_utm_source(session, source=typed["utm_source"], channel_id=channel_id)
            else:
                region = request.app[SETTINGS].default_region
                await map_number(
                    session, number=typed["number"], channel_id=channel_id, region=region
                )
    except Invalid as exc:
        return await _render(request, 422, errors=exc.fields, failed=kind, typed=typed)
    raise web.HTTPFound("/admin/marketing")


@requires(Permission.LISTS_MANAGE)
async def map_delete(request: web.Request) -> web.StreamResponse:
    async with request.app[SESSIONMAKER].begin() as session:
        await unmap(session, request.match_info["kind"], int(request.match_info["id"]))
    raise web.HTTPFound("/admin/marketing")


@requires(Permission.LISTS_MANAGE)
async def spend_save(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    typed = _fields(form, "month", "amount")
    try:
        async with request.app[SESSIONMAKER].begin() as session:
            await set_spend(
                session,
                channel_id=int_field(form, "channel_id"),
                month=typed["month"],
                amount=typed["amount"],
            )
    except Invalid as exc:
        return await _render(request, 422, errors=exc.fields, failed="spend", typed=typed)
    raise web.HTTPFound("/admin/marketing")


@requires(Permission.LISTS_MANAGE)
async def spend_import(request: web.Request) -> web.StreamResponse:
    upload = (await request.post()).get("file")
    if not isinstance(upload, web.FileField):
        errors = {"file": N_("Choose a file")}
        return await _render(request, 422, errors=errors, failed="import")
    content = await read_upload(upload)
    limits = request.app[SETTINGS].upload_limits
    try:
        rows = await asyncio.to_thread(read_spend_file, content, upload.filename or "", limits)
        async with request.app[SESSIONMAKER].begin() as session:
            count = await import_spend(session, rows)
    except SpendInvalid as exc:
        return await _render(
            request, 422, errors={"file": exc.message}, failed="import", bad_rows=exc.bad
        )
    except (Invalid, ImportInvalid) as exc:
        message = gettext(exc.message) % exc.params if exc.params else exc.message
        return await _render(request, 422, errors={"file": message}, failed="import")
    return await _render(request, imported=count)
