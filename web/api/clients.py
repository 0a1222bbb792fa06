"""JSON API for clients: ``/api/v1/clients``.

``partner_code`` is the partner the client came through (null: none). Sent on POST, PUT or
PATCH it does what the client card's field does (``attribute_client``: set, change, or
remove with ``""``, audited; staff who manage partners only); left out, it changes nothing.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.clients.exceptions import DuplicateClient
from callcenter.clients.fields import REFERENCES, TEXTS
from callcenter.clients.models import Client
from callcenter.clients.search import ClientQuery, search_clients
from callcenter.clients.service import create_client as create
from callcenter.clients.service import get_client as fetch
from callcenter.clients.service import to_input
from callcenter.clients.service import update_client as update
from callcenter.errors import BadRequest
from callcenter.i18n import N_
from callcenter.partners.attribution import attribute_client, partner_codes_of
from callcenter.users.models import User
from callcenter.users.roles import Permission
from web.api.lists import list_response
from web.apidoc.describe import (
    ID,
    MOMENT,
    PAGING,
    SEARCH,
    TEXT,
    Schema,
    described,
    listing,
    nullable,
    obj,
    ref,
)
from web.auth import current_user, requires
from web.errors import error_body
from web.forms import BadJson, client_input_from_json
from web.keys import SESSIONMAKER, SETTINGS
from web.queries import client_query
from web.values import read_json


def _array(item: Schema) -> Schema:
    return {"type": "array", "items": item}


# the body ``client_input_from_json`` reads: the client's text fields and references by id
PHONE_IN: Schema = {"anyOf": [TEXT, obj(("number",), number=TEXT, kind=TEXT)]}
CLIENT_BODY = obj(
    **{name: nullable(TEXT) for name in TEXTS},
    **{name: nullable(ID) for name in REFERENCES},
    phones=_array(PHONE_IN),
    emails=_array(TEXT),
    tags=_array(TEXT),
    partner_code=nullable(TEXT),
    allow_duplicates={"type": "boolean"},
)
CLIENT = obj(
    ("id", "kind", "name", "phones", "emails", "created_at"),
    id=ID,
    kind=TEXT,
    name=TEXT,
    company=ref(),
    owner=ref("login"),
    channel=ref(),
    segment=ref(),
    phones=_array(obj(("number", "e164"), number=TEXT, e164=nullable(TEXT))),
    emails=_array(TEXT),
    tags=_array(TEXT),
    partner_code=nullable(TEXT),
    created_at=MOMENT,
    updated_at=MOMENT,
)


def partner_code_in(body: Any) -> str | None:
    """The body's ``partner_code``: None when left out; refused unless a string or null."""
    if not isinstance(body, dict) or "partner_code" not in body:
        return None
    value = body["partner_code"]
    if value is not None and not isinstance(value, str):
        message = N_("A partner's code is a string")
        raise BadRequest(message, fields={"partner_code": message})
    return (value or "")[:40]


def client_json(client: Client, partner_code: str | None = None) -> dict[str, Any]:
    def ref(obj: Any, label: str = "name") -> dict[str, Any] | None:
        return {"id": obj.id, label: getattr(obj, label)} if obj is not None else None

    return {
        "id": client.id,
        "kind": client.kind,
        "name": client.name,
        "company": ref(client.company),
        "inn": client.inn,
        "kpp": client.kpp,
        "ogrn": client.ogrn,
        "legal_address": client.legal_address,
        "postal_address": client.postal_address,
        "bank_name": client.bank_name,
        "bik": client.bik,
        "corr_account": client.corr_account,
        "settlement_account": client.settlement_account,
        "phones": [
            {"number": p.number, "e164": p.e164, "extension": p.extension or None, "kind": p.kind}
            for p in client.phones
        ],
        "emails": [e.email for e in client.emails],
        "owner": ref(client.owner, "login"),
        "channel": ref(client.channel),
        "segment": ref(client.segment),
        "tags": [t.name for t in client.tags],
        "notes": client.notes,
        "notify_by": client.notify_by,
        "partner_code": partner_code,
        "created_at": client.created_at.isoformat(),
        "updated_at": client.updated_at.isoformat(),
    }


def _duplicate_response(exc: DuplicateClient) -> web.Response:
    body = error_body(exc.id, exc.message, exc.fields)
    body["duplicates"] = [  # one of another manager's: that it exists, no id and no name
        {
            "field": d.field,
            "value": d.value,
            "visible": d.visible,
            "client_id": d.client_id,
            "client_name": d.client_name,
        }
        for d in exc.duplicates
    ]
    return web.json_response(body, status=exc.status)


@requires(Permission.CLIENTS_VIEW)
@described(response=listing(CLIENT), query=(SEARCH, *PAGING))
async def list_clients(request: web.Request) -> web.Response:
    query: ClientQuery = client_query(request)
    async with request.app[SESSIONMAKER]() as session:
        page = await search_clients(
            session, query, actor=current_user(request), region=request.app[SETTINGS].default_region
        )
        codes = await partner_codes_of(session, [c.id for c in page.items])
    items = [client_json(c, codes.get(c.id)) for c in page.items]
    return list_response(items, page, total_capped=page.total_capped)


@requires(Permission.CLIENTS_VIEW)
@described(response=CLIENT)
async def get_client(request: web.Request) -> web.Response:
    async with request.app[SESSIONMAKER]() as session:
        client = await fetch(session, int(request.match_info["id"]), actor=current_user(request))
        codes = await partner_codes_of(session, [client.id])
    return web.json_response(client_json(client, codes.get(client.id)))


@requires(Permission.CLIENTS_EDIT)
@described(ok=201, errors=(409,), body=CLIENT_BODY, response=CLIENT)
async def create_client(request: web.Request) -> web.Response:
    body = await read_json(request)
    code = partner_code_in(body)
    actor = current_user(request)
    try:
        data = client_input_from_json(body)
        async with request.app[SESSIONMAKER].begin() as session:
            client = await create(
                session,
                data=data,
                actor=actor,
                region=request.app[SETTINGS].default_region,
                allow_duplicates=bool(body.get("allow_duplicates")),
            )
            partner_code = await _attribute(session, client.id, code, actor)
    except BadJson as exc:
        raise BadRequest(str(exc)) from None
    except DuplicateClient as exc:
        return _duplicate_response(exc)
    return web.json_response(
        client_json(client, partner_code),
        status=201,
        headers={"Location": f"/api/v1/clients/{client.id}"},
    )


async def _attribute(
    session: AsyncSession, client_id: int, code: str | None, actor: User
) -> str | None:
    """Attribute as the card does when the body gives a code; the client's code after it."""
    if code is not None:
        await attribute_client(session, client_id=client_id, code=code, actor=actor, source="api")
    return (await partner_codes_of(session, [client_id])).get(client_id)


@requires(Permission.CLIENTS_EDIT)
@described(errors=(409,), body=CLIENT_BODY, response=CLIENT)
async def update_client(request: web.Request) -> web.Response:
    """PUT replaces the client; PATCH changes only the keys given."""
    client_id = int(request.match_info["id"])
    body = await read_json(request)
    actor = current_user(request)
    try:
        async with request.app[SESSIONMAKER].begin() as session:
            base = (
                to_input(await fetch(session, client_id, actor=actor))
                if request.method == "PATCH"
                else None
            )
            data = client_input_from_json(body, base)
            client = await update(
                session,
                client_id=client_id,
                data=data,
                actor=actor,
                region=request.app[SETTINGS].default_region,
                allow_duplicates=bool(body.get("allow_duplicates")),
            )
            partner_code = await _attribute(session, client.id, partner_code_in(body), actor)
    except BadJson as exc:
        raise BadRequest(str(exc)) from None
    except DuplicateClient as exc:
        return _duplicate_response(exc)
    return web.json_response(client_json(client, partner_code))
