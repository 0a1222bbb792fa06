"""Importing orders: one row per order line; the order number (or another system's
reference) gathers the lines of one order.

A row is checked by the orders' own ``validate_lines`` (and the client, when one has to be
made, by the clients' rules); the order it belongs to is put together and written by
``order_writer``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.clients.models import Channel
from callcenter.i18n import N_
from callcenter.imports.clients import ClientContext, ClientsTarget
from callcenter.imports.order_fields import FIELDS, LINE_ERRORS, NUMBER, header_of, text_of
from callcenter.imports.order_values import (
    NotADate,
    amount_text,
    name_key,
    parse_deadline,
    parse_moment,
    unit_code,
    unit_codes,
    vat_code,
)
from callcenter.imports.order_writer import OrderWriter
from callcenter.imports.records import ClientKeys, OrderRow
from callcenter.imports.targets import Cells, Choice, Field, RowInvalid, duplicate_choice
from callcenter.orders.input import LineInput, ProductFacts, validate_lines
from callcenter.orders.pipeline import first_stage
from callcenter.orders.statuses import list_statuses
from callcenter.phones import normalize_email, try_e164
from callcenter.products.models import Product
from callcenter.users.models import User
from callcenter.users.roles import Permission, Role

ACTION_LABELS = {
    "update": N_("update the order (replace its lines)"),
    "skip": N_("skip its rows"),
    "create": N_("create another order with a new number"),
}
MISSING_CLIENT = Choice(
    "client",
    N_("A client not in the base"),
    (
        ("bad", N_("the row is bad")),
        ("create", N_("create the client")),
        ("skip", N_("skip the row")),
    ),
    "bad",
)
CHOICES = (
    duplicate_choice(NUMBER, N_("An order number already in the base"), ACTION_LABELS),
    MISSING_CLIENT,
)


@dataclass
class OrderContext:
    actor_id: int
    timezone: str
    currency: str
    region: str
    statuses: dict[str, int]  # code, Russian or English name -> status id
    first_status: int | None
    managers: dict[str, int]  # login or full name -> user id
    channels: dict[str, int]
    skus: dict[str, int]
    product_names: dict[str, int]
    products: dict[int, ProductFacts]
    units: dict[str, str]
    clients: ClientContext  # to check (and make) a client the base lacks


def _names(pairs: Any) -> dict[str, int]:
    found: dict[str, int] = {}
    for text, ref in pairs:
        if text:
            found.setdefault(name_key(text), ref)
    return found


def _find(found: dict[str, int], text: str, errors: dict[str, str], key: str, msg: str) -> Any:
    if not text:
        return None
    ref = found.get(name_key(text))
    if ref is None:
        errors[key] = msg
    return ref


class OrdersTarget:
    name: str = "orders"
    label: str = N_("Orders")
    permission: Permission = Permission.ORDERS_IMPORT
    fields: tuple[Field, ...] = FIELDS
    choices: tuple[Choice, ...] = CHOICES
    choices_hint: str = N_(
        "Rows with the same order number (or external reference) are the lines of one order."
        " What should happen to an order whose number the base already has, and to a row"
        " whose client is not found by INN, phone, e-mail or name?"
    )
    needs_one_of: tuple[str, ...] = ("client", "client_inn", "client_phone", "client_email")
    created_label: str = N_("Orders created")
    updated_label: str = N_("Orders updated")

    async def load_context(
        self, session: AsyncSession, *, actor: User, region: str, currency: str = "RUB"
    ) -> Any:
        statuses = await list_statuses(session)
        start = first_stage(statuses)
        names = [(t, s.id) for s in statuses for t in (s.code, s.name_ru, s.name_en)]
        users = await session.scalars(
            select(User).where(User.active.is_(True), User.role.in_([Role.MANAGER, Role.ADMIN]))
        )
        people = [(t, u.id) for u in users for t in (u.login, u.full_name)]
        channels = await session.execute(select(Channel.name, Channel.id).where(Channel.active))
        products = list(await session.scalars(select(Product).order_by(Product.id)))
        return OrderContext(
            actor_id=actor.id,
            timezone=actor.timezone,
            currency=currency,
            region=region,
            statuses=_names(names),
            first_status=start.id if start else None,
            managers=_names(people),
            channels=_names(channels.all()),
            skus=_names((p.sku, p.id) for p in products),
            product_names=_names((p.name, p.id) for p in products if p.active),
            products={
                p.id: ProductFacts(p.name, p.price, p.unit_code, p.vat_rate) for p in products
            },
            units=unit_codes(),
            clients=await CLIENTS.load_context(session, actor=actor, region=region),
        )

    def clean_row(self, line: int, cells: Cells, context: Any) -> OrderRow:
        ctx: OrderContext = context
        errors: dict[str, str] = {}
        item, facts = _item(cells, ctx, errors)
        _clean, line_errors = validate_lines([item], ctx.products)
        if item.is_blank and "sku" not in errors:  # the form would drop it; a row cannot
            errors["product"] = N_("Describe the item or pick a product")
        for key, message in line_errors.items():
            if key != "lines":  # a row with no line at all: said above
                errors.setdefault(LINE_ERRORS[key.rpartition(".")[2]], message)
        row = OrderRow(
            line=line,
            number=text_of(cells, "number")[:20],
            reference=text_of(cells, "reference"),
            client=_client(line, cells, ctx),
            status_id=_find(
                ctx.statuses, text_of(cells, "status"), errors, "status", N_("No such status")
            ),
            created_at=_moment(cells, "date", ctx, errors, parse_moment),
            stage_due=_moment(cells, "stage_due", ctx, errors, parse_deadline),
            manager_id=_find(
                ctx.managers, text_of(cells, "manager"), errors, "manager", N_("No such user")
            ),
            channel_id=_find(
                ctx.channels, text_of(cells, "channel"), errors, "channel", N_("No such channel")
            ),
            notes=text_of(cells, "notes", "\n"),
            reason=text_of(cells, "reason"),
            item=item,
            facts=facts,
            columns={f.key: header_of(cells, f.key) for f in FIELDS},
            currency=ctx.currency,
        )
        if len(text_of(cells, "number")) > 20:
            errors["number"] = N_("Too long")
        if errors:
            raise RowInvalid({row.columns[key]: message for key, message in errors.items()})
        return row

    def writer(
        self, session: AsyncSession, *, policy: dict[str, str], actor: User, import_id: int
    ) -> OrderWriter:
        return OrderWriter(session, policy=policy, actor=actor, import_id=import_id)


def _moment(cells: Cells, key: str, ctx: OrderContext, errors: dict[str, str], parse: Any) -> Any:
    try:
        return parse(text_of(cells, key), ctx.timezone)
    except NotADate:
        errors[key] = N_("Not a date")
        return None


def _item(
    cells: Cells, ctx: OrderContext, errors: dict[str, str]
) -> tuple[LineInput, ProductFacts | None]:
    """The line: a catalog product by SKU or name, else the product column as free text."""
    sku, product = text_of(cells, "sku"), text_of(cells, "product")
    description = product
    product_id = ctx.skus.get(name_key(sku)) if sku else None
    if sku and product_id is None:
        errors["sku"] = N_("No such product")
    elif not sku and product:
        product_id = ctx.product_names.get(name_key(product))
        if product_id is None and (product_id := ctx.skus.get(name_key(product))) is not None:
            description = ""  # the product column gave the SKU: the catalog's name it is
    facts = ctx.products.get(product_id) if product_id is not None else None
    unit = text_of(cells, "unit")
    item = LineInput(
        product_id=product_id,
        description=description,
        quantity=amount_text(text_of(cells, "quantity")) or "1",
        price=amount_text(text_of(cells, "price")),
        discount_percent=amount_text(text_of(cells, "discount")) or "0",
        unit_code=unit_code(unit, ctx.units) if unit else "",
        vat_rate=vat_code(text_of(cells, "vat")),
    )
    return item, facts


def _client(line: int, cells: Cells, ctx: OrderContext) -> ClientKeys:
    """The client's keys for finding it, and the client to make should the base lack it."""
    phones = [try_e164(t, ctx.region) for _h, t in cells.get("client_phone", []) if t]
    emails = []
    for _h, text in cells.get("client_email", []):
        try:
            emails.append(normalize_email(text))
        except ValueError:
            continue  # not an address: it finds nobody (and a new client says why)
    inn = "".join(c for c in text_of(cells, "client_inn") if c.isdigit())
    keys = ClientKeys(
        inn=inn.zfill(10) if len(inn) == 9 else inn.zfill(12) if len(inn) == 11 else inn,
        phones=[p for p in phones if p],
        emails=emails,
        name=name_key(text_of(cells, "client")),
    )
    as_client = {
        "name": cells.get("client", []),
        "inn": cells.get("client_inn", []),
        "phone": cells.get("client_phone", []),
        "email": cells.get("client_email", []),
        "owner": cells.get("manager", []),
        "channel": cells.get("channel", []),
    }
    try:
        keys.new = CLIENTS.clean_row(line, as_client, ctx.clients)
    except RowInvalid as exc:
        keys.new_errors = exc.errors
    return keys


CLIENTS = ClientsTarget()
