"""The client list as a file: the list's own filters, sort and visibility; headers that the
import recognises, so an exported file can be edited and imported back."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, literal_column, select
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from callcenter.clients.models import Channel, Client, ClientEmail, ClientPhone, Segment, Tag
from callcenter.clients.models import client_tags as ct
from callcenter.clients.search import SORTS, ClientQuery
from callcenter.clients.search import _conditions as list_conditions
from callcenter.errors import Forbidden
from callcenter.exports.columns import BATCH, Column, Rows
from callcenter.i18n import N_
from callcenter.users.models import User
from callcenter.users.roles import Permission


def _joined(column: Any, where: Any, order: Any) -> Any:
    """A client's phones (e-mails, tags) as one cell: "a, b" in their order."""
    joined = func.string_agg(column, aggregate_order_by(literal_column("', '"), order))
    return select(joined).where(where).scalar_subquery()


class ClientsExport:
    name: str = "clients"
    permissions: tuple[Permission, ...] = (Permission.CLIENTS_VIEW, Permission.DATA_EXPORT)
    columns: tuple[Column, ...] = (
        Column(N_("Client no."), "number", 10),
        Column(N_("Person or company"), "term", 12),
        Column(N_("Name"), width=36),
        Column(N_("Company"), width=30),
        Column(N_("Phone"), width=20),
        Column(N_("E-mail"), width=28),
        Column(N_("INN"), width=14),
        Column(N_("KPP"), width=11),
        Column(N_("OGRN"), width=16),
        Column(N_("Legal address"), width=40),
        Column(N_("Postal address"), width=40),
        Column(N_("Bank"), width=30),
        Column(N_("BIK"), width=11),
        Column(N_("Correspondent account"), width=22),
        Column(N_("Settlement account"), width=22),
        Column(N_("Owner"), width=16),
        Column(N_("Channel"), width=18),
        Column(N_("Segment"), width=18),
        Column(N_("Tags"), width=24),
        Column(N_("Notes"), width=40),
        Column(N_("Created"), "datetime", 18),
        Column(N_("Updated"), "datetime", 18),
    )

    async def rows(
        self, session: AsyncSession, query: ClientQuery, *, actor: User, region: str
    ) -> Rows:
        if not all(actor.can(p) for p in self.permissions):
            raise Forbidden(N_("You may not export this list"))
        stmt = _statement(query, actor, region)
        result = await session.stream(stmt.execution_options(yield_per=BATCH))
        async for batch in result.partitions(BATCH):
            yield [tuple(row) for row in batch]


def _statement(query: ClientQuery, actor: User, region: str) -> Select:
    """The list's own conditions and order; one row per client with its links resolved."""
    company = aliased(Client)
    phone = ClientPhone.e164 + func.coalesce(func.nullif(" x" + ClientPhone.extension, " x"), "")
    return (
        select(
            Client.id,
            Client.kind,
            Client.name,
            company.name,
            _joined(phone, ClientPhone.client_id == Client.id, ClientPhone.position),
            _joined(ClientEmail.email, ClientEmail.client_id == Client.id, ClientEmail.position),
            Client.inn,
            Client.kpp,
            Client.ogrn,
            Client.legal_address,
            Client.postal_address,
            Client.bank_name,
            Client.bik,
            Client.corr_account,
            Client.settlement_account,
            User.login,
            Channel.name,
            Segment.name,
            _joined(Tag.name, (ct.c.client_id == Client.id) & (ct.c.tag_id == Tag.id), Tag.name),
            Client.notes,
            Client.created_at,
            Client.updated_at,
        )
        .outerjoin(company, company.id == Client.company_id)
        .outerjoin(User, User.id == Client.owner_id)
        .outerjoin(Channel, Channel.id == Client.channel_id)
        .outerjoin(Segment, Segment.id == Client.segment_id)
        .where(*list_conditions(query, actor, region))
        .order_by(*SORTS.get(query.sort, SORTS["name"]))
    )
