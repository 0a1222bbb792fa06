"""Client pages: the searchable list, the card, create/edit with duplicate warnings, merge."""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.clients import lists
from callcenter.clients.exceptions import ClientInvalid, DuplicateClient
from callcenter.clients.input import ClientInput, PhoneInput
from callcenter.clients.merge import merge_clients
from callcenter.clients.models import Client
from callcenter.clients.search import ClientQuery, search_clients
from callcenter.clients.service import create_client, get_client, to_input, update_client
from callcenter.db import utcnow
from callcenter.dialer.consents import consented_channels, consents_of_client
from callcenter.dialer.terms import CONSENT_CHANNEL_LABELS, CONSENT_METHOD_LABELS
from callcenter.feedback.service import open_complaints
from callcenter.invoices.lists import InvoiceQuery, list_invoices
from callcenter.invoices.terms import ORDER_PAYMENT_LABELS
from callcenter.mailings.card import SUPPRESSION_LABELS, suppressed_addresses
from callcenter.orders.hints import bought_together, client_orders
from callcenter.orders.search import OrderQuery, search_orders
from callcenter.partners.attribution import attribution_of
from callcenter.partners.models import Partner
from callcenter.reports.loyalty.base import client_score
from callcenter.tasks.service import open_tasks
from callcenter.users.models import User
from callcenter.users.roles import Permission, Role
from callcenter.users.service import list_users
from web.auth import current_user, requires
from web.forms import client_input_from_form, form_bool
from web.keys import SESSIONMAKER, SETTINGS
from web.queries import client_query
from web.values import int_field
from web.views.client_activity import activity_context
from web.views.orders import duration


async def _choices(session: AsyncSession, actor: User) -> dict[str, Any]:
    users = [u for u in await list_users(session) if u.active]
    return {
        "owners": [u for u in users if u.role in (Role.MANAGER, Role.ADMIN)],
        "channels": await lists.list_entries(session, "channel"),
        "segments": await lists.list_entries(session, "segment"),
        "tags": await lists.list_tags(session),
        "may_choose_owner": actor.sees_every_client and actor.role != Role.OPERATOR,
    }


@requires(Permission.CLIENTS_VIEW)
@aiohttp_jinja2.template("clients/list.html")
async def client_list(request: web.Request) -> dict[str, Any]:
    actor = current_user(request)
    query = client_query(request)
    async with request.app[SESSIONMAKER]() as session:
        page = await search_clients(
            session, query, actor=actor, region=request.app[SETTINGS].default_region
        )
        choices = await _choices(session, actor)
    args = {k: v for k, v in request.query.items() if k != "page" and v}
    return {"page": page, "query": query, "args": args, **choices}


@requires(Permission.CLIENTS_VIEW)
@aiohttp_jinja2.template("clients/card.html")
async def card(request: web.Request) -> dict[str, Any]:
    actor = current_user(request)
    client_id = int(request.match_info["id"])
    async with request.app[SESSIONMAKER]() as session:
        client = await get_client(session, client_id, actor=actor)
        if client.merged_into_id:
            raise web.HTTPFound(f"/clients/{client.merged_into_id}")
        merged_ids = list(
            await session.scalars(select(Client.id).where(Client.merged_into_id == client.id))
        )
        members = list(
            await session.scalars(
                select(Client)
                .where(Client.company_id == client.id, Client.merged_into_id.is_(None))
                .order_by(Client.name)
            )
        )
        activity = await activity_context(request, session, [client.id, *merged_ids], actor)
        tasks = await open_tasks(session, client_ids=[client.id])
        orders = await _orders_section(session, client.id, actor)
        loyalty = await client_score(session, client.id, utcnow())
        invoices = []
        if actor.can(Permission.INVOICES_VIEW):
            query = InvoiceQuery(client_id=client.id, per_page=20)
            invoices = (await list_invoices(session, query, actor=actor)).items
        consents = await consents_of_client(session, client)
        attribution = await attribution_of(session, client.id)
        suppressed = await suppressed_addresses(session, [e.email for e in client.emails])
        partner_of_client = await session.scalar(
            select(Partner.id).where(Partner.client_id == client.id)
        )
        complaints = await open_complaints(session, [client.id])
    return {
        **orders,
        "invoices": invoices,
        "client": client,
        "members": members,
        "merged_ids": merged_ids,
        "tasks": tasks,
        "consents": consents,
        "consent_methods": CONSENT_METHOD_LABELS,
        "consent_channels": CONSENT_CHANNEL_LABELS,
        "consented": consented_channels(consents),
        "open_complaints": complaints.get(client.id, 0),
        "loyalty": loyalty,
        "attribution": attribution,
        "partner_of_client": partner_of_client,
        "suppressed": suppressed,
        "suppression_labels": SUPPRESSION_LABELS,
        "saved": request.query.get("saved") == "1",
        **activity,
    }


async def _orders_section(session: AsyncSession, client_id: int, actor: User) -> dict[str, Any]:
    """The card's orders: recent ones, lifetime value, the reorder rhythm, what others add."""
    if not actor.can(Permission.ORDERS_VIEW):
        return {"orders": None}
    page = await search_orders(session, OrderQuery(client_id=client_id, per_page=20), actor=actor)
    return {
        "orders": page,
        "order_summary": await client_orders(session, client_id),
        "bought_together": await bought_together(session, client_id),
        "duration": duration,
        "payment_labels": ORDER_PAYMENT_LABELS,
    }


def _blank_form() -> ClientInput:
    return ClientInput(phones=[PhoneInput("")], emails=[""])


async def _form_context(
    request: web.Request,
    form: ClientInput,
    *,
    client: Client | None,
    errors: dict[str, str] | None = None,
    message: str = "",
    duplicates: list[Any] | None = None,
) -> dict[str, Any]:
    async with request.app[SESSIONMAKER]() as session:
        choices = await _choices(session, current_user(request))
        company = await session.get(Client, form.company_id) if form.company_id else None
    if not form.phones:
        form.phones = [PhoneInput("")]
    if not form.emails:
        form.emails = [""]
    return {
        "form": form,
        "client": client,
        "errors": errors or {},
        "message": message,
        "duplicates": duplicates or [],
        "company": company,
        **choices,
    }


@requires(Permission.CLIENTS_EDIT)
async def new_page(request: web.Request) -> web.StreamResponse:
    form = _blank_form()
    form.kind = request.query.get("kind", "person")
    if request.query.get("phone"):
        form.phones = [PhoneInput(request.query["phone"])]
    form.company_id = int_field(request.query, "company")
    context = await _form_context(request, form, client=None)
    return aiohttp_jinja2.render_template("clients/form.html", request, context)


async def _save(request: web.Request, client_id: int | None) -> web.StreamResponse:
    actor = current_user(request)
    form = await request.post()
    data = client_input_from_form(form)
    region = request.app[SETTINGS].default_region
    try:
        async with request.app[SESSIONMAKER].begin() as session:
            confirmed = form_bool(form, "allow_duplicates")
            if client_id is None:
                client = await create_client(
                    session, data=data, actor=actor, region=region, allow_duplicates=confirmed
                )
            else:
                client = await update_client(
                    session,
                    client_id=client_id,
                    data=data,
                    actor=actor,
                    region=region,
                    allow_duplicates=confirmed,
                )
    except DuplicateClient as exc:
        return await _render_form(
            request, data, client_id, exc.fields, exc.message, exc.duplicates, status=409
        )
    except ClientInvalid as exc:
        return await _render_form(request, data, client_id, exc.fields, exc.message, [], 422)
    raise web.HTTPFound(f"/clients/{client.id}?saved=1")


async def _render_form(
    request: web.Request,
    data: ClientInput,
    client_id: int | None,
    errors: dict[str, str],
    message: str,
    duplicates: list[Any],
    status: int,
) -> web.StreamResponse:
    client = None
    if client_id is not None:
        async with request.app[SESSIONMAKER]() as session:
            client = await get_client(session, client_id, actor=current_user(request))
    context = await _form_context(
        request, data, client=client, errors=errors, message=message, duplicates=duplicates
    )
    return aiohttp_jinja2.render_template("clients/form.html", request, context, status=status)


@requires(Permission.CLIENTS_EDIT)
async def create(request: web.Request) -> web.StreamResponse:
    return await _save(request, None)


@requires(Permission.CLIENTS_EDIT)
async def edit_page(request: web.Request) -> web.StreamResponse:
    async with request.app[SESSIONMAKER]() as session:
        client = await get_client(
            session, int(request.match_info["id"]), actor=current_user(request)
        )
    context = await _form_context(request, to_input(client), client=client)
    return aiohttp_jinja2.render_template("clients/form.html", request, context)


@requires(Permission.CLIENTS_EDIT)
async def update(request: web.Request) -> web.StreamResponse:
    return await _save(request, int(request.match_info["id"]))


@requires(Permission.CLIENTS_MERGE)
@aiohttp_jinja2.template("clients/merge.html")
async def merge_page(request: web.Request) -> dict[str, Any]:
    actor = current_user(request)
    async with request.app[SESSIONMAKER]() as session:
        client = await get_client(session, int(request.match_info["id"]), actor=actor)
        other = None
        if other_id := int_field(request.query, "other"):
            other = await get_client(session, other_id, actor=actor)
        candidates = []
        if request.query.get("q"):
            found = await search_clients(
                session,
                ClientQuery(q=request.query["q"], per_page=20),
                actor=actor,
                region=request.app[SETTINGS].default_region,
            )
            candidates = [c for c in found.items if c.id != client.id and c.kind == client.kind]
    return {
        "client": client,
        "other": other,
        "candidates": candidates,
        "q": request.query.get("q", ""),
        "error": None,
    }


@requires(Permission.CLIENTS_MERGE)
async def merge(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    survivor_id = int(request.match_info["id"])
    other_id = int_field(form, "other_id")
    if other_id is None:
        raise ClientInvalid("Choose two different clients to merge")
    async with request.app[SESSIONMAKER].begin() as session:
        await merge_clients(
            session, survivor_id=survivor_id, duplicate_id=other_id, actor=current_user(request)
        )
    raise web.HTTPFound(f"/clients/{survivor_id}")
