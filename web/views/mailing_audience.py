"""A draft mailing's audience from an uploaded file of e-mails or phones (or the file
forgotten): read by the imports' bounded reader processes, every bad row shown on the
mailing's page with its reason, and nothing changed unless the whole file is good."""

from __future__ import annotations

from aiohttp import web

from callcenter.errors import Conflict, Invalid
from callcenter.i18n import N_
from callcenter.imports.workers import read_apart
from callcenter.mailings.service import get_mailing
from callcenter.mailings.sources import (
    AudienceFileInvalid,
    drop_audience_file,
    read_values,
    set_audience_file,
)
from callcenter.users.models import User
from callcenter.users.roles import Permission
from web.auth import current_user, requires
from web.imports import read_upload
from web.keys import SESSIONMAKER, SETTINGS, UPLOAD_READERS
from web.views.mailings import render_page


@requires(Permission.MAILINGS_MANAGE)
async def audience_file(request: web.Request) -> web.StreamResponse:
    mailing_id, actor, settings = (
        int(request.match_info["id"]),
        current_user(request),
        request.app[SETTINGS],
    )
    post = await request.post()
    upload = post.get("file")
    try:
        if post.get("drop"):
            async with request.app[SESSIONMAKER].begin() as session:
                mailing = await get_mailing(session, mailing_id, actor=actor, for_update=True)
                await drop_audience_file(session, mailing)
            raise web.HTTPFound(f"/mailings/{mailing_id}")
        if not isinstance(upload, web.FileField):
            raise Invalid(N_("Choose a file"), fields={"file": N_("Choose a file")})
        content = await read_upload(upload)
        values = await read_apart(
            request.app[UPLOAD_READERS], read_values, content, settings.upload_limits,
            upload.filename,
        )  # fmt: skip
        async with request.app[SESSIONMAKER].begin() as session:
            mailing = await get_mailing(session, mailing_id, actor=actor, for_update=True)
            author = await session.get(User, mailing.created_by_id or 0) or actor
            await set_audience_file(
                session, mailing, values, author=author, region=settings.default_region,
                file_name=upload.filename or "",
            )  # fmt: skip
    except AudienceFileInvalid as exc:
        return await render_page(
            request, mailing_id, message=exc.message, message_params=exc.params,
            bad_rows=exc.bad, status=exc.status,
        )  # fmt: skip
    except (Invalid, Conflict) as exc:
        return await render_page(
            request, mailing_id, message=exc.message, message_params=exc.params,
            status=exc.status,
        )  # fmt: skip
    raise web.HTTPFound(f"/mailings/{mailing_id}")
