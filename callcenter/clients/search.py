"""The client list: search by name fragment, any phone format, INN or e-mail; filters; paging.

Name and phone fragments use the ``cc_trigrams`` GIN expression indexes created in the
migrations (PostgreSQL's own trigram search without needing the pg_trgm extension).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, select, union
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.clients.models import Client, ClientEmail, ClientPhone, client_tags
from callcenter.clients.service import client_loading, visible_to
from callcenter.errors import Forbidden
from callcenter.i18n import N_
from callcenter.phones import try_e164
from callcenter.users.models import User
from callcenter.users.roles import Permission

COUNT_CAP = 10_000
SORTS: dict[str, tuple[Any, ...]] = {
    "name": (Client.name.asc(), Client.id.asc()),
    "-name": (Client.name.desc(), Client.id.desc()),
    "created": (Client.created_at.asc(), Client.id.asc()),
    "-created": (Client.created_at.desc(), Client.id.desc()),
    "updated": (Client.updated_at.asc(), Client.id.asc()),
    "-updated": (Client.updated_at.desc(), Client.id.desc()),
}


@dataclass
class ClientQuery:
    q: str = ""
    phone: str = ""
    inn: str = ""
    email: str = ""
    owner_id: int | None = None
    channel_id: int | None = None
    segment_id: int | None = None
    tag_id: int | None = None
    kind: str = ""
    sort: str = "name"
    page: int = 1
    per_page: int = 50


@dataclass
class ClientPage:
    items: list[Client]
    total: int
    total_capped: bool  # more than COUNT_CAP matched: total shows the cap
    page: int
    per_page: int
    pages: int = field(init=False)

    def __post_init__(self) -> None:
        self.pages = max(1, -(-self.total // self.per_page))


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _norm(text: str) -> str:
    """As the database's cc_norm(): lower case, ё read as е, spaces collapsed."""
    return " ".join(text.lower().replace("ё", "е").split())


def name_matches(term: str) -> ColumnElement[bool]:
    norm = _norm(term)
    contains = func.cc_norm(Client.name).like(f"%{_like_escape(norm)}%")
    if len(norm) < 3:
        return func.cc_norm(Client.name).like(f"{_like_escape(norm)}%")
    return and_(func.cc_trigrams(Client.name).op("@>")(func.cc_trigrams(norm)), contains)


def _phone_ids(text: str, region: str) -> Select | None:
    e164 = try_e164(text, region)
    if e164:
        return select(ClientPhone.client_id).where(ClientPhone.e164 == e164)
    digits = re.sub(r"\D", "", text)
    if len(digits) < 3:
        return None
    return select(ClientPhone.client_id).where(
        func.cc_trigrams(ClientPhone.e164).op("@>")(func.cc_trigrams(digits)),
        ClientPhone.e164.like(f"%{digits}%"),
    )


def _email_ids(text: str) -> Select:
    email = text.strip().lower()
    return select(ClientEmail.client_id).where(ClientEmail.email.like(f"{_like_escape(email)}%"))


def _q_condition(q: str, region: str) -> ColumnElement[bool] | None:
    """What a free-text box means: an e-mail, a phone or INN (mostly digits), or a name."""
    text = q.strip()
    if not text:
        return None
    if "@" in text:
        return Client.id.in_(_email_ids(text))
    digits = re.sub(r"\D", "", text)
    if digits and len(digits) * 2 >= len(re.sub(r"\s", "", text)):
        parts = [p for p in (_phone_ids(text, region),) if p is not None]
        if len(digits) in (10, 12):
            parts.append(select(Client.id).where(Client.inn == digits))
        if not parts:
            return name_matches(text)
        return Client.id.in_(union(*parts) if len(parts) > 1 else parts[0])
    return name_matches(text)


def _conditions(query: ClientQuery, actor: User, region: str) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = [Client.merged_into_id.is_(None), visible_to(actor)]
    if (cond := _q_condition(query.q, region)) is not None:
        conds.append(cond)
    if query.phone.strip():
        ids = _phone_ids(query.phone, region)
        conds.append(Client.id.in_(ids) if ids is not None else Client.id.is_(None))
    if query.inn.strip():
        conds.append(Client.inn == re.sub(r"[\s\-]", "", query.inn))
    if query.email.strip():
        conds.append(Client.id.in_(_email_ids(query.email)))
    for column, value in (
        (Client.owner_id, query.owner_id),
        (Client.channel_id, query.channel_id),
        (Client.segment_id, query.segment_id),
    ):
        if value is not None:
            conds.append(column == value)
    if query.kind in ("person", "company"):
        conds.append(Client.kind == query.kind)
    if query.tag_id is not None:
        conds.append(
            Client.id.in_(
                select(client_tags.c.client_id).where(client_tags.c.tag_id == query.tag_id)
            )
        )
    return conds


async def search_clients(
    session: AsyncSession, query: ClientQuery, *, actor: User, region: str
) -> ClientPage:
    if not actor.can(Permission.CLIENTS_VIEW):
        raise Forbidden(N_("You may not see clients"))
    conds = _conditions(query, actor, region)
    per_page = min(max(query.per_page, 1), 200)
    page = max(query.page, 1)
    order = SORTS.get(query.sort, SORTS["name"])
    rows = await session.scalars(
        select(Client)
        .where(*conds)
        .order_by(*order)
        .limit(per_page)
        .offset((page - 1) * per_page)
        .options(*client_loading())
    )
    items = list(rows)
    if page == 1 and len(items) < per_page:
        total = len(items)
    else:
        capped = select(Client.id).where(*conds).limit(COUNT_CAP + 1).subquery()
        total = await session.scalar(select(func.count()).select_from(capped)) or 0
    return ClientPage(
        items=items,
        total=min(total, COUNT_CAP),
        total_capped=total > COUNT_CAP,
        page=page,
        per_page=per_page,
    )


async def find_by_phone(session: AsyncSession, e164: str) -> list[Client]:
    """Live clients holding this E.164 number: the caller lookup a screen-pop runs."""
    rows = await session.scalars(
        select(Client)
        .join(ClientPhone, ClientPhone.client_id == Client.id)
        .where(ClientPhone.e164 == e164, Client.merged_into_id.is_(None))
        .order_by(Client.updated_at.desc())
        .limit(10)
    )
    return list(rows.unique())
