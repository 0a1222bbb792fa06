"""A campaign's contacts from a page: where they come from (the client list's filters, a file,
numbers or client numbers typed), the campaign's do-not-call numbers, the results as files."""

from __future__ import annotations

import re
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from multidict import MultiDictProxy
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.clients.search import ClientQuery
from callcenter.db import utcnow
from callcenter.dialer.campaign_dnc import add_campaign_dnc, remove_campaign_dnc
from callcenter.dialer.campaigns import get_campaign
from callcenter.dialer.contacts import (
    BadEntry,
    Candidate,
    ContactsInvalid,
    add_contacts,
    from_client_ids,
    from_client_query,
    from_file,
    from_numbers,
)
from callcenter.dialer.results import AttemptResults, ContactResults
from callcenter.errors import DomainError, Invalid
from callcenter.exports.stream import check_format
from callcenter.i18n import N_
from callcenter.imports.limits import UploadLimits
from callcenter.imports.workers import read_apart
from callcenter.limits import fits_id
from callcenter.users.models import User
from callcenter.users.roles import Permission
from web import i18n
from web.auth import current_user, requires
from web.downloads import export_file, stream_file
from web.forms import form_bool
from web.imports import read_upload
from web.keys import SESSIONMAKER, SETTINGS, UPLOAD_READERS
from web.values import int_field

SOURCES = ("none", "filter", "file", "numbers", "clients")


@dataclass
class ContactSource:
    """Where a form takes contacts from, kept as typed."""

    kind: str = "none"
    q: str = ""
    segment_id: int | None = None
    channel_id: int | None = None
    tag_id: int | None = None
    client_kind: str = ""
    numbers: str = ""
    client_ids: str = ""
    skip_bad: bool = False


def source_form(post: MultiDictProxy[Any]) -> ContactSource:
    kind = str(post.get("source", "none"))
    return ContactSource(
        kind=kind if kind in SOURCES else "none",
        q=str(post.get("filter_q", "")),
        segment_id=int_field(post, "filter_segment"),
        channel_id=int_field(post, "filter_channel"),
        tag_id=int_field(post, "filter_tag"),
        client_kind=str(post.get("filter_kind", "")),
        numbers=str(post.get("numbers", "")),
        client_ids=str(post.get("client_ids", "")),
        skip_bad=form_bool(post, "skip_bad"),
    )


def _ids(text: str) -> tuple[list[int], list[BadEntry]]:
    ids, bad = [], []
    for word in re.split(r"[\s,;]+", text.strip()):
        digits = word.lstrip("#")
        if digits.isascii() and digits.isdigit() and len(digits) <= 10 and fits_id(int(digits)):
            ids.append(int(digits))
        elif word:
            bad.append(BadEntry(word, word, N_("A client number is its digits")))
    return ids, bad


async def contacts_of_source(
    session: AsyncSession,
    source: ContactSource,
    post: MultiDictProxy[Any],
    *,
    actor: User,
    region: str,
    limits: UploadLimits,
    readers: Executor,
) -> tuple[list[Candidate], list[BadEntry]] | None:
    """The contacts the form names; None when it names no source. A file is read within
    ``limits`` by ``readers`` (the app's reader processes)."""
    if source.kind == "filter":
        query = ClientQuery(
            q=source.q,
            segment_id=source.segment_id,
            channel_id=source.channel_id,
            tag_id=source.tag_id,
            kind=source.client_kind,
        )
        return await from_client_query(session, query, actor=actor, region=region)
    if source.kind == "file":
        upload = post.get("file")
        if not isinstance(upload, web.FileField):
            raise Invalid(N_("Choose a file of numbers"), fields={"file": N_("Choose a file")})
        content = await read_upload(upload)
        return await read_apart(readers, from_file, content, region, limits, upload.filename)
    if source.kind == "numbers":
        return from_numbers(source.numbers, region)
    if source.kind == "clients":
        ids, bad = _ids(source.client_ids)
        found, worse = await from_client_ids(session, ids, actor=actor)
        return found, bad + worse
    return None


async def _render_page(request: web.Request, **extra: Any) -> web.Response:
    from web.views.campaigns import render_page  # the page renders this panel's errors too

    return await render_page(request, int(request.match_info["id"]), **extra)


@requires(Permission.CAMPAIGNS_MANAGE)
async def add(request: web.Request) -> web.StreamResponse:
    actor, post = current_user(request), await request.post()
    source = source_form(post)
    region = request.app[SETTINGS].default_region
    try:
        async with request.app[SESSIONMAKER].begin() as session:
            campaign = await get_campaign(
                session, int(request.match_info["id"]), actor=actor, for_update=True
            )
            listed = await contacts_of_source(
                session, source, post, actor=actor, region=region,
                limits=request.app[SETTINGS].upload_limits,
                readers=request.app[UPLOAD_READERS],
            )  # fmt: skip
            if listed is None:
                raise Invalid(N_("Choose where the contacts come from"))
            report = await add_contacts(
                session, campaign=campaign, found=listed[0], bad=listed[1], actor=actor,
                skip_bad=source.skip_bad,
            )  # fmt: skip
    except ContactsInvalid as exc:
        return await _render_page(request, source=source, report=exc.report, status=422)
    except (Invalid, DomainError) as exc:
        return await _render_page(
            request, source=source, message=exc.message, message_params=exc.params,
            errors=exc.fields, status=exc.status,
        )  # fmt: skip
    return await _render_page(request, report=report, added=True)


@requires(Permission.CAMPAIGNS_MANAGE)
async def dnc_add(request: web.Request) -> web.StreamResponse:
    actor, post = current_user(request), await request.post()
    number, reason = str(post.get("number", "")), str(post.get("reason", ""))
    try:
        async with request.app[SESSIONMAKER].begin() as session:
            campaign = await get_campaign(session, int(request.match_info["id"]), actor=actor)
            await add_campaign_dnc(
                session, campaign=campaign, number=number, reason=reason, actor=actor,
                region=request.app[SETTINGS].default_region,
            )  # fmt: skip
    except DomainError as exc:
        return await _render_page(
            request, dnc_form={"number": number, "reason": reason}, dnc_errors=exc.fields,
            status=exc.status,
        )  # fmt: skip
    raise web.HTTPFound(f"/campaigns/{campaign.id}#dnc")


@requires(Permission.CAMPAIGNS_MANAGE)
async def dnc_remove(request: web.Request) -> web.StreamResponse:
    actor = current_user(request)
    async with request.app[SESSIONMAKER].begin() as session:
        campaign = await get_campaign(session, int(request.match_info["id"]), actor=actor)
        await remove_campaign_dnc(
            session, campaign=campaign, entry_id=int(request.match_info["entry"]), actor=actor
        )
    raise web.HTTPFound(f"/campaigns/{campaign.id}#dnc")


@requires(Permission.CAMPAIGNS_VIEW, Permission.DATA_EXPORT)
async def export(request: web.Request) -> web.StreamResponse:
    """``?list=contacts|attempts&format=xlsx|csv``: the campaign's results as a file."""
    file_format = check_format(request.query.get("format", "xlsx"))
    listing = AttemptResults() if request.query.get("list") == "attempts" else ContactResults()
    actor = current_user(request)
    async with request.app[SESSIONMAKER]() as session:
        campaign = await get_campaign(session, int(request.match_info["id"]), actor=actor)
    name = f"{campaign.name}-{i18n.gettext(listing.name)}-{utcnow():%Y-%m-%d}"
    return await stream_file(
        request,
        export_file(request, listing.name, campaign.id, file_format),
        filename=f"{name}.{file_format}",
        file_format=file_format,
    )
