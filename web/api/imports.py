"""JSON API for imports: ``POST /api/v1/imports`` (multipart), ``GET /api/v1/imports/{id}``."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from aiohttp import web
from multidict import MultiDictProxy

from callcenter.errors import BadRequest
from callcenter.i18n import N_
from callcenter.imports.matching import Mapping
from callcenter.imports.models import Import
from callcenter.imports.registry import target_names
from callcenter.imports.service import (
    configure_import,
    create_import,
    expire_stale_imports,
    get_import,
    list_imports,
)
from callcenter.imports.targets import norm_header
from callcenter.users.roles import Permission
from web.apidoc.describe import (
    BOOL,
    COUNT,
    FILE,
    ID,
    MOMENT,
    TEXT,
    UPLOAD,
    Schema,
    array,
    described,
    items,
    nullable,
    obj,
)
from web.auth import current_user, requires
from web.forms import form_bool
from web.i18n import gettext
from web.imports import read_upload
from web.keys import IMPORT_RUNNER, SESSIONMAKER, SETTINGS, UPLOAD_READERS
from web.values import close_files, read_form

_WHEN = nullable(MOMENT)
_STRINGS: Schema = {"type": "object", "additionalProperties": TEXT}
UPLOAD_FORM = obj(
    ("file",),
    file=FILE,
    target={**TEXT, "description": "clients unless given (POST /api/v1/imports only)"},
    mapping={**TEXT, "description": 'JSON: {"column index or header": "field key"}'},
    policy={**TEXT, "description": 'JSON: {"key": "update" | "skip" | "create"}'},
    skip_bad_rows={**TEXT, "description": "1: import the good rows, report the bad"},
)
IMPORT: Schema = obj(
    ("id", "target", "state", "progress", "file_name", "headers", "mapping"),
    id=ID,
    target=TEXT,
    state=TEXT,
    stage=nullable(TEXT),
    progress={"type": "integer", "minimum": 0, "maximum": 100},
    file_name=TEXT,
    format=TEXT,
    encoding=nullable(TEXT),
    delimiter=nullable(TEXT),
    headers=array(TEXT),
    mapping=_STRINGS,
    policy=_STRINGS,
    skip_bad_rows=BOOL,
    **{n: COUNT for n in ("total_rows", "rows_done", "created", "updated", "skipped")},
    bad_count=COUNT,
    error=nullable(TEXT),
    created_at=_WHEN,
    started_at=_WHEN,
    finished_at=_WHEN,
    bad_rows=array(obj(("line", "errors"), line={"type": "integer"}, errors=_STRINGS)),
    bad_rows_report=nullable(TEXT),
)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def import_json(job: Import, *, bad_rows: bool = True) -> dict[str, Any]:
    body = {
        "id": job.id,
        "target": job.target,
        "state": job.state,
        "stage": job.stage or None,
        "progress": job.progress,
        "file_name": job.file_name,
        "format": job.file_format,
        "encoding": job.encoding or None,
        "delimiter": job.delimiter or None,
        "headers": job.headers,
        "mapping": {job.headers[int(k)]: v for k, v in job.mapping.items()},
        "policy": job.policy,
        "skip_bad_rows": job.skip_bad_rows,
        "total_rows": job.total_rows,
        "rows_done": job.rows_done,
        "created": job.created_count,
        "updated": job.updated_count,
        "skipped": job.skipped_count,
        "bad_count": job.bad_count,
        "error": gettext(job.error) if job.error else None,
        "created_at": _iso(job.created_at),
        "started_at": _iso(job.started_at),
        "finished_at": _iso(job.finished_at),
    }
    if bad_rows:
        body["bad_rows"] = [
            {
                "line": row["line"],
                "errors": {gettext(col): gettext(msg) for col, msg in row["errors"].items()},
            }
            for row in job.bad_rows
        ]
        body["bad_rows_report"] = f"/imports/{job.id}/bad-rows.xlsx" if job.bad_rows else None
    return body


def _json_field(form: MultiDictProxy[Any], name: str) -> dict[str, str] | None:
    raw = form.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = json.loads(str(raw))
    except json.JSONDecodeError:
        value = None
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise BadRequest(N_("mapping and policy are JSON objects of strings"))
    return {str(k): v for k, v in value.items()}


def mapping_by_column(given: dict[str, str], headers: list[str]) -> Mapping:
    """Columns named by index ("0") or by their header ("ФИО") -> field keys."""
    by_name = {norm_header(h): str(i) for i, h in reversed(list(enumerate(headers)))}
    mapping: Mapping = {}
    for column, key in given.items():
        index = column if column.isdigit() else by_name.get(norm_header(column))
        if index is None:
            raise BadRequest(N_("The mapping names a column the file does not have"))
        mapping[index] = key
    return mapping


@requires(Permission.CLIENTS_IMPORT)
@described(ok=202, body=UPLOAD_FORM, media=UPLOAD, response=IMPORT)
async def create(request: web.Request) -> web.Response:
    """A file of clients, or of the ``target`` the form names (its permission is checked)."""
    return await _create(request, target=None)


@requires(Permission.ORDERS_IMPORT)
@described(ok=202, body=UPLOAD_FORM, media=UPLOAD, response=IMPORT)
async def create_orders(request: web.Request) -> web.Response:
    """``POST /api/v1/orders/import``: a file of order lines."""
    return await _create(request, target="orders")


async def _create(request: web.Request, *, target: str | None) -> web.Response:
    if not request.content_type.startswith("multipart/"):
        raise BadRequest(N_("Send the file as multipart/form-data"))
    form = await read_form(request)
    try:
        job = await _import(request, form, target)
    finally:
        close_files(form)  # also when the form is refused before its file is read
    request.app[IMPORT_RUNNER].start(job.id)
    return web.json_response(
        import_json(job), status=202, headers={"Location": f"/api/v1/imports/{job.id}"}
    )


async def _import(request: web.Request, form: MultiDictProxy[Any], target: str | None) -> Import:
    upload = form.get("file")
    if not isinstance(upload, web.FileField):
        raise BadRequest(N_("Send the file in the field named file"))
    target = target or str(form.get("target") or "clients")
    if target not in target_names():
        raise BadRequest(N_("Unknown import target"))
    actor = current_user(request)
    content = await read_upload(upload)
    async with request.app[SESSIONMAKER].begin() as session:
        job = await create_import(
            session,
            actor=actor,
            target=target,
            file_name=upload.filename,
            content=content,
            limits=request.app[SETTINGS].upload_limits,
            readers=request.app[UPLOAD_READERS],
        )
        mapping = _json_field(form, "mapping")
        return await configure_import(
            session,
            import_id=job.id,
            actor=actor,
            mapping=mapping_by_column(mapping, job.headers) if mapping else job.mapping,
            policy=_json_field(form, "policy") or {},
            skip_bad_rows=form_bool(form, "skip_bad_rows"),
        )


@requires(Permission.CLIENTS_IMPORT)
@described(response=IMPORT)
async def show(request: web.Request) -> web.Response:
    sessionmaker = request.app[SESSIONMAKER]
    async with sessionmaker.begin() as session:
        await expire_stale_imports(session)
    async with sessionmaker() as session:
        job = await get_import(session, int(request.match_info["id"]), actor=current_user(request))
    return web.json_response(import_json(job))


@requires(Permission.CLIENTS_IMPORT)
@described(response=items(IMPORT))
async def index(request: web.Request) -> web.Response:
    async with request.app[SESSIONMAKER]() as session:
        jobs = await list_imports(session, actor=current_user(request))
    return web.json_response({"items": [import_json(job, bad_rows=False) for job in jobs]})
