"""Import pages: upload, the mapping with a preview and the duplicate policy, progress, report."""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web
from multidict import MultiDictProxy

from callcenter.errors import NotFound
from callcenter.exports.xlsx import xlsx_bytes
from callcenter.i18n import N_
from callcenter.imports.exceptions import ImportInvalid
from callcenter.imports.models import Import
from callcenter.imports.registry import get_target, target_names
from callcenter.imports.service import (
    configure_import,
    create_import,
    expire_stale_imports,
    get_import,
    list_imports,
    preview_import,
)
from callcenter.imports.targets import Target
from callcenter.users.roles import Permission
from web import i18n
from web.auth import current_user, requires
from web.downloads import pieces, stream_file
from web.forms import form_bool
from web.imports import read_upload
from web.keys import IMPORT_RUNNER, SESSIONMAKER, SETTINGS, UPLOAD_READERS

# where each target's imported records are listed, newest first
LIST_URLS = {"clients": "/clients?sort=-created", "orders": "/orders"}


def _targets(request: web.Request) -> list[Target]:
    """What the user may import."""
    actor = current_user(request)
    return [t for t in map(get_target, target_names()) if actor.can(t.permission)]


def _upload_page(
    request: web.Request, *, target: str, action: str, error: ImportInvalid | None = None
) -> web.Response:
    context = {
        "error": error.message if error else None,
        "error_params": error.params if error else {},
        "targets": _targets(request),
        "target": target,
        "action": action,
    }
    return aiohttp_jinja2.render_template(
        "imports/new.html", request, context, status=422 if error else 200
    )


@requires(Permission.CLIENTS_IMPORT)
@aiohttp_jinja2.template("imports/list.html")
async def import_list(request: web.Request) -> dict[str, Any]:
    async with request.app[SESSIONMAKER].begin() as session:
        await expire_stale_imports(session)
        jobs = await list_imports(session, actor=current_user(request))
    return {"jobs": jobs}


@requires(Permission.CLIENTS_IMPORT)
async def new_page(request: web.Request) -> web.StreamResponse:
    target = request.query.get("target", "clients")
    return _upload_page(request, target=target, action="/imports/new")


@requires(Permission.CLIENTS_IMPORT)
async def upload(request: web.Request) -> web.StreamResponse:
    """A file of clients, or of whatever target the form names (its permission is checked)."""
    form = await request.post()
    return await _upload(request, form, str(form.get("target") or "clients"), "/imports/new")


@requires(Permission.ORDERS_IMPORT)
async def orders_page(request: web.Request) -> web.StreamResponse:
    return _upload_page(request, target="orders", action="/orders/import")


@requires(Permission.ORDERS_IMPORT)
async def orders_upload(request: web.Request) -> web.StreamResponse:
    return await _upload(request, await request.post(), "orders", "/orders/import")


async def _upload(
    request: web.Request, form: MultiDictProxy[Any], target: str, action: str
) -> web.StreamResponse:
    upload = form.get("file")
    try:
        if not isinstance(upload, web.FileField):
            raise ImportInvalid(N_("Choose a file to import"))
        if target not in target_names():
            raise ImportInvalid(N_("Unknown import target"))
        content = await read_upload(upload)
        async with request.app[SESSIONMAKER].begin() as session:
            job = await create_import(
                session,
                actor=current_user(request),
                target=target,
                file_name=upload.filename,
                content=content,
                limits=request.app[SETTINGS].upload_limits,
                readers=request.app[UPLOAD_READERS],
            )
    except ImportInvalid as exc:
        return _upload_page(request, target=target, action=action, error=exc)
    raise web.HTTPFound(f"/imports/{job.id}")


async def _mapping_context(
    request: web.Request, job: Import, errors: dict[str, str] | None = None, message: str = ""
) -> dict[str, Any]:
    actor = current_user(request)
    target = get_target(job.target)
    preview = []
    async with request.app[SESSIONMAKER]() as session:
        if job.mapping:
            preview = await preview_import(
                session,
                job,
                actor=actor,
                region=request.app[SETTINGS].default_region,
                limits=request.app[SETTINGS].upload_limits,
                readers=request.app[UPLOAD_READERS],
            )
    mapped = {key for key in job.mapping.values()}
    return {
        "job": job,
        "target": target,
        # what each column's choice offers, translated once: a file may have 200 columns
        "field_options": [(f.key, i18n.gettext(f.label)) for f in target.fields],
        "preview": preview,
        "preview_fields": [f for f in target.fields if f.key in mapped],
        "errors": errors or {},
        "message": message,
    }


@requires(Permission.CLIENTS_IMPORT)
async def show(request: web.Request) -> web.StreamResponse:
    async with request.app[SESSIONMAKER].begin() as session:
        await expire_stale_imports(session)
        job = await get_import(session, int(request.match_info["id"]), actor=current_user(request))
    retry = job.state == "failed" and request.query.get("change") == "1"
    if job.state == "draft" or retry:
        context = await _mapping_context(request, job)
        return aiohttp_jinja2.render_template("imports/mapping.html", request, context)
    context = {"job": job, "target": get_target(job.target), "list_url": LIST_URLS[job.target]}
    return aiohttp_jinja2.render_template("imports/show.html", request, context)


@requires(Permission.CLIENTS_IMPORT)
async def configure(request: web.Request) -> web.StreamResponse:
    """Save the mapping and the policy: ``action=preview`` shows the rows again, ``start`` runs."""
    form = await request.post()
    import_id = int(request.match_info["id"])
    start = form.get("action") == "start"
    mapping = {
        name.removeprefix("column_"): str(value)
        for name, value in form.items()
        if name.startswith("column_") and value
    }
    policy = {
        name.removeprefix("policy_"): str(value)
        for name, value in form.items()
        if name.startswith("policy_")
    }
    actor = current_user(request)
    try:
        async with request.app[SESSIONMAKER].begin() as session:
            await configure_import(
                session,
                import_id=import_id,
                actor=actor,
                mapping=mapping,
                policy=policy,
                skip_bad_rows=form_bool(form, "skip_bad_rows"),
                start=start,
            )
    except ImportInvalid as exc:
        async with request.app[SESSIONMAKER]() as session:
            job = await get_import(session, import_id, actor=actor)
        job.mapping, job.policy = mapping, {**job.policy, **policy}  # as typed, not saved
        job.skip_bad_rows = form_bool(form, "skip_bad_rows")
        context = await _mapping_context(request, job, exc.fields, exc.message)
        return aiohttp_jinja2.render_template("imports/mapping.html", request, context, status=422)
    if start:
        request.app[IMPORT_RUNNER].start(import_id)
    raise web.HTTPFound(f"/imports/{import_id}")


@requires(Permission.CLIENTS_IMPORT)
async def bad_rows_report(request: web.Request) -> web.StreamResponse:
    """Every bad row with its line and reasons, beside the row as the file had it (XLSX)."""
    async with request.app[SESSIONMAKER]() as session:
        job = await get_import(session, int(request.match_info["id"]), actor=current_user(request))
    if not job.bad_rows:
        raise NotFound(N_("This import has no bad rows"))
    _ = i18n.gettext
    headers = [_("Line"), _("Reason"), *job.headers]
    rows = (
        (
            row["line"],
            "; ".join(f"{_(col)}: {_(msg)}" for col, msg in row["errors"].items()),
            *row.get("values", []),
        )
        for row in job.bad_rows
    )
    parts = xlsx_bytes(headers, rows, sheet=_("Bad rows"), timezone=i18n.TIMEZONE.get())
    name = f"{job.file_name.rsplit('.', 1)[0]}-{_('bad rows')}.xlsx"
    return await stream_file(request, pieces(parts), filename=name, file_format="xlsx")
